//! The `influence` section as users write it ([`InfluenceOptions`]) and as the core runs it
//! ([`InfluenceConfig`]): pixel scaling, route and precision of the products.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{check_alloc, Error, Result, DEFAULT_MEMORY_LIMIT};

/// How pixels are scaled before covariances are taken.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Normalize {
    /// Bytes to [0, 1] (x / 255); float input is taken as given.
    #[default]
    Scale,
    /// `Scale`, then every pixel divided by its standard deviation over the whole dataset
    /// (pixels constant over the dataset become 0). Subtracting the per-pixel mean as well would
    /// change no covariance, so it is not done.
    Standardize,
    /// `Scale`, then every image divided by its Euclidean norm (an all-zero image stays zero).
    Unit,
}

/// How each class's quadratic forms are computed: auto (fewest multiply-adds), scatter (d x d), gram (n x n).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RouteChoice {
    #[default]
    Auto,
    Scatter,
    Gram,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "InfluenceRoute")]
pub enum Route {
    Scatter,
    Gram,
}

/// Precision of the matrix products (sums of the products, the scores and the Figure 6 matrix
/// are always f64).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    #[default]
    F32,
    F64,
}

/// Influence scores of eq. 10 and the Figure 6 matrix (the `influence` section; all optional).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct InfluenceOptions {
    /// Pixel scaling: scale (bytes to [0, 1]), standardize (then per pixel / its std), unit (then per image / its norm).
    pub normalize: Normalize,
    /// How each class's quadratic forms are computed: auto (fewest multiply-adds), scatter (d x d), gram (n x n).
    pub route: RouteChoice,
    /// Precision of the matrix products (sums and scores are always f64).
    pub precision: Precision,
    /// Compute the Figure 6 matrix tr(S_i S_j) and Gamma (keeps K d x d scatters).
    pub frobenius: bool,
    /// Block width of the symmetric products (0 = automatic).
    #[schemars(range(max = 65_536))]
    pub block: usize,
    /// Number of classes K (default: largest label + 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100_000))]
    pub classes: Option<usize>,
    /// C2 of Theorem 1 2(b) used for the predicted phase (min_j Gamma_kj >= C2).
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c2: f64,
    /// Refuse allocations above this many bytes (default 8 GiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub memory_limit: Option<u64>,
}

impl Default for InfluenceOptions {
    fn default() -> Self {
        InfluenceOptions {
            normalize: Normalize::Scale,
            route: RouteChoice::Auto,
            precision: Precision::F32,
            frobenius: true,
            block: 0,
            classes: None,
            c2: 1.0,
            memory_limit: None,
        }
    }
}

impl crate::config::Config for InfluenceOptions {
    const SECTION: &'static str = "influence";
}

/// The resolved influence config (the TypeScript layer fills the defaults).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InfluenceConfig {
    /// Pixels per image.
    pub dim: usize,
    /// Number of classes K (labels 0..K-1); in an influence job, 0 means the largest label + 1.
    pub classes: usize,
    #[serde(default)]
    pub normalize: Normalize,
    #[serde(default)]
    pub route: RouteChoice,
    #[serde(default)]
    pub precision: Precision,
    /// Keep each class's scatter for the Figure 6 matrix (K d^2 f32 of memory).
    #[serde(default = "yes")]
    pub frobenius: bool,
    /// Block width of the symmetric products (0: automatic).
    #[serde(default)]
    pub block: usize,
    #[serde(default)]
    pub memory_limit: Option<u64>,
}

fn yes() -> bool {
    true
}

impl InfluenceConfig {
    pub fn memory_limit(&self) -> u64 {
        self.memory_limit.unwrap_or(DEFAULT_MEMORY_LIMIT)
    }

    pub fn validate(&self) -> Result<()> {
        if self.dim == 0 || self.dim > 1 << 24 {
            return Err(Error::invalid("influence.dim", self.dim, "an integer from 1 to 16777216 (pixels per image)"));
        }
        // The one validator: the other fields are [`InfluenceOptions`]'s.
        crate::config::recheck(&InfluenceOptions {
            normalize: self.normalize,
            route: self.route,
            precision: self.precision,
            frobenius: self.frobenius,
            block: self.block,
            classes: Some(self.classes),
            memory_limit: self.memory_limit,
            ..InfluenceOptions::default()
        })?;
        if self.frobenius {
            check_alloc(
                "the stored class scatters for the Figure 6 matrix (classes x dim x dim f32)",
                (self.classes as u128) * (self.dim as u128) * (self.dim as u128),
                4,
                self.memory_limit(),
            )?;
        }
        Ok(())
    }
}
