//! One protocol for long work: a job does a budget of work per call and says where it stands,
//! so JavaScript can report progress and honour cancellation between calls (ts/job.ts drives
//! every job the same way). Trainings, groups of trainings and Theorem 1 jobs implement it.

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
    /// The training loss before the last step (trainings only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss: Option<f64>,
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
        Progress { done: done as u64, total: total as u64, finished: self.done(), loss: None }
    }
}

impl Job for crate::theory::TheoryJob {
    fn advance(&mut self, budget: usize) -> Result<Progress> {
        self.run(budget)?;
        Ok(Job::progress(self))
    }
    fn progress(&self) -> Progress {
        Progress { done: self.done() as u64, total: self.total() as u64, finished: self.finished(), loss: None }
    }
}
