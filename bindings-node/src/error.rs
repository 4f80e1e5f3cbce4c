//! The one place core errors become JS errors.
//!
//! Native code throws real JS errors: an `Error` (a `TypeError` for a
//! wrong JS type, a `RangeError` for an invalid config field or argument)
//! whose `code` is the `SEAWALL_<KIND>` code of core's [`ErrorKind`]
//! ([`code`]), with the structured fields as properties: `field` (config
//! and argument errors), `retryAfterMs` (`circuit_open`, `rate_limited`),
//! `attempts` and `reason` (`retry_exhausted`). `lib/errors.js`
//! (`mapNativeError`) switches on `code`, in one place, to make the public
//! classes (`CircuitOpenError`, ...) and add the offending `value`, which
//! only the JS caller knows. No message carries data.
//!
//! The error object is made when the error is (a napi-rs `Error` that refers
//! to it, thrown as is), so it needs this thread's env: each env that loads
//! the addon records it ([`set_env`]). Errors are only made on JS threads:
//! work off the JS thread (the Redis tasks' `compute`) hands core's error to
//! its `resolve`, which converts it.

use napi::bindgen_prelude::Unknown;
use napi::{sys, Env, Error, Status};
use seawall::ErrorKind;
use std::cell::Cell;

thread_local! {
    static ENV: Cell<sys::napi_env> = const { Cell::new(std::ptr::null_mut()) };
}

/// Records this thread's env (called once per env that loads the addon:
/// the main thread and every worker; one env per thread).
pub fn set_env(env: sys::napi_env) {
    ENV.with(|e| e.set(env));
}

/// The JS `code` of a core error kind: `SEAWALL_` and its wire name in
/// upper case (`circuit_open` -> `SEAWALL_CIRCUIT_OPEN`), the spelling of
/// every binding (the C header's `enum seawall_status`).
pub fn code(kind: ErrorKind) -> String {
    format!("SEAWALL_{}", kind.as_str().to_ascii_uppercase())
}

/// Which built-in JS class the native error is.
#[derive(Clone, Copy)]
enum Class {
    Error,
    Type,
    Range,
}

/// A structured field of a native error, set as a property.
enum Prop<'a> {
    Str(&'a str),
    Num(f64),
}

/// Makes the JS error (class, `code`, message, properties) on this thread's
/// env and wraps it in a napi-rs `Error` that throws it as is.
fn make(class: Class, kind: ErrorKind, message: &str, props: &[(&str, Prop<'_>)]) -> Error {
    let code = code(kind);
    let env = ENV.with(Cell::get);
    if env.is_null() {
        // Not a JS thread (a bug: see the module doc); still no panic.
        return Error::new(Status::GenericFailure, format!("{code}: {message}"));
    }
    // SAFETY: `env` is this thread's env (one per JS thread, recorded when
    // the addon was loaded into it), and errors are made during a native
    // call or callback on this thread, inside its handle scope. Each
    // Node-API call gets valid pointers to locals and lengths of the Rust
    // strings passed.
    unsafe {
        let mut js_code = std::ptr::null_mut();
        let mut js_msg = std::ptr::null_mut();
        let mut obj = std::ptr::null_mut();
        let mut ok = sys::napi_create_string_utf8(
            env,
            code.as_ptr().cast(),
            code.len() as isize,
            &mut js_code,
        ) == sys::Status::napi_ok
            && sys::napi_create_string_utf8(
                env,
                message.as_ptr().cast(),
                message.len() as isize,
                &mut js_msg,
            ) == sys::Status::napi_ok;
        if ok {
            let create = match class {
                Class::Error => sys::napi_create_error,
                Class::Type => sys::napi_create_type_error,
                Class::Range => sys::napi_create_range_error,
            };
            ok = create(env, js_code, js_msg, &mut obj) == sys::Status::napi_ok;
        }
        for (name, p) in props {
            if !ok {
                break;
            }
            let mut v = std::ptr::null_mut();
            ok = match p {
                Prop::Str(s) => {
                    sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut v)
                }
                Prop::Num(n) => sys::napi_create_double(env, *n, &mut v),
            } == sys::Status::napi_ok;
            let mut key = std::ptr::null_mut();
            ok = ok
                && sys::napi_create_string_utf8(
                    env,
                    name.as_ptr().cast(),
                    name.len() as isize,
                    &mut key,
                ) == sys::Status::napi_ok
                && sys::napi_set_property(env, obj, key, v) == sys::Status::napi_ok;
        }
        if !ok {
            return Error::new(Status::GenericFailure, format!("{code}: {message}"));
        }
        Error::from(Unknown::from_raw_unchecked(env, obj))
    }
}

/// An invalid config field (a `RangeError`, code `SEAWALL_INVALID_CONFIG`).
pub fn config(field: &str, text: impl AsRef<str>) -> Error {
    field_error(Class::Range, ErrorKind::InvalidConfig, field, text.as_ref())
}

/// An invalid call argument (a `RangeError`, code
/// `SEAWALL_INVALID_ARGUMENT`).
pub fn argument(field: &str, text: impl AsRef<str>) -> Error {
    field_error(
        Class::Range,
        ErrorKind::InvalidArgument,
        field,
        text.as_ref(),
    )
}

/// A wrong JS type for `field` (a `TypeError`, code
/// `SEAWALL_INVALID_CONFIG`).
pub fn type_error(field: &str, text: impl AsRef<str>) -> Error {
    field_error(Class::Type, ErrorKind::InvalidConfig, field, text.as_ref())
}

/// The message is `<field> <text>`, the JS spelling of core's.
fn field_error(class: Class, kind: ErrorKind, field: &str, text: &str) -> Error {
    make(
        class,
        kind,
        &format!("{field} {text}"),
        &[("field", Prop::Str(field))],
    )
}

/// Converts a core error; `js_field` maps core's field names to the JS ones.
pub fn from_core(e: &seawall::Error, js_field: impl Fn(&str) -> String) -> Error {
    match e {
        seawall::Error::InvalidConfig { field, reason } => config(&js_field(field), reason),
        seawall::Error::InvalidArgument { field, reason } => argument(&js_field(field), reason),
        other => {
            let text = other.to_string();
            let mut props = Vec::new();
            if let Some(d) = other.retry_after() {
                props.push(("retryAfterMs", Prop::Num(d.as_secs_f64() * 1000.0)));
            }
            if let Some(n) = other.attempts() {
                props.push(("attempts", Prop::Num(f64::from(n))));
            }
            if let Some(r) = other.give_up_reason() {
                props.push(("reason", Prop::Str(r.as_str())));
            }
            make(Class::Error, other.kind(), &text, &props)
        }
    }
}

/// `kindError(kind, field?)`: the native error of a core error kind (its
/// wire name) that the JS layer raises without a native call failing (a
/// policy step or a retry run that names only the kind): message the wire
/// name, `field` when given. Unknown names are an invalid argument.
#[napi_derive::napi(catch_unwind)]
pub fn kind_error(env: Env, kind: String, field: Option<String>) -> napi::Result<Unknown<'static>> {
    let Some(k) = ErrorKind::from_wire(&kind) else {
        return Err(argument(
            "kind",
            format!("must be a seawall error kind, got {kind:?}"),
        ));
    };
    let e = match (k, field) {
        (ErrorKind::InvalidConfig | ErrorKind::InvalidArgument, Some(f)) => {
            make(Class::Range, k, &kind, &[("field", Prop::Str(&f))])
        }
        (ErrorKind::InvalidConfig | ErrorKind::InvalidArgument, None) => {
            make(Class::Range, k, &kind, &[])
        }
        _ => make(Class::Error, k, &kind, &[]),
    };
    // SAFETY: `env` is this call's; the value is the error object just made
    // (napi-rs' conversion hands back the object the error refers to).
    unsafe {
        let v = napi::bindgen_prelude::ToNapiValue::to_napi_value(env.raw(), e)?;
        Ok(Unknown::from_raw_unchecked(env.raw(), v))
    }
}

/// snake_case core field to camelCase (no unit suffix).
pub fn camel(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut up = false;
    for c in field.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}
