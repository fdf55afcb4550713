//! Theorem 1 (and the lemmas of a trained run) as a job of units, and the run's arrays it owns.

use super::lemmas;
use super::{class_sizes, evaluate, factors_of, numeric_job, spectral, wants_numeric, TheoryOptions, TheoryReport};
use crate::data::{DataConfig, DataModel, ExplicitModel};
use crate::error::{Error, Result};
use crate::linalg::Par;

/// An owned copy of a trained run's arrays, for a job that outlives the caller's borrows.
#[derive(Clone, Debug, Default)]
pub struct OwnedRun {
    pub weights: Vec<f32>,
    pub weights_init: Option<Vec<f32>>,
    pub train_x: Vec<f32>,
    pub train_y: Vec<i32>,
    pub train_pos: Vec<u8>,
    pub logit_sums: Option<Vec<f64>>,
    pub kappa: Option<Vec<f64>>,
    pub test_x: Option<Vec<f32>>,
    pub test_y: Option<Vec<i32>>,
    pub test_pos: Option<Vec<u8>>,
}

impl OwnedRun {
    pub fn from_run(r: &lemmas::Run<'_>) -> OwnedRun {
        OwnedRun {
            weights: r.weights.to_vec(),
            weights_init: r.weights_init.map(|v| v.to_vec()),
            train_x: r.train_x.to_vec(),
            train_y: r.train_y.to_vec(),
            train_pos: r.train_pos.to_vec(),
            logit_sums: r.logit_sums.map(|v| v.to_vec()),
            kappa: r.kappa.map(|v| v.to_vec()),
            test_x: r.test_x.map(|v| v.to_vec()),
            test_y: r.test_y.map(|v| v.to_vec()),
            test_pos: r.test_pos.map(|v| v.to_vec()),
        }
    }

    pub fn as_run(&self) -> lemmas::Run<'_> {
        lemmas::Run {
            weights: &self.weights,
            weights_init: self.weights_init.as_deref(),
            train_x: &self.train_x,
            train_y: &self.train_y,
            train_pos: &self.train_pos,
            logit_sums: self.logit_sums.as_deref(),
            kappa: self.kappa.as_deref(),
            test_x: self.test_x.as_deref(),
            test_y: self.test_y.as_deref(),
            test_pos: self.test_pos.as_deref(),
        }
    }
}

/// Theorem 1 (and the lemmas of a run) as units of work, so a caller can report progress and
/// stop between units: the numerical route's units (one SVD, Gram matrix or power iteration
/// each), then one unit for the report and the lemmas. Closed forms need only the last unit.
pub struct TheoryJob {
    model: DataModel,
    sizes: Vec<usize>,
    opts: TheoryOptions,
    seed: u64,
    par: Par,
    numeric: Option<spectral::NumericJob>,
    dense: Option<Vec<f64>>,
    run: Option<OwnedRun>,
    result: Option<(TheoryReport, Option<lemmas::LemmaReport>)>,
    total: usize,
    done: usize,
}

impl TheoryJob {
    pub fn new(cfg: &DataConfig, explicit: Option<ExplicitModel<'_>>, opts: TheoryOptions, run: Option<OwnedRun>, par: Par) -> Result<TheoryJob> {
        opts.validate()?;
        let sizes = class_sizes(cfg)?;
        let model = DataModel::build(cfg, explicit, par)?;
        let (numeric, dense) = if wants_numeric(&model, &opts)? || !spectral::closed_form_available(&model) {
            let (j, dense) = numeric_job(&model, &opts, f32::EPSILON as f64, cfg.memory_limit(), par)?;
            (Some(j), dense)
        } else {
            (None, None)
        };
        let seed = opts.seed.unwrap_or(cfg.seed);
        let total = numeric.as_ref().map_or(0, |j| j.total()) + 1;
        Ok(TheoryJob { model, sizes, opts, seed, par, numeric, dense, run, result: None, total, done: 0 })
    }

    /// Units of work: the numerical route's, plus one for the report (and lemmas).
    pub fn total(&self) -> usize {
        self.total
    }

    pub fn done(&self) -> usize {
        self.done
    }

    /// The report is ready.
    pub fn finished(&self) -> bool {
        self.result.is_some()
    }

    /// Run up to `units` units; true when the job is complete.
    pub fn run(&mut self, units: usize) -> Result<bool> {
        for _ in 0..units.max(1) {
            if self.result.is_some() {
                return Ok(true);
            }
            if let Some(j) = self.numeric.as_mut() {
                if j.done() < j.total() {
                    j.step(factors_of(&self.model, &self.dense))?;
                    self.done += 1;
                    continue;
                }
            }
            let sp = match self.numeric.take() {
                Some(j) => {
                    self.dense = None;
                    j.finish()?
                }
                None => spectral::closed_form(&self.model, self.opts.rank_tol, self.par)
                    .ok_or_else(|| Error::Internal { detail: "closed form unavailable".into() })?,
            };
            let report = evaluate(&self.model, &self.sizes, &self.opts, sp)?;
            let lem = match &self.run {
                Some(r) => Some(lemmas::lemmas(&self.model, &report, &r.as_run(), &self.opts, self.seed, self.par)?),
                None => None,
            };
            self.result = Some((report, lem));
            self.done += 1;
        }
        Ok(self.result.is_some())
    }

    pub fn finish(self) -> Result<(TheoryReport, Option<lemmas::LemmaReport>)> {
        self.result.ok_or_else(|| Error::Internal { detail: "theory job read before it finished".into() })
    }

    /// The result as JSON: the report, with `lemmas` added when the job had a run.
    pub fn result_json(&self) -> Result<String> {
        let (r, l) = self.result.as_ref().ok_or_else(|| Error::Internal { detail: "theory job read before it finished".into() })?;
        let mut v = serde_json::to_value(r).map_err(|e| Error::Internal { detail: e.to_string() })?;
        if let (Some(l), Some(o)) = (l, v.as_object_mut()) {
            o.insert("lemmas".into(), serde_json::to_value(l).map_err(|e| Error::Internal { detail: e.to_string() })?);
        }
        Ok(v.to_string())
    }
}
