use benignfit_core::api;
use benignfit_core::train::Trainer as CoreTrainer;
use js_sys::{Float32Array, Float64Array};
use wasm_bindgen::prelude::*;

use crate::err;

/// A training run driven in chunks from JavaScript (progress and cancellation between chunks).
#[wasm_bindgen]
pub struct Trainer {
    inner: CoreTrainer,
}

#[wasm_bindgen]
impl Trainer {
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: &str,
        data_config: Option<String>,
        classes: u32,
        dim: u32,
        x: Vec<f32>,
        y: Vec<i32>,
        pos: Option<Vec<u8>>,
        features: Option<Vec<f32>>,
        test_x: Option<Vec<f32>>,
        test_y: Option<Vec<i32>>,
        test_pos: Option<Vec<u8>>,
    ) -> Result<Trainer, JsValue> {
        let inner = api::trainer(config, data_config.as_deref(), classes as usize, dim as usize, &x, &y, pos.as_deref(), features.as_deref(), test_x.as_deref(), test_y.as_deref(), test_pos.as_deref()).map_err(err)?;
        Ok(Trainer { inner })
    }

    pub fn run(&mut self, max_steps: u32) -> Result<u32, JsValue> {
        self.inner.run(max_steps as usize).map(|s| s as u32).map_err(err)
    }

    pub fn step(&self) -> u32 {
        self.inner.step() as u32
    }

    #[wasm_bindgen(js_name = totalSteps)]
    pub fn total_steps(&self) -> u32 {
        self.inner.total_steps() as u32
    }

    pub fn done(&self) -> bool {
        self.inner.done()
    }

    #[wasm_bindgen(js_name = lastLoss)]
    pub fn last_loss(&self) -> f64 {
        self.inner.loss_curve.last().copied().unwrap_or(f64::NAN)
    }

    #[wasm_bindgen(js_name = flopsPerStep)]
    pub fn flops_per_step(&self) -> f64 {
        self.inner.flops_per_step()
    }

    pub fn weights(&self) -> Float32Array {
        Float32Array::from(&self.inner.weights()[..])
    }

    #[wasm_bindgen(js_name = initialWeights)]
    pub fn initial_weights(&self) -> Float32Array {
        Float32Array::from(self.inner.initial_weights())
    }

    pub fn evaluate(&mut self) -> Result<String, JsValue> {
        self.inner.evaluate().map(|r| api::to_json(&r)).map_err(err)
    }

    pub fn finish(&mut self) -> Result<String, JsValue> {
        self.inner.finish().map(|s| api::to_json(&s)).map_err(err)
    }

    pub fn history(&self) -> String {
        api::to_json(&self.inner.history)
    }

    #[wasm_bindgen(js_name = logitSums)]
    pub fn logit_sums(&self) -> Float64Array {
        Float64Array::from(&self.inner.logit_sums[..])
    }

    #[wasm_bindgen(js_name = lossCurve)]
    pub fn loss_curve(&self) -> Float64Array {
        Float64Array::from(&self.inner.loss_curve[..])
    }

    #[wasm_bindgen(js_name = kappaCurve)]
    pub fn kappa_curve(&self) -> Float64Array {
        Float64Array::from(&self.inner.kappa_curve[..])
    }
}

#[wasm_bindgen]
pub fn predict(weights: Vec<f32>, classes: u32, width: u32, dim: u32, x: Vec<f32>, _threads: u32) -> Result<Float64Array, JsValue> {
    api::predict(&weights, classes as usize, width as usize, dim as usize, &x, 1).map(|f| Float64Array::from(&f[..])).map_err(err)
}

/// Several trainings on the same data (core `TrainerGroup`): the data, G and the test Gram matrix
/// made once, narrow full-batch members stepped together. Members come out as Trainers.
#[wasm_bindgen]
pub struct TrainerGroup {
    inner: benignfit_core::train::TrainerGroup,
}

#[wasm_bindgen]
impl TrainerGroup {
    /// `configs`: a JSON array of resolved train configs; the other arguments as for Trainer.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        configs: &str,
        data_config: Option<String>,
        classes: u32,
        dim: u32,
        x: Vec<f32>,
        y: Vec<i32>,
        pos: Option<Vec<u8>>,
        features: Option<Vec<f32>>,
        test_x: Option<Vec<f32>>,
        test_y: Option<Vec<i32>>,
        test_pos: Option<Vec<u8>>,
    ) -> Result<TrainerGroup, JsValue> {
        let inner = api::trainer_group(configs, data_config.as_deref(), classes as usize, dim as usize, &x, &y, pos.as_deref(), features.as_deref(), test_x.as_deref(), test_y.as_deref(), test_pos.as_deref()).map_err(err)?;
        Ok(TrainerGroup { inner })
    }

    /// Up to `max_steps` steps of every running member; returns the steps taken in all.
    pub fn run(&mut self, max_steps: u32) -> u32 {
        self.inner.run(max_steps as usize) as u32
    }

    pub fn done(&self) -> bool {
        self.inner.done()
    }

    /// [steps taken, steps planned], summed over the members.
    pub fn progress(&self) -> Vec<f64> {
        let (a, b) = self.inner.progress();
        vec![a as f64, b as f64]
    }

    /// Member `index` as a Trainer (throws the error it failed with, if it did).
    pub fn take(&mut self, index: u32) -> Result<Trainer, JsValue> {
        let inner = self.inner.take(index as usize).map_err(err)?;
        Ok(Trainer { inner })
    }
}
