//! The generic FFI pieces of the addon; this module knows no primitive.
//! Each primitive module owns its registry (its slabs, declared with
//! [`thread_ctx!`]) and its raw hot functions (a `HOT_FNS` table); `lib.rs`
//! is the one place that registers them ([`register_raw`]).
//!
//! Hot calls without `this`: each native object is also registered in a
//! per-thread table, and the JS layer calls plain functions with its integer
//! id (`limiterTryAcquireKey(id, key, n)`), which skips napi's receiver unwrap (about half
//! the cost of a method call). The napi class owns the registration and
//! removes it when it is garbage-collected. Ids are checked: a stale or
//! foreign id finds nothing and the call answers "not found", never touches
//! memory.
//!
//! A per-thread scratch `Float64Array` (set once by `lib/native.js`) carries
//! the extra numbers of a hot answer (remaining, retry-after, a start time)
//! so they cross without allocating an object.
//!
//! The hottest functions (each module's `HOT_FNS`: the breaker's acquire
//! and record, the limiter's tries, the bulkhead's enqueue and release, the
//! backoff's steps) go further:
//! - they are raw Node-API callbacks, not napi-rs `#[napi]` functions, whose
//!   generated wrapper costs more per call than their work;
//! - they take no JS argument and return `undefined`: the caller writes the
//!   inputs to the scratch array and reads the answer from it, because each
//!   Node-API argument conversion and returned number costs more than their
//!   work (the floors are in bindings-node/BENCHMARKS.md and `bench/floor.js`);
//! - each gets the thread's [`Hot`] table as its callback data, so it finds
//!   its object and the scratch array without a thread-local lookup.
//!
//! Panics are still caught ([`call`]).

use napi::bindgen_prelude::{Float64Array, JsError, Object};
use napi::{sys, Env, JsValue};
use napi_derive::napi;
use std::cell::{Cell, RefCell};
use std::ffi::{c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::{Rc, Weak};
use std::sync::Arc;

/// A slab of `Arc<T>` addressed by `u32` ids.
pub struct Slab<T> {
    items: Vec<Option<Arc<T>>>,
    free: Vec<u32>,
}

impl<T> Slab<T> {
    pub const fn new() -> Self {
        Self {
            items: Vec::new(),
            free: Vec::new(),
        }
    }

    pub fn insert(&mut self, v: Arc<T>) -> u32 {
        if let Some(id) = self.free.pop() {
            if let Some(slot) = self.items.get_mut(id as usize) {
                *slot = Some(v);
                return id;
            }
        }
        self.items.push(Some(v));
        (self.items.len() - 1) as u32
    }

    #[inline]
    pub fn get(&self, id: u32) -> Option<&Arc<T>> {
        self.items.get(id as usize).and_then(Option::as_ref)
    }

    pub fn remove(&mut self, id: u32) {
        if let Some(slot) = self.items.get_mut(id as usize) {
            if slot.take().is_some() {
                self.free.push(id);
            }
        }
    }
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// A slab of owned values addressed by `u32` ids, taken out exactly once.
pub struct ValSlab<T> {
    items: Vec<Option<T>>,
    free: Vec<u32>,
}

impl<T> ValSlab<T> {
    pub const fn new() -> Self {
        Self {
            items: Vec::new(),
            free: Vec::new(),
        }
    }

    pub fn insert(&mut self, v: T) -> u32 {
        if let Some(id) = self.free.pop() {
            if let Some(slot) = self.items.get_mut(id as usize) {
                *slot = Some(v);
                return id;
            }
        }
        self.items.push(Some(v));
        (self.items.len() - 1) as u32
    }

    pub fn get_mut(&mut self, id: u32) -> Option<&mut T> {
        self.items.get_mut(id as usize).and_then(Option::as_mut)
    }

    pub fn take(&mut self, id: u32) -> Option<T> {
        let v = self.items.get_mut(id as usize).and_then(Option::take);
        if v.is_some() {
            self.free.push(id);
        }
        v
    }
}

impl<T> Default for ValSlab<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The length of the scratch array `lib/native.js` allocates (read from
/// `protocol().scratchLen`): the backoff's ARGS + MAX_STEPS.
pub const SCRATCH_LEN: u32 = 48;

thread_local! {
    static SCRATCH: Cell<ScratchPtr> = const { Cell::new((std::ptr::null_mut(), 0)) };
    static CTXS: RefCell<Vec<Weak<dyn ScratchHolder>>> = const { RefCell::new(Vec::new()) };
}

/// Installs this thread's scratch array. Its napi reference is leaked on
/// purpose: the array lives as long as this thread's JS environment (the JS
/// module holds it too), so the pointer stays valid.
#[napi(catch_unwind)]
pub fn set_scratch(arr: Float64Array) {
    let len = arr.len();
    let ptr = arr.as_ptr().cast_mut();
    SCRATCH.with(|s| s.set((ptr, len)));
    CTXS.with(|v| {
        for c in v.borrow().iter().filter_map(Weak::upgrade) {
            c.set_scratch((ptr, len));
        }
    });
    std::mem::forget(arr);
}

/// Writes slot `i` of the scratch array (no-op when not installed).
#[inline]
pub fn put(i: usize, v: f64) {
    SCRATCH.with(|s| {
        let (ptr, len) = s.get();
        if i < len && !ptr.is_null() {
            // SAFETY: `ptr` points into the live Float64Array whose
            // reference set_scratch leaked for this thread's life; JS runs on this thread
            // only and does not touch the array during a native call.
            unsafe { ptr.add(i).write(v) }
        }
    })
}

/// Writes slots 0..vals.len() of the scratch array with one thread-local access.
#[inline]
pub fn put_all(vals: &[f64]) {
    SCRATCH.with(|s| {
        let (ptr, len) = s.get();
        if ptr.is_null() {
            return;
        }
        for (i, v) in vals.iter().enumerate().take(len) {
            // SAFETY: as in `put`; `i < len` by `take(len)`.
            unsafe { ptr.add(i).write(*v) }
        }
    })
}

/// Writes `out[i] = f(i)` into the scratch array for `i < n`, one access.
#[inline]
pub fn fill(n: usize, mut f: impl FnMut(usize) -> f64) -> usize {
    SCRATCH.with(|s| {
        let (ptr, len) = s.get();
        if ptr.is_null() {
            return 0;
        }
        let n = n.min(len);
        for i in 0..n {
            // SAFETY: as in `put`; `i < n <= len`.
            unsafe { ptr.add(i).write(f(i)) }
        }
        n
    })
}

/// The pointer and length of this thread's scratch array (null until
/// `setScratch` installs it).
type ScratchPtr = (*mut f64, usize);

/// A context told of the scratch array when `setScratch` installs it.
trait ScratchHolder {
    fn set_scratch(&self, s: ScratchPtr);
}

/// The callback data of a raw hot function: the scratch slot of its thread
/// and the registry `R` of the module that owns the function (its slabs of
/// objects reached by id). This module knows no primitive: each primitive
/// module declares its own `R` and per-thread `Rc<Ctx<R>>`
/// ([`thread_ctx!`]), and `lib.rs` registers each module's functions with
/// its context ([`register_raw`]). `Ctx<R>` derefs to `R`.
///
/// Shared (`Rc`) by the thread-local, every napi object registered in it (to
/// unregister on drop) and every raw hot function (its callback data,
/// released by a finalizer on the function), so it lives as long as any of
/// them, whatever order an environment is torn down in.
pub struct Ctx<R> {
    // A copy (not a shared cell): the hot path reads it with one load.
    scratch: Cell<ScratchPtr>,
    reg: R,
}

impl<R> ScratchHolder for Ctx<R> {
    fn set_scratch(&self, s: ScratchPtr) {
        self.scratch.set(s);
    }
}

impl<R: 'static> Ctx<R> {
    /// A context for this thread, told of its scratch array (now and when
    /// `setScratch` installs one later).
    pub fn new_rc(reg: R) -> Rc<Self> {
        let c = Rc::new(Self {
            scratch: Cell::new(SCRATCH.with(Cell::get)),
            reg,
        });
        let w: Weak<dyn ScratchHolder> = Rc::downgrade(&c) as Weak<dyn ScratchHolder>;
        CTXS.with(|v| {
            let mut v = v.borrow_mut();
            v.retain(|w| w.strong_count() > 0);
            v.push(w);
        });
        c
    }
}

impl<R> std::ops::Deref for Ctx<R> {
    type Target = R;
    #[inline(always)]
    fn deref(&self) -> &R {
        &self.reg
    }
}

impl<R> Ctx<R> {
    /// Writes slot `i` of the scratch array (no-op when not installed).
    #[inline]
    pub fn put(&self, i: usize, v: f64) {
        let (ptr, len) = self.scratch.get();
        if i < len && !ptr.is_null() {
            // SAFETY: as in `put`.
            unsafe { ptr.add(i).write(v) }
        }
    }

    /// Reads slot `i` of the scratch array (NaN when not installed).
    #[inline]
    pub fn arg(&self, i: usize) -> f64 {
        let (ptr, len) = self.scratch.get();
        if i < len && !ptr.is_null() {
            // SAFETY: as in `put`.
            unsafe { ptr.add(i).read() }
        } else {
            f64::NAN
        }
    }

    /// Slot `i` as an id: an integer in [0, 2^32), else `None`.
    #[inline]
    pub fn id_arg(&self, i: usize) -> Option<u32> {
        let v = self.arg(i);
        // The cast saturates (NaN -> 0); the round trip keeps only exact
        // ids (`fract()` would be a libm call here).
        let id = v as u32;
        (f64::from(id) == v).then_some(id)
    }
}

/// Declares a module's per-thread context: `thread_ctx!(Registry)` defines
/// `pub type Hot = Ctx<Registry>` and `pub fn hot() -> Rc<Hot>` (this
/// thread's context, made with `Registry::default()` on first use).
#[macro_export]
macro_rules! thread_ctx {
    ($reg:ty) => {
        /// This module's context of raw hot calls (see `ffi::Ctx`).
        pub type Hot = $crate::ffi::Ctx<$reg>;
        thread_local! {
            static HOT_CTX: std::rc::Rc<Hot> =
                $crate::ffi::Ctx::new_rc(<$reg>::default());
        }
        /// This thread's context (for constructors, cold functions and
        /// `lib.rs`' registration).
        pub fn hot() -> std::rc::Rc<Hot> {
            HOT_CTX.with(std::rc::Rc::clone)
        }
    };
}

/// A raw Node-API callback.
pub type RawFn = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// The body of every raw hot function: finds its [`Ctx`] (the callback
/// data), runs `f` inside `catch_unwind`, and throws its error (or
/// the panic, as napi-rs' `catch_unwind` does) into JS. The function
/// returns `undefined`: its arguments and answers travel in the scratch
/// array ([`Ctx::arg`], [`Ctx::put`]), because each Node-API argument
/// conversion or return value costs more than the work of these calls.
///
/// # Safety
/// `env` and `info` are the arguments Node passed to a callback registered
/// by [`register_raw`] with a context of this `R` (whose data is an
/// `Rc<Ctx<R>>` kept alive by the function).
#[inline(always)]
pub unsafe fn call<R>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    f: impl FnOnce(&Ctx<R>) -> napi::Result<()>,
) -> sys::napi_value {
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut data: *mut c_void = std::ptr::null_mut();
        let mut argc = 0usize;
        // SAFETY: the caller's contract; no argument is read.
        let st = unsafe {
            sys::napi_get_cb_info(
                env,
                info,
                &mut argc,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut data,
            )
        };
        if st != sys::Status::napi_ok || data.is_null() {
            return Err(napi::Error::from_reason("seawall: bad native call"));
        }
        // SAFETY: `data` is the `Rc<Ctx<R>>` given at registration,
        // released only when this function object is collected (it is
        // running now).
        f(unsafe { &*data.cast::<Ctx<R>>() })
    }));
    // SAFETY: the caller's contract: `env` is this call's, on the JS thread.
    unsafe { finish(env, r) }
}

/// What a raw hot call returns to Node: `undefined`, or its error (a panic
/// turned into one, as napi-rs' `catch_unwind` does) thrown into JS. The one
/// place a raw call's error crosses.
///
/// # Safety
/// `env` is the env of the call being answered, on the JS thread.
#[inline(always)]
unsafe fn finish(env: sys::napi_env, r: std::thread::Result<napi::Result<()>>) -> sys::napi_value {
    let e = match r {
        Ok(Ok(())) => return std::ptr::null_mut(),
        Ok(Err(e)) => e,
        Err(p) => napi::bindgen_prelude::panic_to_error(p),
    };
    // SAFETY: the caller's contract.
    unsafe { JsError::from(e).throw_into(env) };
    std::ptr::null_mut()
}

/// [`call`] for a hot function whose one JS argument is a string (a
/// limiter key): `f` gets its UTF-8 bytes, read into a stack buffer (no
/// allocation for keys up to 240 bytes; longer ones are read whole into a
/// `Vec`). A non-string argument is an error.
///
/// # Safety
/// As [`call`].
#[inline(always)]
pub unsafe fn call_key<R>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    f: impl FnOnce(&Ctx<R>, &[u8]) -> napi::Result<()>,
) -> sys::napi_value {
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut data: *mut c_void = std::ptr::null_mut();
        let mut argc = 1usize;
        let mut argv = [std::ptr::null_mut(); 1];
        // SAFETY: the caller's contract; `argv` has room for `argc` values.
        let st = unsafe {
            sys::napi_get_cb_info(
                env,
                info,
                &mut argc,
                argv.as_mut_ptr(),
                std::ptr::null_mut(),
                &mut data,
            )
        };
        if st != sys::Status::napi_ok || data.is_null() || argc < 1 {
            return Err(napi::Error::from_reason("seawall: bad native call"));
        }
        let mut buf = [0u8; 256];
        let mut len = 0usize;
        // SAFETY: `argv[0]` is this call's argument; the buffer is ours and
        // its size is passed (Node-API writes at most size - 1 bytes + NUL).
        let st = unsafe {
            sys::napi_get_value_string_utf8(
                env,
                argv[0],
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut len,
            )
        };
        if st != sys::Status::napi_ok {
            return Err(napi::Error::from_reason("seawall: key must be a string"));
        }
        // SAFETY: `data` is the `Rc<Ctx<R>>` given at registration (see `call`).
        let hot = unsafe { &*data.cast::<Ctx<R>>() };
        // Near the end of the buffer the key may have been cut (possibly
        // before a multi-byte character): read it whole.
        if len + 8 < buf.len() {
            return f(hot, buf.get(..len).unwrap_or(&[]));
        }
        let mut full = 0usize;
        // SAFETY: as above; a NULL buffer asks for the length only.
        let st = unsafe {
            sys::napi_get_value_string_utf8(env, argv[0], std::ptr::null_mut(), 0, &mut full)
        };
        if st != sys::Status::napi_ok {
            return Err(napi::Error::from_reason("seawall: key must be a string"));
        }
        let mut v = vec![0u8; full + 1];
        // SAFETY: as above, into `v` of `full + 1` bytes.
        let st = unsafe {
            sys::napi_get_value_string_utf8(env, argv[0], v.as_mut_ptr().cast(), v.len(), &mut len)
        };
        if st != sys::Status::napi_ok {
            return Err(napi::Error::from_reason("seawall: key must be a string"));
        }
        v.truncate(len);
        f(hot, &v)
    }));
    // SAFETY: the caller's contract: `env` is this call's, on the JS thread.
    unsafe { finish(env, r) }
}

/// Defines a raw hot function: `fn name(h: Hot) { body }` becomes a
/// Node-API callback that runs `body` with `h: &Hot` (a `Ctx<R>`) inside
/// [`call`] (panics caught, errors thrown into JS). List it in the module's
/// `HOT_FNS` table, which `lib.rs` registers with the module's context
/// ([`register_raw`]); that is what makes the call sound.
#[macro_export]
macro_rules! hot_fn {
    ($(#[$m:meta])* fn $name:ident($h:ident: $t:ty) $body:block) => {
        $(#[$m])*
        unsafe extern "C" fn $name(
            env: napi::sys::napi_env,
            info: napi::sys::napi_callback_info,
        ) -> napi::sys::napi_value {
            // SAFETY: registered by `ffi::register_raw` with a context of
            // this type, which gives `call` the callback data it expects.
            unsafe {
                $crate::ffi::call(env, info, |$h: &$t| {
                    $body;
                    Ok(())
                })
            }
        }
    };
}

crate::hot_fn! {
    /// `__nativeNoop()`: a raw hot function that does nothing, the floor of
    /// every hot call (`bench/floor.js`).
    fn native_noop(_h: NoCtx) {}
}

crate::hot_fn! {
    /// `__nativeClock()`: a raw hot function that reads the core's fast
    /// in-process clock (as a token bucket decision does) into scratch[0],
    /// as ms: the floor of `tryAcquire()` (`bench/floor.js`).
    fn native_clock(h: NoCtx) {
        use seawall::clock::Clock;
        h.put(0, seawall::clock::FastClock::new().now_ns() as f64 / 1e6);
    }
}

/// The context of the functions below, which reach no object.
pub type NoCtx = Ctx<()>;

/// `__rawPanicForTest()`: panics inside [`call`], so the tests can check
/// that a panic in a raw hot function becomes a JS error too.
unsafe extern "C" fn raw_panic_for_test(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: registered by `register_raw` with a `NoCtx`.
    #[allow(clippy::panic)]
    unsafe {
        call::<()>(env, info, |_| panic!("seawall test panic (raw)"))
    }
}

/// The raw functions of this module (the floor of a hot call and the panic
/// test), registered with a fresh [`NoCtx`].
pub const HOT_FNS: &[(&CStr, RawFn)] = &[
    (c"__nativeNoop", native_noop),
    (c"__nativeClock", native_clock),
    (c"__rawPanicForTest", raw_panic_for_test),
];

/// A fresh context with no registry, for [`HOT_FNS`].
pub fn no_ctx() -> Rc<NoCtx> {
    Ctx::new_rc(())
}

unsafe extern "C" fn release_ctx<R>(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the `Rc::into_raw` of `register_raw`, released once.
    drop(unsafe { Rc::from_raw(data.cast::<Ctx<R>>()) });
}

/// Adds the raw functions `fns` to `exports`, each with a reference to
/// `ctx` as its callback data (released when the function is collected).
/// Called by `lib.rs` for each module, in each environment that loads the
/// addon (the main thread and every worker).
pub fn register_raw<R: 'static>(
    exports: &Object,
    env: &Env,
    fns: &[(&CStr, RawFn)],
    ctx: &Rc<Ctx<R>>,
) -> napi::Result<()> {
    let raw_env = env.raw();
    for &(name, cb) in fns {
        let data = Rc::into_raw(Rc::clone(ctx)).cast_mut().cast::<c_void>();
        let mut f = std::ptr::null_mut();
        // SAFETY: plain Node-API calls on this env; `data` is released by
        // the finalizer, or here when the function could not be made.
        unsafe {
            let made = sys::napi_create_function(
                raw_env,
                name.as_ptr(),
                name.to_bytes().len() as isize,
                Some(cb),
                data,
                &mut f,
            ) == sys::Status::napi_ok
                && sys::napi_add_finalizer(
                    raw_env,
                    f,
                    data,
                    Some(release_ctx::<R>),
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                ) == sys::Status::napi_ok;
            if !made {
                release_ctx::<R>(raw_env, data, std::ptr::null_mut());
                return Err(napi::Error::from_reason(format!(
                    "seawall: could not register {name:?}"
                )));
            }
            if sys::napi_set_named_property(raw_env, exports.raw(), name.as_ptr(), f)
                != sys::Status::napi_ok
            {
                return Err(napi::Error::from_reason(format!(
                    "seawall: could not export {name:?}"
                )));
            }
        }
    }
    Ok(())
}
