//! wasm-bindgen binding of benignfit-core: each module converts arguments, calls the core and maps
//! errors to real JS `Error`s ("[CODE] message"). A panic cannot unwind in wasm; the hook records
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

pub(crate) fn err(e: benignfit_core::Error) -> JsError {
    JsError::new(&format!("[{}] {}", e.code(), e))
}

/// Set a property on a plain JS object.
pub(crate) fn set(o: &Object, k: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(o, &JsValue::from_str(k), &v.into());
}

#[wasm_bindgen]
pub fn version() -> String {
    api::to_json(&api::version())
}
