//! wasm-bindgen binding of benignfit-core: each module converts arguments, calls the core and maps
//! errors to real JS `Error`s carrying `code`, `field`, `got` and `expected`. A panic cannot unwind in wasm; the hook records
//! its message so the TypeScript loader can report it (`lastPanic`) and start a fresh instance.

mod cnn;
mod data;
mod perf;
mod train;
mod influence;
mod theory;

use benignfit_core::api;
use js_sys::{Object, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
    }));
}

#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow().clone())
}

/// A core error as a JS `Error` with `code`, `field`, `got` and `expected` properties.
pub(crate) fn err(e: benignfit_core::Error) -> JsValue {
    let o = js_sys::Error::new(&e.to_string());
    set(&o, "code", e.code());
    for (k, v) in [("field", e.field()), ("got", e.got()), ("expected", e.expected())] {
        if let Some(v) = v {
            set(&o, k, v);
        }
    }
    o.into()
}

/// Set a property on a plain JS object.
pub(crate) fn set(o: &Object, k: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(o, &JsValue::from_str(k), &v.into());
}

#[wasm_bindgen]
pub fn version() -> String {
    api::to_json(&api::version())
}

/// Check a config section ("data", "train", ...) and fill its defaults: the resolved JSON.
#[wasm_bindgen(js_name = resolveConfig)]
pub fn resolve_config(section: &str, json: &str) -> Result<String, JsValue> {
    api::resolve_config(section, json).map_err(err)
}

/// The JSON Schema of every config section, as the Rust declarations give it.
#[wasm_bindgen(js_name = configSchemas)]
pub fn config_schemas() -> String {
    api::config_schemas()
}
