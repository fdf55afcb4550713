//! Theorem 1, Condition 1 and Lemmas 3–7 of the paper as numbers.
//!
//! Before training, everything follows from the data model (features u_k, noise factors A_k), the
//! class sizes |S_k| and the training hyper-parameters (width m, learning rate eta, sigma0):
//! - the matrix quantities (module [`spectral`]: closed forms or a numerical route);
//! - SNR_k = |S_k|^2 ||u_k||^4 / max_{j!=k} |S_j| ||A_k^T A_j||_F^2 (Statement 2(a));
//! - Gamma_{k,j} = |S_k| ||A_k^T A_k||_F^2 / (|S_j| ||A_k^T A_j||_F^2) (Statement 2(b));
//! - Condition 1 (a), (b), (c) item by item, with both sides and a margin;
//! - the iteration count T of Theorem 1 (without its log factors);
//! - the bounds of Statements 2(a), 2(b) (for each L), the test of Statement 3, and a phase.
//!
//! After training, module [`long_tailed`] measures the error on L-long-tailed test data
//! (Definition 1) and module [`lemmas`] Lemmas 3–7, b(S_k) of eq. 8 and that error against the
//! 2(b) bound, both through the f64 forward pass of [`crate::model::in_f64`]. Module [`fit`]
//! estimates c1, c2 from sweep results; module [`boundaries`] gives the phase boundaries of the
//! §5.1 model in the sweep planes.
//!
//! Files: options.rs (the `theory` section), report.rs (what the report holds), evaluate.rs
//! (Theorem 1 and Condition 1 from the matrix quantities), job.rs (the same as a [`TheoryJob`]).
//!
//! The absolute constants of the paper have no values there; they are all fields of
//! [`Constants`], with defaults documented on each field and in docs/theory.md.

#![allow(clippy::needless_range_loop)] // index loops over classes read clearer here

pub mod boundaries;
mod evaluate;
pub mod fit;
mod job;
pub mod lemmas;
pub mod long_tailed;
mod options;
mod report;
pub mod spectral;

use crate::data::{DataConfig, DataModel, ExplicitModel, Factors, NoiseKind};
use crate::error::{check_alloc, Error, Result};
use crate::linalg::Par;

pub use evaluate::evaluate;
pub use job::{OwnedRun, TheoryJob};
pub use long_tailed::{long_tailed, LongTailed};
pub use options::{Constants, Method, PowerConfig, TheoryOptions};
pub use report::{Bounds, ExplicitBound, HarmfulTest, ImplicitBound, Item, IterationCount, LBound, Phase, Summary, TheoryReport};
pub use spectral::Spectra;

/// `Some(x)` for finite x, `None` (JSON null) for an infinite or undefined value.
pub fn fin(x: f64) -> Option<f64> {
    if x.is_finite() {
        Some(x)
    } else {
        None
    }
}

/// P[zeta > c'] as c' -> 0+ and the largest c' with P[zeta > c'] >= 0.4, for each noise law.
fn noise_threshold(noise: NoiseKind) -> (f64, f64, &'static str) {
    match noise {
        // Phi^{-1}(0.6).
        NoiseKind::Gaussian => (0.5, 0.253_347_103_135_799_8, "c' = Phi^-1(0.6) = 0.2533"),
        // (sqrt3 - c') / (2 sqrt3) >= 0.4  <=>  c' <= 0.2 sqrt3.
        NoiseKind::Uniform => (0.5, 0.2 * 3f64.sqrt(), "c' = 0.2 sqrt(3) = 0.3464"),
        NoiseKind::Rademacher => (0.5, 1.0, "any c' < 1 (P[zeta > c'] = 0.5)"),
    }
}

/// The class sizes of a resolved data config.
pub fn class_sizes(cfg: &DataConfig) -> Result<Vec<usize>> {
    Ok(cfg.validate()?.0)
}

/// Should the numerical route be used for this model?
fn wants_numeric(model: &DataModel, opts: &TheoryOptions) -> Result<bool> {
    Ok(match opts.method {
        Method::Numeric => true,
        Method::Closed => {
            if matches!(model.factors, Factors::Explicit { .. }) {
                return Err(Error::invalid("theory.method", "\"closed\"", "\"auto\" or \"numeric\" for explicit noise factors (they have no closed form)"));
            }
            false
        }
        Method::Auto => matches!(model.factors, Factors::Explicit { .. }),
    })
}

/// The numerical route's job for a model, and the dense factors it runs on when the model does
/// not hold them itself (`None` for explicit factors: the job reads the model's own). `input_eps`
/// is the precision of user-given factors.
fn numeric_job(model: &DataModel, opts: &TheoryOptions, input_eps: f64, memory_limit: u64, par: Par) -> Result<(spectral::NumericJob, Option<Vec<f64>>)> {
    let (k, d) = (model.k, model.d);
    let (dense, eps) = match &model.factors {
        Factors::Explicit { .. } => (None, input_eps),
        _ => {
            check_alloc(&format!("the dense noise factors of {k} classes in dimension {d}"), (k as u128) * (d as u128) * (d as u128), 8, memory_limit)
                .map_err(|e| e.for_field("data.dim", "data.memoryLimit"))?;
            (Some((0..k).flat_map(|c| model.dense_factor(c)).collect()), f64::EPSILON)
        }
    };
    let job = spectral::NumericJob::new(k, d, eps, opts.rank_tol, opts.power_options(), memory_limit, par)
        .map_err(|e| e.for_field("data.dim", "data.memoryLimit"))?;
    Ok((job, dense))
}

/// The dense factors a numeric job runs on.
fn factors_of<'a>(model: &'a DataModel, dense: &'a Option<Vec<f64>>) -> &'a [f64] {
    match (&model.factors, dense) {
        (Factors::Explicit { a }, _) => a,
        (_, Some(v)) => v,
        _ => &[],
    }
}

/// Compute the matrix quantities by the requested route, in one go.
pub fn spectra_for(model: &DataModel, opts: &TheoryOptions, input_eps: f64, memory_limit: u64, par: Par) -> Result<Spectra> {
    if !wants_numeric(model, opts)? {
        if let Some(s) = spectral::closed_form(model, opts.rank_tol, par) {
            return Ok(s);
        }
    }
    let (mut job, dense) = numeric_job(model, opts, input_eps, memory_limit, par)?;
    let a = factors_of(model, &dense);
    while !job.step(a)? {}
    job.finish()
}

/// Theorem 1 from a resolved data config (and user arrays for the explicit model).
pub fn theory(cfg: &DataConfig, explicit: Option<ExplicitModel<'_>>, opts: &TheoryOptions, par: Par) -> Result<TheoryReport> {
    let mut job = TheoryJob::new(cfg, explicit, opts.clone(), None, par)?;
    while !job.run(usize::MAX)? {}
    Ok(job.finish()?.0)
}

#[cfg(test)]
mod tests;
