//! The surface both bindings call: JSON in for configs, flat arrays in and out for data.
//! Each binding only converts types and maps errors; everything else happens here.

use serde::Serialize;

use crate::data::{self, DataConfig, ExplicitModel};
use crate::error::{Error, Result};
use crate::linalg::Par;

/// Check a config section (by name) and fill its defaults: the resolved config as JSON.
pub fn resolve_config(section: &str, json: &str) -> Result<String> {
    crate::config::resolve_json(section, json)
}

/// The JSON Schema of every config section (`{input, resolved}`), declared by the Rust structs.
pub fn config_schemas() -> String {
    crate::config::schemas().to_string()
}

/// Parse a JSON config, naming the offending field on error.
pub fn parse_json<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| {
        let msg = e.to_string();
        Error::Invalid { field: what.to_string(), value: "the given JSON".into(), expected: format!("a valid {what} ({msg})") }
    })
}

pub fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    pub core: &'static str,
    pub data_format: u32,
    pub rustc: &'static str,
    pub target_arch: &'static str,
    pub simd: Vec<&'static str>,
    pub threads: usize,
}

pub fn version() -> VersionInfo {
    let mut simd = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            simd.push("avx2");
        }
        if std::arch::is_x86_feature_detected!("fma") {
            simd.push("fma");
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            simd.push("avx512f");
        }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd.push("simd128");
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
        crate::error::check_alloc("noise factors (K x d x d)", (k * d * d) as u128, 12, cfg.memory_limit())?;
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

/// Build a trainer from JSON configs and flat arrays. `data_config_json` (the resolved data
/// config that generated the data, when known) rebuilds the data model for Definition 1's
/// long-tailed subsets.
#[allow(clippy::too_many_arguments)]
pub fn trainer(
    config_json: &str,
    data_config_json: Option<&str>,
    k: usize,
    d: usize,
    x: &[f32],
    y: &[i32],
    pos: Option<&[u8]>,
    features: Option<&[f32]>,
    test_x: Option<&[f32]>,
    test_y: Option<&[i32]>,
    test_pos: Option<&[u8]>,
) -> Result<crate::train::Trainer> {
    let cfg: crate::train::TrainConfig = crate::config::parse(config_json)?;
    let model = data_model(data_config_json, k, d, cfg.threads)?;
    let input = crate::train::TrainInput { k, d, x, y, pos, features, test_x, test_y, test_pos };
    crate::train::Trainer::new(cfg, input, model)
}

/// [`trainer`] for several configs (a JSON array) on the same data: a [`crate::train::TrainerGroup`].
#[allow(clippy::too_many_arguments)]
pub fn trainer_group(
    configs_json: &str,
    data_config_json: Option<&str>,
    k: usize,
    d: usize,
    x: &[f32],
    y: &[i32],
    pos: Option<&[u8]>,
    features: Option<&[f32]>,
    test_x: Option<&[f32]>,
    test_y: Option<&[i32]>,
    test_pos: Option<&[u8]>,
) -> Result<crate::train::TrainerGroup> {
    let cfgs: Vec<crate::train::TrainConfig> = crate::config::parse_list(configs_json)?;
    let threads = cfgs.iter().map(|c| c.threads).max().unwrap_or(0);
    let model = data_model(data_config_json, k, d, threads)?;
    let input = crate::train::TrainInput { k, d, x, y, pos, features, test_x, test_y, test_pos };
    crate::train::TrainerGroup::new(cfgs, input, model)
}

/// The data model of a data config given next to the arrays (none for explicit data).
fn data_model(data_config_json: Option<&str>, k: usize, d: usize, threads: usize) -> Result<Option<data::DataModel>> {
    let Some(j) = data_config_json else { return Ok(None) };
    let dc: DataConfig = crate::config::parse(j)?;
    if dc.classes != k || dc.dim != d {
        return Err(Error::shape("train: data config", format!("the data config has classes = {}, dim = {} but the arrays have K = {k}, d = {d}", dc.classes, dc.dim)));
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
    crate::train::predict(w, k, m, d, x, Par::from_threads(threads))
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
pub fn theory_job(config_json: &str, options_json: &str, features: Option<&[f32]>, noise_factors: Option<&[f32]>, run: Option<crate::theory::OwnedRun>, threads: usize) -> Result<crate::theory::TheoryJob> {
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
pub fn theory_lemmas(config_json: &str, options_json: &str, features: Option<&[f32]>, noise_factors: Option<&[f32]>, run: &crate::theory::lemmas::Run<'_>, threads: usize) -> Result<String> {
    let mut job = theory_job(config_json, options_json, features, noise_factors, Some(crate::theory::OwnedRun::from_run(run)), threads)?;
    while !job.run(usize::MAX)? {}
    job.result_json()
}

/// Error on L-long-tailed test data (Definition 1) for each L: JSON array of LongTailed.
#[allow(clippy::too_many_arguments)]
pub fn long_tailed(config_json: &str, features: Option<&[f32]>, noise_factors: Option<&[f32]>, weights: &[f32], width: usize, x: &[f32], y: &[i32], pos: &[u8], ls: &[f64], threads: usize) -> Result<String> {
    let cfg: DataConfig = crate::config::parse(config_json)?;
    let par = Par::from_threads(threads);
    let model = data::DataModel::build(&cfg, explicit_arrays(features, noise_factors)?, par)?;
    let r = crate::theory::long_tailed(&model, weights, model.k, width, x, y, pos, ls, par)?;
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
