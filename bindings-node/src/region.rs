//! `SharedRegion` (core `seawall::shm`, `spec/shared_memory.md`): state
//! shared by the processes of one host (Node `cluster`, PM2).

use crate::conf::Opts;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use seawall::shm::{RegionOptions, SharedRegion};

/// A shared-memory region file, opened (created if missing).
#[napi(js_name = "NativeSharedRegion")]
pub struct NativeSharedRegion {
    inner: SharedRegion,
}

fn err(e: &seawall::Error) -> napi::Error {
    crate::error::from_core(e, crate::error::camel)
}

#[napi]
impl NativeSharedRegion {
    /// `size`, `slots`: used only when this call creates the file.
    #[napi(constructor, catch_unwind)]
    pub fn new(name: String, size: Option<f64>, slots: Option<f64>) -> Result<Self> {
        let d = RegionOptions::default();
        let opts = RegionOptions {
            size: match size {
                Some(v) => crate::conf::uint_value("size", v)?,
                None => d.size,
            },
            slots: match slots {
                Some(v) => u32::try_from(crate::conf::uint_value("slots", v)?).unwrap_or(u32::MAX),
                None => d.slots,
            },
        };
        let inner = SharedRegion::open_with(&name, &opts).map_err(|e| err(&e))?;
        Ok(Self { inner })
    }

    /// The file backing the region.
    #[napi(getter)]
    pub fn path(&self) -> String {
        self.inner.path().display().to_string()
    }

    /// Total bytes.
    #[napi(getter)]
    pub fn size(&self) -> f64 {
        self.inner.size() as f64
    }

    /// Deletes the region file (a missing one is not an error).
    #[napi(catch_unwind)]
    pub fn remove(name: String) -> Result<()> {
        SharedRegion::remove(&name).map_err(|e| err(&e))
    }
}

/// The region and slot name a constructor's options ask for: the JS layer
/// passes a `SharedRegion`'s path as `regionPath`, and `name`.
pub fn region_of(o: &Opts<'_>) -> Result<Option<(SharedRegion, String)>> {
    let Some(path) = o.string("regionPath")? else {
        return Ok(None);
    };
    let Some(name) = o.string("name")? else {
        return Err(o.core_error(&seawall::Error::config(
            "name",
            "is required with region (the shared primitive's name), got undefined",
        )));
    };
    let r = SharedRegion::open(&path).map_err(|e| o.core_error(&e))?;
    Ok(Some((r, name)))
}
