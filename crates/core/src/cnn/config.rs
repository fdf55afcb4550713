//! The classifier's config: the `classifier` section as users write it ([`ClassifierOptions`]) and
//! as the core runs it ([`ClassifierConfig`]), and the two architectures.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::LayerSpec;
use crate::error::{Error, Result, DEFAULT_MEMORY_LIMIT};

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ArchName {
    #[default]
    /// LeNet-5 for 1 x 28 x 28 images: conv 6@5x5 pad 2, ReLU, max-pool 2; conv 16@5x5, ReLU,
    /// max-pool 2; fully connected 400-120-84-classes with ReLU.
    Lenet5,
    /// For 3 x 32 x 32 images: three stages of conv 3x3 pad 1 (16, 32, 64 channels), ReLU, max-pool
    /// 2; fully connected 1024-128-classes with ReLU.
    CifarSmall,
}

impl ArchName {
    pub fn input(self) -> (usize, usize, usize) {
        match self {
            ArchName::Lenet5 => (1, 28, 28),
            ArchName::CifarSmall => (3, 32, 32),
        }
    }

    pub fn layers(self, classes: usize) -> Vec<LayerSpec> {
        use LayerSpec::*;
        match self {
            ArchName::Lenet5 => vec![
                Conv { out: 6, k: 5, pad: 2 },
                Relu,
                MaxPool2,
                Conv { out: 16, k: 5, pad: 0 },
                Relu,
                MaxPool2,
                Flatten,
                Linear { out: 120 },
                Relu,
                Linear { out: 84 },
                Relu,
                Linear { out: classes },
            ],
            ArchName::CifarSmall => vec![
                Conv { out: 16, k: 3, pad: 1 },
                Relu,
                MaxPool2,
                Conv { out: 32, k: 3, pad: 1 },
                Relu,
                MaxPool2,
                Conv { out: 64, k: 3, pad: 1 },
                Relu,
                MaxPool2,
                Flatten,
                Linear { out: 128 },
                Relu,
                Linear { out: classes },
            ],
        }
    }
}

/// How images are normalised per channel before the network: (x - mean) / std.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum NormalizeChoice {
    /// "train": the per-channel mean and std of the training images; "none": as given.
    Named(NormalizeName),
    /// {"mean": [...], "std": [...]}: given, one entry per channel.
    #[schemars(extend("additionalProperties" = false))]
    Given {
        mean: Vec<f64>,
        #[schemars(schema_with = "positive_list")]
        std: Vec<f64>,
    },
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NormalizeName {
    Train,
    None,
}

fn positive_list(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "array", "items": { "type": "number", "exclusiveMinimum": 0 } })
}

/// An image classifier of §5.2 and its SGD (the `classifier` section; all optional).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ClassifierOptions {
    /// lenet5 (1 x 28 x 28, MNIST) or cifar-small (3 x 32 x 32, CIFAR-10).
    pub arch: ArchName,
    /// Number of classes.
    #[schemars(range(min = 2, max = 1000))]
    pub classes: usize,
    /// Passes over the training set.
    #[schemars(range(min = 1, max = 10_000))]
    pub epochs: usize,
    /// Images per SGD step.
    #[schemars(range(min = 1, max = 65_536))]
    pub batch_size: usize,
    /// Learning rate.
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub lr: f64,
    /// SGD momentum.
    #[schemars(range(min = 0), extend("exclusiveMaximum" = 1))]
    pub momentum: f64,
    /// L2 penalty added to the gradient (PyTorch's SGD weight_decay).
    #[schemars(range(min = 0))]
    pub weight_decay: f64,
    /// Seeds the initial weights and the order of the mini-batches.
    #[schemars(range(max = 9_007_199_254_740_991u64))]
    pub seed: u64,
    /// Native threads (0 = all cores); wasm uses one. The weights do not depend on it.
    #[schemars(range(max = 1024))]
    pub threads: usize,
    /// Per-channel input normalisation (x - mean) / std.
    pub normalize: NormalizeChoice,
    /// Evaluate the test set after every epoch (else only at the end).
    pub eval_every_epoch: bool,
    /// Refuse allocations above this many bytes (default 8 GiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub memory_limit: Option<u64>,
}

impl Default for ClassifierOptions {
    fn default() -> Self {
        ClassifierOptions {
            arch: ArchName::Lenet5,
            classes: 10,
            epochs: 10,
            batch_size: 64,
            lr: 0.01,
            momentum: 0.9,
            weight_decay: 5e-4,
            seed: 0,
            threads: 0,
            normalize: NormalizeChoice::Named(NormalizeName::Train),
            eval_every_epoch: false,
            memory_limit: None,
        }
    }
}

impl crate::config::Config for ClassifierOptions {
    const SECTION: &'static str = "classifier";

    fn finish(&mut self, at: &str) -> Result<()> {
        if let NormalizeChoice::Given { mean, std } = &self.normalize {
            let c = self.arch.input().0;
            for (f, v) in [("mean", mean), ("std", std)] {
                if v.len() != c {
                    return Err(Error::invalid(
                        format!("{at}.normalize.{f}"),
                        crate::config::check::show_of(v),
                        format!("{c} numbers (one per channel of {:?})", self.arch),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The fully resolved classifier config (the TypeScript layer fills defaults).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClassifierConfig {
    pub arch: ArchName,
    pub classes: usize,
    pub batch_size: usize,
    pub lr: f64,
    pub momentum: f64,
    pub weight_decay: f64,
    /// Seeds the initial weights and the order of the mini-batches.
    pub seed: u64,
    /// Per-channel normalisation applied to every image: (x - mean) / std.
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
    #[serde(default)]
    pub memory_limit: Option<u64>,
    /// Epochs the training runs as a job (`Job::advance`); `run` ignores it.
    #[serde(default = "one_epoch")]
    pub epochs: usize,
}

fn one_epoch() -> usize {
    1
}

impl ClassifierConfig {
    /// The one validator: these fields are [`ClassifierOptions`]'s, with the normalisation given.
    pub fn validate(&self) -> Result<()> {
        crate::config::recheck(&ClassifierOptions {
            arch: self.arch,
            classes: self.classes,
            batch_size: self.batch_size,
            lr: self.lr,
            momentum: self.momentum,
            weight_decay: self.weight_decay,
            seed: self.seed,
            normalize: NormalizeChoice::Given { mean: self.mean.clone(), std: self.std.clone() },
            memory_limit: self.memory_limit,
            epochs: self.epochs,
            ..ClassifierOptions::default()
        })
    }

    pub fn memory_limit(&self) -> u64 {
        self.memory_limit.unwrap_or(DEFAULT_MEMORY_LIMIT)
    }
}
