//! Checks a JSON value against the JSON Schema that schemars derives from a config struct, and
//! words what a field accepts from that same schema. The bounds, choices and defaults of a field
//! are declared once, next to its Rust declaration; these checks and messages follow from them.
//!
//! Only the schema keywords schemars emits for our configs are understood: `$ref`, `type`,
//! `enum`, `const`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `properties`,
//! `additionalProperties`, `required`, `items`, `minItems`, `maxItems`, `anyOf`, `oneOf`.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// 2^53 - 1, the largest integer a JavaScript number holds exactly.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A root schema (with its `$defs`) to check values against.
pub struct Checker<'a> {
    defs: Option<&'a Map<String, Value>>,
}

impl<'a> Checker<'a> {
    pub fn new(root: &'a Value) -> Self {
        Checker { defs: root.get("$defs").and_then(Value::as_object) }
    }

    /// Follow `$ref: "#/$defs/Name"` (and one level of `allOf: [{$ref}]`).
    fn resolve(&self, s: &'a Value) -> &'a Value {
        let mut s = s;
        for _ in 0..16 {
            let Some(r) = s.get("$ref").and_then(Value::as_str) else { break };
            match r.strip_prefix("#/$defs/").and_then(|n| self.defs.and_then(|d| d.get(n))) {
                Some(t) => s = t,
                None => break,
            }
        }
        s
    }

    /// Check `v` at `path` (e.g. "data.perClass") against `schema`; the first problem found is an
    /// E_INVALID error naming the field, the value and what the schema accepts.
    pub fn check(&self, schema: &'a Value, v: &Value, path: &str) -> Result<()> {
        let s = self.resolve(schema);
        if let Some(alts) = s.get("anyOf").or_else(|| s.get("oneOf")).and_then(Value::as_array) {
            if alts.iter().any(|a| self.check(a, v, path).is_ok()) {
                return Ok(());
            }
            // Where one alternative has the value's JSON type, its error is the precise one
            // (e.g. the bad element of an array, or the unknown key of an object).
            let same: Vec<&Value> = alts.iter().filter(|a| self.type_matches(a, v)).collect();
            if same.len() == 1 && (v.is_array() || v.is_object()) {
                return self.check(same[0], v, path);
            }
            return Err(self.invalid(path, v, s));
        }
        if !self.type_matches(s, v) {
            return Err(self.invalid(path, v, s));
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            if !e.contains(v) {
                return Err(self.invalid(path, v, s));
            }
        }
        if let Some(c) = s.get("const") {
            if c != v {
                return Err(self.invalid(path, v, s));
            }
        }
        match v {
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                let num = |k: &str| s.get(k).and_then(Value::as_f64);
                let bad = num("minimum").is_some_and(|m| x < m)
                    || maximum(s).is_some_and(|m| x > m)
                    || num("exclusiveMinimum").is_some_and(|m| x <= m)
                    || num("exclusiveMaximum").is_some_and(|m| x >= m);
                if bad {
                    return Err(self.invalid(path, v, s));
                }
            }
            Value::Array(items) => {
                let len = items.len() as u64;
                let n = |k: &str| s.get(k).and_then(Value::as_u64);
                if n("minItems").is_some_and(|m| len < m) || n("maxItems").is_some_and(|m| len > m) {
                    return Err(self.invalid(path, v, s));
                }
                if let Some(item) = s.get("items") {
                    for (i, x) in items.iter().enumerate() {
                        self.check(item, x, &format!("{path}[{i}]"))?;
                    }
                }
            }
            Value::Object(o) => {
                let props = s.get("properties").and_then(Value::as_object);
                for (k, x) in o {
                    let field = join(path, k);
                    match props.and_then(|p| p.get(k)) {
                        Some(ps) => self.check(ps, x, &field)?,
                        None if s.get("additionalProperties") == Some(&Value::Bool(false)) => {
                            let known: Vec<&str> = props.map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
                            return Err(Error::invalid(field, show(x), format!("no unknown keys (known: {})", known.join(", "))));
                        }
                        None => {}
                    }
                }
                if let Some(req) = s.get("required").and_then(Value::as_array) {
                    for r in req.iter().filter_map(Value::as_str) {
                        if !o.contains_key(r) {
                            let ps = props.and_then(|p| p.get(r)).unwrap_or(&Value::Null);
                            return Err(Error::invalid(join(path, r), "nothing", self.words(ps)));
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn invalid(&self, path: &str, v: &Value, s: &Value) -> Error {
        Error::invalid(path, show(v), self.words(s))
    }

    fn type_matches(&self, schema: &'a Value, v: &Value) -> bool {
        let s = self.resolve(schema);
        if let Some(alts) = s.get("anyOf").or_else(|| s.get("oneOf")).and_then(Value::as_array) {
            return alts.iter().any(|a| self.type_matches(a, v));
        }
        let types: Vec<&str> = match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => {
                if let Some(e) = s.get("enum").and_then(Value::as_array) {
                    return e.iter().any(|x| same_type(x, v));
                }
                if let Some(c) = s.get("const") {
                    return same_type(c, v);
                }
                return true;
            }
        };
        types.iter().any(|t| match *t {
            "null" => v.is_null(),
            "boolean" => v.is_boolean(),
            "string" => v.is_string(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            "number" => v.is_number(),
            "integer" => v.is_u64() || v.is_i64(),
            _ => false,
        })
    }

    /// What `schema` accepts, in words: "an integer from 2 to 1000", "a finite number > 0",
    /// `one of "gaussian", "uniform", "rademacher"`, "an integer >= 1, or an array of integers >= 1".
    pub fn words(&self, schema: &Value) -> String {
        let s = self.resolve(schema);
        if let Some(w) = s.get("x-expected").and_then(Value::as_str) {
            return w.to_string();
        }
        if let Some(alts) = s.get("anyOf").or_else(|| s.get("oneOf")).and_then(Value::as_array) {
            let mut parts: Vec<String> = alts.iter().map(|a| self.words(a)).filter(|w| w != "null" || alts.len() == 1).collect();
            parts.dedup();
            return join_or(&parts);
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            let vals: Vec<String> = e.iter().map(show).collect();
            return if vals.len() == 1 { vals[0].clone() } else { format!("one of {}", vals.join(", ")) };
        }
        if let Some(c) = s.get("const") {
            return show(c);
        }
        let types: Vec<&str> = match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        // An optional field (`["integer", "null"]`) is worded by its value: null means "not given".
        let mut parts: Vec<String> = types.iter().filter(|t| **t != "null").map(|t| self.type_words(s, t)).collect();
        if parts.is_empty() && types.contains(&"null") {
            parts.push("null".into());
        }
        if parts.is_empty() {
            return "a JSON value".into();
        }
        join_or(&parts)
    }

    fn type_words(&self, s: &Value, t: &str) -> String {
        match t {
            "integer" | "number" => number_words(s, t == "integer"),
            "boolean" => "true or false".into(),
            "string" => "a string".into(),
            "array" => {
                let item = s.get("items").map(|i| plural(&self.words(i))).unwrap_or_else(|| "values".into());
                let n = |k: &str| s.get(k).and_then(Value::as_u64);
                match (n("minItems"), n("maxItems")) {
                    (Some(a), Some(b)) if a == b => format!("an array of {a} {item}"),
                    (Some(a), Some(b)) => format!("an array of {a} to {b} {item}"),
                    (Some(a), None) if a > 0 => format!("an array of at least {a} {item}"),
                    (_, Some(b)) => format!("an array of at most {b} {item}"),
                    _ => format!("an array of {item}"),
                }
            }
            "object" => match s.get("properties").and_then(Value::as_object) {
                Some(p) if !p.is_empty() => {
                    let keys: Vec<&str> = p.keys().map(String::as_str).collect();
                    let req: Vec<&str> = s.get("required").and_then(Value::as_array).map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                    if !req.is_empty() && req.len() == keys.len() {
                        if keys.len() == 1 {
                            let v = self.words(&p[keys[0]]);
                            return format!("{{\"{}\": {}}}", keys[0], strip_article(&v));
                        }
                        format!("an object with {}", keys.join(", "))
                    } else {
                        format!("an object with some of {}", keys.join(", "))
                    }
                }
                _ => "an object".into(),
            },
            _ => t.to_string(),
        }
    }
}

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn join_or(parts: &[String]) -> String {
    match parts.len() {
        0 => String::new(),
        1 => parts[0].clone(),
        _ => format!("{}, or {}", parts[..parts.len() - 1].join(", "), parts[parts.len() - 1]),
    }
}

pub use crate::error::num;

/// The largest value a number schema takes. A `usize` field ("format": "uint") is at most
/// 2^32 - 1 on both backends, since wasm's usize has 32 bits: the same config must mean the same.
fn maximum(s: &Value) -> Option<f64> {
    let declared = s.get("maximum").and_then(Value::as_f64);
    if s.get("format").and_then(Value::as_str) == Some("uint") {
        return Some(declared.map_or(u32::MAX as f64, |m| m.min(u32::MAX as f64)));
    }
    declared
}

fn number_words(s: &Value, integer: bool) -> String {
    let g = |k: &str| s.get(k).and_then(Value::as_f64);
    let (lo, xlo, hi, xhi) = (g("minimum"), g("exclusiveMinimum"), maximum(s), g("exclusiveMaximum"));
    let noun = if integer { "an integer" } else { "a finite number" };
    match (lo.or(xlo), hi.or(xhi)) {
        (Some(a), Some(b)) if integer && xlo.is_none() && xhi.is_none() => format!("an integer from {} to {}", num(a), num(b)),
        (Some(a), Some(b)) => {
            let l = if xlo.is_some() { '(' } else { '[' };
            let r = if xhi.is_some() { ')' } else { ']' };
            format!("{} in {l}{}, {}{r}", if integer { "an integer" } else { "a number" }, num(a), num(b))
        }
        (Some(a), None) => format!("{noun} {} {}", if xlo.is_some() { ">" } else { ">=" }, num(a)),
        (None, Some(b)) => format!("{noun} {} {}", if xhi.is_some() { "<" } else { "<=" }, num(b)),
        (None, None) => noun.to_string(),
    }
}

fn strip_article(w: &str) -> &str {
    w.strip_prefix("an ").or_else(|| w.strip_prefix("a ")).unwrap_or(w)
}

/// "an integer >= 1" -> "integers >= 1"; "a finite number > 0" -> "finite numbers > 0".
fn plural(w: &str) -> String {
    for (one, many) in [
        ("an integer", "integers"),
        ("a finite number", "finite numbers"),
        ("a number", "numbers"),
        ("a string", "strings"),
        ("an array", "arrays"),
        ("an object", "objects"),
    ] {
        if let Some(rest) = w.strip_prefix(one) {
            if !rest.contains(", or ") {
                return format!("{many}{rest}");
            }
        }
    }
    format!("values that are each {w}")
}

/// A Rust value as an error message shows it (through its JSON form).
pub fn show_of<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_value(v).map(|v| show(&v)).unwrap_or_else(|_| "a value".into())
}

/// A value as an error message shows it: numbers and short JSON as written, long arrays by length.
pub fn show(v: &Value) -> String {
    match v {
        // Non-finite numbers cross from JavaScript as these strings (JSON has no NaN).
        Value::String(s) if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => s.clone(),
        Value::Array(a) => {
            let s = v.to_string();
            if s.len() > 60 {
                format!("an array of length {}", a.len())
            } else {
                s
            }
        }
        _ => {
            let s = v.to_string();
            if s.len() > 80 {
                format!("{}...", &s[..s.char_indices().take_while(|(i, _)| *i < 77).last().map_or(0, |(i, c)| i + c.len_utf8())])
            } else {
                s
            }
        }
    }
}
