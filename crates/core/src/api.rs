//! The surface both bindings call: JSON in for configs, flat arrays in and out for data.
//! Each binding only converts types and maps errors; everything else happens here.

use serde::Serialize;

use crate::data::{self, DataConfig, ExplicitModel};
use crate::error::{Error, Result};
use crate::linalg::Par;

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
    let cfg: DataConfig = parse_json("data config", config_json)?;
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
    let cfg: crate::train::TrainConfig = parse_json("train config", config_json)?;
    let model = match data_config_json {
        Some(j) => {
            let dc: DataConfig = parse_json("data config", j)?;
            if dc.classes != k || dc.dim != d {
                return Err(Error::shape("train: data config", format!("the data config has classes = {}, dim = {} but the arrays have K = {k}, d = {d}", dc.classes, dc.dim)));
            }
            if dc.model == data::ModelSpec::Named(data::ModelName::Explicit) {
                None
            } else {
                Some(data::DataModel::build(&dc, None, Par::from_threads(cfg.threads))?)
            }
        }
        None => None,
    };
    let input = crate::train::TrainInput { k, d, x, y, pos, features, test_x, test_y, test_pos };
    crate::train::Trainer::new(cfg, input, model)
}

/// Logits (n x K) of arbitrary samples x (n x 2 x d) under weights W ((K*m) x d).
pub fn predict(w: &[f32], k: usize, m: usize, d: usize, x: &[f32], threads: usize) -> Result<Vec<f64>> {
    if k == 0 || m == 0 || d == 0 {
        return Err(Error::invalid("predict", format!("K = {k}, m = {m}, d = {d}"), "positive classes, width and dim"));
    }
    crate::train::predict(w, k, m, d, x, Par::from_threads(threads))
}
