//! The panic boundary, NULL checks and the per-thread last error (the
//! pointers themselves are used in `ffi.rs`).
//!
//! Every `extern "C"` function body runs inside [`ffi_boundary!`]: a panic
//! becomes `SEAWALL_PANIC`, an error becomes its status and sets the
//! thread's last error, and nothing unwinds into C.
//!
//! The last error is stored as data (no allocation for rejections such as
//! `circuit_open`); its message is formatted only when C asks for it.

use crate::status::seawall_status;
use seawall::surface::Unit;
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::ffi::CString;
use std::os::raw::c_char;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// What the last failed call on this thread reported.
enum Last {
    None,
    Core(seawall::Error),
    Null(&'static str),
    Panic(String),
    /// A caller's callback failed (`seawall_policy_execute`): which one,
    /// and what it returned.
    Call(&'static str, std::os::raw::c_int),
}

struct LastError {
    last: Last,
    /// The policy stage that rejected the call, if a policy did.
    stage: Option<&'static std::ffi::CStr>,
    /// The message, formatted on first request.
    message: Option<CString>,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = const {
        RefCell::new(LastError { last: Last::None, stage: None, message: None })
    };
    /// This thread's registration (see [`REGISTERED`]): `0` not registered
    /// (so `LAST_ERROR` holds no error), [`HOLDS_ERROR`] registered and
    /// `LAST_ERROR` holds an error, `n` in `1..=STAY + 1` registered with the
    /// error cleared `n - 1` calls ago. Const and destructor-free: readable
    /// at any time, also while the thread's destructors run.
    static REG: Cell<u32> = const { Cell::new(0) };
}

const HOLDS_ERROR: u32 = u32::MAX;

/// Calls without an error after which a thread unregisters. Registering
/// and unregistering are one atomic add each on a line shared by every
/// thread; with this hysteresis a thread does them at most twice per
/// `STAY` calls, however its successes and errors interleave.
const STAY: u32 = 256;

/// How many threads are registered: may hold a last error, or held one in
/// their last `STAY` calls. Every call starts by clearing its thread's
/// last error; while this is 0 (no thread in the process failed a call
/// lately) that takes one load of a read-mostly line and no thread-local
/// access. The thread-local access is what this saves: in a shared library
/// each one is a call to `__tls_get_addr` (general-dynamic TLS), a cost
/// measured in BENCHMARKS.md, "C ABI overhead". While any
/// thread is registered, every call checks its own thread-local as before.
///
/// Correct with relaxed ordering: a thread registers (add) before it can
/// hold an error and unregisters (sub) only after clearing it, and its own
/// later load sees its own add (coherence), with every other thread's adds
/// and subs in pairs, so a thread holding an error never reads 0.
static REGISTERED: Line = Line(AtomicUsize::new(0));

/// An atomic on its own cache lines (the spatial prefetcher pulls pairs).
#[repr(align(128))]
struct Line(AtomicUsize);

impl Drop for LastError {
    /// The thread is exiting: give its registration back, so that the
    /// other threads return to the fast path.
    fn drop(&mut self) {
        REG.with(|r| {
            if r.get() != 0 {
                r.set(0);
                REGISTERED.0.fetch_sub(1, Ordering::Relaxed);
            }
        });
    }
}

fn set(last: Last) {
    let alive = LAST_ERROR.try_with(|e| {
        if let Ok(mut e) = e.try_borrow_mut() {
            e.last = last;
            e.stage = None;
            e.message = None;
        }
    });
    // Registered only with a live LAST_ERROR, whose destructor unregisters.
    if alive.is_ok() {
        REG.with(|r| {
            if r.get() == 0 {
                REGISTERED.0.fetch_add(1, Ordering::Relaxed);
            }
            r.set(HOLDS_ERROR);
        });
    }
}

/// Clears this thread's last error (start of every call).
#[inline]
pub(crate) fn clear_last_error() {
    if REGISTERED.0.load(Ordering::Relaxed) != 0 {
        clear_registered();
    }
}

/// Some thread is registered: check this one's thread-local.
#[inline(never)]
fn clear_registered() {
    REG.with(|r| match r.get() {
        0 => {}
        HOLDS_ERROR => {
            r.set(1);
            clear_slow();
        }
        n if n > STAY => {
            r.set(0);
            REGISTERED.0.fetch_sub(1, Ordering::Relaxed);
        }
        n => r.set(n + 1),
    });
}

#[cold]
fn clear_slow() {
    // try_with: a call from another thread-local's destructor may come
    // after LAST_ERROR's own.
    let _ = LAST_ERROR.try_with(|e| {
        if let Ok(mut e) = e.try_borrow_mut() {
            if !matches!(e.last, Last::None) {
                e.last = Last::None;
                e.stage = None;
                e.message = None;
            }
        }
    });
}

/// Names core errors carry that are arguments of calls, not fields of a
/// config table in `seawall::surface`, in C's spelling (the C suite checks
/// each one's message).
const ARGUMENT_FIELDS: &[(&str, &str)] = &[
    ("lease", "lease_ns"),
    ("cache_ttl", "cache_ttl_ns"),
    ("for", "for_ns"),
    ("namespace", "flag_namespace"),
];

/// A core field name in C's spelling (`open_duration` → `open_duration_ns`):
/// the one place field names are converted for C. Core names durations
/// without a unit; C adds `_ns`. A config field is a duration when its row
/// in `seawall::surface` says so (the rule the header's struct fields
/// follow, checked by `tests/tests/surface.rs`); call arguments are in
/// [`ARGUMENT_FIELDS`].
pub(crate) fn c_field(core: &'static str) -> Cow<'static, str> {
    if let Some((_, c)) = ARGUMENT_FIELDS.iter().find(|(k, _)| *k == core) {
        return Cow::Borrowed(c);
    }
    let duration = seawall::surface::ALL
        .iter()
        .flat_map(|s| s.fields)
        .any(|f| f.name == core && f.unit == Unit::Duration);
    if duration {
        Cow::Owned(format!("{core}_ns"))
    } else {
        Cow::Borrowed(core)
    }
}

fn format(last: &Last) -> String {
    match last {
        Last::None => String::new(),
        Last::Core(seawall::Error::InvalidConfig { field, reason }) => {
            format!("invalid config: {} {reason}", c_field(field))
        }
        Last::Core(seawall::Error::InvalidArgument { field, reason }) => {
            format!("invalid argument: {} {reason}", c_field(field))
        }
        Last::Core(e) => e.to_string(),
        Last::Null(name) => format!("null argument: {name} must not be NULL"),
        Last::Panic(msg) => format!("internal panic caught at the C boundary: {msg}"),
        Last::Call(who, rc) => format!("the call failed: the {who} callback returned {rc}"),
    }
}

/// A pointer to this thread's last error message (valid until the next
/// seawall call on this thread).
pub(crate) fn last_error_ptr() -> *const c_char {
    LAST_ERROR.with(|e| {
        let Ok(mut e) = e.try_borrow_mut() else {
            return c"".as_ptr();
        };
        if matches!(e.last, Last::None) {
            return c"".as_ptr();
        }
        if e.message.is_none() {
            let s = format(&e.last);
            e.message = Some(CString::new(s.replace('\0', "\\0")).unwrap_or_default());
        }
        e.message.as_ref().map_or(c"".as_ptr(), |m| m.as_ptr())
    })
}

/// The field the last error names, in C spelling, as a static string; `""`.
pub(crate) fn last_error_field_ptr() -> *const c_char {
    LAST_ERROR.with(|e| {
        let Ok(e) = e.try_borrow() else {
            return c"".as_ptr();
        };
        match &e.last {
            Last::Core(err) => err
                .field()
                .map_or(c"".as_ptr(), |f| field_cstr(&c_field(f))),
            Last::Null(name) => field_cstr(name),
            _ => c"".as_ptr(),
        }
    })
}

/// Interned field names: each slot NULL or a leaked NUL-terminated copy of
/// a name. Lock-free, so no lock is held when another thread forks (a
/// child must never find it locked), and every copy is referenced from its
/// start (valgrind: "still reachable", not "possibly lost").
static FIELD_NAMES: [AtomicPtr<c_char>; 256] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; 256];

thread_local! {
    /// Where a name goes if the table is ever full (valid until the next
    /// call on this thread, like the message).
    static FIELD_OVERFLOW: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// A NUL-terminated copy of a static name, interned once per process.
pub(crate) fn field_cstr(c_name: &str) -> *const c_char {
    let same = |p: *mut c_char| {
        // SAFETY: non-NULL slots hold leaked CStrings, never freed.
        unsafe { std::ffi::CStr::from_ptr(p) }.to_bytes() == c_name.as_bytes()
    };
    for slot in &FIELD_NAMES {
        let mut p = slot.load(Ordering::Acquire);
        if p.is_null() {
            let Ok(owned) = CString::new(c_name) else {
                return c"".as_ptr();
            };
            let mine = owned.into_raw();
            match slot.compare_exchange(
                std::ptr::null_mut(),
                mine,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return mine,
                Err(theirs) => {
                    // SAFETY: `mine` came from `into_raw` just above and was
                    // not published.
                    drop(unsafe { CString::from_raw(mine) });
                    p = theirs;
                }
            }
        }
        if same(p) {
            return p;
        }
    }
    FIELD_OVERFLOW.with(|o| {
        let Ok(mut o) = o.try_borrow_mut() else {
            return c"".as_ptr();
        };
        *o = CString::new(c_name).ok();
        o.as_ref().map_or(c"".as_ptr(), |c| c.as_ptr())
    })
}

/// The status of this thread's last error (`SEAWALL_OK` if none).
pub(crate) fn last_error_status() -> seawall_status {
    LAST_ERROR.with(|e| {
        e.try_borrow()
            .ok()
            .map_or(seawall_status::SEAWALL_OK, |e| match &e.last {
                Last::None => seawall_status::SEAWALL_OK,
                Last::Core(err) => seawall_status::from_kind(err.kind()),
                Last::Null(_) => seawall_status::SEAWALL_NULL_ARGUMENT,
                Last::Panic(_) => seawall_status::SEAWALL_PANIC,
                Last::Call(..) => seawall_status::SEAWALL_CALL_FAILED,
            })
    })
}

/// `retry_after` of the last error in ns (`circuit_open`, `rate_limited`), else 0.
pub(crate) fn last_error_retry_after_ns() -> u64 {
    LAST_ERROR.with(|e| {
        e.try_borrow().ok().map_or(0, |e| match &e.last {
            Last::Core(err) => err.retry_after().map_or(0, seawall::clock::duration_to_ns),
            _ => 0,
        })
    })
}

/// Maps a core error to its status and records it as the last error.
#[inline]
pub(crate) fn fail(e: seawall::Error) -> seawall_status {
    let status = seawall_status::from_kind(e.kind());
    set(Last::Core(e));
    status
}

/// A policy rejection: the stage's error plus the stage's wire name.
#[inline]
pub(crate) fn fail_stage(e: seawall::Error, stage: &'static std::ffi::CStr) -> seawall_status {
    let status = fail(e);
    LAST_ERROR.with(|l| {
        if let Ok(mut l) = l.try_borrow_mut() {
            l.stage = Some(stage);
        }
    });
    status
}

/// The policy stage of the last error (`"circuit_breaker"`), or `""`.
pub(crate) fn last_error_stage_ptr() -> *const c_char {
    LAST_ERROR.with(|e| {
        e.try_borrow()
            .ok()
            .and_then(|e| e.stage)
            .map_or(c"".as_ptr(), |s| s.as_ptr())
    })
}

/// A caller's callback (`"attempt"`, `"fallback"`) ended the call with its
/// own failure `rc`.
#[cold]
pub(crate) fn fail_call(who: &'static str, rc: std::os::raw::c_int) -> seawall_status {
    set(Last::Call(who, rc));
    seawall_status::SEAWALL_CALL_FAILED
}

/// A NULL pointer argument: status and message naming the parameter.
#[cold]
pub(crate) fn null_argument(name: &'static str) -> seawall_status {
    set(Last::Null(name));
    seawall_status::SEAWALL_NULL_ARGUMENT
}

/// An invalid config field (as C spells it), e.g. an unknown enum value.
#[cold]
pub(crate) fn invalid_config(field: &'static str, reason: String) -> seawall::Error {
    seawall::Error::config(field, reason)
}

#[cold]
pub(crate) fn panic_status(payload: Box<dyn std::any::Any + Send>) -> seawall_status {
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    set(Last::Panic(msg));
    seawall_status::SEAWALL_PANIC
}

/// Runs a body returning `seawall_status` with panics caught.
/// Returns early with `SEAWALL_NULL_ARGUMENT` for each listed NULL pointer.
macro_rules! ffi_boundary {
    ( [ $($ptr:ident),* ] $body:block ) => {{
        $crate::boundary::clear_last_error();
        $(
            if $ptr.is_null() {
                return $crate::boundary::null_argument(stringify!($ptr));
            }
        )*
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| -> $crate::status::seawall_status { $body })) {
            Ok(status) => status,
            Err(payload) => $crate::boundary::panic_status(payload),
        }
    }};
}

/// Runs a body returning a plain value (for infallible getters), with
/// panics caught and mapped to `$default`.
macro_rules! ffi_value {
    ( $default:expr, $body:block ) => {{
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(v) => v,
            Err(payload) => {
                let _ = $crate::boundary::panic_status(payload);
                $default
            }
        }
    }};
}

extern "C" {
    fn pthread_atfork(
        prepare: Option<unsafe extern "C" fn()>,
        parent: Option<unsafe extern "C" fn()>,
        child: Option<unsafe extern "C" fn()>,
    ) -> std::os::raw::c_int;
}

/// The `fork()` child handler: unseeded generators draw afresh in the
/// child (one atomic add: async-signal-safe).
///
/// # Safety
/// None needed: `unsafe` only for `pthread_atfork`'s signature.
unsafe extern "C" fn after_fork_in_child() {
    seawall::rng::after_fork();
}

/// Registers the child handler once per process, before the first handle
/// exists (no handle, no generator to reseed). Lock-free.
pub(crate) fn register_atfork() {
    use std::sync::atomic::AtomicBool;
    static DONE: AtomicBool = AtomicBool::new(false);
    if !DONE.load(Ordering::Relaxed) && !DONE.swap(true, Ordering::AcqRel) {
        // SAFETY: pthread_atfork takes three optional function pointers;
        // the one given is a valid `extern "C" fn()` that lives as long as
        // the process and only does an atomic add.
        unsafe {
            pthread_atfork(None, None, Some(after_fork_in_child));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    /// The tests below read the process-wide REGISTERED count; they run
    /// one at a time (no other test of this crate records an error).
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn message() -> String {
        // SAFETY: last_error_ptr returns a valid NUL-terminated string.
        unsafe { CStr::from_ptr(last_error_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    fn registered() -> usize {
        REGISTERED.0.load(Ordering::Relaxed)
    }

    #[test]
    fn a_call_after_an_error_clears_it_and_the_thread_unregisters_later() {
        let _g = SERIAL.lock();
        std::thread::spawn(|| {
            let before = registered();
            clear_last_error();
            assert_eq!(message(), "");
            let _ = null_argument("out");
            assert_eq!(message(), "null argument: out must not be NULL");
            assert_eq!(REG.with(Cell::get), HOLDS_ERROR);
            assert_eq!(registered(), before + 1);
            clear_last_error(); // the next call, successful
            assert_eq!(message(), "");
            for _ in 0..STAY {
                clear_last_error();
                assert_eq!(registered(), before + 1);
            }
            clear_last_error();
            assert_eq!(REG.with(Cell::get), 0);
            assert_eq!(registered(), before);
            // An error while registered does not register twice.
            let _ = null_argument("a");
            clear_last_error();
            let _ = null_argument("b");
            assert_eq!(registered(), before + 1);
            assert_eq!(message(), "null argument: b must not be NULL");
            for _ in 0..=STAY + 1 {
                clear_last_error();
            }
            assert_eq!(registered(), before);
        })
        .join()
        .unwrap_or_else(|_| panic!("test thread panicked"));
    }

    #[test]
    fn a_thread_exiting_with_an_error_unregisters() {
        let _g = SERIAL.lock();
        let before = registered();
        std::thread::spawn(|| {
            let _ = null_argument("out");
            assert!(registered() >= 1);
        })
        .join()
        .unwrap_or_else(|_| panic!("test thread panicked"));
        assert_eq!(registered(), before);
    }

    #[test]
    fn status_numbers_equal_core_error_kinds() {
        for k in seawall::ErrorKind::ALL {
            let st = seawall_status::from_kind(k);
            assert_eq!(st as i32, k as i32, "{k:?}");
            assert_eq!(st.as_cstr().to_str().ok(), Some(k.as_str()));
            assert_eq!(seawall_status::from_int(st as i32), Some(st));
        }
    }

    #[test]
    fn durations_get_ns_and_other_fields_stay() {
        assert_eq!(c_field("open_duration"), "open_duration_ns");
        assert_eq!(c_field("window"), "window_ns");
        assert_eq!(c_field("rate_per_sec"), "rate_per_sec");
        assert_eq!(c_field("n"), "n");
        assert_eq!(c_field("lease"), "lease_ns");
        assert_eq!(c_field("namespace"), "flag_namespace");
    }

    #[test]
    fn every_duration_field_of_the_surface_tables_gets_ns() {
        let mut durations = 0;
        for s in seawall::surface::ALL {
            for f in s.fields {
                let want = if f.unit == Unit::Duration {
                    durations += 1;
                    format!("{}_ns", f.name)
                } else {
                    f.name.to_string()
                };
                assert_eq!(c_field(f.name), want, "{}.{}", s.primitive, f.name);
            }
        }
        assert!(durations > 10, "only {durations} duration fields");
    }
}
