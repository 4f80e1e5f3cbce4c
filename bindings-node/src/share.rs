//! Primitives shared by the worker threads of one process.
//!
//! Each thread loads the addon and has its own napi objects, but the core
//! primitives are `Arc`s that any thread may use. `share()` registers the
//! primitive here under a process-wide id; a worker given that id (a plain
//! number, which `postMessage` copies) attaches a new napi object of its own
//! to the same `Arc`: one limit, one breaker state for the whole process.
//!
//! The registry holds what it was given: a shared primitive lives as long
//! as the process (sharing the same object again gives the same id), so a
//! worker can attach whenever it starts, whatever became of the sharer's
//! object. Share the long-lived primitives of a process, not one per call.

use crate::error;
use napi::Result;
use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

type Entry = (&'static str, Arc<dyn Any + Send + Sync>);

static NEXT: AtomicU64 = AtomicU64::new(1);

fn registry() -> &'static Mutex<HashMap<u64, Entry>> {
    static R: OnceLock<Mutex<HashMap<u64, Entry>>> = OnceLock::new();
    R.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The process-wide id of `v` (the same id when shared again).
pub fn share<T: Any + Send + Sync>(kind: &'static str, v: &Arc<T>) -> f64 {
    let mut g = registry().lock().unwrap_or_else(PoisonError::into_inner);
    let ptr = Arc::as_ptr(v).cast::<()>();
    if let Some((id, _)) = g
        .iter()
        .find(|(_, (k, a))| *k == kind && Arc::as_ptr(a).cast::<()>() == ptr)
    {
        return *id as f64;
    }
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let any: Arc<dyn Any + Send + Sync> = Arc::clone(v) as Arc<dyn Any + Send + Sync>;
    g.insert(id, (kind, any));
    id as f64
}

/// The primitive shared under `id`, which must be of `kind`.
pub fn attach<T: Any + Send + Sync>(kind: &'static str, id: f64) -> Result<Arc<T>> {
    let missing = || {
        error::argument("handle",
            format!(
                "does not name a shared {kind} of this process (id {id}): pass the handle share() made, as is"
            ),
        )
    };
    if !(id >= 1.0 && id.fract() == 0.0 && id <= crate::conf::MAX_SAFE_INTEGER) {
        return Err(missing());
    }
    let g = registry().lock().unwrap_or_else(PoisonError::into_inner);
    let (k, w) = g.get(&(id as u64)).ok_or_else(missing)?;
    if *k != kind {
        return Err(error::argument(
            "handle",
            format!("names a shared {k}, not a {kind}"),
        ));
    }
    Arc::clone(w).downcast::<T>().map_err(|_| missing())
}
