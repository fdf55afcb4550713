//! The `theory` section: the absolute constants and everything besides the data model that
//! Theorem 1 needs.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::spectral;
use crate::error::{Error, Result};
use crate::model::Init;

/// The absolute constants of Condition 1, Theorem 1 and Lemma 5 (JSON names as in the paper).
/// The paper gives no values; the defaults are explained in docs/theory.md.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Constants {
    /// Condition 1's "sufficiently large constant" C, also used for the hidden constant of its
    /// Omega(.). Default 1: the smallest value that keeps "large" meaningful, so an item that
    /// fails at C = 1 fails for every admissible C.
    #[serde(rename = "C")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c: f64,
    /// Statement 2(a) threshold: benign (explicit) when SNR_k >= C1. Default 2.
    #[serde(rename = "C1")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c1_big: f64,
    /// Statement 2(b) threshold: benign (implicit, long-tailed) when min_j Gamma_{k,j} >= C2. Default 2.
    #[serde(rename = "C2")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c2_big: f64,
    /// Statement 3 threshold: harmful when SNR_k <= C3 and min_j Gamma_{k,j} <= C3 (at most
    /// min(C1, C2)). Default 1, the smallest value at which the homogeneous model (Gamma = 1
    /// exactly) can be harmful, as Remark 5 / Kou et al. (2023) require; C3 < C1, C2 leaves the
    /// gray band of Figure 2.
    #[serde(rename = "C3")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c3_big: f64,
    /// Rate in the exponent of the 2(a) bound. Default 1 (fit it with `fit`).
    #[serde(rename = "c1")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c1: f64,
    /// Rate in the exponent of the 2(b) bound. Default 1 (fit it with `fit`).
    #[serde(rename = "c2")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c2: f64,
    /// Statement 3's lower bound on the test error. Default 0.1.
    #[serde(rename = "c3")]
    #[schemars(range(max = 1), extend("exclusiveMinimum" = 0))]
    pub c3: f64,
    /// Failure probability of Condition 1 / Theorem 1 (appears in the logs). Default 0.05.
    #[schemars(extend("exclusiveMinimum" = 0, "exclusiveMaximum" = 1))]
    pub delta: f64,
    /// Lemma 5's "sufficiently large" C': own-class noise must excite a class's neurons C' times
    /// more than other classes' noise. Default 1 (the weakest reading).
    #[serde(rename = "Cprime")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub c_prime: f64,
}

impl Default for Constants {
    fn default() -> Self {
        Constants { c: 1.0, c1_big: 2.0, c2_big: 2.0, c3_big: 1.0, c1: 1.0, c2: 1.0, c3: 0.1, delta: 0.05, c_prime: 1.0 }
    }
}

impl Constants {
    /// The rule between constants (their bounds are declared above): C3 <= min(C1, C2).
    pub fn check(&self, at: &str) -> Result<()> {
        let lo = self.c1_big.min(self.c2_big);
        if self.c3_big > lo {
            return Err(Error::invalid(
                format!("{at}.C3"),
                crate::config::check::num(self.c3_big),
                format!("a number <= min(C1, C2) = {} (otherwise Statements 2 and 3 overlap)", crate::config::check::num(lo)),
            ));
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Closed forms where the model has them, the numerical route otherwise.
    #[default]
    Auto,
    /// Closed forms only (an error for explicit factors).
    Closed,
    /// The numerical route on the dense factors, whatever the model.
    Numeric,
}

/// Block power iteration for ||A_k^T A_j||_op (the numerical route).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PowerConfig {
    /// Vectors iterated together.
    #[schemars(range(min = 1, max = 256))]
    pub block: usize,
    /// Relative change at which the iteration stops.
    #[schemars(extend("exclusiveMinimum" = 0, "exclusiveMaximum" = 1))]
    pub tol: f64,
    #[schemars(range(min = 1, max = 1_000_000))]
    pub max_iterations: usize,
}

impl Default for PowerConfig {
    fn default() -> Self {
        PowerConfig { block: 8, tol: 1e-10, max_iterations: 3000 }
    }
}

/// Everything besides the data model that Theorem 1 needs (the `theory` section; all optional).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TheoryOptions {
    /// The absolute constants of Condition 1, Theorem 1 and Lemma 5.
    pub constants: Constants,
    /// m, neurons per class (§5.1: 100).
    #[schemars(range(min = 1, max = 1_000_000))]
    pub width: usize,
    /// eta, the learning rate (§5.1: 0.05).
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub lr: f64,
    /// "pytorch" (U(-1/sqrt d, 1/sqrt d): sigma0 = 1/sqrt(3d)) or {"sigma0": s}.
    pub init: Init,
    /// Training steps actually run (log T of Condition 1 and Lemma 3); default: the T of Theorem 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 9_007_199_254_740_991u64))]
    pub steps: Option<u64>,
    /// epsilon of Theorem 1: the training loss T steps reach.
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub epsilon: f64,
    /// The L values of Definition 1 / Statement 2(b).
    #[schemars(schema_with = "ls_schema")]
    pub ls: Vec<f64>,
    /// auto: closed forms where the model has them; closed; numeric (dense factors).
    pub method: Method,
    /// Relative rank tolerance (default: numpy's rule, dim * machine epsilon of the input).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("exclusiveMinimum" = 0, "exclusiveMaximum" = 1))]
    pub rank_tol: Option<f64>,
    /// Block power iteration for ||A_k^T A_j||_op (numeric route).
    pub power: PowerConfig,
    /// Fresh noise draws per class for Lemmas 4 and 6 (trained runs only).
    #[schemars(range(min = 1, max = 10_000_000))]
    pub fresh_samples: usize,
    /// Seed of the fresh draws of Lemma 4 (default: the data seed).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 9_007_199_254_740_991u64))]
    pub seed: Option<u64>,
    /// Refuse allocations above this many bytes (default 8 GiB): the lemma measurements.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub memory_limit: Option<u64>,
}

fn ls_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "array", "minItems": 1, "maxItems": 1000, "items": { "type": "number", "exclusiveMinimum": 0 } })
}

impl Default for TheoryOptions {
    fn default() -> Self {
        TheoryOptions {
            constants: Constants::default(),
            width: 100,
            lr: 0.05,
            init: Init::default(),
            steps: None,
            epsilon: 0.01,
            ls: vec![0.5, 1.0, 2.0, 4.0],
            method: Method::Auto,
            rank_tol: None,
            power: PowerConfig::default(),
            fresh_samples: 1000,
            seed: None,
            memory_limit: None,
        }
    }
}

impl crate::config::Config for TheoryOptions {
    const SECTION: &'static str = "theory";

    fn finish(&mut self, at: &str) -> Result<()> {
        self.constants.check(&format!("{at}.constants"))
    }
}

impl TheoryOptions {
    /// The one validator (the declaration above), for options built in Rust.
    pub fn validate(&self) -> Result<()> {
        crate::config::recheck(self)
    }

    pub fn power_options(&self) -> spectral::PowerOptions {
        spectral::PowerOptions { block: self.power.block, tol: self.power.tol, max_iterations: self.power.max_iterations }
    }
}
