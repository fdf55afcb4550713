//! N-API binding of benignfit-core: each module converts arguments, calls `benignfit_core::api`
//! (or a core module) and maps errors. Errors reach JavaScript as `Error("[CODE] message")`;
//! panics are caught by [`guard`] and reported the same way (code E_PANIC), never a crash.

mod cnn;
mod data;
mod perf;
mod train;
mod influence;
mod theory;

use benignfit_core::api;
use napi_derive::napi;

/// Run core code, turning its errors and any panic into a JS error "[CODE] message".
pub(crate) fn guard<T>(f: impl FnOnce() -> benignfit_core::Result<T>) -> napi::Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(napi::Error::from_reason(format!("[{}] {}", e.code(), e))),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(napi::Error::from_reason(format!("[E_PANIC] {msg}")))
        }
    }
}

#[napi]
pub fn version() -> String {
    api::to_json(&api::version())
}
