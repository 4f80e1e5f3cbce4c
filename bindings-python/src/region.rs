//! `SharedRegion`: state shared by the processes of one host
//! (core `seawall::shm`, `spec/shared_memory.md`).

use crate::convert::{count, wrong_type, Kind};
use crate::errors::to_pyerr;
use pyo3::prelude::*;
use seawall::shm::{RegionOptions, SharedRegion as Core};

/// A shared-memory region: a file (default under /dev/shm) every process
/// opening the same name maps. Primitives built with ``region=`` and a
/// ``name`` live in it, so pre-fork workers share one limit, one breaker,
/// one bulkhead.
#[pyclass(frozen, module = "seawall._native", name = "SharedRegion")]
pub struct SharedRegion {
    pub inner: Core,
}

fn text(v: &Bound<'_, PyAny>, field: &'static str) -> PyResult<String> {
    v.extract::<String>()
        .map_err(|_| wrong_type(field, "a str", v, Kind::Argument))
}

#[pymethods]
impl SharedRegion {
    #[new]
    #[pyo3(signature = (name, *, size=None, slots=None))]
    fn new(
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        size: Option<&Bound<'_, PyAny>>,
        slots: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let name = text(name, "name")?;
        let d = RegionOptions::default();
        let opts = RegionOptions {
            size: match size {
                Some(v) if !v.is_none() => count(v, "size", Kind::Config)?,
                _ => d.size,
            },
            slots: match slots {
                Some(v) if !v.is_none() => {
                    let n = count(v, "slots", Kind::Config)?;
                    u32::try_from(n).unwrap_or(u32::MAX)
                }
                _ => d.slots,
            },
        };
        // Opening maps a file: no Python object is touched meanwhile.
        let inner = py
            .detach(|| Core::open_with(&name, &opts))
            .map_err(|e| to_pyerr(py, &e))?;
        Ok(Self { inner })
    }

    /// The file backing the region.
    #[getter]
    fn path(&self) -> String {
        self.inner.path().display().to_string()
    }

    /// Total bytes of the region.
    #[getter]
    fn size(&self) -> u64 {
        self.inner.size()
    }

    /// Deletes the region file ``name`` (processes that have it open keep
    /// their mapping). A missing file is not an error.
    #[staticmethod]
    fn remove(py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<()> {
        let name = text(name, "name")?;
        Core::remove(&name).map_err(|e| to_pyerr(py, &e))
    }

    fn __repr__(&self) -> String {
        format!(
            "SharedRegion({:?})",
            self.inner.path().display().to_string()
        )
    }
}

/// The `region=` / `name=` keywords of a constructor: `None` for a
/// primitive on the heap; a region needs a name, and a name is only a
/// region slot's (never silently ignored).
pub fn region_arg(
    region: Option<&Bound<'_, PyAny>>,
    name: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<(Core, String)>> {
    let Some(r) = region.filter(|r| !r.is_none()) else {
        if let Some(n) = name.filter(|n| !n.is_none()) {
            return Err(to_pyerr(
                n.py(),
                &seawall::Error::config(
                    "name",
                    "names a primitive in a SharedRegion: pass region= too (got name= without it)",
                ),
            ));
        }
        return Ok(None);
    };
    let r = r
        .cast::<SharedRegion>()
        .map_err(|_| wrong_type("region", "a seawall.SharedRegion or None", r, Kind::Config))?;
    let name = match name.filter(|n| !n.is_none()) {
        Some(n) => text(n, "name")?,
        None => {
            return Err(to_pyerr(
                r.py(),
                &seawall::Error::config(
                    "name",
                    "is required with region= (the slot's name), got None",
                ),
            ))
        }
    };
    Ok(Some((r.get().inner.clone(), name)))
}
