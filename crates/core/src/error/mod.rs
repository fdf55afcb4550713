//! One error type for the whole core. Every variant has a stable `code()` that both bindings
//! pass to JavaScript unchanged, so a caller can branch on it whatever the backend.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A field of the input has a value outside what is accepted.
    Invalid { field: String, value: String, expected: String },
    /// Arrays whose lengths or shapes do not agree.
    Shape { op: String, detail: String },
    /// A request that would need more memory than is allowed.
    TooLarge { what: String, bytes: u64, limit: u64 },
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
            _ => None,
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
            Error::TooLarge { what, bytes, limit } => write!(
                f,
                "{what} would need {} of memory, more than the limit of {} (lower the sizes, or raise the limit with the memoryLimit option)",
                human_bytes(*bytes),
                human_bytes(*limit)
            ),
            Error::Diverged { step, loss, lr } => write!(
                f,
                "training diverged at step {step}: the loss became {}; try a smaller learning rate than {}",
                crate::config::check::num(*loss),
                crate::config::check::num(*lr)
            ),
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
        return Err(Error::TooLarge { what: what.to_string(), bytes: bytes.min(u64::MAX as u128) as u64, limit });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
