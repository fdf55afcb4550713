//! The `data` section ([`DataConfig`]): the data model and the sizes drawn from it, its checks,
//! and the pieces it is made of (one-or-per-class values, the noise law, the model kind).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{check_alloc, Error, Result, DEFAULT_MEMORY_LIMIT};
use crate::rng::Stream;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: Copy> OneOrMany<T> {
    pub fn expand(&self, k: usize, field: &str) -> Result<Vec<T>>
    where
        T: std::fmt::Debug,
    {
        match self {
            OneOrMany::One(v) => Ok(vec![*v; k]),
            OneOrMany::Many(v) if v.len() == k => Ok(v.clone()),
            OneOrMany::Many(v) => {
                Err(Error::invalid(field, format!("an array of length {}", v.len()), format!("one entry per class (classes = {k}), or a single number")))
            }
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NoiseKind {
    #[default]
    Gaussian,
    Uniform,
    Rademacher,
}

impl NoiseKind {
    #[inline]
    pub fn draw(self, s: &mut Stream) -> f64 {
        match self {
            NoiseKind::Gaussian => s.normal(),
            NoiseKind::Uniform => s.uniform_unit_variance(),
            NoiseKind::Rademacher => s.rademacher(),
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModelName {
    /// §5.1: every noise eigenvalue `baseEigenvalue` (0.5) but one class-specific lambda_k.
    Heterogeneous,
    /// Cao et al. / Kou et al.: A A^T = I - sum_k u_k u_k^T / ||u_k||^2 for every class.
    Homogeneous,
    /// User-given A_k (and features), passed as arrays next to the config.
    Explicit,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum ModelSpec {
    Named(ModelName),
    /// User-given spectra: `spectra[k]` holds the d - K eigenvalues of A_k on the noise directions
    /// U e_{K+1}, ..., U e_d.
    #[schemars(extend("additionalProperties" = false))]
    Spectra {
        #[schemars(inner(inner(range(min = 0))))]
        spectra: Vec<Vec<f64>>,
    },
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec::Named(ModelName::Heterogeneous)
    }
}

/// The data model of §2 / §5.1 and the sizes drawn from it (the `data` section). Every field is
/// optional and defaults to the paper's §5.1 value.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DataConfig {
    /// K, the number of classes.
    #[schemars(range(min = 2, max = 1000))]
    pub classes: usize,
    /// d, the dimension of each patch (at least 2 * classes).
    #[schemars(range(min = 4, max = 1_000_000))]
    pub dim: usize,
    /// |S_k|: training examples per class (one number, or one per class).
    #[schemars(schema_with = "per_class_schema")]
    pub per_class: OneOrMany<usize>,
    /// Test examples per class (one number, or one per class).
    #[schemars(schema_with = "test_per_class_schema")]
    pub test_per_class: OneOrMany<usize>,
    /// ||u_k||: feature strength (one number, or one per class).
    #[schemars(schema_with = "feature_norm_schema")]
    pub feature_norm: OneOrMany<f64>,
    /// Size-free noise correlation ratio ||A_k^T A_k||_F^2 / ||A_k^T A_j||_F^2 (1: homogeneous
    /// noise); default 1 unless `lambda` is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub gamma: Option<f64>,
    /// The class-specific eigenvalue lambda_k of A_k, one per class (instead of gamma).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "lambda_schema")]
    pub lambda: Option<Vec<f64>>,
    /// The eigenvalue of A_k on every other noise direction (§5.1: 0.5).
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub base_eigenvalue: f64,
    /// Law of zeta's coordinates (variance 1).
    pub noise: NoiseKind,
    /// heterogeneous (§5.1), homogeneous (Cao et al.), explicit (arrays given), or {"spectra": [[...], ...]}.
    pub model: ModelSpec,
    /// Seed of every random draw.
    #[schemars(range(max = 9_007_199_254_740_991u64))]
    pub seed: u64,
    /// Refuse allocations above this many bytes (default 8 GiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub memory_limit: Option<u64>,
}

fn one_or_many(item: serde_json::Value) -> schemars::Schema {
    schemars::json_schema!({ "anyOf": [item.clone(), { "type": "array", "items": item }] })
}
fn per_class_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    one_or_many(serde_json::json!({ "type": "integer", "format": "uint", "minimum": 1 }))
}
fn test_per_class_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    one_or_many(serde_json::json!({ "type": "integer", "format": "uint", "minimum": 0 }))
}
fn lambda_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": ["array", "null"], "items": { "type": "number", "exclusiveMinimum": 0 } })
}
fn feature_norm_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    one_or_many(serde_json::json!({ "type": "number", "minimum": 0 }))
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            classes: 5,
            dim: 1000,
            per_class: OneOrMany::One(100),
            test_per_class: OneOrMany::One(200),
            feature_norm: OneOrMany::One(1.0),
            gamma: None,
            lambda: None,
            base_eigenvalue: 0.5,
            noise: NoiseKind::Gaussian,
            model: ModelSpec::Named(ModelName::Heterogeneous),
            seed: 0,
            memory_limit: None,
        }
    }
}

impl crate::config::Config for DataConfig {
    const SECTION: &'static str = "data";

    fn finish(&mut self, at: &str) -> Result<()> {
        let k = self.classes;
        use crate::config::check::show_of as show;
        for (f, n, v) in [
            ("perClass", &self.per_class as &dyn Len, show(&self.per_class)),
            ("testPerClass", &self.test_per_class, show(&self.test_per_class)),
            ("featureNorm", &self.feature_norm, show(&self.feature_norm)),
        ] {
            if let Some(len) = n.many_len() {
                if len != k {
                    return Err(Error::invalid(format!("{at}.{f}"), v, format!("one entry per class (classes = {k}), or a single number")));
                }
            }
        }
        if self.dim < 2 * k {
            return Err(Error::invalid(format!("{at}.dim"), self.dim, format!("an integer >= 2 * classes = {}", 2 * k)));
        }
        if self.lambda.is_some() && self.gamma.is_some() {
            return Err(Error::invalid(format!("{at}.lambda"), "an array", "either lambda or gamma, not both"));
        }
        if let Some(l) = &self.lambda {
            if l.len() != k {
                return Err(Error::invalid(format!("{at}.lambda"), show(l), format!("one entry per class (classes = {k})")));
            }
        }
        if self.model == ModelSpec::Named(ModelName::Homogeneous) && (self.lambda.is_some() || self.gamma.is_some_and(|g| g != 1.0)) {
            let (f, v) = match &self.gamma {
                Some(g) if self.lambda.is_none() => ("gamma", crate::config::check::num(*g)),
                _ => ("lambda", "an array".to_string()),
            };
            return Err(Error::invalid(format!("{at}.{f}"), v, "nothing (model \"homogeneous\" has every noise eigenvalue 1, so gamma = 1)"));
        }
        if let ModelSpec::Spectra { spectra } = &self.model {
            if spectra.len() != k {
                return Err(Error::invalid(format!("{at}.model.spectra"), format!("{} arrays", spectra.len()), format!("{k} arrays (one per class)")));
            }
            for (c, s) in spectra.iter().enumerate() {
                if s.len() != self.dim - k {
                    return Err(Error::invalid(
                        format!("{at}.model.spectra[{c}]"),
                        format!("an array of length {}", s.len()),
                        format!("dim - classes = {} eigenvalues (one per noise direction)", self.dim - k),
                    ));
                }
            }
        }
        if self.gamma.is_none() && self.lambda.is_none() {
            self.gamma = Some(1.0);
        }
        self.check_finite(at)?;
        self.sizes().map(|_| ())
    }
}

/// The largest entry a sample may have, |x_i| <= (largest noise eigenvalue) sqrt(d) max|zeta|, must
/// stay well inside float32 (max |zeta| is taken as 64, far beyond any draw), or data and training
/// would hold infinities.
const FINITE_ENTRY: f64 = (f32::MAX as f64) / 16.0;

impl DataConfig {
    /// Refuse a config whose samples would not be finite in float32, naming the field at fault.
    fn check_finite(&self, at: &str) -> Result<()> {
        use crate::config::check::num;
        let (k, d) = (self.classes, self.dim);
        let reach = (d as f64).sqrt() * 64.0;
        let lmax = FINITE_ENTRY / reach;
        let base = if self.model == ModelSpec::Named(ModelName::Homogeneous) { 1.0 } else { self.base_eigenvalue };
        if base > lmax {
            return Err(Error::invalid(
                format!("{at}.baseEigenvalue"),
                num(base),
                format!("a value that keeps the data finite in float32: at most {lmax:.3e} at dim = {d}"),
            ));
        }
        if let Some(g) = self.gamma {
            let lam = lambda_for_gamma(g, d - k, base);
            if lam.is_nan() || lam > lmax {
                let gmax = lmax * lmax / (2.0 * base * base);
                return Err(Error::invalid(format!("{at}.gamma"), num(g), format!("a ratio that keeps the data finite in float32: about {gmax:.1e} at most here (it needs a noise eigenvalue of {lam:.3e}, more than {lmax:.3e})")));
            }
        }
        if let Some((i, l)) = self.lambda.iter().flatten().enumerate().find(|(_, l)| **l > lmax) {
            return Err(Error::invalid(
                format!("{at}.lambda[{i}]"),
                num(*l),
                format!("a value that keeps the data finite in float32: at most {lmax:.3e} at dim = {d}"),
            ));
        }
        if let ModelSpec::Spectra { spectra } = &self.model {
            for (c, sp) in spectra.iter().enumerate() {
                if let Some(i) = sp.iter().position(|v| *v > lmax) {
                    return Err(Error::invalid(
                        format!("{at}.model.spectra[{c}][{i}]"),
                        num(sp[i]),
                        format!("a value that keeps the data finite in float32: at most {lmax:.3e} at dim = {d}"),
                    ));
                }
            }
        }
        let norms: Vec<f64> = match &self.feature_norm {
            OneOrMany::One(v) => vec![*v],
            OneOrMany::Many(v) => v.clone(),
        };
        if let Some(u) = norms.iter().find(|u| **u > FINITE_ENTRY) {
            return Err(Error::invalid(
                format!("{at}.featureNorm"),
                num(*u),
                format!("a norm that keeps the data finite in float32: at most {FINITE_ENTRY:.3e}"),
            ));
        }
        Ok(())
    }
}

trait Len {
    fn many_len(&self) -> Option<usize>;
}
impl<T> Len for OneOrMany<T> {
    fn many_len(&self) -> Option<usize> {
        match self {
            OneOrMany::One(_) => None,
            OneOrMany::Many(v) => Some(v.len()),
        }
    }
}

/// lambda^2 for a target size-free ratio Gamma >= 1 (equal lambda for every class):
/// ((D-1) b^4 + t^2) / ((D-2) b^4 + 2 b^2 t) = Gamma  =>  t = b^2 (Gamma + sqrt((Gamma-1)(Gamma+D-1))).
pub fn lambda_for_gamma(gamma: f64, d_noise: usize, base: f64) -> f64 {
    let dn = d_noise as f64;
    let t = base * base * (gamma + ((gamma - 1.0) * (gamma + dn - 1.0)).max(0.0).sqrt());
    t.sqrt()
}

impl DataConfig {
    pub fn memory_limit(&self) -> u64 {
        self.memory_limit.unwrap_or(DEFAULT_MEMORY_LIMIT)
    }

    /// Everything the generator needs, checked by the one validator (the schema derived from the
    /// declaration above and [`Config::finish`](crate::config::Config::finish)), then sized.
    pub fn validate(&self) -> Result<(Vec<usize>, Vec<usize>, Vec<f64>)> {
        crate::config::recheck(self)?;
        self.sizes()
    }

    /// Class sizes and feature norms per class, and the memory check of the dataset.
    fn sizes(&self) -> Result<(Vec<usize>, Vec<usize>, Vec<f64>)> {
        let (k, d) = (self.classes, self.dim);
        let per = self.per_class.expand(k, "data.perClass")?;
        let test = self.test_per_class.expand(k, "data.testPerClass")?;
        let norms = self.feature_norm.expand(k, "data.featureNorm")?;
        let n_train: u128 = per.iter().map(|&c| c as u128).sum();
        let n_test: u128 = test.iter().map(|&c| c as u128).sum();
        let limit = self.memory_limit();
        let mut elems = (n_train + n_test) * 2 * d as u128 * 4 / 4 + (n_train + n_test) * d as u128 * 2; // f32 x + f64 scratch
        elems += match self.model {
            ModelSpec::Spectra { .. } | ModelSpec::Named(ModelName::Explicit) => (k as u128 + 2) * (d as u128) * (d as u128) * 2,
            _ => 0,
        };
        let asked_by = if n_train >= n_test { "data.perClass" } else { "data.testPerClass" };
        check_alloc(&format!("a dataset of {n_train} training and {n_test} test samples in dimension {d}"), elems, 4, limit)
            .map_err(|e| e.for_field(asked_by, "data.memoryLimit"))?;
        Ok((per, test, norms))
    }
}
