//! The initial weights W^(0) of the network: PyTorch's default for a linear layer (§5.1) or
//! N(0, sigma0^2) (the theory's).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::rng::{Purpose, Stream};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum Init {
    /// "pytorch": U(-1/sqrt(d), 1/sqrt(d)), PyTorch's default for a linear layer (§5.1).
    Named(InitName),
    /// {"sigma0": s}: N(0, s^2), the theory's initialisation.
    #[schemars(extend("additionalProperties" = false))]
    Gaussian {
        #[schemars(extend("exclusiveMinimum" = 0))]
        sigma0: f64,
    },
}

impl Default for Init {
    fn default() -> Self {
        Init::Named(InitName::Pytorch)
    }
}

impl Init {
    /// sigma0 of §2; for PyTorch's uniform init the standard deviation of its entries, 1/sqrt(3d).
    pub fn sigma0(&self, d: usize) -> f64 {
        match self {
            Init::Named(InitName::Pytorch) => 1.0 / (3.0 * d as f64).sqrt(),
            Init::Gaussian { sigma0 } => *sigma0,
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InitName {
    /// PyTorch's default for a linear layer, U(-1/sqrt(d), 1/sqrt(d)): standard deviation 1/sqrt(3d).
    Pytorch,
}

/// Initial weights, K*m rows of length d; row j from stream (seed, Init, j).
pub fn init_weights(init: &Init, km: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut w = vec![0.0f32; km * d];
    for (j, row) in w.chunks_mut(d).enumerate() {
        let mut s = Stream::new(seed, Purpose::Init, j as u64);
        match init {
            Init::Named(InitName::Pytorch) => {
                let b = 1.0 / (d as f64).sqrt();
                for v in row.iter_mut() {
                    *v = ((2.0 * s.uniform() - 1.0) * b) as f32;
                }
            }
            Init::Gaussian { sigma0 } => {
                for v in row.iter_mut() {
                    *v = (s.normal() * sigma0) as f32;
                }
            }
        }
    }
    w
}
