//! Settling the Redis limiters' promises: one Node-API threadsafe function
//! per backend, created once, instead of one per promise. The backend's
//! runtime threads push finished decisions into a queue and wake the event
//! loop once per batch (only when the queue was empty); the event loop
//! settles every promise of the batch in one callback. The threadsafe
//! function keeps the event loop alive only while a promise is pending.

use crate::error::from_core;
use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::{sys, Env, JsError, Result};
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::redis::RedisDecision;

type Outcome = seawall::Result<seawall::Decision>;

/// What the runtime threads and the event loop share.
struct Shared {
    /// Finished decisions not yet settled: (slot, outcome).
    done: Vec<(u32, Outcome)>,
    /// The event loop was woken for `done` and has not drained it yet.
    woken: bool,
    /// The threadsafe function is gone (released, or the env tore down).
    closed: bool,
}

/// Only ever touched on the event loop thread (a Mutex only to be `Sync`;
/// never contended).
struct JsSide {
    deferreds: Vec<sys::napi_deferred>,
    free: Vec<u32>,
    pending: usize,
    /// Every JS owner (backend, limiters) is gone: release the threadsafe
    /// function once nothing is pending.
    orphaned: bool,
    released: bool,
}

pub struct Queue {
    /// The `napi_threadsafe_function` (set once, right after creation).
    tsfn: AtomicUsize,
    shared: Mutex<Shared>,
    js: Mutex<JsSide>,
}

// SAFETY: `tsfn` is a Node-API threadsafe function, callable from any
// thread (calls are made only while `shared.closed` is false, under its
// lock, and the finalizer sets it under the same lock); the deferreds in
// `js` are only used on the event loop thread (in `promise` and the
// threadsafe function's callback).
unsafe impl Send for Queue {}
unsafe impl Sync for Queue {}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The JS owners' handle (backend and limiters hold it; dropped on the
/// event loop thread when the last of them is collected).
pub struct Settler {
    queue: Arc<Queue>,
}

impl Settler {
    pub fn new(env: &Env) -> Result<Self> {
        let raw_env = env.raw();
        let mut name = ptr::null_mut();
        let label = "seawall-redis";
        // SAFETY: plain Node-API calls on the event loop thread with valid
        // out-pointers.
        unsafe {
            check(sys::napi_create_string_utf8(
                raw_env,
                label.as_ptr().cast(),
                label.len() as isize,
                &mut name,
            ))?;
        }
        let queue = Arc::new(Queue {
            tsfn: AtomicUsize::new(0),
            shared: Mutex::new(Shared {
                done: Vec::new(),
                woken: false,
                closed: false,
            }),
            js: Mutex::new(JsSide {
                deferreds: Vec::new(),
                free: Vec::new(),
                pending: 0,
                orphaned: false,
                released: false,
            }),
        });
        // The threadsafe function owns one count of the Arc (its context),
        // given back in `finalize`.
        let ctx = Arc::into_raw(Arc::clone(&queue)) as *mut c_void;
        let mut tsfn = ptr::null_mut();
        // SAFETY: as above; `ctx` stays valid until `finalize` runs.
        let st = unsafe {
            sys::napi_create_threadsafe_function(
                raw_env,
                ptr::null_mut(),
                ptr::null_mut(),
                name,
                0,
                1,
                ctx,
                Some(finalize),
                ctx,
                Some(call_js),
                &mut tsfn,
            )
        };
        if st != sys::Status::napi_ok {
            // SAFETY: the count given to the threadsafe function that was
            // never created.
            drop(unsafe { Arc::from_raw(ctx as *const Queue) });
            return Err(check_err(st));
        }
        queue.tsfn.store(tsfn as usize, Ordering::Release);
        // SAFETY: event loop thread; `tsfn` was just created.
        check(unsafe { sys::napi_unref_threadsafe_function(raw_env, tsfn) })?;
        Ok(Self { queue })
    }

    /// A new promise and the completion that settles it (callable once,
    /// from any thread).
    pub fn promise<'e>(
        &self,
        env: &'e Env,
    ) -> Result<(Object<'e>, impl FnOnce(Outcome) + Send + 'static)> {
        let mut deferred = ptr::null_mut();
        let mut promise = ptr::null_mut();
        // SAFETY: Node-API call on the event loop thread.
        check(unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) })?;
        let slot = {
            let mut js = lock(&self.queue.js);
            if js.pending == 0 && self.queue.alive() {
                // SAFETY: event loop thread; the function is not released
                // while an owner (self) exists.
                check(unsafe { sys::napi_ref_threadsafe_function(env.raw(), self.queue.tsfn()) })?;
            }
            js.pending += 1;
            match js.free.pop() {
                Some(s) => {
                    if let Some(d) = js.deferreds.get_mut(s as usize) {
                        *d = deferred;
                    }
                    s
                }
                None => {
                    js.deferreds.push(deferred);
                    (js.deferreds.len() - 1) as u32
                }
            }
        };
        let queue = Arc::clone(&self.queue);
        Ok((Object::from_raw(env.raw(), promise), move |r: Outcome| {
            let mut s = lock(&queue.shared);
            if s.closed {
                return;
            }
            s.done.push((slot, r));
            if !s.woken {
                s.woken = true;
                // SAFETY: not closed (checked under the lock the finalizer
                // takes), so the function is alive.
                unsafe {
                    sys::napi_call_threadsafe_function(
                        queue.tsfn(),
                        ptr::null_mut(),
                        sys::ThreadsafeFunctionCallMode::nonblocking,
                    );
                }
            }
        }))
    }
}

impl Drop for Settler {
    fn drop(&mut self) {
        let mut js = lock(&self.queue.js);
        js.orphaned = true;
        if js.pending == 0 && !js.released && self.queue.alive() {
            js.released = true;
            // SAFETY: releasing the one thread count, once.
            unsafe {
                sys::napi_release_threadsafe_function(
                    self.queue.tsfn(),
                    sys::ThreadsafeFunctionReleaseMode::release,
                );
            }
        }
    }
}

impl Queue {
    /// The threadsafe function was not finalized (by its release or by the
    /// env tearing down, after which no Node-API call may name it).
    fn alive(&self) -> bool {
        !lock(&self.shared).closed
    }

    fn tsfn(&self) -> sys::napi_threadsafe_function {
        self.tsfn.load(Ordering::Acquire) as sys::napi_threadsafe_function
    }
}

fn check_err(st: sys::napi_status) -> napi::Error {
    napi::Error::new(
        napi::Status::from(st),
        "could not set up the Redis promise queue".to_string(),
    )
}

fn check(st: sys::napi_status) -> Result<()> {
    if st == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(check_err(st))
    }
}

unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the context count taken in `Settler::new`.
    let queue = unsafe { Arc::from_raw(data as *const Queue) };
    lock(&queue.shared).closed = true;
}

unsafe extern "C" fn call_js(
    env: sys::napi_env,
    _js_cb: sys::napi_value,
    context: *mut c_void,
    _data: *mut c_void,
) {
    if env.is_null() || context.is_null() {
        return;
    }
    // SAFETY: the context count is alive until `finalize`, which runs
    // after the last call.
    let queue = unsafe { &*(context as *const Queue) };
    let batch = {
        let mut s = lock(&queue.shared);
        s.woken = false;
        std::mem::take(&mut s.done)
    };
    let mut js = lock(&queue.js);
    for (slot, r) in batch {
        let Some(d) = js.deferreds.get(slot as usize).copied() else {
            continue;
        };
        js.free.push(slot);
        js.pending = js.pending.saturating_sub(1);
        // SAFETY: event loop thread; each deferred is settled exactly once
        // (its slot is freed here and reused only by a new promise).
        unsafe {
            match r {
                Ok(d0) => {
                    let v = RedisDecision {
                        allowed: d0.allowed,
                        remaining: d0.remaining as f64,
                        retry_after_ms: d0.retry_after.as_secs_f64() * 1000.0,
                        reset_after_ms: d0.reset_after.as_secs_f64() * 1000.0,
                    };
                    match RedisDecision::to_napi_value(env, v) {
                        Ok(v) => sys::napi_resolve_deferred(env, d, v),
                        Err(e) => {
                            sys::napi_reject_deferred(env, d, JsError::from(e).into_value(env))
                        }
                    };
                }
                Err(e) => {
                    let e = from_core(&e, |f| f.to_string());
                    sys::napi_reject_deferred(env, d, JsError::from(e).into_value(env));
                }
            }
        }
    }
    if js.pending == 0 {
        if !queue.alive() {
            // The env is tearing down: the function is already gone.
        } else if js.orphaned && !js.released {
            js.released = true;
            // SAFETY: releasing the one thread count, once.
            unsafe {
                sys::napi_release_threadsafe_function(
                    queue.tsfn(),
                    sys::ThreadsafeFunctionReleaseMode::release,
                );
            }
        } else if !js.released {
            // SAFETY: event loop thread; not released.
            unsafe {
                sys::napi_unref_threadsafe_function(env, queue.tsfn());
            }
        }
    }
}
