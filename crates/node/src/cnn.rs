use benignfit_core::{api, cnn};
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use crate::guard;

/// A LeNet-5 / small CIFAR classifier and its SGD state (benignfit_core::cnn::Trainer).
#[napi]
pub struct ClassifierTrainer {
    inner: cnn::Trainer,
}

#[napi(object)]
pub struct RawLossGradient {
    pub loss: f64,
    pub grad: Float32Array,
}

#[napi]
impl ClassifierTrainer {
    #[napi(constructor)]
    pub fn new(env: Env, config: String, threads: u32) -> napi::Result<Self> {
        Ok(ClassifierTrainer { inner: guard(&env, || cnn::Trainer::from_json(&config, threads as usize))? })
    }

    #[napi]
    pub fn set_training_data(&mut self, env: Env, images: Float32Array, labels: Int32Array) -> napi::Result<()> {
        guard(&env, || self.inner.set_training_data(&images, &labels))
    }

    #[napi]
    pub fn drop_training_data(&mut self) {
        self.inner.drop_training_data();
    }

    /// Up to `batches` SGD steps; JSON of cnn::RunStats.
    #[napi]
    pub fn run(&mut self, env: Env, batches: u32) -> napi::Result<String> {
        guard(&env, || self.inner.run(batches as usize).map(|s| api::to_json(&s)))
    }

    /// JSON of cnn::EvalStats.
    #[napi]
    pub fn evaluate(&mut self, env: Env, images: Float32Array, labels: Int32Array) -> napi::Result<String> {
        guard(&env, || self.inner.evaluate(&images, &labels).map(|s| api::to_json(&s)))
    }

    #[napi]
    pub fn predict(&mut self, env: Env, images: Float32Array) -> napi::Result<Float32Array> {
        guard(&env, || self.inner.predict(&images)).map(Float32Array::new)
    }

    #[napi]
    pub fn loss_and_gradient(&mut self, env: Env, images: Float32Array, labels: Int32Array) -> napi::Result<RawLossGradient> {
        let (loss, grad) = guard(&env, || self.inner.loss_and_gradient(&images, &labels))?;
        Ok(RawLossGradient { loss, grad: Float32Array::new(grad) })
    }

    #[napi]
    pub fn params(&self) -> Float32Array {
        Float32Array::new(self.inner.params().to_vec())
    }

    #[napi]
    pub fn set_params(&mut self, env: Env, params: Float32Array) -> napi::Result<()> {
        guard(&env, || self.inner.set_params(&params))
    }

    /// JSON of cnn::ClassifierInfo.
    #[napi]
    pub fn info(&self) -> String {
        api::to_json(&self.inner.info())
    }
}

#[napi]
pub fn removal_order(env: Env, seed: f64, n: u32) -> napi::Result<Uint32Array> {
    guard(&env, || cnn::removal_order_f64(seed, n as usize)).map(Uint32Array::new)
}
