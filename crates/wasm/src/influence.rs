//! Influence scores and the Figure 6 matrix (core: `benignfit_core::covariance`), class by class.

use benignfit_core::api;
use benignfit_core::covariance::{self, InfluenceConfig, Pixels};
use benignfit_core::linalg::Par;
use js_sys::Float64Array;
use wasm_bindgen::prelude::*;

use crate::err;

fn pixels<'a>(u8s: &'a Option<Vec<u8>>, f32s: &'a Option<Vec<f32>>) -> Result<Pixels<'a>, JsValue> {
    match (u8s, f32s) {
        (Some(b), None) => Ok(Pixels::U8(b)),
        (None, Some(f)) => Ok(Pixels::F32(f)),
        _ => Err(err(benignfit_core::Error::invalid("images", "both or neither of the byte and float arrays", "exactly one pixel array (Uint8Array or Float32Array)"))),
    }
}

#[wasm_bindgen(js_name = pixelStd)]
pub fn pixel_std(bytes: Option<Vec<u8>>, floats: Option<Vec<f32>>, n: u32, d: u32, _threads: u32) -> Result<Float64Array, JsValue> {
    let s = covariance::pixel_std(pixels(&bytes, &floats)?, n as usize, d as usize, Par::Seq).map_err(err)?;
    Ok(Float64Array::from(&s[..]))
}

#[wasm_bindgen(getter_with_clone)]
pub struct RawClassScores {
    pub scores: Float64Array,
    /// JSON of `ClassInfo`.
    pub info: String,
}

#[wasm_bindgen]
pub struct InfluenceRun {
    inner: covariance::InfluenceRun,
}

#[wasm_bindgen]
impl InfluenceRun {
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, pixel_std: Option<Vec<f64>>, _threads: u32) -> Result<InfluenceRun, JsValue> {
        let cfg: InfluenceConfig = api::parse_json("influence config", config).map_err(err)?;
        let inner = covariance::InfluenceRun::new(cfg, pixel_std.as_deref(), Par::Seq).map_err(err)?;
        Ok(InfluenceRun { inner })
    }

    #[wasm_bindgen(js_name = addClass)]
    pub fn add_class(&mut self, cls: u32, bytes: Option<Vec<u8>>, floats: Option<Vec<f32>>, n: u32) -> Result<RawClassScores, JsValue> {
        let r = self.inner.add_class(cls as usize, pixels(&bytes, &floats)?, n as usize).map_err(err)?;
        Ok(RawClassScores { scores: Float64Array::from(&r.scores[..]), info: api::to_json(&r.info) })
    }

    pub fn frobenius(&self) -> Result<String, JsValue> {
        self.inner.frobenius().map(|f| api::to_json(&f)).map_err(err)
    }
}
