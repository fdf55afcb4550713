use benignfit_core::api;
use js_sys::{Float32Array, Int32Array, Object, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::{err, set};

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
