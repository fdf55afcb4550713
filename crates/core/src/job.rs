//! One protocol for long work: a job does a budget of work per call and says where it stands,
//! so JavaScript can report progress and honour cancellation between calls (ts/job.ts drives
//! every job the same way). Trainings, groups of trainings, Theorem 1 jobs, the fit of its rates (a unit is
//! one bootstrap resample), eq. 10 influence runs (a
//! unit is one image, whole classes per call) and the classifiers of Figure 7 (one epoch per stretch of calls, so the caller evaluates between epochs) implement it.

use schemars::JsonSchema;
use serde::Serialize;

use crate::error::Result;

/// Where a job stands after a call.
#[derive(Clone, Debug, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Units done: steps of a training (summed over a group), units of Theorem 1 work.
    pub done: u64,
    /// Units planned.
    pub total: u64,
    /// Nothing is left to do (done, stopped early or failed).
    pub finished: bool,
    /// The training loss before the last step (trainings); the mean over the epoch so far (the
    /// classifier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss: Option<f64>,
    /// The share of the epoch's images so far classified correctly before their step (the classifier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
}

/// Long work in chunks.
pub trait Job {
    /// Do up to `budget` units of work (at least one when any is left); where the job stands after.
    fn advance(&mut self, budget: usize) -> Result<Progress>;
    /// Where the job stands, without working.
    fn progress(&self) -> Progress;
}

impl Job for crate::train::Trainer {
    fn advance(&mut self, budget: usize) -> Result<Progress> {
        self.run(budget)?;
        Ok(Job::progress(self))
    }
    fn progress(&self) -> Progress {
        Progress {
            done: self.step() as u64,
            total: self.total_steps() as u64,
            finished: self.done(),
            loss: Some(self.loss_curve.last().copied().unwrap_or(f64::NAN)),
            accuracy: None,
        }
    }
}

impl Job for crate::train::TrainerGroup {
    fn advance(&mut self, budget: usize) -> Result<Progress> {
        self.run(budget);
        Ok(Job::progress(self))
    }
    fn progress(&self) -> Progress {
        let (done, total) = crate::train::TrainerGroup::progress(self);
        Progress { done: done as u64, total: total as u64, finished: self.done(), loss: None, accuracy: None }
    }
}

impl Job for crate::theory::TheoryJob {
    fn advance(&mut self, budget: usize) -> Result<Progress> {
        self.run(budget)?;
        Ok(Job::progress(self))
    }
    fn progress(&self) -> Progress {
        Progress { done: self.done() as u64, total: self.total() as u64, finished: self.finished(), loss: None, accuracy: None }
    }
}

impl Job for crate::theory::fit::FitJob {
    /// Up to `budget` bootstrap resamples (c1's, then c2's).
    fn advance(&mut self, budget: usize) -> Result<Progress> {
        self.run(budget);
        Ok(Job::progress(self))
    }
    fn progress(&self) -> Progress {
        let (done, total) = crate::theory::fit::FitJob::progress(self);
        Progress { done: done as u64, total: total as u64, finished: self.finished(), loss: None, accuracy: None }
    }
}

impl Job for crate::covariance::InfluenceJob {
    /// Whole classes while they fit in `budget` images (at least one).
    fn advance(&mut self, budget: usize) -> Result<Progress> {
        self.run(budget)?;
        Ok(Job::progress(self))
    }
    fn progress(&self) -> Progress {
        crate::covariance::InfluenceJob::progress(self)
    }
}

impl Job for crate::cnn::Trainer {
    /// Up to `budget` mini-batches, never past the end of an epoch.
    fn advance(&mut self, budget: usize) -> Result<Progress> {
        self.run_in_epoch(budget)?;
        Ok(Job::progress(self))
    }
    fn progress(&self) -> Progress {
        let (done, total, loss, accuracy) = self.job_state();
        Progress { done, total, finished: done >= total, loss: Some(loss), accuracy: Some(accuracy) }
    }
}
