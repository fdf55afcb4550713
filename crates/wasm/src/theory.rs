use benignfit_core::api;
use benignfit_core::theory::lemmas::Run;
use benignfit_core::theory::{OwnedRun, TheoryJob as CoreJob};
use js_sys::{Float32Array, Float64Array, Int32Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use benignfit_core::Error;

use crate::err;

#[wasm_bindgen]
pub fn theory(config: &str, options: &str, features: Option<Vec<f32>>, noise_factors: Option<Vec<f32>>, _threads: u32) -> Result<String, JsValue> {
    api::theory(config, options, features.as_deref(), noise_factors.as_deref(), 1).map_err(err)
}

/// A typed array field of a plain object: None when absent or null, an error when of another type.
fn field<T: JsCast>(o: &Object, key: &str, want: &str) -> Result<Option<T>, JsValue> {
    let v = Reflect::get(o, &JsValue::from_str(key)).map_err(|_| err(Error::invalid(key, "an unreadable value", format!("a {want}"))))?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<T>().map(Some).map_err(|_| err(Error::invalid(key, "another type", format!("a {want}"))))
}

fn required<T: JsCast>(o: &Object, key: &str, want: &str) -> Result<T, JsValue> {
    field(o, key, want)?.ok_or_else(|| err(Error::invalid(key, "nothing", format!("a {want}"))))
}

/// Copy a run's arrays out of a plain JS object.
fn owned_run(run: &Object) -> Result<OwnedRun, JsValue> {
    Ok(OwnedRun {
        weights: required::<Float32Array>(run, "weights", "Float32Array")?.to_vec(),
        weights_init: field::<Float32Array>(run, "weightsInit", "Float32Array")?.map(|a| a.to_vec()),
        train_x: required::<Float32Array>(run, "trainX", "Float32Array")?.to_vec(),
        train_y: required::<Int32Array>(run, "trainY", "Int32Array")?.to_vec(),
        train_pos: required::<Uint8Array>(run, "trainPos", "Uint8Array")?.to_vec(),
        logit_sums: field::<Float64Array>(run, "logitSums", "Float64Array")?.map(|a| a.to_vec()),
        kappa: field::<Float64Array>(run, "kappa", "Float64Array")?.map(|a| a.to_vec()),
        test_x: field::<Float32Array>(run, "testX", "Float32Array")?.map(|a| a.to_vec()),
        test_y: field::<Int32Array>(run, "testY", "Int32Array")?.map(|a| a.to_vec()),
        test_pos: field::<Uint8Array>(run, "testPos", "Uint8Array")?.map(|a| a.to_vec()),
    })
}

#[wasm_bindgen(js_name = theoryLemmas)]
pub fn theory_lemmas(config: &str, options: &str, features: Option<Vec<f32>>, noise_factors: Option<Vec<f32>>, run: &Object, _threads: u32) -> Result<String, JsValue> {
    let owned = owned_run(run)?;
    let r: Run<'_> = owned.as_run();
    api::theory_lemmas(config, options, features.as_deref(), noise_factors.as_deref(), &r, 1).map_err(err)
}

/// Theorem 1 (and a run's lemmas) in units of work, so JavaScript can report progress and stop.
#[wasm_bindgen]
pub struct TheoryJob {
    inner: Option<CoreJob>,
}

#[wasm_bindgen]
impl TheoryJob {
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, options: &str, features: Option<Vec<f32>>, noise_factors: Option<Vec<f32>>, run: Option<Object>, _threads: u32) -> Result<TheoryJob, JsValue> {
        let owned = match run {
            Some(o) => Some(owned_run(&o)?),
            None => None,
        };
        let job = api::theory_job(config, options, features.as_deref(), noise_factors.as_deref(), owned, 1).map_err(err)?;
        Ok(TheoryJob { inner: Some(job) })
    }

    /// Run up to `units` units of work; true when complete.
    pub fn run(&mut self, units: u32) -> Result<bool, JsValue> {
        let job = self.inner.as_mut().ok_or_else(|| err(Error::Internal { detail: "this theory job failed earlier and cannot continue".into() }))?;
        let r = job.run(units as usize).map_err(err);
        if r.is_err() {
            self.inner = None;
        }
        r
    }

    pub fn done(&self) -> u32 {
        self.inner.as_ref().map_or(0, |j| j.done() as u32)
    }

    pub fn total(&self) -> u32 {
        self.inner.as_ref().map_or(0, |j| j.total() as u32)
    }

    /// The report (with `lemmas` for a run) as JSON, once `run` returned true.
    pub fn result(&self) -> Result<String, JsValue> {
        self.inner.as_ref().ok_or_else(|| err(Error::Internal { detail: "this theory job failed earlier".into() })).and_then(|j| j.result_json().map_err(err))
    }
}

#[wasm_bindgen(js_name = longTailed)]
#[allow(clippy::too_many_arguments)]
pub fn long_tailed(config: &str, features: Option<Vec<f32>>, noise_factors: Option<Vec<f32>>, weights: Vec<f32>, width: u32, x: Vec<f32>, y: Vec<i32>, pos: Vec<u8>, ls: Vec<f64>, _threads: u32) -> Result<String, JsValue> {
    api::long_tailed(config, features.as_deref(), noise_factors.as_deref(), &weights, width as usize, &x, &y, &pos, &ls, 1).map_err(err)
}

#[wasm_bindgen(js_name = theoryFit)]
pub fn theory_fit(rows: &str, options: &str) -> Result<String, JsValue> {
    api::theory_fit(rows, options).map_err(err)
}

#[wasm_bindgen(js_name = theoryBoundaries)]
pub fn theory_boundaries(options: &str) -> Result<String, JsValue> {
    api::theory_boundaries(options).map_err(err)
}
