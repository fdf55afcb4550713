//! The `train` section ([`TrainConfig`]): width, learning rate, schedule (GD steps or SGD
//! epochs), initialisation, metrics and the exact route.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Init, InitName};

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    Auto,
    Gram,
    Direct,
}

/// Training of the two-layer ReLU CNN (eqs. 1-4; the `train` section). Every field is optional;
/// without steps or epochs: 2000 full-batch steps, or 20 epochs with batchSize.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TrainConfig {
    /// m, neurons per class.
    #[schemars(range(min = 1, max = 1_000_000))]
    pub width: usize,
    /// eta, the learning rate.
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub lr: f64,
    /// Full-batch GD steps (eq. 4); give steps or epochs, not both.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// Passes over the data: with batchSize mini-batch SGD, without it one GD step per epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epochs: Option<usize>,
    /// Mini-batch size; null (default) = full batch, as eq. 4.
    #[schemars(range(min = 1))]
    pub batch_size: Option<usize>,
    /// "pytorch" = U(-1/sqrt(d), 1/sqrt(d)) (§5.1's experiments) or {"sigma0": s} = N(0, s^2) (the theory).
    pub init: Init,
    /// Seed of the initialisation and the SGD shuffles.
    #[schemars(range(max = 9_007_199_254_740_991u64))]
    pub seed: u64,
    /// Stop once the training loss is at most this.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub target_loss: Option<f64>,
    /// Record metrics every this many steps (0: only at the end).
    pub eval_every: usize,
    /// L values of the L-long-tailed test subsets (Definition 1).
    #[schemars(schema_with = "positive_numbers")]
    pub long_tailed_l: Vec<f64>,
    /// gram | direct | auto (the cheaper exact route).
    pub route: Route,
    /// Native threads (0 = all cores).
    #[schemars(range(max = 1024))]
    pub threads: usize,
    /// Refuse allocations above this many bytes (default 8 GiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub memory_limit: Option<u64>,
}

fn positive_numbers(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "array", "items": { "type": "number", "exclusiveMinimum": 0 } })
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            width: 100,
            lr: 0.05,
            steps: None,
            epochs: None,
            batch_size: None,
            init: Init::Named(InitName::Pytorch),
            seed: 0,
            target_loss: None,
            eval_every: 0,
            long_tailed_l: vec![1.0, 2.0],
            route: Route::Auto,
            threads: 0,
            memory_limit: None,
        }
    }
}

impl crate::config::Config for TrainConfig {
    const SECTION: &'static str = "train";

    fn finish(&mut self, at: &str) -> Result<()> {
        match (self.steps, self.epochs, self.batch_size) {
            (Some(s), Some(_), _) => return Err(Error::invalid(format!("{at}.steps"), s, "either steps or epochs, not both")),
            // Full-batch GD by default, for as long as 20 epochs of batch-1 SGD move (eta * 2000 = 100; docs/presets.md).
            (None, None, None) => self.steps = Some(2000),
            (None, None, Some(_)) => self.epochs = Some(20),
            _ => {}
        }
        Ok(())
    }
}
