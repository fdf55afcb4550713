//! wasm-bindgen binding of benignfit-core: every function converts its arguments, calls
//! `benignfit_core::api` (the core's only door) and maps errors to JS `Error`s carrying `code`,
//! `field`, `got` and `expected`. A panic cannot unwind in wasm; the hook records its message so
//! the TypeScript loader can report it (`lastPanic`) and start a fresh instance. Long work is a
//! job (`advance(budget)` -> Progress JSON). Threads are ignored: one per instance.

use benignfit_core::api::{self, CoreError, Job};
use js_sys::{Float32Array, Float64Array, Int32Array, Object, Reflect, Uint8Array};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

type R<T> = Result<T, JsValue>;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()))));
}

#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow().clone())
}

/// A core error as a JS `Error` with `code`, `field`, `got` and `expected` properties.
fn err(e: CoreError) -> JsValue {
    let o = js_sys::Error::new(&e.to_string());
    let set = |k: &str, v: &str| Reflect::set(&o, &k.into(), &v.into());
    let _ = set("code", e.code());
    for (k, v) in [("field", e.field()), ("got", e.got()), ("expected", e.expected())] {
        if let Some(v) = v {
            let _ = set(k, v);
        }
    }
    o.into()
}

/// A typed-array field of a plain object: None when absent or null, an error when of another type.
fn field<T: JsCast>(o: &Object, key: &str, want: &str) -> R<Option<T>> {
    let v = Reflect::get(o, &key.into()).map_err(|_| err(CoreError::invalid(key, "an unreadable value", format!("a {want}"))))?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<T>().map(Some).map_err(|_| err(CoreError::invalid(key, "another type", format!("a {want}"))))
}

fn required<T: JsCast>(o: &Object, key: &str, want: &str) -> R<T> {
    field(o, key, want)?.ok_or_else(|| err(CoreError::invalid(key, "nothing", format!("a {want}"))))
}

fn f32s(o: &Object, key: &str) -> R<Option<Vec<f32>>> {
    Ok(field::<Float32Array>(o, key, "Float32Array")?.map(|a| a.to_vec()))
}
fn f64s(o: &Object, key: &str) -> R<Option<Vec<f64>>> {
    Ok(field::<Float64Array>(o, key, "Float64Array")?.map(|a| a.to_vec()))
}
fn i32s(o: &Object, key: &str) -> R<Option<Vec<i32>>> {
    Ok(field::<Int32Array>(o, key, "Int32Array")?.map(|a| a.to_vec()))
}
fn u8s(o: &Object, key: &str) -> R<Option<Vec<u8>>> {
    Ok(field::<Uint8Array>(o, key, "Uint8Array")?.map(|a| a.to_vec()))
}

#[wasm_bindgen]
pub fn version() -> String {
    api::to_json(&api::version())
}

/// Check a config section ("data", "train", ...) and fill its defaults: the resolved JSON.
#[wasm_bindgen(js_name = resolveConfig)]
pub fn resolve_config(section: &str, json: &str) -> R<String> {
    api::resolve_config(section, json).map_err(err)
}

/// The JSON Schema of every config section, as the Rust declarations give it.
#[wasm_bindgen(js_name = configSchemas)]
pub fn config_schemas() -> String {
    api::config_schemas()
}

// ---- data (§2, §5.1) ----

/// A generated dataset (arrays row-major; x is n x 2 x d) and the model's description (JSON).
#[wasm_bindgen(getter_with_clone)]
pub struct RawDataset {
    #[wasm_bindgen(js_name = trainX)]
    pub train_x: Float32Array,
    #[wasm_bindgen(js_name = trainY)]
    pub train_y: Int32Array,
    #[wasm_bindgen(js_name = trainPos)]
    pub train_pos: Uint8Array,
    #[wasm_bindgen(js_name = testX)]
    pub test_x: Float32Array,
    #[wasm_bindgen(js_name = testY)]
    pub test_y: Int32Array,
    #[wasm_bindgen(js_name = testPos)]
    pub test_pos: Uint8Array,
    pub features: Float32Array,
    #[wasm_bindgen(js_name = noiseFactors)]
    pub noise_factors: Option<Float32Array>,
    pub description: String,
}

#[wasm_bindgen]
pub fn generate(config: &str, features: Option<Vec<f32>>, noise_factors: Option<Vec<f32>>, include_factors: bool, _threads: u32) -> R<RawDataset> {
    let g = api::generate(config, features.as_deref(), noise_factors.as_deref(), include_factors, 1).map_err(err)?;
    let ds = g.dataset;
    Ok(RawDataset {
        train_x: ds.train_x[..].into(),
        train_y: ds.train_y[..].into(),
        train_pos: ds.train_pos[..].into(),
        test_x: ds.test_x[..].into(),
        test_y: ds.test_y[..].into(),
        test_pos: ds.test_pos[..].into(),
        features: ds.features[..].into(),
        noise_factors: g.noise_factors.map(|a| a[..].into()),
        description: g.description,
    })
}

// ---- training (eqs. 1-4) ----

/// A training set object (RawTrainInput in ts/types.ts), copied into wasm memory.
struct TrainInput {
    data_config: Option<String>,
    classes: usize,
    dim: usize,
    x: Vec<f32>,
    y: Vec<i32>,
    pos: Option<Vec<u8>>,
    features: Option<Vec<f32>>,
    test_x: Option<Vec<f32>>,
    test_y: Option<Vec<i32>>,
    test_pos: Option<Vec<u8>>,
}

impl TrainInput {
    fn read(o: &Object) -> R<TrainInput> {
        let num = |k: &str| Reflect::get(o, &k.into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as usize;
        Ok(TrainInput {
            data_config: Reflect::get(o, &"dataConfig".into()).ok().and_then(|v| v.as_string()),
            classes: num("classes"),
            dim: num("dim"),
            x: required::<Float32Array>(o, "trainX", "Float32Array")?.to_vec(),
            y: required::<Int32Array>(o, "trainY", "Int32Array")?.to_vec(),
            pos: u8s(o, "trainPos")?,
            features: f32s(o, "features")?,
            test_x: f32s(o, "testX")?,
            test_y: i32s(o, "testY")?,
            test_pos: u8s(o, "testPos")?,
        })
    }

    fn data(&self) -> api::TrainData<'_> {
        api::TrainData {
            data_config: self.data_config.as_deref(),
            classes: self.classes,
            dim: self.dim,
            train_x: &self.x,
            train_y: &self.y,
            train_pos: self.pos.as_deref(),
            features: self.features.as_deref(),
            test_x: self.test_x.as_deref(),
            test_y: self.test_y.as_deref(),
            test_pos: self.test_pos.as_deref(),
        }
    }
}

/// What a finished (or stopped) training holds.
#[wasm_bindgen(getter_with_clone)]
pub struct RawTrainOutput {
    /// JSON of the Summary.
    pub summary: String,
    pub weights: Float32Array,
    #[wasm_bindgen(js_name = initialWeights)]
    pub initial_weights: Float32Array,
    /// JSON of the EvalRecords.
    pub history: String,
    #[wasm_bindgen(js_name = lossCurve)]
    pub loss_curve: Float64Array,
    #[wasm_bindgen(js_name = logitSums)]
    pub logit_sums: Float64Array,
    #[wasm_bindgen(js_name = kappaCurve)]
    pub kappa_curve: Float64Array,
}

/// A training run, a job: `advance` until finished, then `finish`.
#[wasm_bindgen]
pub struct Trainer {
    inner: api::Trainer,
}

#[wasm_bindgen]
impl Trainer {
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, input: &Object) -> R<Trainer> {
        let input = TrainInput::read(input)?;
        Ok(Trainer { inner: api::trainer(config, &input.data()).map_err(err)? })
    }

    /// Up to `budget` steps; JSON of the Progress after them.
    pub fn advance(&mut self, budget: u32) -> R<String> {
        self.inner.advance(budget as usize).map(|p| api::to_json(&p)).map_err(err)
    }

    /// JSON of the EvalRecords so far.
    pub fn history(&self) -> String {
        api::history_json(&self.inner)
    }

    #[wasm_bindgen(js_name = flopsPerStep)]
    pub fn flops_per_step(&self) -> f64 {
        self.inner.flops_per_step()
    }

    /// A final evaluation, and everything the training holds.
    pub fn finish(&mut self) -> R<RawTrainOutput> {
        let o = api::finish_training(&mut self.inner).map_err(err)?;
        Ok(RawTrainOutput {
            summary: o.summary,
            weights: o.weights[..].into(),
            initial_weights: o.initial_weights[..].into(),
            history: o.history,
            loss_curve: o.loss_curve[..].into(),
            logit_sums: o.logit_sums[..].into(),
            kappa_curve: o.kappa_curve[..].into(),
        })
    }
}

/// Several trainings on the same data (a job); members come out as Trainers.
#[wasm_bindgen]
pub struct TrainerGroup {
    inner: api::TrainerGroup,
}

#[wasm_bindgen]
impl TrainerGroup {
    /// `configs`: a JSON array of train configs.
    #[wasm_bindgen(constructor)]
    pub fn new(configs: &str, input: &Object) -> R<TrainerGroup> {
        let input = TrainInput::read(input)?;
        Ok(TrainerGroup { inner: api::trainer_group(configs, &input.data()).map_err(err)? })
    }

    /// Up to `budget` steps of every running member; JSON of the Progress (steps summed).
    pub fn advance(&mut self, budget: u32) -> R<String> {
        self.inner.advance(budget as usize).map(|p| api::to_json(&p)).map_err(err)
    }

    /// Member `index` as a Trainer (throws the error it failed with, if it did).
    pub fn take(&mut self, index: u32) -> R<Trainer> {
        Ok(Trainer { inner: self.inner.take(index as usize).map_err(err)? })
    }
}

#[wasm_bindgen]
pub fn predict(weights: Vec<f32>, classes: u32, width: u32, dim: u32, x: Vec<f32>, _threads: u32) -> R<Float64Array> {
    api::predict(&weights, classes as usize, width as usize, dim as usize, &x, 1).map(|f| f[..].into()).map_err(err)
}

// ---- Theorem 1, Condition 1 and the lemmas ----

/// Copy a run's arrays (RawRun in ts/types.ts) out of a plain JS object.
fn owned_run(run: &Object) -> R<api::OwnedRun> {
    Ok(api::OwnedRun {
        weights: required::<Float32Array>(run, "weights", "Float32Array")?.to_vec(),
        weights_init: f32s(run, "weightsInit")?,
        train_x: required::<Float32Array>(run, "trainX", "Float32Array")?.to_vec(),
        train_y: required::<Int32Array>(run, "trainY", "Int32Array")?.to_vec(),
        train_pos: required::<Uint8Array>(run, "trainPos", "Uint8Array")?.to_vec(),
        logit_sums: f64s(run, "logitSums")?,
        kappa: f64s(run, "kappa")?,
        test_x: f32s(run, "testX")?,
        test_y: i32s(run, "testY")?,
        test_pos: u8s(run, "testPos")?,
    })
}

#[wasm_bindgen]
pub fn theory(config: &str, options: &str, features: Option<Vec<f32>>, noise_factors: Option<Vec<f32>>, _threads: u32) -> R<String> {
    api::theory(config, options, features.as_deref(), noise_factors.as_deref(), 1).map_err(err)
}

#[wasm_bindgen(js_name = theoryLemmas)]
pub fn theory_lemmas(config: &str, options: &str, features: Option<Vec<f32>>, noise_factors: Option<Vec<f32>>, run: &Object, _threads: u32) -> R<String> {
    api::theory_lemmas(config, options, features.as_deref(), noise_factors.as_deref(), owned_run(run)?, 1).map_err(err)
}

/// Theorem 1 (and a run's lemmas) as a job: `advance` until finished, then `result`.
#[wasm_bindgen]
pub struct TheoryJob {
    inner: api::TheoryJob,
}

#[wasm_bindgen]
impl TheoryJob {
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, options: &str, features: Option<Vec<f32>>, noise_factors: Option<Vec<f32>>, run: Option<Object>, _threads: u32) -> R<TheoryJob> {
        let run = run.as_ref().map(owned_run).transpose()?;
        Ok(TheoryJob { inner: api::theory_job(config, options, features.as_deref(), noise_factors.as_deref(), run, 1).map_err(err)? })
    }

    /// Up to `budget` units of work; JSON of the Progress.
    pub fn advance(&mut self, budget: u32) -> R<String> {
        self.inner.advance(budget as usize).map(|p| api::to_json(&p)).map_err(err)
    }

    /// The report (with `lemmas` for a run) as JSON, once finished.
    pub fn result(&self) -> R<String> {
        self.inner.result_json().map_err(err)
    }
}

#[wasm_bindgen(js_name = longTailed)]
#[allow(clippy::too_many_arguments)]
pub fn long_tailed(
    config: &str, features: Option<Vec<f32>>, noise_factors: Option<Vec<f32>>, weights: Vec<f32>, width: u32, x: Vec<f32>, y: Vec<i32>, pos: Vec<u8>,
    ls: Vec<f64>, _threads: u32,
) -> R<String> {
    api::long_tailed(config, features.as_deref(), noise_factors.as_deref(), &weights, width as usize, &x, &y, &pos, &ls, 1).map_err(err)
}

#[wasm_bindgen(js_name = theoryFit)]
pub fn theory_fit(rows: &str, options: &str) -> R<String> {
    api::theory_fit(rows, options).map_err(err)
}

#[wasm_bindgen(js_name = theoryBoundaries)]
pub fn theory_boundaries(options: &str) -> R<String> {
    api::theory_boundaries(options).map_err(err)
}

// ---- influence scores (eq. 10) and the Figure 6 matrix ----

#[wasm_bindgen(js_name = pixelStd)]
pub fn pixel_std(bytes: Option<Vec<u8>>, floats: Option<Vec<f32>>, n: u32, d: u32, _threads: u32) -> R<Vec<f64>> {
    api::pixel_std_of(bytes.as_deref(), floats.as_deref(), n as usize, d as usize, 1).map_err(err)
}

#[wasm_bindgen(getter_with_clone)]
pub struct RawClassScores {
    pub scores: Float64Array,
    /// JSON of the ClassInfo.
    pub info: String,
}

/// Class by class, so JavaScript can report progress and stop between classes.
#[wasm_bindgen]
pub struct InfluenceRun {
    inner: api::InfluenceRun,
}

#[wasm_bindgen]
impl InfluenceRun {
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, pixel_std: Option<Vec<f64>>, _threads: u32) -> R<InfluenceRun> {
        Ok(InfluenceRun { inner: api::influence_run(config, pixel_std.as_deref(), 1).map_err(err)? })
    }

    #[wasm_bindgen(js_name = addClass)]
    pub fn add_class(&mut self, cls: u32, bytes: Option<Vec<u8>>, floats: Option<Vec<f32>>, n: u32) -> R<RawClassScores> {
        let px = api::pixels(bytes.as_deref(), floats.as_deref()).map_err(err)?;
        let r = self.inner.add_class(cls as usize, px, n as usize).map_err(err)?;
        Ok(RawClassScores { scores: r.scores[..].into(), info: api::to_json(&r.info) })
    }

    /// JSON of the FrobeniusSummary.
    pub fn frobenius(&self) -> R<String> {
        self.inner.frobenius().map(|f| api::to_json(&f)).map_err(err)
    }
}

// ---- the classifiers of §5.2 (Figure 7) ----

#[wasm_bindgen(getter_with_clone)]
pub struct RawLossGradient {
    pub loss: f64,
    pub grad: Float32Array,
}

/// A LeNet-5 / small CIFAR classifier and its SGD state. Call `free()` when done.
#[wasm_bindgen]
pub struct ClassifierTrainer {
    inner: api::ClassifierTrainer,
}

#[wasm_bindgen]
impl ClassifierTrainer {
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, _threads: u32) -> R<ClassifierTrainer> {
        Ok(ClassifierTrainer { inner: api::classifier(config, 1).map_err(err)? })
    }

    #[wasm_bindgen(js_name = setTrainingData)]
    pub fn set_training_data(&mut self, images: &[f32], labels: &[i32]) -> R<()> {
        self.inner.set_training_data(images, labels).map_err(err)
    }

    #[wasm_bindgen(js_name = dropTrainingData)]
    pub fn drop_training_data(&mut self) {
        self.inner.drop_training_data();
    }

    /// Up to `batches` SGD steps; JSON of the RunStats.
    pub fn run(&mut self, batches: u32) -> R<String> {
        self.inner.run(batches as usize).map(|s| api::to_json(&s)).map_err(err)
    }

    /// JSON of the EvalStats.
    pub fn evaluate(&mut self, images: &[f32], labels: &[i32]) -> R<String> {
        self.inner.evaluate(images, labels).map(|s| api::to_json(&s)).map_err(err)
    }

    pub fn predict(&mut self, images: &[f32]) -> R<Vec<f32>> {
        self.inner.predict(images).map_err(err)
    }

    #[wasm_bindgen(js_name = lossAndGradient)]
    pub fn loss_and_gradient(&mut self, images: &[f32], labels: &[i32]) -> R<RawLossGradient> {
        let (loss, grad) = self.inner.loss_and_gradient(images, labels).map_err(err)?;
        Ok(RawLossGradient { loss, grad: grad[..].into() })
    }

    pub fn params(&self) -> Vec<f32> {
        self.inner.params().to_vec()
    }

    #[wasm_bindgen(js_name = setParams)]
    pub fn set_params(&mut self, params: &[f32]) -> R<()> {
        self.inner.set_params(params).map_err(err)
    }

    /// JSON of the ClassifierInfo.
    pub fn info(&self) -> String {
        api::to_json(&self.inner.info())
    }
}

#[wasm_bindgen(js_name = removalOrder)]
pub fn removal_order(seed: f64, n: u32) -> R<Vec<u32>> {
    api::removal_order(seed, n as usize).map_err(err)
}

// ---- measurements of the machine (bench/, ts/perf.ts) ----

/// `C = A B` on buffers allocated once; JavaScript times `run`.
#[wasm_bindgen]
pub struct GemmBench {
    inner: api::perf::GemmBench,
}

#[wasm_bindgen]
impl GemmBench {
    #[wasm_bindgen(constructor)]
    pub fn new(m: u32, n: u32, k: u32, dtype: &str, _threads: u32) -> R<GemmBench> {
        Ok(GemmBench { inner: api::perf::GemmBench::new(m as usize, n as usize, k as usize, dtype, 1).map_err(err)? })
    }
    pub fn run(&mut self, reps: u32) -> f64 {
        self.inner.run(reps as usize)
    }
    pub fn flops(&self) -> f64 {
        self.inner.flops()
    }
    pub fn threads(&self) -> u32 {
        self.inner.threads() as u32
    }
}

/// Boundary probes: an array in (copied in), an array out (copied out), made and dropped inside.
#[wasm_bindgen(js_name = boundaryIn)]
pub fn boundary_in(x: &[f32]) -> f64 {
    api::perf::checksum(x)
}
#[wasm_bindgen(js_name = boundaryOut)]
pub fn boundary_out(len: u32) -> R<Vec<f32>> {
    api::perf::filled(len as usize).map_err(err)
}
#[wasm_bindgen(js_name = boundaryMake)]
pub fn boundary_make(len: u32) -> R<f64> {
    api::perf::made(len as usize).map_err(err)
}

/// `8 * iters` dependent additions (the clock of the core).
#[wasm_bindgen(js_name = clockProbe)]
pub fn clock_probe(iters: u32) -> f64 {
    api::perf::clock_probe(iters as u64) as f64
}

/// What the kernels run with (JSON).
#[wasm_bindgen(js_name = kernelInfo)]
pub fn kernel_info() -> String {
    api::to_json(&api::perf::kernel_info())
}
