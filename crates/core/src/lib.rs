//! benignfit-core: the numerics of "Rethinking Benign Overfitting in Two-Layer Neural Networks".
//!
//! Pure functions and plain structs over flat row-major buffers; no binding code, no I/O.

pub mod api;
pub mod cnn;
pub mod config;
pub mod covariance;
pub mod data;
pub mod error;
pub mod job;
pub mod kernels;
pub mod linalg;
pub mod model;
pub mod perf;
pub mod rng;
pub mod sweep;
pub mod theory;
pub mod train;
pub mod util;

pub use error::{Error, Result};

/// The version of the data format: streams, purposes and the order of draws. Bumped whenever the
/// same seed would produce a different dataset.
pub const DATA_FORMAT_VERSION: u32 = 1;
