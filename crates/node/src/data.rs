use benignfit_core::api;
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use crate::guard;

#[napi(object)]
pub struct RawDataset {
    pub train_x: Float32Array,
    pub train_y: Int32Array,
    pub train_pos: Uint8Array,
    pub test_x: Float32Array,
    pub test_y: Int32Array,
    pub test_pos: Uint8Array,
    pub features: Float32Array,
    pub noise_factors: Option<Float32Array>,
    pub description: String,
}

#[napi]
pub fn generate(env: Env, config: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, include_factors: bool, threads: u32) -> napi::Result<RawDataset> {
    let g = guard(&env, || api::generate(&config, features.as_deref(), noise_factors.as_deref(), include_factors, threads as usize))?;
    let ds = g.dataset;
    Ok(RawDataset {
        train_x: Float32Array::new(ds.train_x),
        train_y: Int32Array::new(ds.train_y),
        train_pos: Uint8Array::new(ds.train_pos),
        test_x: Float32Array::new(ds.test_x),
        test_y: Int32Array::new(ds.test_y),
        test_pos: Uint8Array::new(ds.test_pos),
        features: Float32Array::new(ds.features),
        noise_factors: g.noise_factors.map(Float32Array::new),
        description: g.description,
    })
}
