use benignfit_core::api;
use js_sys::{Float32Array, Int32Array, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::err;

/// A generated dataset (arrays row-major; x is n x 2 x d) and the model's description (JSON).
#[wasm_bindgen(getter_with_clone)]
pub struct RawDataset {
    #[wasm_bindgen(js_name = trainX)]
    pub train_x: Float32Array,
    #[wasm_bindgen(js_name = trainY)]
    pub train_y: Int32Array,
    #[wasm_bindgen(js_name = trainPos)]
    pub train_pos: Uint8Array,
    #[wasm_bindgen(js_name = testX)]
    pub test_x: Float32Array,
    #[wasm_bindgen(js_name = testY)]
    pub test_y: Int32Array,
    #[wasm_bindgen(js_name = testPos)]
    pub test_pos: Uint8Array,
    pub features: Float32Array,
    #[wasm_bindgen(js_name = noiseFactors)]
    pub noise_factors: Option<Float32Array>,
    pub description: String,
}

#[wasm_bindgen]
pub fn generate(config: &str, features: Option<Vec<f32>>, noise_factors: Option<Vec<f32>>, include_factors: bool, _threads: u32) -> Result<RawDataset, JsValue> {
    let g = api::generate(config, features.as_deref(), noise_factors.as_deref(), include_factors, 1).map_err(err)?;
    let ds = g.dataset;
    Ok(RawDataset {
        train_x: Float32Array::from(&ds.train_x[..]),
        train_y: Int32Array::from(&ds.train_y[..]),
        train_pos: Uint8Array::from(&ds.train_pos[..]),
        test_x: Float32Array::from(&ds.test_x[..]),
        test_y: Int32Array::from(&ds.test_y[..]),
        test_pos: Uint8Array::from(&ds.test_pos[..]),
        features: Float32Array::from(&ds.features[..]),
        noise_factors: g.noise_factors.map(|a| Float32Array::from(&a[..])),
        description: g.description,
    })
}
