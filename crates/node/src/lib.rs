//! N-API binding of benignfit-core: converts arguments, calls `benignfit_core::api`, maps errors.
//! Errors reach JavaScript as `Error("[CODE] message")`; panics are caught and reported the same way.

use benignfit_core::api;
use napi::bindgen_prelude::*;
use napi_derive::napi;

fn guard<T>(f: impl FnOnce() -> benignfit_core::Result<T>) -> napi::Result<T> {
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
pub fn generate(config: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, include_factors: bool, threads: u32) -> napi::Result<RawDataset> {
    let g = guard(|| api::generate(&config, features.as_deref(), noise_factors.as_deref(), include_factors, threads as usize))?;
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
