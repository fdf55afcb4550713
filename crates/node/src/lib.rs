//! N-API binding of benignfit-core: every function converts its arguments, calls
//! `benignfit_core::api` (the core's only door) and maps errors. Errors reach JavaScript as
//! `Error`s with `code`, `field`, `got` and `expected` properties; panics are caught by [`guard`]
//! (code E_PANIC), never a crash. Long work is a job (`advance(budget)` -> Progress JSON).

use benignfit_core::api::{self, Job};
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

type Core<T> = benignfit_core::Result<T>;

/// Run core code; its errors and any panic become a JS `Error` with the core's parts as properties.
fn guard<T>(env: &Env, f: impl FnOnce() -> Core<T>) -> napi::Result<T> {
    let e = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => return r.map_err(|e| js_error(env, &e, e.code())),
        Err(p) => {
            let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_else(|| "unknown panic".into());
            api::CoreError::Internal { detail: format!("a panic in the core: {msg}") }
        }
    };
    Err(js_error(env, &e, "E_PANIC"))
}

fn js_error(env: &Env, e: &api::CoreError, code: &str) -> napi::Error {
    let build = || -> napi::Result<napi::Error> {
        let mut o = env.create_error(napi::Error::from_reason(e.to_string()))?;
        o.set_named_property("code", code)?;
        for (k, v) in [("field", e.field()), ("got", e.got()), ("expected", e.expected())] {
            if let Some(v) = v {
                o.set_named_property(k, v)?;
            }
        }
        Ok(napi::Error::from(o.into_unknown(env)?))
    };
    build().unwrap_or_else(|x| x)
}

#[napi]
pub fn version() -> String {
    api::to_json(&api::version())
}

/// Check a config section ("data", "train", ...) and fill its defaults: the resolved JSON.
#[napi]
pub fn resolve_config(env: Env, section: String, json: String) -> napi::Result<String> {
    guard(&env, || api::resolve_config(&section, &json))
}

/// The JSON Schema of every config section, as the Rust declarations give it.
#[napi]
pub fn config_schemas() -> String {
    api::config_schemas()
}

// ---- data (§2, §5.1) ----

#[napi(object)]
pub struct RawDataset {
    pub train_x: Float32Array,
    pub train_y: Int32Array,
    pub train_pos: Uint8Array,
    pub test_x: Float32Array,
    pub test_y: Int32Array,
    pub test_pos: Uint8Array,
    pub features: Float32Array,
    pub noise_factors: Option<Float32Array>,
    pub description: String,
}

#[napi]
pub fn generate(
    env: Env, config: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, include_factors: bool, threads: u32,
) -> napi::Result<RawDataset> {
    let g = guard(&env, || api::generate(&config, features.as_deref(), noise_factors.as_deref(), include_factors, threads as usize))?;
    let ds = g.dataset;
    Ok(RawDataset {
        train_x: ds.train_x.into(),
        train_y: ds.train_y.into(),
        train_pos: ds.train_pos.into(),
        test_x: ds.test_x.into(),
        test_y: ds.test_y.into(),
        test_pos: ds.test_pos.into(),
        features: ds.features.into(),
        noise_factors: g.noise_factors.map(Into::into),
        description: g.description,
    })
}

// ---- training (eqs. 1-4) ----

/// A training set, as one object.
#[napi(object)]
pub struct RawTrainInput {
    /// The resolved data config that generated the arrays (JSON), if any.
    pub data_config: Option<String>,
    pub classes: u32,
    pub dim: u32,
    pub train_x: Float32Array,
    pub train_y: Int32Array,
    pub train_pos: Option<Uint8Array>,
    pub features: Option<Float32Array>,
    pub test_x: Option<Float32Array>,
    pub test_y: Option<Int32Array>,
    pub test_pos: Option<Uint8Array>,
}

impl RawTrainInput {
    fn data(&self) -> api::TrainData<'_> {
        api::TrainData {
            data_config: self.data_config.as_deref(),
            classes: self.classes as usize,
            dim: self.dim as usize,
            train_x: &self.train_x,
            train_y: &self.train_y,
            train_pos: self.train_pos.as_deref(),
            features: self.features.as_deref(),
            test_x: self.test_x.as_deref(),
            test_y: self.test_y.as_deref(),
            test_pos: self.test_pos.as_deref(),
        }
    }
}

/// What a finished (or stopped) training holds.
#[napi(object)]
pub struct RawTrainOutput {
    /// JSON of the Summary.
    pub summary: String,
    pub weights: Float32Array,
    pub initial_weights: Float32Array,
    /// JSON of the EvalRecords.
    pub history: String,
    pub loss_curve: Float64Array,
    pub logit_sums: Float64Array,
    pub kappa_curve: Float64Array,
}

/// A training run, a job: `advance` until finished, then `finish`.
#[napi]
pub struct Trainer {
    inner: api::Trainer,
}

#[napi]
impl Trainer {
    #[napi(constructor)]
    pub fn new(env: Env, config: String, input: RawTrainInput) -> napi::Result<Self> {
        Ok(Trainer { inner: guard(&env, || api::trainer(&config, &input.data()))? })
    }

    /// Up to `budget` steps; JSON of the Progress after them.
    #[napi]
    pub fn advance(&mut self, env: Env, budget: u32) -> napi::Result<String> {
        guard(&env, || self.inner.advance(budget as usize).map(|p| api::to_json(&p)))
    }

    /// JSON of the EvalRecords so far.
    #[napi]
    pub fn history(&self) -> String {
        api::history_json(&self.inner)
    }

    #[napi]
    pub fn flops_per_step(&self) -> f64 {
        self.inner.flops_per_step()
    }

    /// A final evaluation, and everything the training holds.
    #[napi]
    pub fn finish(&mut self, env: Env) -> napi::Result<RawTrainOutput> {
        let o = guard(&env, || api::finish_training(&mut self.inner))?;
        Ok(RawTrainOutput {
            summary: o.summary,
            weights: o.weights.into(),
            initial_weights: o.initial_weights.into(),
            history: o.history,
            loss_curve: o.loss_curve.into(),
            logit_sums: o.logit_sums.into(),
            kappa_curve: o.kappa_curve.into(),
        })
    }
}

/// Several trainings on the same data (a job); members come out as Trainers.
#[napi]
pub struct TrainerGroup {
    inner: api::TrainerGroup,
}

#[napi]
impl TrainerGroup {
    /// `configs`: a JSON array of train configs.
    #[napi(constructor)]
    pub fn new(env: Env, configs: String, input: RawTrainInput) -> napi::Result<Self> {
        Ok(TrainerGroup { inner: guard(&env, || api::trainer_group(&configs, &input.data()))? })
    }

    /// Up to `budget` steps of every running member; JSON of the Progress (steps summed).
    #[napi]
    pub fn advance(&mut self, env: Env, budget: u32) -> napi::Result<String> {
        guard(&env, || self.inner.advance(budget as usize).map(|p| api::to_json(&p)))
    }

    /// Member `index` as a Trainer (throws the error it failed with, if it did).
    #[napi]
    pub fn take(&mut self, env: Env, index: u32) -> napi::Result<Trainer> {
        Ok(Trainer { inner: guard(&env, || self.inner.take(index as usize))? })
    }
}

#[napi]
pub fn predict(env: Env, weights: Float32Array, classes: u32, width: u32, dim: u32, x: Float32Array, threads: u32) -> napi::Result<Float64Array> {
    guard(&env, || api::predict(&weights, classes as usize, width as usize, dim as usize, &x, threads as usize)).map(Into::into)
}

// ---- Theorem 1, Condition 1 and the lemmas ----

/// The arrays of a trained run (optional ones may be left out).
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
    fn owned(&self) -> api::OwnedRun {
        let v = |a: &Option<Float32Array>| a.as_deref().map(<[f32]>::to_vec);
        api::OwnedRun {
            weights: self.weights.to_vec(),
            weights_init: v(&self.weights_init),
            train_x: self.train_x.to_vec(),
            train_y: self.train_y.to_vec(),
            train_pos: self.train_pos.to_vec(),
            logit_sums: self.logit_sums.as_deref().map(<[f64]>::to_vec),
            kappa: self.kappa.as_deref().map(<[f64]>::to_vec),
            test_x: v(&self.test_x),
            test_y: self.test_y.as_deref().map(<[i32]>::to_vec),
            test_pos: self.test_pos.as_deref().map(<[u8]>::to_vec),
        }
    }
}

#[napi]
pub fn theory(
    env: Env, config: String, options: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, threads: u32,
) -> napi::Result<String> {
    guard(&env, || api::theory(&config, &options, features.as_deref(), noise_factors.as_deref(), threads as usize))
}

#[napi]
pub fn theory_lemmas(
    env: Env, config: String, options: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, run: RawRun, threads: u32,
) -> napi::Result<String> {
    guard(&env, || api::theory_lemmas(&config, &options, features.as_deref(), noise_factors.as_deref(), run.owned(), threads as usize))
}

/// Theorem 1 (and a run's lemmas) as a job: `advance` until finished, then `result`.
#[napi]
pub struct TheoryJob {
    inner: api::TheoryJob,
}

#[napi]
impl TheoryJob {
    #[napi(constructor)]
    pub fn new(
        env: Env, config: String, options: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, run: Option<RawRun>, threads: u32,
    ) -> napi::Result<Self> {
        let run = run.as_ref().map(RawRun::owned);
        Ok(TheoryJob { inner: guard(&env, || api::theory_job(&config, &options, features.as_deref(), noise_factors.as_deref(), run, threads as usize))? })
    }

    /// Up to `budget` units of work; JSON of the Progress.
    #[napi]
    pub fn advance(&mut self, env: Env, budget: u32) -> napi::Result<String> {
        guard(&env, || self.inner.advance(budget as usize).map(|p| api::to_json(&p)))
    }

    /// The report (with `lemmas` for a run) as JSON, once finished.
    #[napi]
    pub fn result(&self, env: Env) -> napi::Result<String> {
        guard(&env, || self.inner.result_json())
    }
}

#[napi]
#[allow(clippy::too_many_arguments)]
pub fn long_tailed(
    env: Env, config: String, features: Option<Float32Array>, noise_factors: Option<Float32Array>, weights: Float32Array, width: u32, x: Float32Array,
    y: Int32Array, pos: Uint8Array, ls: Float64Array, threads: u32,
) -> napi::Result<String> {
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

// ---- influence scores (eq. 10) and the Figure 6 matrix ----

#[napi]
pub fn pixel_std(env: Env, bytes: Option<Uint8Array>, floats: Option<Float32Array>, n: u32, d: u32, threads: u32) -> napi::Result<Float64Array> {
    guard(&env, || api::pixel_std_of(bytes.as_deref(), floats.as_deref(), n as usize, d as usize, threads as usize)).map(Into::into)
}

#[napi(object)]
pub struct RawClassScores {
    pub scores: Float64Array,
    /// JSON of the ClassInfo.
    pub info: String,
}

/// Class by class, so JavaScript can report progress and stop between classes.
#[napi]
pub struct InfluenceRun {
    inner: api::InfluenceRun,
}

#[napi]
impl InfluenceRun {
    #[napi(constructor)]
    pub fn new(env: Env, config: String, pixel_std: Option<Float64Array>, threads: u32) -> napi::Result<Self> {
        Ok(InfluenceRun { inner: guard(&env, || api::influence_run(&config, pixel_std.as_deref(), threads as usize))? })
    }

    #[napi]
    pub fn add_class(&mut self, env: Env, cls: u32, bytes: Option<Uint8Array>, floats: Option<Float32Array>, n: u32) -> napi::Result<RawClassScores> {
        let r = guard(&env, || self.inner.add_class(cls as usize, api::pixels(bytes.as_deref(), floats.as_deref())?, n as usize))?;
        Ok(RawClassScores { scores: r.scores.into(), info: api::to_json(&r.info) })
    }

    /// `addClass` for the images `rows` of the whole set (`total` images), borrowed, not copied.
    #[napi]
    pub fn add_class_rows(
        &mut self, env: Env, cls: u32, bytes: Option<Uint8Array>, floats: Option<Float32Array>, total: u32, rows: Uint32Array,
    ) -> napi::Result<RawClassScores> {
        let r = guard(&env, || self.inner.add_class_rows(cls as usize, api::pixels(bytes.as_deref(), floats.as_deref())?, total as usize, &rows))?;
        Ok(RawClassScores { scores: r.scores.into(), info: api::to_json(&r.info) })
    }

    /// JSON of the FrobeniusSummary.
    #[napi]
    pub fn frobenius(&self, env: Env) -> napi::Result<String> {
        guard(&env, || self.inner.frobenius().map(|f| api::to_json(&f)))
    }
}

// ---- the classifiers of §5.2 (Figure 7) ----

#[napi(object)]
pub struct RawLossGradient {
    pub loss: f64,
    pub grad: Float32Array,
}

/// A LeNet-5 / small CIFAR classifier and its SGD state.
#[napi]
pub struct ClassifierTrainer {
    inner: api::ClassifierTrainer,
}

#[napi]
impl ClassifierTrainer {
    #[napi(constructor)]
    pub fn new(env: Env, config: String, threads: u32) -> napi::Result<Self> {
        Ok(ClassifierTrainer { inner: guard(&env, || api::classifier(&config, threads as usize))? })
    }

    #[napi]
    pub fn set_training_data(&mut self, env: Env, images: Float32Array, labels: Int32Array) -> napi::Result<()> {
        guard(&env, || self.inner.set_training_data(&images, &labels))
    }

    #[napi]
    pub fn drop_training_data(&mut self) {
        self.inner.drop_training_data();
    }

    /// Up to `batches` SGD steps; JSON of the RunStats.
    #[napi]
    pub fn run(&mut self, env: Env, batches: u32) -> napi::Result<String> {
        guard(&env, || self.inner.run(batches as usize).map(|s| api::to_json(&s)))
    }

    /// JSON of the EvalStats.
    #[napi]
    pub fn evaluate(&mut self, env: Env, images: Float32Array, labels: Int32Array) -> napi::Result<String> {
        guard(&env, || self.inner.evaluate(&images, &labels).map(|s| api::to_json(&s)))
    }

    #[napi]
    pub fn predict(&mut self, env: Env, images: Float32Array) -> napi::Result<Float32Array> {
        guard(&env, || self.inner.predict(&images)).map(Into::into)
    }

    #[napi]
    pub fn loss_and_gradient(&mut self, env: Env, images: Float32Array, labels: Int32Array) -> napi::Result<RawLossGradient> {
        let (loss, grad) = guard(&env, || self.inner.loss_and_gradient(&images, &labels))?;
        Ok(RawLossGradient { loss, grad: grad.into() })
    }

    #[napi]
    pub fn params(&self) -> Float32Array {
        self.inner.params().to_vec().into()
    }

    #[napi]
    pub fn set_params(&mut self, env: Env, params: Float32Array) -> napi::Result<()> {
        guard(&env, || self.inner.set_params(&params))
    }

    /// JSON of the ClassifierInfo.
    #[napi]
    pub fn info(&self) -> String {
        api::to_json(&self.inner.info())
    }
}

#[napi]
pub fn removal_order(env: Env, seed: f64, n: u32) -> napi::Result<Uint32Array> {
    guard(&env, || api::removal_order(seed, n as usize)).map(Into::into)
}

// ---- measurements of the machine (bench/, ts/perf.ts) ----

/// `C = A B` on buffers allocated once; JavaScript times `run`.
#[napi]
pub struct GemmBench {
    inner: api::perf::GemmBench,
}

#[napi]
impl GemmBench {
    #[napi(constructor)]
    pub fn new(env: Env, m: u32, n: u32, k: u32, dtype: String, threads: u32) -> napi::Result<Self> {
        Ok(GemmBench { inner: guard(&env, || api::perf::GemmBench::new(m as usize, n as usize, k as usize, &dtype, threads as usize))? })
    }
    #[napi]
    pub fn run(&mut self, reps: u32) -> f64 {
        self.inner.run(reps as usize)
    }
    #[napi]
    pub fn flops(&self) -> f64 {
        self.inner.flops()
    }
    #[napi]
    pub fn threads(&self) -> u32 {
        self.inner.threads() as u32
    }
}

/// Boundary probes: an array in (borrowed), an array out (handed over), made and dropped inside.
#[napi]
pub fn boundary_in(x: Float32Array) -> f64 {
    api::perf::checksum(&x)
}
#[napi]
pub fn boundary_out(env: Env, len: u32) -> napi::Result<Float32Array> {
    guard(&env, || api::perf::filled(len as usize)).map(Into::into)
}
#[napi]
pub fn boundary_make(env: Env, len: u32) -> napi::Result<f64> {
    guard(&env, || api::perf::made(len as usize))
}

/// `8 * iters` dependent additions (the clock of the core).
#[napi]
pub fn clock_probe(iters: u32) -> f64 {
    api::perf::clock_probe(iters as u64) as f64
}

/// What the kernels run with (JSON).
#[napi]
pub fn kernel_info() -> String {
    api::to_json(&api::perf::kernel_info())
}
