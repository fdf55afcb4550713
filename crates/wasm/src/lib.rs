//! wasm-bindgen binding of benignfit-core: converts arguments, calls `benignfit_core::api`, maps
//! errors to real JS `Error`s ("[CODE] message"). A panic cannot unwind in wasm; the hook records
//! its message so the TypeScript loader can report it (`lastPanic`) and start a fresh instance.

use benignfit_core::api;
use js_sys::{Float32Array, Int32Array, Object, Reflect, Uint8Array};
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

fn err(e: benignfit_core::Error) -> JsError {
    JsError::new(&format!("[{}] {}", e.code(), e))
}

fn set(o: &Object, k: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(o, &JsValue::from_str(k), &v.into());
}

#[wasm_bindgen]
pub fn version() -> String {
    api::to_json(&api::version())
}

#[wasm_bindgen]
pub fn generate(config: &str, features: Option<Vec<f32>>, noise_factors: Option<Vec<f32>>, include_factors: bool, _threads: u32) -> Result<Object, JsError> {
    let g = api::generate(config, features.as_deref(), noise_factors.as_deref(), include_factors, 1).map_err(err)?;
    let ds = g.dataset;
    let o = Object::new();
    set(&o, "trainX", Float32Array::from(&ds.train_x[..]));
    set(&o, "trainY", Int32Array::from(&ds.train_y[..]));
    set(&o, "trainPos", Uint8Array::from(&ds.train_pos[..]));
    set(&o, "testX", Float32Array::from(&ds.test_x[..]));
    set(&o, "testY", Int32Array::from(&ds.test_y[..]));
    set(&o, "testPos", Uint8Array::from(&ds.test_pos[..]));
    set(&o, "features", Float32Array::from(&ds.features[..]));
    if let Some(a) = g.noise_factors {
        set(&o, "noiseFactors", Float32Array::from(&a[..]));
    }
    set(&o, "description", g.description);
    Ok(o)
}
