use benignfit_core::api;
use benignfit_core::train::Trainer as CoreTrainer;
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use crate::guard;

/// A training run driven in chunks from JavaScript (progress and cancellation between chunks).
#[napi]
pub struct Trainer {
    inner: CoreTrainer,
}

#[napi]
impl Trainer {
    #[napi(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(env: Env, 
        config: String,
        data_config: Option<String>,
        classes: u32,
        dim: u32,
        x: Float32Array,
        y: Int32Array,
        pos: Option<Uint8Array>,
        features: Option<Float32Array>,
        test_x: Option<Float32Array>,
        test_y: Option<Int32Array>,
        test_pos: Option<Uint8Array>,
    ) -> napi::Result<Self> {
        let inner = guard(&env, || {
            api::trainer(&config, data_config.as_deref(), classes as usize, dim as usize, &x, &y, pos.as_deref(), features.as_deref(), test_x.as_deref(), test_y.as_deref(), test_pos.as_deref())
        })?;
        Ok(Trainer { inner })
    }

    /// Run up to `max_steps` steps; returns how many were taken.
    #[napi]
    pub fn run(&mut self, env: Env, max_steps: u32) -> napi::Result<u32> {
        let t = &mut self.inner;
        guard(&env, || t.run(max_steps as usize)).map(|s| s as u32)
    }

    #[napi]
    pub fn step(&self) -> u32 {
        self.inner.step() as u32
    }

    #[napi]
    pub fn total_steps(&self) -> u32 {
        self.inner.total_steps() as u32
    }

    #[napi]
    pub fn done(&self) -> bool {
        self.inner.done()
    }

    #[napi]
    pub fn last_loss(&self) -> f64 {
        self.inner.loss_curve.last().copied().unwrap_or(f64::NAN)
    }

    #[napi]
    pub fn flops_per_step(&self) -> f64 {
        self.inner.flops_per_step()
    }

    #[napi]
    pub fn weights(&self) -> Float32Array {
        Float32Array::new(self.inner.weights())
    }

    #[napi]
    pub fn initial_weights(&self) -> Float32Array {
        Float32Array::new(self.inner.initial_weights().to_vec())
    }

    /// Metrics at the current weights (JSON of an EvalRecord).
    #[napi]
    pub fn evaluate(&mut self, env: Env) -> napi::Result<String> {
        let t = &mut self.inner;
        guard(&env, || t.evaluate().map(|r| api::to_json(&r)))
    }

    /// Final evaluation and summary (JSON).
    #[napi]
    pub fn finish(&mut self, env: Env) -> napi::Result<String> {
        let t = &mut self.inner;
        guard(&env, || t.finish().map(|s| api::to_json(&s)))
    }

    #[napi]
    pub fn history(&self) -> String {
        api::to_json(&self.inner.history)
    }

    #[napi]
    pub fn logit_sums(&self) -> Float64Array {
        Float64Array::new(self.inner.logit_sums.clone())
    }

    #[napi]
    pub fn loss_curve(&self) -> Float64Array {
        Float64Array::new(self.inner.loss_curve.clone())
    }

    #[napi]
    pub fn kappa_curve(&self) -> Float64Array {
        Float64Array::new(self.inner.kappa_curve.clone())
    }
}

#[napi]
pub fn predict(env: Env, weights: Float32Array, classes: u32, width: u32, dim: u32, x: Float32Array, threads: u32) -> napi::Result<Float64Array> {
    guard(&env, || api::predict(&weights, classes as usize, width as usize, dim as usize, &x, threads as usize)).map(Float64Array::new)
}

/// Several trainings on the same data (core `TrainerGroup`): the data, G and the test Gram matrix
/// made once, narrow full-batch members stepped together. Members come out as Trainers.
#[napi]
pub struct TrainerGroup {
    inner: benignfit_core::train::TrainerGroup,
}

#[napi]
impl TrainerGroup {
    /// `configs`: a JSON array of resolved train configs; the other arguments as for Trainer.
    #[napi(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(env: Env, 
        configs: String,
        data_config: Option<String>,
        classes: u32,
        dim: u32,
        x: Float32Array,
        y: Int32Array,
        pos: Option<Uint8Array>,
        features: Option<Float32Array>,
        test_x: Option<Float32Array>,
        test_y: Option<Int32Array>,
        test_pos: Option<Uint8Array>,
    ) -> napi::Result<Self> {
        let inner = guard(&env, || {
            api::trainer_group(&configs, data_config.as_deref(), classes as usize, dim as usize, &x, &y, pos.as_deref(), features.as_deref(), test_x.as_deref(), test_y.as_deref(), test_pos.as_deref())
        })?;
        Ok(TrainerGroup { inner })
    }

    /// Up to `max_steps` steps of every running member; returns the steps taken in all.
    #[napi]
    pub fn run(&mut self, env: Env, max_steps: u32) -> napi::Result<u32> {
        let g = &mut self.inner;
        guard(&env, || Ok(g.run(max_steps as usize) as u32))
    }

    #[napi]
    pub fn done(&self) -> bool {
        self.inner.done()
    }

    /// [steps taken, steps planned], summed over the members.
    #[napi]
    pub fn progress(&self) -> Vec<f64> {
        let (a, b) = self.inner.progress();
        vec![a as f64, b as f64]
    }

    /// Member `index` as a Trainer (throws the error it failed with, if it did).
    #[napi]
    pub fn take(&mut self, env: Env, index: u32) -> napi::Result<Trainer> {
        let g = &mut self.inner;
        let inner = guard(&env, || g.take(index as usize))?;
        Ok(Trainer { inner })
    }
}
