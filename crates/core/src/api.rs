//! The surface both bindings call, and the only module they use: JSON in for configs, flat arrays
//! in and out for data, and the chunked jobs of [`crate::job`]. Each binding only converts types
//! and maps errors; everything else happens here.

use schemars::JsonSchema;
use serde::Serialize;

use crate::data::{self, DataConfig, ExplicitModel};
use crate::error::{Error, Result};
use crate::linalg::Par;

pub(crate) mod registry;
mod surface;

/// The thread count a binding asks for, as the core can honour it: one without the `parallel`
/// feature (wasm), else as asked (0 = all cores).
pub fn threads(requested: u32) -> usize {
    if cfg!(feature = "parallel") {
        requested as usize
    } else {
        1
    }
}

/// Check a config section (by name) and fill its defaults: the resolved config as JSON.
pub fn resolve_config(section: &str, json: &str) -> Result<String> {
    registry::resolve_json(section, json)
}

/// The JSON Schema of every config section (`{input, resolved}`), declared by the Rust structs.
pub fn config_schemas() -> String {
    registry::schemas().to_string()
}

pub use crate::cnn::{removal_order_f64 as removal_order, Trainer as ClassifierTrainer};
pub use crate::config::parse_json;
pub use crate::covariance::{pixel_std, InfluenceConfig, InfluenceJob, InfluenceRun, Pixels};
pub use crate::error::Error as CoreError;
pub use crate::job::{Job, Progress};
pub use crate::perf;
pub use crate::theory::fit::FitJob;
pub use crate::theory::{OwnedRun, TheoryJob};
pub use crate::train::{Trainer, TrainerGroup};

/// The arrays of a training set as the bindings pass them (one object from JavaScript).
pub struct TrainData<'a> {
    /// The resolved data config that generated the arrays (rebuilds the data model for
    /// Definition 1's long-tailed subsets); none for data from elsewhere.
    pub data_config: Option<&'a str>,
    pub classes: usize,
    pub dim: usize,
    pub train_x: &'a [f32],
    pub train_y: &'a [i32],
    pub train_pos: Option<&'a [u8]>,
    pub features: Option<&'a [f32]>,
    pub test_x: Option<&'a [f32]>,
    pub test_y: Option<&'a [i32]>,
    pub test_pos: Option<&'a [u8]>,
}

impl<'a> TrainData<'a> {
    fn input(&self) -> crate::train::TrainInput<'a> {
        crate::train::TrainInput {
            k: self.classes,
            d: self.dim,
            x: self.train_x,
            y: self.train_y,
            pos: self.train_pos,
            features: self.features,
            test_x: self.test_x,
            test_y: self.test_y,
            test_pos: self.test_pos,
        }
    }
}

/// Everything a finished (or stopped) training holds.
pub struct TrainOutput {
    /// JSON of the training's `Summary` (after a final evaluation).
    pub summary: String,
    pub weights: Vec<f32>,
    pub initial_weights: Vec<f32>,
    /// JSON of the `EvalRecord`s.
    pub history: String,
    pub loss_curve: Vec<f64>,
    pub logit_sums: Vec<f64>,
    pub kappa_curve: Vec<f64>,
}

/// Evaluate a training at its current weights and hand over what it holds.
pub fn finish_training(t: &mut Trainer) -> Result<TrainOutput> {
    let summary = to_json(&t.finish()?);
    Ok(TrainOutput {
        summary,
        weights: t.weights(),
        initial_weights: t.initial_weights().to_vec(),
        history: to_json(&t.history),
        loss_curve: std::mem::take(&mut t.loss_curve),
        logit_sums: std::mem::take(&mut t.logit_sums),
        kappa_curve: std::mem::take(&mut t.kappa_curve),
    })
}

/// The metrics recorded so far (JSON of the `EvalRecord`s), for reports between chunks.
pub fn history_json(t: &Trainer) -> String {
    to_json(&t.history)
}

pub fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    pub core: &'static str,
    pub data_format: u32,
    pub rustc: &'static str,
    pub target_arch: &'static str,
    pub simd: Vec<&'static str>,
    pub threads: usize,
}

/// The SIMD extensions this machine offers the build, in a fixed order (avx2, fma, avx512f on
/// x86-64; simd128 in a wasm build compiled with it).
fn simd_extensions() -> Vec<&'static str> {
    #[cfg(target_arch = "x86_64")]
    let found = [
        ("avx2", std::arch::is_x86_feature_detected!("avx2")),
        ("fma", std::arch::is_x86_feature_detected!("fma")),
        ("avx512f", std::arch::is_x86_feature_detected!("avx512f")),
    ];
    #[cfg(target_arch = "wasm32")]
    let found = [("simd128", cfg!(target_feature = "simd128"))];
    #[cfg(not(any(target_arch = "x86_64", target_arch = "wasm32")))]
    let found: [(&'static str, bool); 0] = [];
    found.into_iter().filter_map(|(name, on)| on.then_some(name)).collect()
}

pub fn version() -> VersionInfo {
    let simd = simd_extensions();
    let threads = match Par::auto() {
        Par::Seq => 1,
        Par::Threads(n) => n,
    };
    VersionInfo {
        core: env!("CARGO_PKG_VERSION"),
        data_format: crate::DATA_FORMAT_VERSION,
        rustc: env!("BENIGNFIT_RUSTC_VERSION"),
        target_arch: std::env::consts::ARCH,
        simd,
        threads,
    }
}

pub struct Generated {
    pub dataset: data::Dataset,
    /// K x d x d, when asked for.
    pub noise_factors: Option<Vec<f32>>,
    /// JSON of the model description.
    pub description: String,
}

pub fn generate(config_json: &str, features: Option<&[f32]>, noise_factors: Option<&[f32]>, include_factors: bool, threads: usize) -> Result<Generated> {
    let cfg: DataConfig = crate::config::parse(config_json)?;
    let explicit = match (features, noise_factors) {
        (Some(f), Some(a)) => Some(ExplicitModel { features: f, noise_factors: a }),
        (None, None) => None,
        _ => return Err(Error::invalid("noiseFactors", "only one of features / noiseFactors", "both arrays (model \"explicit\") or neither")),
    };
    let par = Par::from_threads(threads);
    let (model, dataset) = data::generate(&cfg, explicit, par)?;
    let noise_factors = if include_factors {
        let (k, d) = (model.k, model.d);
        crate::error::check_alloc("noise factors (K x d x d)", (k * d * d) as u128, 12, cfg.memory_limit())
            .map_err(|e| e.for_field("data.dim", "data.memoryLimit"))?;
        let mut out = Vec::with_capacity(k * d * d);
        for c in 0..k {
            out.extend(model.dense_factor(c).into_iter().map(|v| v as f32));
        }
        Some(out)
    } else {
        None
    };
    let description = to_json(&dataset.description);
    Ok(Generated { dataset, noise_factors, description })
}

/// Build a trainer from a JSON config and a training set.
pub fn trainer(config_json: &str, data: &TrainData<'_>) -> Result<Trainer> {
    let cfg: crate::train::TrainConfig = crate::config::parse(config_json)?;
    let model = data_model(data.data_config, data.classes, data.dim, cfg.threads)?;
    Trainer::new(cfg, data.input(), model)
}

/// [`trainer`] for several configs (a JSON array) on the same data: a [`TrainerGroup`].
pub fn trainer_group(configs_json: &str, data: &TrainData<'_>) -> Result<TrainerGroup> {
    let cfgs: Vec<crate::train::TrainConfig> = crate::config::parse_list(configs_json)?;
    let threads = cfgs.iter().map(|c| c.threads).max().unwrap_or(0);
    let model = data_model(data.data_config, data.classes, data.dim, threads)?;
    TrainerGroup::new(cfgs, data.input(), model)
}

/// The data model of a data config given next to the arrays (none for explicit data).
fn data_model(data_config_json: Option<&str>, k: usize, d: usize, threads: usize) -> Result<Option<data::DataModel>> {
    let Some(j) = data_config_json else { return Ok(None) };
    let dc: DataConfig = crate::config::parse(j)?;
    if dc.classes != k || dc.dim != d {
        return Err(Error::shape(
            "train: data config",
            format!("the data config has classes = {}, dim = {} but the arrays have K = {k}, d = {d}", dc.classes, dc.dim),
        ));
    }
    if dc.model == data::ModelSpec::Named(data::ModelName::Explicit) {
        return Ok(None);
    }
    Ok(Some(data::DataModel::build(&dc, None, Par::from_threads(threads))?))
}

/// Logits (n x K) of arbitrary samples x (n x 2 x d) under weights W ((K*m) x d).
pub fn predict(w: &[f32], k: usize, m: usize, d: usize, x: &[f32], threads: usize) -> Result<Vec<f64>> {
    if k == 0 || m == 0 || d == 0 {
        return Err(Error::invalid("predict", format!("K = {k}, m = {m}, d = {d}"), "positive classes, width and dim"));
    }
    crate::model::predict(w, k, m, d, x, Par::from_threads(threads))
}

// ---- Theorem 1, Condition 1 and the lemmas (theory.rs) ----

fn explicit_arrays<'a>(features: Option<&'a [f32]>, noise_factors: Option<&'a [f32]>) -> Result<Option<ExplicitModel<'a>>> {
    match (features, noise_factors) {
        (Some(f), Some(a)) => Ok(Some(ExplicitModel { features: f, noise_factors: a })),
        (None, None) => Ok(None),
        _ => Err(Error::invalid("noiseFactors", "only one of features / noiseFactors", "both arrays (model \"explicit\") or neither")),
    }
}

/// A Theorem 1 job from JSON config and options (and, for the lemmas, a run's arrays).
pub fn theory_job(
    config_json: &str, options_json: &str, features: Option<&[f32]>, noise_factors: Option<&[f32]>, run: Option<crate::theory::OwnedRun>, threads: usize,
) -> Result<crate::theory::TheoryJob> {
    let cfg: DataConfig = crate::config::parse(config_json)?;
    let opts: crate::theory::TheoryOptions = crate::config::parse(options_json)?;
    crate::theory::TheoryJob::new(&cfg, explicit_arrays(features, noise_factors)?, opts, run, Par::from_threads(threads))
}

/// Theorem 1 / Condition 1 before training, from a data config: the report as JSON.
pub fn theory(config_json: &str, options_json: &str, features: Option<&[f32]>, noise_factors: Option<&[f32]>, threads: usize) -> Result<String> {
    let mut job = theory_job(config_json, options_json, features, noise_factors, None, threads)?;
    while !job.run(usize::MAX)? {}
    job.result_json()
}

/// Theorem 1 plus Lemmas 3–7 of a trained run: the report with `lemmas`, as JSON.
pub fn theory_lemmas(
    config_json: &str, options_json: &str, features: Option<&[f32]>, noise_factors: Option<&[f32]>, run: OwnedRun, threads: usize,
) -> Result<String> {
    let mut job = theory_job(config_json, options_json, features, noise_factors, Some(run), threads)?;
    while !job.run(usize::MAX)? {}
    job.result_json()
}

/// Error on L-long-tailed test data (Definition 1) for each L: JSON array of LongTailed.
#[allow(clippy::too_many_arguments)]
pub fn long_tailed(
    config_json: &str, features: Option<&[f32]>, noise_factors: Option<&[f32]>, weights: &[f32], width: usize, x: &[f32], y: &[i32], pos: &[u8], ls: &[f64],
    threads: usize,
) -> Result<String> {
    let cfg: DataConfig = crate::config::parse(config_json)?;
    let par = Par::from_threads(threads);
    let model = data::DataModel::build(&cfg, explicit_arrays(features, noise_factors)?, par)?;
    let r = crate::theory::long_tailed(&model, weights, model.k, width, x, y, pos, ls, cfg.memory_limit(), par)?;
    Ok(to_json(&r))
}

/// Fit c1, c2 to sweep rows (JSON array of rows): the FitReport as JSON.
pub fn theory_fit(rows_json: &str, options_json: &str) -> Result<String> {
    let rows: Vec<crate::theory::fit::FitRow> = parse_json("sweep rows", rows_json)?;
    let opts: crate::theory::fit::FitOptions = crate::config::parse(options_json)?;
    Ok(to_json(&crate::theory::fit::fit(&rows, &opts)?))
}

/// Phase boundaries of the §5.1 model in a sweep plane: the BoundaryReport as JSON.
pub fn theory_boundaries(options_json: &str) -> Result<String> {
    let opts: crate::theory::boundaries::BoundaryOptions = crate::config::parse(options_json)?;
    Ok(to_json(&crate::theory::boundaries::boundaries(&opts)?))
}

// ---- the rest of the door: constructors that take plain numbers, so bindings need no core types ----

/// An influence run (eq. 10, Figure 6) from a resolved core config (JSON).
pub fn influence_run(config_json: &str, pixel_std: Option<&[f64]>, threads: usize) -> Result<InfluenceRun> {
    let cfg: InfluenceConfig = parse_json("influence config", config_json)?;
    InfluenceRun::new(cfg, pixel_std, Par::from_threads(threads))
}

/// Eq. 10 over a labelled set as a job, from a core config (JSON; `classes` 0: the largest label + 1).
pub fn influence_job(config_json: &str, bytes: Option<&[u8]>, floats: Option<&[f32]>, labels: &[i32], threads: usize) -> Result<InfluenceJob> {
    let cfg: InfluenceConfig = parse_json("influence config", config_json)?;
    InfluenceJob::new(cfg, bytes, floats, labels, Par::from_threads(threads))
}

/// The class count K of a labelled set (`classes` 0: the largest label + 1), checked as
/// [`InfluenceJob`] checks it: labels 0..K-1, at least 3 images in every class.
pub fn influence_classes(labels: &[i32], classes: u32) -> Result<u32> {
    crate::covariance::class_members(labels, (classes > 0).then_some(classes as usize)).map(|m| m.len() as u32)
}

/// The fit of c1, c2 to sweep rows (JSON) as a job: a unit is one bootstrap resample.
pub fn fit_job(rows_json: &str, options_json: &str) -> Result<FitJob> {
    let rows: Vec<crate::theory::fit::FitRow> = parse_json("sweep rows", rows_json)?;
    let opts: crate::theory::fit::FitOptions = crate::config::parse(options_json)?;
    FitJob::new(&rows, &opts)
}

/// Exactly one pixel array: bytes or floats.
pub fn pixels<'a>(bytes: Option<&'a [u8]>, floats: Option<&'a [f32]>) -> Result<Pixels<'a>> {
    match (bytes, floats) {
        (Some(b), None) => Ok(Pixels::U8(b)),
        (None, Some(f)) => Ok(Pixels::F32(f)),
        _ => Err(Error::invalid("images", "both or neither of the byte and float arrays", "exactly one pixel array (Uint8Array or Float32Array)")),
    }
}

/// Per-pixel standard deviation over all images (for normalize "standardize").
pub fn pixel_std_of(bytes: Option<&[u8]>, floats: Option<&[f32]>, n: usize, d: usize, threads: usize) -> Result<Vec<f64>> {
    pixel_std(pixels(bytes, floats)?, n, d, Par::from_threads(threads))
}

/// A classifier and its SGD state from a resolved core config (JSON).
pub fn classifier(config_json: &str, threads: usize) -> Result<ClassifierTrainer> {
    ClassifierTrainer::from_json(config_json, threads)
}

/// Loss, accuracy and per-class accuracy of weights W ((K*m) x d) on labelled samples x
/// (n x 2 x d): the forward pass of [`predict`] and the softmax cross-entropy, both in
/// [`crate::model`] (what `Benignfit.evaluate` in ts/api.ts computes from `predict`'s logits).
pub fn evaluate(w: &[f32], k: usize, m: usize, d: usize, x: &[f32], y: &[i32], threads: usize) -> Result<crate::model::Evaluation> {
    crate::model::evaluate(w, k, m, d, x, y, Par::from_threads(threads))
}
