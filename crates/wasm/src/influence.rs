//! Influence scores and the Figure 6 matrix (core: `benignfit_core::covariance`), class by class.

use benignfit_core::api;
use benignfit_core::covariance::{self, InfluenceConfig, Pixels};
use benignfit_core::linalg::Par;
use js_sys::{Float64Array, Object};
use wasm_bindgen::prelude::*;

use crate::{err, set};

fn pixels<'a>(u8s: &'a Option<Vec<u8>>, f32s: &'a Option<Vec<f32>>) -> Result<Pixels<'a>, JsError> {
    match (u8s, f32s) {
        (Some(b), None) => Ok(Pixels::U8(b)),
        (None, Some(f)) => Ok(Pixels::F32(f)),
        _ => Err(err(benignfit_core::Error::invalid("images", "both or neither of the byte and float arrays", "exactly one pixel array (Uint8Array or Float32Array)"))),
    }
}

#[wasm_bindgen(js_name = pixelStd)]
pub fn pixel_std(bytes: Option<Vec<u8>>, floats: Option<Vec<f32>>, n: u32, d: u32, _threads: u32) -> Result<Float64Array, JsError> {
    let s = covariance::pixel_std(pixels(&bytes, &floats)?, n as usize, d as usize, Par::Seq).map_err(err)?;
    Ok(Float64Array::from(&s[..]))
}

#[wasm_bindgen]
pub struct InfluenceRun {
    inner: covariance::InfluenceRun,
}

#[wasm_bindgen]
impl InfluenceRun {
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, pixel_std: Option<Vec<f64>>, _threads: u32) -> Result<InfluenceRun, JsError> {
        let cfg: InfluenceConfig = api::parse_json("influence config", config).map_err(err)?;
        let inner = covariance::InfluenceRun::new(cfg, pixel_std.as_deref(), Par::Seq).map_err(err)?;
        Ok(InfluenceRun { inner })
    }

    #[wasm_bindgen(js_name = addClass)]
    pub fn add_class(&mut self, class: u32, bytes: Option<Vec<u8>>, floats: Option<Vec<f32>>, n: u32) -> Result<Object, JsError> {
        let r = self.inner.add_class(class as usize, pixels(&bytes, &floats)?, n as usize).map_err(err)?;
        let o = Object::new();
        set(&o, "scores", Float64Array::from(&r.scores[..]));
        set(&o, "info", api::to_json(&r.info));
        Ok(o)
    }

    pub fn frobenius(&self) -> Result<String, JsError> {
        self.inner.frobenius().map(|f| api::to_json(&f)).map_err(err)
    }
}
