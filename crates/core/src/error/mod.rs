//! One error type for the whole core. Every variant has a stable `code()` that both bindings
//! pass to JavaScript unchanged, so a caller can branch on it whatever the backend.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A field of the input has a value outside what is accepted.
    Invalid { field: String, value: String, expected: String },
    /// Arrays whose lengths or shapes do not agree.
    Shape { op: String, detail: String },
    /// A request that would need more memory than is allowed; `field` is the config field whose
    /// value asked for it and `limit_field` the memoryLimit that would allow it, where known.
    TooLarge { what: String, bytes: u64, limit: u64, field: Option<String>, limit_field: Option<String> },
    /// Training produced a non-finite loss.
    Diverged { step: usize, loss: f64, lr: f64 },
    /// A numerical routine could not produce a meaningful answer.
    Numerical { op: String, detail: String },
    /// An internal invariant failed (a bug): reported, never a crash.
    Internal { detail: String },
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "E_INVALID",
            Error::Shape { .. } => "E_SHAPE",
            Error::TooLarge { .. } => "E_TOO_LARGE",
            Error::Diverged { .. } => "E_DIVERGED",
            Error::Numerical { .. } => "E_NUMERICAL",
            Error::Internal { .. } => "E_INTERNAL",
        }
    }

    /// The config field the error is about, where there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            Error::TooLarge { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// A size refusal names the config field that asked for the memory (`train.width`) and the
    /// memoryLimit that would allow it (`train.memoryLimit`).
    pub fn for_field(self, config_field: &str, limit_field: &str) -> Self {
        match self {
            Error::TooLarge { what, bytes, limit, .. } => {
                Error::TooLarge { what, bytes, limit, field: Some(config_field.into()), limit_field: Some(limit_field.into()) }
            }
            e => e,
        }
    }

    /// The value that was refused, as the message shows it.
    pub fn got(&self) -> Option<&str> {
        match self {
            Error::Invalid { value, .. } => Some(value),
            _ => None,
        }
    }

    /// What would have been accepted, in words.
    pub fn expected(&self) -> Option<&str> {
        match self {
            Error::Invalid { expected, .. } => Some(expected),
            _ => None,
        }
    }

    pub fn invalid(field: impl Into<String>, value: impl fmt::Display, expected: impl Into<String>) -> Self {
        Error::Invalid { field: field.into(), value: value.to_string(), expected: expected.into() }
    }

    pub fn shape(op: impl Into<String>, detail: impl Into<String>) -> Self {
        Error::Shape { op: op.into(), detail: detail.into() }
    }
}

/// A number as people (and JavaScript) write it: integers in full up to 1e21 (2^53 - 1 by name),
/// others in shortest form, with an exponent outside [1e-7, 1e21) ("1e+80", not 80 digits).
pub fn num(x: f64) -> String {
    let a = x.abs();
    if x == 9_007_199_254_740_991.0 {
        "2^53 - 1".into()
    } else if x == u32::MAX as f64 {
        "2^32 - 1".into()
    } else if !x.is_finite() {
        if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else if a != 0.0 && !(1e-7..1e21).contains(&a) {
        let e = format!("{x:e}");
        if e.contains("e-") {
            e
        } else {
            e.replace('e', "e+")
        }
    } else if x.fract() == 0.0 && a < 1e16 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

pub fn human_bytes(b: u64) -> String {
    // check_alloc caps what does not fit in 64 bits at u64::MAX.
    if b == u64::MAX {
        return "more than 16 EiB".into();
    }
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid { field, value, expected } => write!(f, "{field}: got {value}, expected {expected}"),
            Error::Shape { op, detail } => write!(f, "shape mismatch in {op}: {detail}"),
            Error::TooLarge { what, bytes, limit, field: Some(field), limit_field } => write!(
                f,
                "{field}: {what} would need {} of memory, more than the limit of {} (lower {field}, or raise {})",
                human_bytes(*bytes),
                human_bytes(*limit),
                limit_field.as_deref().unwrap_or("the memoryLimit option")
            ),
            Error::TooLarge { what, bytes, limit, .. } => write!(
                f,
                "{what} would need {} of memory, more than the limit of {} (lower the sizes, or raise the limit with the memoryLimit option)",
                human_bytes(*bytes),
                human_bytes(*limit)
            ),
            Error::Diverged { step, loss, lr } => {
                write!(f, "training diverged at step {step}: the loss became {}; try a smaller learning rate than {}", num(*loss), num(*lr))
            }
            Error::Numerical { op, detail } => write!(f, "{op}: {detail}"),
            Error::Internal { detail } => write!(f, "internal error (please report): {detail}"),
        }
    }
}

impl std::error::Error for Error {}

/// Default ceiling on what one call may allocate (bytes). Callers may raise it.
pub const DEFAULT_MEMORY_LIMIT: u64 = 8 << 30;

/// Refuse an allocation of `elems` elements of `elem_bytes` each before trying it.
pub fn check_alloc(what: &str, elems: u128, elem_bytes: u128, limit: u64) -> Result<()> {
    let bytes = elems.saturating_mul(elem_bytes);
    if bytes > limit as u128 {
        return Err(Error::TooLarge { what: what.to_string(), bytes: bytes.min(u64::MAX as u128) as u64, limit, field: None, limit_field: None });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
