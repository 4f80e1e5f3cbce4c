//! One surface, checked everywhere: walks core's config tables
//! (`seawall::surface`) and `ErrorKind::ALL`, and checks that every field
//! and every error kind is present, under the spelling the language's rule
//! gives, in the C header and field map, the Python native signatures,
//! stubs and wrapper classes, and the Node option lists, native readers and
//! type declarations; and that every default those files write out (Python
//! signatures, the C header's field tables, the d.ts documentation) is
//! core's. It also checks the tables against core itself: the
//! field lists against the config structs (an exhaustive destructuring, so
//! a new field does not compile until it has a row), the defaults against
//! `Default`, and both ends of every range against `validate`.
//!
//! The bindings are read as text: no binding has to be built to run this.

use seawall::adaptive_timeout::AdaptiveTimeoutConfig;
use seawall::backoff::{BackoffConfig, BackoffKind, Jitter};
use seawall::bulkhead::BulkheadConfig;
use seawall::circuit_breaker::{Config as BreakerConfig, WindowKind};
use seawall::fault::FaultInjectorConfig;
use seawall::keyed::{KeyTableConfig, KeyedSlidingWindowConfig, KeyedTokenBucketConfig, OnFull};
use seawall::redis::{FailureMode, RedisConfig};
use seawall::retry_budget::RetryBudgetConfig;
use seawall::sliding_window::SlidingWindowConfig;
use seawall::surface::{self, Field, Surface, Unit, Value};
use seawall::token_bucket::TokenBucketConfig;
use seawall::ErrorKind;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

// ---------------------------------------------------------------- naming rules

/// C: a duration is integer nanoseconds, `_ns`; an optional field has a
/// `has_<name>` flag before it. Everything else keeps the core name.
fn c_names(f: &Field) -> Vec<String> {
    let value = if f.unit == Unit::Duration {
        format!("{}_ns", f.name)
    } else {
        f.name.to_owned()
    };
    if f.optional {
        vec![format!("has_{}", f.name), value]
    } else {
        vec![value]
    }
}

/// Python: the core name (durations are float seconds, no suffix).
fn python_name(f: &Field) -> String {
    f.name.to_owned()
}

/// Node: camelCase, durations in milliseconds with `Ms`.
fn node_name(f: &Field) -> String {
    let mut out = String::new();
    let mut up = false;
    for ch in f.name.chars() {
        if ch == '_' {
            up = true;
        } else if up {
            out.extend(ch.to_uppercase());
            up = false;
        } else {
            out.push(ch);
        }
    }
    if f.unit == Unit::Duration {
        out.push_str("Ms");
    }
    out
}

/// Fields a binding does not offer. Each line is a decision or a known
/// gap; keep it short. (surface, primitive, field, why). Surfaces: `C`,
/// `Python`, `Node`, or `*` for all.
const NOT_OFFERED: &[(&str, &str, &str, &str)] = &[
    // The reconnect delays of the breaker around Redis are core-only so far.
    ("*", "redis", "retry_initial", "core-only"),
    ("*", "redis", "retry_max", "core-only"),
    // seawall_redis_backend_new(url, deadline_ns, on_failure, out): no prefix yet.
    ("C", "redis", "key_prefix", "not in the C constructor"),
];

/// Genuine renames: (surface, primitive, field, the binding's spelling).
/// None today; a rename goes here with a comment saying why.
const RENAMED: &[(&str, &str, &str, &str)] = &[];

fn offered(lang: &str, primitive: &str, field: &str) -> bool {
    !NOT_OFFERED
        .iter()
        .any(|(l, p, f, _)| (*l == "*" || *l == lang) && *p == primitive && *f == field)
}

fn renamed(lang: &str, primitive: &str, field: &str) -> Option<&'static str> {
    RENAMED
        .iter()
        .find(|(l, p, f, _)| *l == lang && *p == primitive && *f == field)
        .map(|(_, _, _, n)| *n)
}

// ---------------------------------------------------------------- where each primitive lives

/// The C entry point that takes the config.
enum CEntry {
    /// `typedef struct <name> { ... } <name>;`
    Struct(&'static str),
    /// The parameters of a function.
    Function(&'static str),
}

struct Binding {
    surface: Surface,
    c: CEntry,
    /// The `#[pyclass(name = ...)]` (and `_native.pyi` class) taking the config.
    py_native: &'static str,
    /// The Python class users construct, if it re-declares the signature:
    /// (file under `bindings-python/python/seawall`, class, method).
    py_wrapper: Option<(&'static str, &'static str, &'static str)>,
    /// The entry of `KNOWN` in `bindings-node/lib/options.js`, if the
    /// constructor checks its keys there.
    node_known: Option<&'static str>,
    /// The class in `bindings-node/lib/index.d.ts` whose constructor takes
    /// the options.
    node_class: &'static str,
}

fn bindings() -> Vec<Binding> {
    use surface::*;
    vec![
        Binding {
            surface: CIRCUIT_BREAKER,
            c: CEntry::Struct("seawall_circuit_breaker_config"),
            py_native: "CircuitBreaker",
            py_wrapper: Some(("circuit_breaker.py", "CircuitBreaker", "__init__")),
            node_known: Some("CircuitBreaker"),
            node_class: "CircuitBreaker",
        },
        Binding {
            surface: TOKEN_BUCKET,
            c: CEntry::Struct("seawall_token_bucket_config"),
            py_native: "TokenBucket",
            py_wrapper: Some(("limiters.py", "TokenBucket", "__init__")),
            node_known: Some("TokenBucket"),
            node_class: "TokenBucket",
        },
        Binding {
            surface: SLIDING_WINDOW,
            c: CEntry::Struct("seawall_sliding_window_config"),
            py_native: "SlidingWindowLimiter",
            py_wrapper: Some(("limiters.py", "SlidingWindowLimiter", "__init__")),
            node_known: Some("SlidingWindowLimiter"),
            node_class: "SlidingWindowLimiter",
        },
        Binding {
            surface: KEYED_TOKEN_BUCKET,
            c: CEntry::Struct("seawall_keyed_token_bucket_config"),
            py_native: "KeyedTokenBucket",
            py_wrapper: Some(("limiters.py", "KeyedTokenBucket", "__init__")),
            node_known: Some("KeyedTokenBucket"),
            node_class: "KeyedTokenBucket",
        },
        Binding {
            surface: KEYED_SLIDING_WINDOW,
            c: CEntry::Struct("seawall_keyed_sliding_window_config"),
            py_native: "KeyedSlidingWindow",
            py_wrapper: Some(("limiters.py", "KeyedSlidingWindow", "__init__")),
            node_known: Some("KeyedSlidingWindow"),
            node_class: "KeyedSlidingWindow",
        },
        Binding {
            surface: BULKHEAD,
            c: CEntry::Struct("seawall_bulkhead_config"),
            py_native: "Bulkhead",
            py_wrapper: Some(("bulkhead.py", "Bulkhead", "__init__")),
            node_known: Some("Bulkhead"),
            node_class: "Bulkhead",
        },
        Binding {
            surface: BACKOFF,
            c: CEntry::Struct("seawall_backoff_config"),
            py_native: "Backoff",
            // Retry(...) takes the backoff's settings directly.
            py_wrapper: Some(("retry.py", "Retry", "__init__")),
            node_known: Some("Backoff"),
            node_class: "Backoff",
        },
        Binding {
            surface: RETRY_BUDGET,
            c: CEntry::Struct("seawall_retry_budget_config"),
            py_native: "RetryBudget",
            py_wrapper: None,
            node_known: Some("RetryBudget"),
            node_class: "RetryBudget",
        },
        Binding {
            surface: ADAPTIVE_TIMEOUT,
            c: CEntry::Struct("seawall_adaptive_timeout_config"),
            py_native: "AdaptiveTimeout",
            py_wrapper: Some(("adaptive.py", "AdaptiveTimeout", "__init__")),
            node_known: Some("AdaptiveTimeout"),
            node_class: "AdaptiveTimeout",
        },
        Binding {
            surface: FAULT_INJECTOR,
            c: CEntry::Struct("seawall_fault_injector_config"),
            py_native: "FaultInjector",
            py_wrapper: Some(("fault.py", "FaultInjector", "__init__")),
            node_known: Some("FaultInjector"),
            node_class: "FaultInjector",
        },
        Binding {
            surface: REDIS,
            c: CEntry::Function("seawall_redis_backend_new"),
            py_native: "RedisBackend",
            // seawall.RedisBackend subclasses the native class unchanged.
            py_wrapper: None,
            node_known: Some("RedisBackend"),
            node_class: "RedisBackend",
        },
    ]
}

// ---------------------------------------------------------------- reading the sources

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

struct Source {
    /// Path from the repository root, for messages.
    path: String,
    text: String,
}

fn read(rel: &str) -> Source {
    let text = std::fs::read_to_string(root().join(rel))
        .unwrap_or_else(|e| panic!("cannot read {rel}: {e}"));
    Source {
        path: rel.to_owned(),
        text,
    }
}

/// Every `.rs` file under `rel`, recursively, sorted.
fn read_rs_tree(rel: &str) -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir:?}: {e}"));
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let base = root();
    let mut files = Vec::new();
    walk(&base.join(rel), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&base).unwrap_or(&p).display().to_string();
            read(&rel)
        })
        .collect()
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The text inside the bracket at `text[start]` (one of `( [ { <`), up to
/// its matching close; only brackets of the same kind are counted (a `>=`
/// in a comment does not close a `{`).
fn bracketed(text: &str, start: usize) -> Option<&str> {
    let open = text.get(start..)?.chars().next()?;
    let close = match open {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        '<' => '>',
        _ => return None,
    };
    let mut depth = 0usize;
    for (i, ch) in text.get(start..)?.char_indices() {
        if ch == open {
            depth += 1;
        } else if ch == close {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return text.get(start + 1..start + i);
            }
        }
    }
    None
}

/// Splits at the commas outside brackets.
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut from = 0;
    for (i, ch) in s.char_indices() {
        match ch {
            '(' | '[' | '{' | '<' => depth += 1,
            ')' | ']' | '}' | '>' => depth -= 1,
            c if c == sep && depth == 0 => {
                out.push(&s[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[from..]);
    out
}

/// The leading identifier of a parameter (`**kwargs` gives `kwargs`).
fn ident(part: &str) -> String {
    part.trim()
        .trim_start_matches('*')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Parameter names of a parameter list (Python `def`, pyo3 signature).
fn param_names(list: &str) -> BTreeSet<String> {
    split_top(list, ',')
        .into_iter()
        .map(ident)
        .filter(|n| !n.is_empty())
        .collect()
}

// ---------------------------------------------------------------- the surfaces of each language

/// A language's view of one primitive: where it was read, and the names.
struct Seen {
    lang: &'static str,
    /// What was read, for messages (`include/seawall.h, struct seawall_bulkhead_config`).
    place: String,
    names: Option<BTreeSet<String>>,
}

impl Seen {
    fn new(lang: &'static str, place: String, names: Option<BTreeSet<String>>) -> Self {
        Seen { lang, place, names }
    }
}

fn c_struct_fields(h: &Source, name: &str) -> Option<BTreeSet<String>> {
    let at = h.text.find(&format!("typedef struct {name} {{"))?;
    let open = at + h.text.get(at..)?.find('{')?;
    let body = bracketed(&h.text, open)?;
    let mut out = BTreeSet::new();
    let mut in_comment = false;
    for line in body.lines() {
        let l = line.trim();
        if l.starts_with("/*") {
            in_comment = !l.contains("*/");
            continue;
        }
        if in_comment {
            in_comment = !l.contains("*/");
            continue;
        }
        if let Some(decl) = l.strip_suffix(';') {
            if let Some(last) = decl.split([' ', '*']).next_back() {
                out.insert(last.to_owned());
            }
        }
    }
    Some(out)
}

fn c_function_params(h: &Source, name: &str) -> Option<BTreeSet<String>> {
    let at = h.text.find(&format!(" {name}("))? + 1 + name.len();
    let list = bracketed(&h.text, at)?;
    Some(
        split_top(list, ',')
            .into_iter()
            .filter_map(|p| p.split([' ', '*']).next_back())
            .map(|s| s.trim().to_owned())
            .collect(),
    )
}

/// The `| field | default | rule |` table of the doc comment before a C
/// struct: C field name -> its default cell. A row may name several fields
/// (`burst, rate_per_sec | 10, 10.0`; `has_seed, seed | false`).
fn c_doc_defaults(h: &Source, name: &str) -> Option<BTreeMap<String, String>> {
    let at = h.text.find(&format!("typedef struct {name} {{"))?;
    let doc_at = h.text.get(..at)?.rfind("/**")?;
    let doc = h.text.get(doc_at..at)?;
    let mut out = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.trim().trim_start_matches('*').split('|').collect();
        let (Some(names), Some(values)) = (cells.get(1), cells.get(2)) else {
            continue;
        };
        let names: Vec<&str> = names.split(',').map(str::trim).collect();
        let mut values = values.split(',').map(str::trim);
        let mut i = 0;
        while let (Some(n), Some(v)) = (names.get(i), values.next()) {
            out.insert((*n).to_owned(), v.to_owned());
            // `has_x, x | false`: an unset optional field has one cell.
            i += if n.starts_with("has_") && v.starts_with("false") {
                2
            } else {
                1
            };
        }
    }
    Some(out)
}

/// Whether a C doc table's default cell states the table's default
/// (durations as `60 s`, `100 ms` or `0`; enums as their constant).
fn c_default_matches(f: &Field, cell: &str) -> bool {
    match f.default {
        Value::Int(n) => cell.parse::<u64>() == Ok(n),
        Value::Real(x) => cell.parse::<f64>() == Ok(x),
        Value::Nanos(n) => {
            let (num, unit) = cell.split_once(' ').unwrap_or((cell, "ns"));
            let scale = match unit {
                "s" => 1e9,
                "ms" => 1e6,
                "us" | "µs" => 1e3,
                "ns" => 1.0,
                _ => return false,
            };
            num.parse::<f64>()
                .is_ok_and(|v| (v * scale).round() == n as f64)
        }
        // The constant (`SEAWALL_ON_FULL_DENY`) or the wire name (`deny`).
        Value::Name(s) => {
            cell == s
                || (cell.starts_with("SEAWALL_")
                    && cell.ends_with(&format!("_{}", s.to_ascii_uppercase())))
        }
        Value::Bool(b) => {
            cell == if b { "1" } else { "0" } || cell == if b { "true" } else { "false" }
        }
        _ => true,
    }
}

/// The names a pyo3 `#[new]` of the pyclass `class` accepts: its
/// `#[pyo3(signature = (...))]`, or, for `(**kwargs)`, the keys it takes
/// (`kw.take("...")`).
fn py_native_params(files: &[Source], class: &str) -> Option<(String, BTreeSet<String>)> {
    for src in files {
        let t = &src.text;
        let mut from = 0;
        while let Some(i) = t.get(from..).and_then(|s| s.find("#[pyclass(")) {
            let at = from + i;
            from = at + 1;
            let attr = bracketed(t, at + "#[pyclass".len())?;
            if !attr.contains(&format!("name = \"{class}\"")) {
                continue;
            }
            let new_at = at + t.get(at..)?.find("#[new]")?;
            let sig_key = "#[pyo3(signature = ";
            let sig_at = new_at + t.get(new_at..)?.find(sig_key)? + sig_key.len();
            let list = bracketed(t, sig_at)?;
            let mut names = param_names(list);
            if names.contains("kwargs") {
                let end = sig_at + t.get(sig_at..)?.find("\n    }\n")?;
                let body = t.get(sig_at..end)?;
                for piece in body.split("take(\"").skip(1) {
                    if let Some(n) = piece.split('"').next() {
                        names.insert(n.to_owned());
                    }
                }
            }
            return Some((src.path.clone(), names));
        }
    }
    None
}

/// The parameter list of `def <method>(` in `class <class>` of a Python file.
fn py_method_list<'a>(src: &'a Source, class: &str, method: &str) -> Option<&'a str> {
    let t = &src.text;
    let at = [format!("class {class}("), format!("class {class}:")]
        .iter()
        .filter_map(|k| t.find(k.as_str()))
        .min()?;
    let def = format!("def {method}(");
    let d = at + t.get(at..)?.find(&def)? + def.len() - 1;
    // The method must belong to this class: no other class in between.
    if t.get(at + 1..d)?.contains("\nclass ") {
        return None;
    }
    bracketed(t, d)
}

/// The parameters of `def <method>(` in `class <class>` of a Python file.
fn py_method_params(src: &Source, class: &str, method: &str) -> Option<BTreeSet<String>> {
    py_method_list(src, class, method).map(param_names)
}

/// (name, default literal) of the parameters that have a default.
fn py_defaults(list: &str) -> Vec<(String, String)> {
    split_top(list, ',')
        .into_iter()
        .filter_map(|p| {
            let (_, lit) = p.split_once('=')?;
            Some((ident(p), lit.trim().to_owned()))
        })
        .collect()
}

/// Whether a Python default literal states the table's default (`None`
/// always does: it means "core's default").
fn python_default_matches(f: &Field, lit: &str) -> bool {
    if lit == "None" {
        return true;
    }
    match f.default {
        Value::Unset => false,
        Value::Int(n) => lit.replace('_', "").parse::<u64>() == Ok(n),
        Value::Real(x) => lit.parse::<f64>() == Ok(x),
        Value::Nanos(n) => lit
            .replace('_', "")
            .parse::<f64>()
            .is_ok_and(|secs| (secs * 1e9).round() == n as f64),
        Value::Bool(b) => lit == if b { "True" } else { "False" },
        Value::Name(s) | Value::Text(s) => lit == format!("\"{s}\"") || lit == format!("'{s}'"),
        _ => true,
    }
}

/// The names of `KNOWN.<key>` in options.js: its quoted names, and for a
/// spread `...fields('<primitive>')` the Node names of that surface table
/// (the native `surfaceOptions` derives them by the rule of `node_name`).
/// Spreads of other lists are not followed: they are clock/common keys.
fn node_known(src: &Source, key: &str) -> Option<BTreeSet<String>> {
    let t = &src.text;
    let known = t.find("const KNOWN = {")?;
    let at = known + t.get(known..)?.find(&format!("\n  {key}: ["))? + key.len() + 5;
    let list = bracketed(t, at)?;
    let parts: Vec<&str> = list.split('\'').collect();
    let mut names = BTreeSet::new();
    // Odd parts are quoted, each after the text before its quote.
    for pair in parts.chunks(2) {
        let [before, quoted] = pair else { break };
        if before.trim_end().ends_with("...fields(") {
            let table = surface::ALL.iter().find(|s| s.primitive == *quoted)?;
            names.extend(table.fields.iter().map(node_name));
        } else {
            names.insert((*quoted).to_owned());
        }
    }
    Some(names)
}

/// Fields of a d.ts interface, its `extends` included: name -> the text
/// of the doc comment before it.
fn dts_interface(src: &Source, name: &str) -> Option<BTreeMap<String, String>> {
    let t = &src.text;
    let head = format!("interface {name} ");
    let at = t.find(&head)?;
    let open = at + t.get(at..)?.find('{')?;
    let decl = t.get(at + head.len()..open)?.trim();
    let mut out = BTreeMap::new();
    if let Some(bases) = decl.strip_prefix("extends ") {
        for b in bases.split(',') {
            out.extend(dts_interface(src, b.trim())?);
        }
    }
    out.extend(dts_members(bracketed(t, open)?));
    Some(out)
}

/// Members of an object type body (`name?: T` / `name: T`), each with the
/// doc comment before it.
fn dts_members(body: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut depth = 0i32;
    let mut doc = String::new();
    for line in body.lines() {
        let l = line.trim();
        if l.starts_with('*') || l.starts_with("/*") || l.starts_with("//") {
            if l.starts_with("/*") {
                doc.clear();
            }
            doc.push_str(l);
            doc.push(' ');
            continue;
        }
        if depth == 0 {
            let n = ident(l);
            let rest = l.get(n.len()..).unwrap_or("");
            if !n.is_empty() && (rest.starts_with("?:") || rest.starts_with(':')) {
                out.insert(n, std::mem::take(&mut doc));
            }
        }
        for ch in l.chars() {
            match ch {
                '{' | '(' => depth += 1,
                '}' | ')' => depth -= 1,
                _ => {}
            }
        }
    }
    out
}

/// The options `new <class>(options)` accepts per index.d.ts (name -> doc
/// comment): the constructor's parameter type, `A & Omit<B, 'x'> & { ... }`
/// resolved.
fn dts_constructor_options(src: &Source, class: &str) -> Option<BTreeMap<String, String>> {
    let t = &src.text;
    let at = t.find(&format!("export declare class {class} "))?;
    let c = at + t.get(at..)?.find("constructor(")? + "constructor".len();
    let params = bracketed(t, c)?;
    let ty = params.split_once(':')?.1.trim();
    let mut out = BTreeMap::new();
    for part in split_top(ty, '&') {
        let part = part.trim();
        if part.starts_with('{') {
            out.extend(dts_members(bracketed(part, 0)?));
        } else if let Some(inner) = part.strip_prefix("Omit") {
            let args = bracketed(inner, 0)?;
            let (base, omitted) = args.split_once(',')?;
            let mut fields = dts_interface(src, base.trim())?;
            for o in omitted.split('|') {
                fields.remove(o.trim().trim_matches('\''));
            }
            out.extend(fields);
        } else {
            out.extend(dts_interface(src, part)?);
        }
    }
    Some(out)
}

/// The default a d.ts doc comment states (`default 60000`, `Default
/// 'full'.`), when it states a literal.
fn dts_stated_default(doc: &str) -> Option<String> {
    let lower = doc.to_ascii_lowercase();
    let at = lower.find("default ")? + "default ".len();
    let word: String = doc
        .get(at..)?
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ')' | ';' | ','))
        .collect();
    let word = word.strip_suffix('.').unwrap_or(&word).to_owned();
    let literal =
        word.starts_with('\'') || word == "true" || word == "false" || word.parse::<f64>().is_ok();
    literal.then_some(word)
}

/// Whether a default stated in Node's unit (ms for durations) is core's.
fn node_default_matches(f: &Field, lit: &str) -> bool {
    match f.default {
        Value::Int(n) => lit.parse::<u64>() == Ok(n),
        Value::Real(x) => lit.parse::<f64>() == Ok(x),
        Value::Nanos(n) => lit
            .parse::<f64>()
            .is_ok_and(|ms| (ms * 1e6).round() == n as f64),
        Value::Bool(b) => lit == if b { "true" } else { "false" },
        Value::Name(s) | Value::Text(s) => lit == format!("'{s}'"),
        Value::Unset => false,
        _ => true,
    }
}

/// Node's native readers: every `"jsName"` must occur in bindings-node/src,
/// and where it is paired with a core name (`("openDurationMs",
/// "open_duration")`) that name must be the canonical one.
fn node_native(files: &[Source], js: &str, core: &str) -> Result<(), String> {
    let quoted = format!("\"{js}\"");
    let mut found = false;
    for src in files {
        let flat = squash(&src.text);
        for (i, _) in flat.match_indices(&quoted) {
            found = true;
            let after = &flat[i + quoted.len()..];
            if let Some(rest) = after.strip_prefix(",\"") {
                let paired = rest.split('"').next().unwrap_or("");
                let snake = paired
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit());
                if snake && paired != core {
                    return Err(format!(
                        "{}: \"{js}\" is paired with core field \"{paired}\", expected \"{core}\"",
                        src.path
                    ));
                }
            }
        }
    }
    if found {
        Ok(())
    } else {
        Err(format!(
            "bindings-node/src: no native reader of \"{js}\" (expected a string \"{js}\", paired with \"{core}\")"
        ))
    }
}

// ---------------------------------------------------------------- the walk over fields

#[test]
fn every_config_field_is_offered_under_its_name_in_every_language() {
    let header = read("include/seawall.h");
    let py_src = read_rs_tree("bindings-python/src");
    let pyi = read("bindings-python/python/seawall/_native.pyi");
    let options = read("bindings-node/lib/options.js");
    let dts = read("bindings-node/lib/index.d.ts");
    let node_src = read_rs_tree("bindings-node/src");

    let mut missing: Vec<String> = Vec::new();
    let mut checked = 0usize;
    let all = bindings();
    // Every table has its binding map, and the other way round.
    let mapped: BTreeSet<&str> = all.iter().map(|b| b.surface.primitive).collect();
    for s in surface::ALL {
        assert!(
            mapped.contains(s.primitive),
            "surface {} has no entry in bindings() of tests/tests/surface.rs",
            s.primitive
        );
    }
    assert_eq!(all.len(), surface::ALL.len());

    for b in &all {
        let s = &b.surface;
        let mut views: Vec<Seen> = Vec::new();
        views.push(match b.c {
            CEntry::Struct(n) => Seen::new(
                "C",
                format!("{}, struct {n}", header.path),
                c_struct_fields(&header, n),
            ),
            CEntry::Function(n) => Seen::new(
                "C",
                format!("{}, parameters of {n}", header.path),
                c_function_params(&header, n),
            ),
        });
        // Defaults the header's doc table states must be core's.
        if let CEntry::Struct(n) = b.c {
            match c_doc_defaults(&header, n) {
                None => missing.push(format!(
                    "C: {}: no doc comment before struct {n}",
                    header.path
                )),
                Some(cells) => {
                    for f in s.fields {
                        let names = c_names(f);
                        let (Some(value_name), Some(first)) = (names.last(), names.first()) else {
                            continue;
                        };
                        let Some(cell) = cells.get(first) else {
                            missing.push(format!(
                                "C: {}, struct {n}: the doc table has no row for `{first}`",
                                header.path
                            ));
                            continue;
                        };
                        checked += 1;
                        let ok = if f.optional {
                            let set = f.default != Value::Unset;
                            cell.starts_with(if set { "true" } else { "false" })
                                && (!set
                                    || cells
                                        .get(value_name)
                                        .is_some_and(|v| c_default_matches(f, v)))
                        } else {
                            c_default_matches(f, cell)
                        };
                        if !ok {
                            missing.push(format!(
                                "C: {}, struct {n}: the doc table gives `{first}` the default `{cell}`, core's is {:?}",
                                header.path, f.default
                            ));
                        }
                    }
                }
            }
        }
        let (py_file, py_names) = match py_native_params(&py_src, b.py_native) {
            Some((f, n)) => (f, Some(n)),
            None => ("bindings-python/src".to_owned(), None),
        };
        views.push(Seen::new(
            "Python",
            format!("{py_file}, #[new] signature of pyclass {}", b.py_native),
            py_names,
        ));
        views.push(Seen::new(
            "Python",
            format!("{}, {}.__new__", pyi.path, b.py_native),
            py_method_params(&pyi, b.py_native, "__new__"),
        ));
        if let Some((file, class, method)) = b.py_wrapper {
            let src = read(&format!("bindings-python/python/seawall/{file}"));
            views.push(Seen::new(
                "Python",
                format!("{}, {class}.{method}", src.path),
                py_method_params(&src, class, method),
            ));
        }
        if let Some(key) = b.node_known {
            views.push(Seen::new(
                "Node",
                format!("{}, KNOWN.{key}", options.path),
                node_known(&options, key),
            ));
        }
        let dts_options = dts_constructor_options(&dts, b.node_class);
        views.push(Seen::new(
            "Node",
            format!("{}, options of new {}()", dts.path, b.node_class),
            dts_options.as_ref().map(|m| m.keys().cloned().collect()),
        ));
        // Defaults the d.ts documentation states must be core's.
        for f in s.fields {
            let Some(doc) = dts_options.as_ref().and_then(|m| m.get(&node_name(f))) else {
                continue; // reported as missing
            };
            if let Some(lit) = dts_stated_default(doc) {
                checked += 1;
                if !node_default_matches(f, &lit) {
                    missing.push(format!(
                        "Node: {}, options of new {}(): {} documents default {lit}, core's is {:?}{}",
                        dts.path,
                        b.node_class,
                        node_name(f),
                        f.default,
                        if f.unit == Unit::Duration { " (ns; Node states ms)" } else { "" }
                    ));
                }
            }
        }

        for v in &views {
            let Some(names) = &v.names else {
                missing.push(format!(
                    "{}: {}: not found (the walk cannot read it; fix the locator in tests/tests/surface.rs)",
                    v.lang, v.place
                ));
                continue;
            };
            for f in s.fields {
                if !offered(v.lang, s.primitive, f.name) {
                    continue;
                }
                let expected: Vec<String> = match renamed(v.lang, s.primitive, f.name) {
                    Some(n) => vec![n.to_owned()],
                    None => match v.lang {
                        "C" => c_names(f),
                        "Python" => vec![python_name(f)],
                        _ => vec![node_name(f)],
                    },
                };
                for e in expected {
                    checked += 1;
                    if !names.contains(&e) {
                        missing.push(format!(
                            "{}: {}: missing {}.{} ({}): expected `{e}`",
                            v.lang,
                            v.place,
                            s.primitive,
                            f.name,
                            f.unit.as_str()
                        ));
                    }
                }
            }
        }

        // Defaults written out in Python signatures must be core's.
        let mut py_sigs = vec![(pyi.path.clone(), &pyi, b.py_native, "__new__")];
        let wrapper = b.py_wrapper.map(|(file, class, method)| {
            (
                read(&format!("bindings-python/python/seawall/{file}")),
                class,
                method,
            )
        });
        if let Some((src, class, method)) = &wrapper {
            py_sigs.push((src.path.clone(), src, class, method));
        }
        for (path, src, class, method) in py_sigs {
            let Some(list) = py_method_list(src, class, method) else {
                continue; // reported above
            };
            for (name, lit) in py_defaults(list) {
                let Some(f) = s.field(&name) else { continue };
                checked += 1;
                if !python_default_matches(f, &lit) {
                    missing.push(format!(
                        "Python: {path}, {class}.{method}: default of {}.{} is `{lit}`, core's is {:?}",
                        s.primitive, f.name, f.default
                    ));
                }
            }
        }

        // Names converted by hand in the native layers (C's error field
        // names are derived from these tables: bindings-c `c_field`).
        for f in s.fields {
            if offered("Node", s.primitive, f.name) {
                checked += 1;
                if let Err(e) = node_native(&node_src, &node_name(f), f.name) {
                    missing.push(format!("Node: {e} ({}.{})", s.primitive, f.name));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {checked} checks failed (a name missing or misspelt, a default that is not core's):\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
    // The walk is not vacuous.
    assert!(checked > 250, "only {checked} checks made");
}

// ---------------------------------------------------------------- the walk over error kinds

#[test]
fn every_error_kind_is_named_in_every_language() {
    let header = read("include/seawall.h");
    let errors_py = read("bindings-python/python/seawall/errors.py");
    let errors_js = read("bindings-node/lib/errors.js");
    let dts = read("bindings-node/lib/index.d.ts");
    let status = {
        let t = &header.text;
        let at = t
            .find("enum seawall_status {")
            .expect("include/seawall.h has no enum seawall_status");
        let open = at + t[at..].find('{').unwrap_or(0);
        squash(bracketed(t, open).unwrap_or(""))
    };
    let mut missing = Vec::new();
    for kind in ErrorKind::ALL {
        let wire = kind.as_str();
        let upper = format!("SEAWALL_{}", wire.to_ascii_uppercase());
        let c = format!("{upper}={},", kind as u32);
        if !status.contains(&c) {
            missing.push(format!(
                "C: {}, enum seawall_status: missing {wire}: expected `{upper} = {}`",
                header.path, kind as u32
            ));
        }
        let py = format!("kind=\"{wire}\"");
        if !squash(&errors_py.text).contains(&py) {
            missing.push(format!(
                "Python: {}: missing {wire}: expected a class with `kind = \"{wire}\"`",
                errors_py.path
            ));
        }
        let js = format!("'{upper}'");
        for src in [&errors_js, &dts] {
            if !src.text.contains(&js) && !src.text.contains(&format!("\"{upper}\"")) {
                missing.push(format!(
                    "Node: {}: missing {wire}: expected the code `{js}`",
                    src.path
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} error kinds are missing:\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}

// ---------------------------------------------------------------- the tables against core

/// One config field, read and written as a table [`Value`].
trait Slot {
    fn read(&self) -> Value;
    /// `false` when the value does not fit the field's type.
    fn write(&mut self, v: Value) -> bool;
}

impl Slot for u64 {
    fn read(&self) -> Value {
        Value::Int(*self)
    }
    fn write(&mut self, v: Value) -> bool {
        match v {
            Value::Int(n) => {
                *self = n;
                true
            }
            _ => false,
        }
    }
}

impl Slot for u32 {
    fn read(&self) -> Value {
        Value::Int(u64::from(*self))
    }
    fn write(&mut self, v: Value) -> bool {
        match v {
            Value::Int(n) => u32::try_from(n).map(|n| *self = n).is_ok(),
            _ => false,
        }
    }
}

impl Slot for f64 {
    fn read(&self) -> Value {
        Value::Real(*self)
    }
    fn write(&mut self, v: Value) -> bool {
        match v {
            Value::Real(x) => {
                *self = x;
                true
            }
            _ => false,
        }
    }
}

impl Slot for Duration {
    fn read(&self) -> Value {
        Value::Nanos(u64::try_from(self.as_nanos()).unwrap_or(u64::MAX))
    }
    fn write(&mut self, v: Value) -> bool {
        match v {
            Value::Nanos(n) => {
                *self = Duration::from_nanos(n);
                true
            }
            _ => false,
        }
    }
}

impl Slot for bool {
    fn read(&self) -> Value {
        Value::Bool(*self)
    }
    fn write(&mut self, v: Value) -> bool {
        match v {
            Value::Bool(b) => {
                *self = b;
                true
            }
            _ => false,
        }
    }
}

impl Slot for String {
    fn read(&self) -> Value {
        // Table texts are 'static; a default is compared by content.
        Value::Text(Box::leak(self.clone().into_boxed_str()))
    }
    fn write(&mut self, v: Value) -> bool {
        match v {
            Value::Text(s) => {
                *self = s.to_owned();
                true
            }
            _ => false,
        }
    }
}

impl<T: Slot + Default> Slot for Option<T> {
    fn read(&self) -> Value {
        self.as_ref().map_or(Value::Unset, Slot::read)
    }
    fn write(&mut self, v: Value) -> bool {
        if v == Value::Unset {
            *self = None;
            return true;
        }
        let mut t = T::default();
        t.write(v) && {
            *self = Some(t);
            true
        }
    }
}

macro_rules! enum_slot {
    ($t:ty, $parse:expr) => {
        impl Slot for $t {
            fn read(&self) -> Value {
                Value::Name(self.as_str())
            }
            fn write(&mut self, v: Value) -> bool {
                match v {
                    Value::Name(s) => $parse(s).map(|k| *self = k).is_ok(),
                    _ => false,
                }
            }
        }
    };
}
enum_slot!(WindowKind, |s| WindowKind::parse("window_kind", s));
enum_slot!(BackoffKind, BackoffKind::parse);
enum_slot!(Jitter, Jitter::parse);
enum_slot!(OnFull, OnFull::parse);
enum_slot!(FailureMode, |s| FailureMode::parse("on_failure", s));

type Slots<'a> = Vec<(&'static str, &'a mut dyn Slot)>;

/// Lists every field of the struct, in order: the destructuring has no
/// `..`, so a new field does not compile until it is listed here (and the
/// test below then wants its row in the table).
macro_rules! slots {
    ($c:expr, $t:ident { $($f:ident),* $(,)? }) => {{
        let $t { $($f),* } = $c;
        vec![$((stringify!($f), $f as &mut dyn Slot)),*]
    }};
}

fn breaker_slots(c: &mut BreakerConfig) -> Slots<'_> {
    use seawall::circuit_breaker::Config;
    slots!(
        c,
        Config {
            failure_rate_threshold,
            slow_call_rate_threshold,
            slow_call_duration_threshold,
            window_kind,
            window_size,
            minimum_number_of_calls,
            failure_count_threshold,
            failure_count_period,
            open_duration,
            open_duration_multiplier,
            max_open_duration,
            half_open_max_calls,
            success_threshold,
        }
    )
}

fn token_bucket_slots(c: &mut TokenBucketConfig) -> Slots<'_> {
    slots!(
        c,
        TokenBucketConfig {
            burst,
            rate_per_sec,
            initial_tokens
        }
    )
}

fn sliding_window_slots(c: &mut SlidingWindowConfig) -> Slots<'_> {
    slots!(
        c,
        SlidingWindowConfig {
            limit,
            window,
            buckets
        }
    )
}

fn table_slots(c: &mut KeyTableConfig) -> Slots<'_> {
    slots!(
        c,
        KeyTableConfig {
            max_keys,
            max_probe,
            on_full,
            hash_seed
        }
    )
}

fn keyed_token_bucket_slots(c: &mut KeyedTokenBucketConfig) -> Slots<'_> {
    let KeyedTokenBucketConfig { bucket, table } = c;
    let mut out = token_bucket_slots(bucket);
    // A keyed bucket's initial_tokens must stay unset (a new key starts
    // full, like an evicted one): it is not part of the keyed surface.
    out.retain(|(n, _)| *n != "initial_tokens");
    out.extend(table_slots(table));
    out
}

fn keyed_sliding_window_slots(c: &mut KeyedSlidingWindowConfig) -> Slots<'_> {
    let KeyedSlidingWindowConfig { window, table } = c;
    let mut out = sliding_window_slots(window);
    out.extend(table_slots(table));
    out
}

fn bulkhead_slots(c: &mut BulkheadConfig) -> Slots<'_> {
    slots!(
        c,
        BulkheadConfig {
            max_concurrent,
            max_queue,
            max_wait
        }
    )
}

fn backoff_slots(c: &mut BackoffConfig) -> Slots<'_> {
    slots!(
        c,
        BackoffConfig {
            kind,
            base,
            factor,
            max_delay,
            jitter,
            max_attempts,
            max_elapsed,
            seed,
        }
    )
}

fn retry_budget_slots(c: &mut RetryBudgetConfig) -> Slots<'_> {
    slots!(
        c,
        RetryBudgetConfig {
            max_tokens,
            token_ratio
        }
    )
}

fn adaptive_timeout_slots(c: &mut AdaptiveTimeoutConfig) -> Slots<'_> {
    slots!(
        c,
        AdaptiveTimeoutConfig {
            percentile,
            multiplier,
            min_timeout,
            max_timeout,
            initial_timeout,
            min_samples,
            window,
        }
    )
}

fn fault_injector_slots(c: &mut FaultInjectorConfig) -> Slots<'_> {
    slots!(
        c,
        FaultInjectorConfig {
            error_rate,
            delay_rate,
            delay_min,
            delay_max,
            seed,
            enabled
        }
    )
}

fn redis_slots(c: &mut RedisConfig) -> Slots<'_> {
    slots!(
        c,
        RedisConfig {
            url,
            deadline,
            on_failure,
            key_prefix,
            retry_initial,
            retry_max
        }
    )
}

const MAX_NS: u64 = 100 * 365 * 24 * 3600 * 1_000_000_000;
const SECOND: u64 = 1_000_000_000;

/// Settings of other fields that make a field's probes about that field
/// alone: (field probed, other field, its value).
const CONTEXT: &[(&str, &str, &str, Value)] = &[
    (
        "circuit_breaker",
        "window_size",
        "minimum_number_of_calls",
        Value::Int(1),
    ),
    (
        "circuit_breaker",
        "half_open_max_calls",
        "success_threshold",
        Value::Int(1),
    ),
    (
        "circuit_breaker",
        "failure_count_period",
        "failure_count_threshold",
        Value::Int(1),
    ),
    // A burst of 1 lets the rate go down to one token per 100 years.
    ("token_bucket", "rate_per_sec", "burst", Value::Int(1)),
    ("keyed_token_bucket", "rate_per_sec", "burst", Value::Int(1)),
    ("bulkhead", "max_wait", "max_queue", Value::Int(1)),
    ("backoff", "base", "max_delay", Value::Nanos(MAX_NS)),
    (
        "adaptive_timeout",
        "min_timeout",
        "max_timeout",
        Value::Nanos(MAX_NS),
    ),
    (
        "adaptive_timeout",
        "min_timeout",
        "initial_timeout",
        Value::Nanos(MAX_NS),
    ),
    (
        "adaptive_timeout",
        "max_timeout",
        "initial_timeout",
        Value::Nanos(SECOND),
    ),
    (
        "fault_injector",
        "delay_min",
        "delay_max",
        Value::Nanos(MAX_NS),
    ),
    ("redis", "retry_initial", "retry_max", Value::Nanos(MAX_NS)),
];

struct Probe<C> {
    surface: Surface,
    base: C,
    slots: fn(&mut C) -> Slots<'_>,
    validate: fn(&C) -> seawall::Result<()>,
}

fn set<C>(c: &mut C, slots: fn(&mut C) -> Slots<'_>, name: &str, v: Value) -> bool {
    slots(c)
        .into_iter()
        .find(|(n, _)| *n == name)
        .is_some_and(|(_, s)| s.write(v))
}

fn get<C>(c: &mut C, slots: fn(&mut C) -> Slots<'_>, name: &str) -> Option<Value> {
    slots(c)
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| s.read())
}

impl<C: Clone> Probe<C> {
    /// Field names and defaults against the struct and its default.
    fn check_table(&self, errs: &mut Vec<String>) {
        let p = self.surface.primitive;
        let mut base = self.base.clone();
        let names: Vec<&str> = (self.slots)(&mut base).iter().map(|(n, _)| *n).collect();
        let rows: Vec<&str> = self.surface.fields.iter().map(|f| f.name).collect();
        if names != rows {
            errs.push(format!(
                "core: surface {p} lists {rows:?}, {} has {names:?}",
                self.surface.config
            ));
        }
        for f in self.surface.fields {
            if f.default == Value::Required {
                continue;
            }
            match get(&mut base, self.slots, f.name) {
                Some(v) if v == f.default => {}
                Some(v) => errs.push(format!(
                    "core: {p}.{}: the table's default is {:?}, {}'s is {v:?}",
                    f.name, f.default, self.surface.config
                )),
                None => errs.push(format!("core: {p}.{}: no such field", f.name)),
            }
        }
    }

    /// Both ends of every range through `validate`.
    /// Returns the number of values probed.
    fn check_ranges(&self, errs: &mut Vec<String>) -> usize {
        let mut probed = 0;
        let p = self.surface.primitive;
        for f in self.surface.fields {
            let mut cfg = self.base.clone();
            for (prim, field, other, v) in CONTEXT {
                if *prim == p && *field == f.name && !set(&mut cfg, self.slots, other, *v) {
                    errs.push(format!("test: context {p}.{other} cannot be set"));
                }
            }
            let resolve = |c: &mut C, v: Value| match v {
                Value::Field(o) => get(c, self.slots, o).unwrap_or(Value::Unset),
                v => v,
            };
            let min = resolve(&mut cfg, f.range.min);
            let max = resolve(&mut cfg, f.range.max);
            let mut accept = Vec::new();
            let mut reject = Vec::new();
            match (min, f.range.min_open) {
                (Value::Int(n), _) => {
                    accept.push(Value::Int(n));
                    if let Some(m) = n.checked_sub(1) {
                        reject.push(Value::Int(m));
                    }
                }
                (Value::Nanos(n), _) => {
                    accept.push(Value::Nanos(n));
                    if let Some(m) = n.checked_sub(1) {
                        reject.push(Value::Nanos(m));
                    }
                }
                (Value::Real(x), false) => {
                    accept.push(Value::Real(x));
                    reject.push(Value::Real(x.next_down()));
                }
                (Value::Real(x), true) => {
                    reject.push(Value::Real(x));
                    accept.push(Value::Real(x.next_up()));
                }
                _ => {}
            }
            match max {
                Value::Int(n) => {
                    accept.push(Value::Int(n));
                    if let Some(m) = n.checked_add(1) {
                        reject.push(Value::Int(m));
                    }
                }
                Value::Nanos(n) => {
                    accept.push(Value::Nanos(n));
                    reject.push(Value::Nanos(n + 1));
                }
                Value::Real(x) => {
                    accept.push(Value::Real(x));
                    reject.push(Value::Real(x.next_up()));
                }
                Value::Unbounded if matches!(min, Value::Real(_)) => {
                    reject.push(Value::Real(f64::INFINITY));
                    reject.push(Value::Real(f64::NAN));
                }
                _ => {}
            }
            match f.unit {
                Unit::Enum(names) => accept.extend(names.iter().map(|n| Value::Name(n))),
                Unit::Bool => accept.extend([Value::Bool(false), Value::Bool(true)]),
                Unit::Seed => accept.extend([Value::Int(0), Value::Int(u64::MAX)]),
                _ => {}
            }
            if f.optional {
                accept.push(Value::Unset);
            }
            for (v, ok) in accept
                .into_iter()
                .map(|v| (v, true))
                .chain(reject.into_iter().map(|v| (v, false)))
            {
                let mut c = cfg.clone();
                if !set(&mut c, self.slots, f.name, v) {
                    // Does not fit the field's type (u32 + 1): nothing to probe.
                    continue;
                }
                probed += 1;
                let got = (self.validate)(&c);
                match (ok, &got) {
                    (true, Ok(())) => {}
                    (false, Err(e)) if e.field() == Some(f.name) => {}
                    _ => {
                        errs.push(format!(
                        "core: {p}.{} = {v:?} should be {} by validate (range {:?}), got {got:?}",
                        f.name,
                        if ok { "accepted" } else { "refused naming the field" },
                        f.range
                    ))
                    }
                }
            }
        }
        probed
    }
}

/// Returns the number of values probed.
fn probes(errs: &mut Vec<String>) -> usize {
    let mut probed = 0;
    let mut run = |p: &dyn Check, errs: &mut Vec<String>| probed += p.check(errs);
    run(
        &Probe {
            surface: surface::CIRCUIT_BREAKER,
            base: BreakerConfig::default(),
            slots: breaker_slots,
            validate: BreakerConfig::validate,
        },
        errs,
    );
    run(
        &Probe {
            surface: surface::TOKEN_BUCKET,
            base: TokenBucketConfig::default(),
            slots: token_bucket_slots,
            validate: TokenBucketConfig::validate,
        },
        errs,
    );
    run(
        &Probe {
            surface: surface::SLIDING_WINDOW,
            base: SlidingWindowConfig::default(),
            slots: sliding_window_slots,
            validate: SlidingWindowConfig::validate,
        },
        errs,
    );
    run(
        &Probe {
            surface: surface::KEYED_TOKEN_BUCKET,
            base: KeyedTokenBucketConfig::default(),
            slots: keyed_token_bucket_slots,
            validate: KeyedTokenBucketConfig::validate,
        },
        errs,
    );
    run(
        &Probe {
            surface: surface::KEYED_SLIDING_WINDOW,
            base: KeyedSlidingWindowConfig::default(),
            slots: keyed_sliding_window_slots,
            validate: KeyedSlidingWindowConfig::validate,
        },
        errs,
    );
    run(
        &Probe {
            surface: surface::BULKHEAD,
            base: BulkheadConfig::default(),
            slots: bulkhead_slots,
            validate: BulkheadConfig::validate,
        },
        errs,
    );
    run(
        &Probe {
            surface: surface::BACKOFF,
            base: BackoffConfig::default(),
            slots: backoff_slots,
            validate: BackoffConfig::validate,
        },
        errs,
    );
    run(
        &Probe {
            surface: surface::RETRY_BUDGET,
            base: RetryBudgetConfig::default(),
            slots: retry_budget_slots,
            validate: RetryBudgetConfig::validate,
        },
        errs,
    );
    run(
        &Probe {
            surface: surface::ADAPTIVE_TIMEOUT,
            base: AdaptiveTimeoutConfig::default(),
            slots: adaptive_timeout_slots,
            validate: AdaptiveTimeoutConfig::validate,
        },
        errs,
    );
    run(
        &Probe {
            surface: surface::FAULT_INJECTOR,
            base: FaultInjectorConfig::default(),
            slots: fault_injector_slots,
            validate: FaultInjectorConfig::validate,
        },
        errs,
    );
    run(
        &Probe {
            surface: surface::REDIS,
            base: RedisConfig::new("redis://127.0.0.1:6379"),
            slots: redis_slots,
            validate: RedisConfig::validate,
        },
        errs,
    );
    probed
}

trait Check {
    fn check(&self, errs: &mut Vec<String>) -> usize;
}

impl<C: Clone> Check for Probe<C> {
    fn check(&self, errs: &mut Vec<String>) -> usize {
        self.check_table(errs);
        self.check_ranges(errs)
    }
}

#[test]
fn tables_match_the_configs_their_defaults_and_their_validation() {
    let mut errs = Vec::new();
    let probed = probes(&mut errs);
    // The probes are not vacuous.
    assert!(probed > 200, "only {probed} values probed");
    assert!(
        errs.is_empty(),
        "{} mismatches between seawall::surface and core:\n  {}",
        errs.len(),
        errs.join("\n  ")
    );
}
