//! Influence scores and the Figure 6 matrix (core: `benignfit_core::covariance`). A stateful
//! `InfluenceRun` so TypeScript can report progress and honour an AbortSignal between classes.

use benignfit_core::api;
use benignfit_core::covariance::{self, InfluenceConfig, Pixels};
use benignfit_core::linalg::Par;
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use crate::guard;

fn pixels<'a>(u8s: &'a Option<Uint8Array>, f32s: &'a Option<Float32Array>) -> benignfit_core::Result<Pixels<'a>> {
    match (u8s, f32s) {
        (Some(b), None) => Ok(Pixels::U8(b)),
        (None, Some(f)) => Ok(Pixels::F32(f)),
        _ => Err(benignfit_core::Error::invalid("images", "both or neither of the byte and float arrays", "exactly one pixel array (Uint8Array or Float32Array)")),
    }
}

/// Per-pixel standard deviation over all images (for normalize "standardize").
#[napi]
pub fn pixel_std(env: Env, bytes: Option<Uint8Array>, floats: Option<Float32Array>, n: u32, d: u32, threads: u32) -> napi::Result<Float64Array> {
    let s = guard(&env, || covariance::pixel_std(pixels(&bytes, &floats)?, n as usize, d as usize, Par::from_threads(threads as usize)))?;
    Ok(Float64Array::new(s))
}

#[napi(object)]
pub struct RawClassScores {
    pub scores: Float64Array,
    /// JSON of `ClassInfo`.
    pub info: String,
}

#[napi]
pub struct InfluenceRun {
    inner: covariance::InfluenceRun,
}

#[napi]
impl InfluenceRun {
    #[napi(constructor)]
    pub fn new(env: Env, config: String, pixel_std: Option<Float64Array>, threads: u32) -> napi::Result<Self> {
        let inner = guard(&env, || {
            let cfg: InfluenceConfig = api::parse_json("influence config", &config)?;
            covariance::InfluenceRun::new(cfg, pixel_std.as_deref(), Par::from_threads(threads as usize))
        })?;
        Ok(InfluenceRun { inner })
    }

    #[napi]
    pub fn add_class(&mut self, env: Env, cls: u32, bytes: Option<Uint8Array>, floats: Option<Float32Array>, n: u32) -> napi::Result<RawClassScores> {
        let r = guard(&env, || self.inner.add_class(cls as usize, pixels(&bytes, &floats)?, n as usize))?;
        Ok(RawClassScores { scores: Float64Array::new(r.scores), info: api::to_json(&r.info) })
    }

    /// `addClass` for the images `rows` of the whole set (`total` images): the set is borrowed,
    /// not copied, and the class's rows are gathered in Rust.
    #[napi]
    pub fn add_class_rows(&mut self, env: Env, cls: u32, bytes: Option<Uint8Array>, floats: Option<Float32Array>, total: u32, rows: Uint32Array) -> napi::Result<RawClassScores> {
        let r = guard(&env, || self.inner.add_class_rows(cls as usize, pixels(&bytes, &floats)?, total as usize, &rows))?;
        Ok(RawClassScores { scores: Float64Array::new(r.scores), info: api::to_json(&r.info) })
    }

    /// JSON of `FrobeniusSummary`.
    #[napi]
    pub fn frobenius(&self, env: Env) -> napi::Result<String> {
        guard(&env, || self.inner.frobenius().map(|f| api::to_json(&f)))
    }
}
