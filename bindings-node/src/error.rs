//! The one place core errors become JS errors.
//!
//! Native code throws a plain `Error` whose message carries a tagged header
//! (`\u{1}seawall:<kind>:<field>:<text>`); `lib/errors.js` (`mapNativeError`)
//! turns it into the public class (`TypeError`, `RangeError`,
//! `CircuitOpenError`, ...) with a stable `code`. Keeping the JS class
//! construction in JS keeps one mapping table for both halves.

use napi::{Error, Status};

/// Error kinds the JS mapper understands (besides core's wire names).
pub const TYPE: &str = "type";

/// A JS error of `kind` (`type` or a core wire name) about `field`.
pub fn tagged(kind: &str, field: &str, text: impl AsRef<str>) -> Error {
    Error::new(
        Status::InvalidArg,
        format!("\u{1}seawall:{kind}:{field}:{field} {}", text.as_ref()),
    )
}

/// A wrong JS type for `field` (becomes a `TypeError`).
pub fn type_error(field: &str, text: impl AsRef<str>) -> Error {
    tagged(TYPE, field, text)
}

/// Converts a core error; `js_field` maps core's field names to the JS ones.
pub fn from_core(e: &seawall::Error, js_field: impl Fn(&str) -> String) -> Error {
    let kind = e.kind().as_str();
    match e {
        seawall::Error::InvalidConfig { field, reason }
        | seawall::Error::InvalidArgument { field, reason } => {
            tagged(kind, &js_field(field), reason)
        }
        other => {
            let ra = other
                .retry_after()
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(0.0);
            Error::new(
                Status::GenericFailure,
                format!("\u{1}seawall:{kind}:{ra}:{other}"),
            )
        }
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
