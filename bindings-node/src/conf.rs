//! The one place JS option values are read, type-checked and converted.
//!
//! Numbers go through core's `validate` helpers so a bad value gets the same
//! words in every language; the field is named in JS spelling (`openDurationMs`)
//! and wrong JS types become `TypeError`s. Core `Config::validate` errors are
//! renamed from core's snake_case with [`Opts::core_error`].

use crate::error::{self, camel, from_core, type_error};
use napi::bindgen_prelude::{Object, Unknown};
use napi::{Result, ValueType};
use std::cell::RefCell;
use std::time::Duration;

/// Largest integer a JS number holds exactly.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Reads one options object.
pub struct Opts<'a> {
    obj: Option<Object<'a>>,
    /// (core field, JS field, JS value as printed) seen so far, for
    /// renaming core errors and quoting the value the caller passed.
    names: RefCell<Vec<(&'static str, &'static str, Option<String>)>>,
}

fn describe(v: &Unknown<'_>, t: ValueType) -> String {
    match t {
        ValueType::String => match unsafe { v.cast::<String>() } {
            Ok(s) => format!("the string {s:?}"),
            Err(_) => "a string".into(),
        },
        ValueType::Boolean => "a boolean".into(),
        ValueType::Object => "an object".into(),
        ValueType::Function => "a function".into(),
        ValueType::Symbol => "a symbol".into(),
        ValueType::BigInt => "a bigint".into(),
        ValueType::Null => "null".into(),
        ValueType::Undefined => "undefined".into(),
        _ => "an unsupported value".into(),
    }
}

/// Formats a JS number the way JS prints it (NaN, Infinity, -0, 1e+308).
pub fn js_num(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else if v == 0.0 && v.is_sign_negative() {
        "-0".into()
    } else if v.abs() >= 1e21 || (v != 0.0 && v.abs() < 1e-6) {
        let e = format!("{v:e}");
        if e.contains("e-") {
            e
        } else {
            e.replace('e', "e+")
        }
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

impl<'a> Opts<'a> {
    /// Wraps the options argument (`undefined`/`null` means "all defaults").
    pub fn new(obj: Option<Object<'a>>) -> Self {
        Self {
            obj,
            names: RefCell::new(Vec::new()),
        }
    }

    fn note(&self, core: &'static str, js: &'static str, value: Option<f64>) {
        self.names.borrow_mut().push((core, js, value.map(js_num)));
    }

    /// The JS name for a core field.
    pub fn js_name(&self, core: &str) -> String {
        self.names
            .borrow()
            .iter()
            .find(|(c, _, _)| *c == core)
            .map(|(_, j, _)| (*j).to_string())
            .unwrap_or_else(|| camel(core))
    }

    /// A core config/argument error with the field renamed to JS spelling
    /// and the value quoted as the caller wrote it (`got 0`, not `got 0ns`).
    pub fn core_error(&self, e: &seawall::Error) -> napi::Error {
        let names = self.names.borrow();
        let seen = e
            .field()
            .and_then(|f| names.iter().find(|(c, _, _)| *c == f));
        match (e, seen) {
            (seawall::Error::InvalidConfig { reason, .. }, Some((_, js, Some(v)))) => {
                error::config(js, self.jsify(&requote(reason, v)))
            }
            (seawall::Error::InvalidConfig { field, reason }, _) => {
                error::config(&self.js_name(field), self.jsify(reason))
            }
            _ => from_core(e, |f| self.js_name(f)),
        }
    }

    /// Core's words in a message as the JS user wrote them: other fields
    /// by their JS names (`base` -> `baseMs`), durations in ms (`60s` ->
    /// `60000 ms`).
    fn jsify(&self, reason: &str) -> String {
        let names = self.names.borrow();
        let mut out = String::with_capacity(reason.len() + 16);
        let mut rest = reason;
        while let Some(c) = rest.chars().next() {
            let word_len = rest
                .find(|ch: char| {
                    !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '.' || ch == '\u{b5}')
                })
                .unwrap_or(rest.len());
            if word_len == 0 {
                out.push(c);
                rest = &rest[c.len_utf8()..];
                continue;
            }
            let word = &rest[..word_len];
            if let Some((_, js, _)) = names.iter().find(|(core, _, _)| *core == word) {
                out.push_str(js);
            } else if let Some(ms) = debug_duration_ms(word) {
                out.push_str(&js_num(ms));
                out.push_str(" ms");
            } else {
                out.push_str(word);
            }
            rest = &rest[word_len..];
        }
        out
    }

    fn raw(&self, key: &str) -> Result<Option<(Unknown<'a>, ValueType)>> {
        let Some(obj) = &self.obj else {
            return Ok(None);
        };
        let Some(v) = obj.get::<Unknown>(key)? else {
            return Ok(None);
        };
        let t = v.get_type()?;
        if t == ValueType::Undefined {
            return Ok(None);
        }
        Ok(Some((v, t)))
    }

    /// Whether `key` is present (not undefined).
    pub fn has(&self, key: &str) -> Result<bool> {
        Ok(self.raw(key)?.is_some())
    }

    /// A JS number, or `None` when absent.
    pub fn number(&self, key: &'static str) -> Result<Option<f64>> {
        match self.raw(key)? {
            None => Ok(None),
            Some((v, ValueType::Number)) => Ok(Some(unsafe { v.cast::<f64>() }?)),
            Some((v, t)) => Err(type_error(
                key,
                format!("must be a number, got {}", describe(&v, t)),
            )),
        }
    }

    /// A required JS number.
    pub fn required_number(&self, key: &'static str) -> Result<f64> {
        self.number(key)?
            .ok_or_else(|| type_error(key, "is required and must be a number, got undefined"))
    }

    /// A duration in float milliseconds; `core` is core's field name.
    pub fn duration_ms(&self, key: &'static str, core: &'static str) -> Result<Option<Duration>> {
        let ms = self.number(key)?;
        self.note(core, key, ms);
        let Some(ms) = ms else { return Ok(None) };
        seawall::validate::duration_from_millis_f64(core, ms)
            .map(|_| Some(ms_to_duration(ms)))
            .map_err(|e| self.core_error(&e))
    }

    /// A required duration in milliseconds.
    pub fn required_duration_ms(&self, key: &'static str, core: &'static str) -> Result<Duration> {
        self.duration_ms(key, core)?.ok_or_else(|| {
            type_error(
                key,
                "is required and must be a number of milliseconds, got undefined",
            )
        })
    }

    /// A float that core validates itself (ratios, rates, factors): only
    /// the JS type is checked here; NaN / infinity reach core's validation.
    pub fn float(&self, key: &'static str, core: &'static str) -> Result<Option<f64>> {
        let v = self.number(key)?;
        self.note(core, key, v);
        Ok(v)
    }

    /// A non-negative integer (a safe JS integer).
    pub fn uint(&self, key: &'static str, core: &'static str) -> Result<Option<u64>> {
        let v = self.number(key)?;
        self.note(core, key, v);
        let Some(v) = v else { return Ok(None) };
        uint_value(key, v).map(Some)
    }

    /// A required non-negative integer.
    pub fn required_uint(&self, key: &'static str, core: &'static str) -> Result<u64> {
        self.uint(key, core)?
            .ok_or_else(|| type_error(key, "is required and must be an integer, got undefined"))
    }

    /// Whether `key` is explicitly `null` (used for "rule disabled").
    pub fn is_null(&self, key: &str) -> Result<bool> {
        Ok(matches!(self.raw(key)?, Some((_, ValueType::Null))))
    }

    /// `undefined` → `default`, `null` → `None`, else a float core validates.
    pub fn nullable_float(
        &self,
        key: &'static str,
        core: &'static str,
        default: Option<f64>,
    ) -> Result<Option<f64>> {
        if self.is_null(key)? {
            return Ok(None);
        }
        Ok(self.float(key, core)?.or(default))
    }

    /// `undefined` → `default`, `null` → `None`, else an integer.
    pub fn nullable_uint(
        &self,
        key: &'static str,
        core: &'static str,
        default: Option<u64>,
    ) -> Result<Option<u64>> {
        if self.is_null(key)? {
            return Ok(None);
        }
        Ok(self.uint(key, core)?.or(default))
    }

    /// `undefined` → `default`, `null` → `None`, else a duration in ms.
    pub fn nullable_duration_ms(
        &self,
        key: &'static str,
        core: &'static str,
        default: Option<Duration>,
    ) -> Result<Option<Duration>> {
        if self.is_null(key)? {
            return Ok(None);
        }
        Ok(self.duration_ms(key, core)?.or(default))
    }

    /// A string naming one of core's modes, parsed by core's `parse`.
    pub fn mode<T>(
        &self,
        key: &'static str,
        core: &'static str,
        parse: impl Fn(&'static str, &str) -> seawall::Result<T>,
    ) -> Result<Option<T>> {
        self.note(core, key, None);
        match self.string(key)? {
            None => Ok(None),
            Some(s) => parse(core, &s).map(Some).map_err(|e| self.core_error(&e)),
        }
    }

    /// A boolean.
    pub fn boolean(&self, key: &'static str) -> Result<Option<bool>> {
        match self.raw(key)? {
            None => Ok(None),
            Some((v, ValueType::Boolean)) => Ok(Some(unsafe { v.cast::<bool>() }?)),
            Some((v, t)) => Err(type_error(
                key,
                format!("must be a boolean, got {}", describe(&v, t)),
            )),
        }
    }

    /// A string.
    pub fn string(&self, key: &'static str) -> Result<Option<String>> {
        match self.raw(key)? {
            None => Ok(None),
            Some((v, ValueType::String)) => Ok(Some(unsafe { v.cast::<String>() }?)),
            Some((v, t)) => Err(type_error(
                key,
                format!("must be a string, got {}", describe(&v, t)),
            )),
        }
    }

    /// A seed: a safe non-negative integer or a bigint (u64).
    pub fn seed(&self, key: &'static str) -> Result<Option<u64>> {
        match self.raw(key)? {
            None => Ok(None),
            Some((v, ValueType::Number)) => uint_value(key, unsafe { v.cast::<f64>() }?).map(Some),
            Some((v, ValueType::BigInt)) => {
                let b = unsafe { v.cast::<napi::bindgen_prelude::BigInt>() }?;
                let (neg, x, lossless) = b.get_u64();
                if neg || !lossless {
                    Err(error::config(key, "must be a bigint in [0, 2^64)"))
                } else {
                    Ok(Some(x))
                }
            }
            Some((v, t)) => Err(type_error(
                key,
                format!("must be an integer or a bigint, got {}", describe(&v, t)),
            )),
        }
    }
}

/// Milliseconds (already validated: finite, in [0, 100 years]) to a
/// Duration rounded to the nearest nanosecond, so `0.000001` ms is 1 ns and
/// integer-ns values survive the trip through float ms exactly.
pub fn ms_to_duration(ms: f64) -> Duration {
    Duration::from_nanos(ms_to_ns(ms))
}

/// Float milliseconds as whole nanoseconds (rounded; negative -> 0).
#[inline]
pub fn ms_to_ns(ms: f64) -> u64 {
    (ms * 1e6).round().max(0.0) as u64
}

/// A Duration as float milliseconds.
#[inline]
pub fn duration_ms(d: Duration) -> f64 {
    // `d.as_nanos() as f64 / 1e6`, without the u128-to-float libcall for
    // every duration that fits in a u64 of ns (~584 years): the same value,
    // since both conversions round the same integer to nearest.
    match d
        .as_secs()
        .checked_mul(1_000_000_000)
        .and_then(|ns| ns.checked_add(u64::from(d.subsec_nanos())))
    {
        Some(ns) => ns as f64 / 1e6,
        None => duration_ms_wide(d),
    }
}

#[cold]
#[inline(never)]
fn duration_ms_wide(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1e6
}

/// A JS number that must be a non-negative safe integer.
pub fn uint_value(key: &str, v: f64) -> Result<u64> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= MAX_SAFE_INTEGER {
        Ok(v as u64)
    } else {
        Err(error::config(
            key,
            format!("must be a non-negative safe integer, got {}", js_num(v)),
        ))
    }
}

/// A call argument that must be a positive safe integer (e.g. `n`).
pub fn arg_count(key: &str, v: f64) -> Result<u64> {
    // `(v as u64) as f64 == v` is `v.fract() == 0.0` in this range, without
    // a libm call.
    if (1.0..=MAX_SAFE_INTEGER).contains(&v) && (v as u64) as f64 == v {
        Ok(v as u64)
    } else {
        Err(error::argument(
            key,
            format!("must be a positive safe integer, got {}", js_num(v)),
        ))
    }
}

/// A Rust `Duration` in its Debug form (`60s`, `1.5ms`, `250µs`, `0ns`) as
/// milliseconds; `None` for any other word.
fn debug_duration_ms(word: &str) -> Option<f64> {
    let units: [(&str, f64); 5] = [
        ("ns", 1e-6),
        ("\u{b5}s", 1e-3),
        ("us", 1e-3),
        ("ms", 1.0),
        ("s", 1e3),
    ];
    for (unit, scale) in units {
        if let Some(num) = word.strip_suffix(unit) {
            if !num.is_empty() && num.chars().all(|c| c.is_ascii_digit() || c == '.') {
                return num
                    .parse::<f64>()
                    .ok()
                    .map(|v| (v * scale * 1e6).round() / 1e6);
            }
        }
    }
    None
}

/// Replaces the value core quoted after the last "got " with the JS value.
fn requote(reason: &str, js_value: &str) -> String {
    match reason.rfind("got ") {
        Some(i) => format!("{}got {js_value}", &reason[..i]),
        None => reason.to_string(),
    }
}

fn retag(e: &seawall::Error, js_field: &str, ms: f64) -> napi::Error {
    match e {
        seawall::Error::InvalidConfig { reason, .. } => {
            error::config(js_field, requote(reason, &js_num(ms)))
        }
        other => from_core(other, |_| js_field.to_string()),
    }
}

/// Validates a duration option that only the JS layer uses (`timeout(fn, ms)`,
/// deadlines, degradation parts) with the same rules and words as the
/// primitives' options. Returns the value as milliseconds (`-0` → `0`).
#[napi_derive::napi(catch_unwind)]
pub fn check_duration_ms(field: String, value: Unknown, positive: bool) -> Result<f64> {
    let t = value.get_type()?;
    if t != ValueType::Number {
        let what = if t == ValueType::Undefined {
            "is required and must be a number of milliseconds, got undefined".to_string()
        } else {
            format!(
                "must be a number of milliseconds, got {}",
                describe(&value, t)
            )
        };
        return Err(type_error(&field, what));
    }
    let ms = unsafe { value.cast::<f64>() }?;
    let d =
        seawall::validate::duration_from_millis_f64("ms", ms).map_err(|e| retag(&e, &field, ms))?;
    if positive {
        seawall::validate::positive_duration("ms", d).map_err(|e| retag(&e, &field, ms))?;
    }
    let _ = d;
    Ok(ms + 0.0)
}

/// The Node option names of core's surface table for `primitive`
/// (`seawall::surface`), in the table's order: camelCase, durations with
/// `Ms` (`open_duration` → `openDurationMs`). `lib/options.js` builds its
/// lists of known options from these, so a config field added in core is
/// known to Node once its native reader reads it.
#[napi_derive::napi(catch_unwind)]
pub fn surface_options(primitive: String) -> Result<Vec<String>> {
    let Some(table) = seawall::surface::ALL
        .iter()
        .find(|s| s.primitive == primitive)
    else {
        return Err(napi::Error::from_reason(format!(
            "no surface table for primitive {primitive:?}"
        )));
    };
    Ok(table
        .fields
        .iter()
        .map(|f| {
            let name = camel(f.name);
            if f.unit == seawall::surface::Unit::Duration {
                name + "Ms"
            } else {
                name
            }
        })
        .collect())
}
