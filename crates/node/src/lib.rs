//! N-API binding of benignfit-core: each module converts arguments, calls `benignfit_core::api`
//! and maps errors. Errors reach JavaScript as `Error`s with `code`, `field`, `got` and
//! `expected` properties; panics are caught by [`guard`] (code E_PANIC), never a crash.

mod cnn;
mod data;
mod perf;
mod train;
mod influence;
mod theory;

use benignfit_core::api;
use napi::bindgen_prelude::{JsObjectValue, ToNapiValue};
use napi::Env;
use napi_derive::napi;

/// Run core code; its errors and any panic become a JS `Error` carrying `code`, `field`, `got` and
/// `expected` as properties (code E_PANIC for a panic), never a crash.
pub(crate) fn guard<T>(env: &Env, f: impl FnOnce() -> benignfit_core::Result<T>) -> napi::Result<T> {
    let e = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => return r.map_err(|e| js_error(env, &e)),
        Err(p) => {
            let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_else(|| "unknown panic".into());
            benignfit_core::Error::Internal { detail: format!("a panic in the core: {msg}") }
        }
    };
    let mut err = js_error(env, &e);
    err.reason = e.to_string();
    Err(with_code(env, err, "E_PANIC"))
}

fn js_error(env: &Env, e: &benignfit_core::Error) -> napi::Error {
    let build = || -> napi::Result<napi::Error> {
        let mut o = env.create_error(napi::Error::from_reason(e.to_string()))?;
        o.set_named_property("code", e.code())?;
        for (k, v) in [("field", e.field()), ("got", e.got()), ("expected", e.expected())] {
            if let Some(v) = v {
                o.set_named_property(k, v)?;
            }
        }
        Ok(napi::Error::from(o.into_unknown(env)?))
    };
    build().unwrap_or_else(|x| x)
}

fn with_code(env: &Env, e: napi::Error, code: &str) -> napi::Error {
    let r = || -> napi::Result<napi::Error> {
        let mut o = env.create_error(e)?;
        o.set_named_property("code", code)?;
        Ok(napi::Error::from(o.into_unknown(env)?))
    };
    r().unwrap_or_else(|x| x)
}

#[napi]
pub fn version() -> String {
    api::to_json(&api::version())
}

/// Check a config section ("data", "train", ...) and fill its defaults: the resolved JSON.
#[napi]
pub fn resolve_config(env: Env, section: String, json: String) -> napi::Result<String> {
    guard(&env, || api::resolve_config(&section, &json))
}

/// The JSON Schema of every config section, as the Rust declarations give it.
#[napi]
pub fn config_schemas() -> String {
    api::config_schemas()
}
