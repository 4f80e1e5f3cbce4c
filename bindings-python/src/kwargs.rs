//! Keyword-only constructors whose options distinguish "not given" (the
//! core default) from `None` (unset an optional field), as the vectors do.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The keyword arguments of one constructor call.
pub struct Kw<'py> {
    d: Option<Bound<'py, PyDict>>,
    ctor: &'static str,
}

fn none_error(field: &'static str) -> PyErr {
    Python::attach(|py| {
        crate::errors::type_error(py, false, field, format!("{field} must not be None"))
    })
}

/// A keyword's value: absent, `None`, or a value.
pub enum Arg<'py> {
    Absent,
    Null,
    Value(Bound<'py, PyAny>),
}

impl<'py> Kw<'py> {
    pub fn new(ctor: &'static str, d: Option<&Bound<'py, PyDict>>) -> PyResult<Self> {
        Ok(Self {
            d: match d {
                Some(d) => Some(d.copy()?),
                None => None,
            },
            ctor,
        })
    }

    /// Takes `key` out of the remaining keywords.
    pub fn take(&mut self, key: &str) -> PyResult<Arg<'py>> {
        let Some(d) = &self.d else {
            return Ok(Arg::Absent);
        };
        match d.get_item(key)? {
            None => Ok(Arg::Absent),
            Some(v) => {
                d.del_item(key)?;
                Ok(if v.is_none() {
                    Arg::Null
                } else {
                    Arg::Value(v)
                })
            }
        }
    }

    /// `TypeError` for any keyword nobody took.
    pub fn finish(self) -> PyResult<()> {
        if let Some(d) = self.d {
            if let Some((k, _)) = d.iter().next() {
                return Err(PyTypeError::new_err(format!(
                    "{}() got an unexpected keyword argument {}",
                    self.ctor,
                    k.repr()?
                )));
            }
        }
        Ok(())
    }
}

impl<'py> Arg<'py> {
    /// Absent → `default`; `None` → `None` when `nullable`, else TypeError;
    /// a value → `conv(value)`.
    pub fn opt<T>(
        self,
        field: &'static str,
        default: Option<T>,
        nullable: bool,
        conv: impl FnOnce(&Bound<'py, PyAny>) -> PyResult<T>,
    ) -> PyResult<Option<T>> {
        match self {
            Arg::Absent => Ok(default),
            Arg::Null if nullable => Ok(None),
            Arg::Null => Err(none_error(field)),
            Arg::Value(v) => conv(&v).map(Some),
        }
    }

    /// A required-with-default value (None is a TypeError).
    pub fn req<T>(
        self,
        field: &'static str,
        default: T,
        conv: impl FnOnce(&Bound<'py, PyAny>) -> PyResult<T>,
    ) -> PyResult<T> {
        match self {
            Arg::Absent => Ok(default),
            Arg::Null => Err(none_error(field)),
            Arg::Value(v) => conv(&v),
        }
    }
}
