use benignfit_core::{api, cnn};
use js_sys::Float32Array;
use wasm_bindgen::prelude::*;

use crate::err;

/// A LeNet-5 / small CIFAR classifier and its SGD state (benignfit_core::cnn::Trainer). Call
/// `free()` when done: wasm memory is not garbage collected.
#[wasm_bindgen]
pub struct ClassifierTrainer {
    inner: cnn::Trainer,
}

#[wasm_bindgen(getter_with_clone)]
pub struct RawLossGradient {
    pub loss: f64,
    pub grad: Float32Array,
}

#[wasm_bindgen]
impl ClassifierTrainer {
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, _threads: u32) -> Result<ClassifierTrainer, JsValue> {
        Ok(ClassifierTrainer { inner: cnn::Trainer::from_json(config, 1).map_err(err)? })
    }

    #[wasm_bindgen(js_name = setTrainingData)]
    pub fn set_training_data(&mut self, images: &[f32], labels: &[i32]) -> Result<(), JsValue> {
        self.inner.set_training_data(images, labels).map_err(err)
    }

    #[wasm_bindgen(js_name = dropTrainingData)]
    pub fn drop_training_data(&mut self) {
        self.inner.drop_training_data();
    }

    pub fn run(&mut self, batches: u32) -> Result<String, JsValue> {
        self.inner.run(batches as usize).map(|s| api::to_json(&s)).map_err(err)
    }

    pub fn evaluate(&mut self, images: &[f32], labels: &[i32]) -> Result<String, JsValue> {
        self.inner.evaluate(images, labels).map(|s| api::to_json(&s)).map_err(err)
    }

    pub fn predict(&mut self, images: &[f32]) -> Result<Vec<f32>, JsValue> {
        self.inner.predict(images).map_err(err)
    }

    #[wasm_bindgen(js_name = lossAndGradient)]
    pub fn loss_and_gradient(&mut self, images: &[f32], labels: &[i32]) -> Result<RawLossGradient, JsValue> {
        let (loss, grad) = self.inner.loss_and_gradient(images, labels).map_err(err)?;
        Ok(RawLossGradient { loss, grad: Float32Array::from(&grad[..]) })
    }

    pub fn params(&self) -> Vec<f32> {
        self.inner.params().to_vec()
    }

    #[wasm_bindgen(js_name = setParams)]
    pub fn set_params(&mut self, params: &[f32]) -> Result<(), JsValue> {
        self.inner.set_params(params).map_err(err)
    }

    pub fn info(&self) -> String {
        api::to_json(&self.inner.info())
    }
}

#[wasm_bindgen(js_name = removalOrder)]
pub fn removal_order(seed: f64, n: u32) -> Result<Vec<u32>, JsValue> {
    cnn::removal_order_f64(seed, n as usize).map_err(err)
}
