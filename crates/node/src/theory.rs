use benignfit_core::api;
use benignfit_core::theory::lemmas::Run;
use benignfit_core::theory::{OwnedRun, TheoryJob as CoreJob};
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use crate::guard;

#[napi]
pub fn theory(env: Env, config: String, options: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, threads: u32) -> napi::Result<String> {
    guard(&env, || api::theory(&config, &options, features.as_deref(), noise_factors.as_deref(), threads as usize))
}

/// The arrays of a trained run (see benignfit_core::theory::lemmas::Run).
#[napi(object)]
pub struct RawRun {
    pub weights: Float32Array,
    pub weights_init: Option<Float32Array>,
    pub train_x: Float32Array,
    pub train_y: Int32Array,
    pub train_pos: Uint8Array,
    pub logit_sums: Option<Float64Array>,
    pub kappa: Option<Float64Array>,
    pub test_x: Option<Float32Array>,
    pub test_y: Option<Int32Array>,
    pub test_pos: Option<Uint8Array>,
}

impl RawRun {
    fn as_run(&self) -> Run<'_> {
        Run {
            weights: &self.weights,
            weights_init: self.weights_init.as_deref(),
            train_x: &self.train_x,
            train_y: &self.train_y,
            train_pos: &self.train_pos,
            logit_sums: self.logit_sums.as_deref(),
            kappa: self.kappa.as_deref(),
            test_x: self.test_x.as_deref(),
            test_y: self.test_y.as_deref(),
            test_pos: self.test_pos.as_deref(),
        }
    }
}

/// Theorem 1 (and a run's lemmas) in units of work, so JavaScript can report progress and stop.
#[napi]
pub struct TheoryJob {
    inner: Option<CoreJob>,
}

#[napi]
impl TheoryJob {
    #[napi(constructor)]
    pub fn new(env: Env, config: String, options: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, run: Option<RawRun>, threads: u32) -> napi::Result<Self> {
        let owned = run.as_ref().map(|r| OwnedRun::from_run(&r.as_run()));
        let job = guard(&env, || api::theory_job(&config, &options, features.as_deref(), noise_factors.as_deref(), owned, threads as usize))?;
        Ok(TheoryJob { inner: Some(job) })
    }

    fn job(&mut self) -> benignfit_core::Result<&mut CoreJob> {
        self.inner.as_mut().ok_or_else(|| benignfit_core::Error::Internal { detail: "this theory job failed earlier and cannot continue".into() })
    }

    /// Run up to `units` units of work; true when complete.
    #[napi]
    pub fn run(&mut self, env: Env, units: u32) -> napi::Result<bool> {
        let r = guard(&env, || self.job()?.run(units as usize));
        if r.is_err() {
            self.inner = None;
        }
        r
    }

    #[napi]
    pub fn done(&self) -> u32 {
        self.inner.as_ref().map_or(0, |j| j.done() as u32)
    }

    #[napi]
    pub fn total(&self) -> u32 {
        self.inner.as_ref().map_or(0, |j| j.total() as u32)
    }

    /// The report (with `lemmas` for a run) as JSON, once `run` returned true.
    #[napi]
    pub fn result(&mut self, env: Env) -> napi::Result<String> {
        guard(&env, || self.job()?.result_json())
    }
}

#[napi]
pub fn theory_lemmas(env: Env, config: String, options: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, run: RawRun, threads: u32) -> napi::Result<String> {
    guard(&env, || api::theory_lemmas(&config, &options, features.as_deref(), noise_factors.as_deref(), &run.as_run(), threads as usize))
}

#[napi]
#[allow(clippy::too_many_arguments)]
pub fn long_tailed(env: Env, config: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, weights: Float32Array, width: u32, x: Float32Array, y: Int32Array, pos: Uint8Array, ls: Float64Array, threads: u32) -> napi::Result<String> {
    guard(&env, || api::long_tailed(&config, features.as_deref(), noise_factors.as_deref(), &weights, width as usize, &x, &y, &pos, &ls, threads as usize))
}

#[napi]
pub fn theory_fit(env: Env, rows: String, options: String) -> napi::Result<String> {
    guard(&env, || api::theory_fit(&rows, &options))
}

#[napi]
pub fn theory_boundaries(env: Env, options: String) -> napi::Result<String> {
    guard(&env, || api::theory_boundaries(&options))
}
