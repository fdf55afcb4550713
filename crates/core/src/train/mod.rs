//! The paper's two-layer ReLU CNN (eq. 1) trained by gradient descent on softmax cross-entropy
//! (eqs. 2-4), exactly, and fast.
//!
//! F_k(W, x) = (1/m) sum_r sum_{j=1,2} relu(<w_{k,r}, x^(j)>); W has K*m rows, row k*m + r = w_{k,r}.
//! dL/dw_{k,r} = (1/m) (p_k - 1[k = y]) sum_j 1[<w_{k,r}, x^(j)> > 0] x^(j).
//!
//! **Rows.** Every patch the network sees is a row of a matrix P (R x d). Sample i uses two rows.
//! For data from the feature-noise model the feature patch of sample i is exactly u_{y_i}, one of
//! only K vectors: P holds the n noise patches and the K features once (R = n + K), so the feature
//! share of the forward and backward pass costs K rows, not n. Other data use both patches of
//! every sample as rows (R = 2n).
//!
//! **Two exact routes.**
//! - `direct`: Z = P W^T (R x Km), then W -= (eta/n) C^T P, two GEMMs of R*Km*d per step.
//! - `gram`: every GD update lies in the row space of P, so W^(t) = W^(0) + Coef^(t) P. With the
//!   Gram matrix G = P P^T and Z0 = P W0^T computed once, Z^(t) = Z0 + G Coef^(t)T and the update is
//!   Coef^T -= (eta/n) C, elementwise: one GEMM of R*R*Km per step, independent of d.
//!   In exact arithmetic both routes produce the same iterates; `auto` picks the cheaper
//!   (gram when R < 2d). W is formed (one GEMM) only when metrics or the result need it.
//!
//! **Small mini-batches** (the paper presets' SGD with batch size 1: 10,000 steps per training) of
//! feature-noise data on the gram route take [`Trainer::fast_step`]: a step reads only the rows of
//! Z it needs, computed a block of steps at a time with one cache-blocked pass over Coef^T, keeps
//! the K feature rows of Z up to date incrementally, and writes only the touched rows of Coef^T.
//! The kernels (crate::kernels) are vectorised (AVX-512 / AVX2 chosen at run time, simd128 in
//! wasm) and give the same bits on every instruction set and thread count.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::data::DataModel;
use crate::error::{check_alloc, Error, Result, DEFAULT_MEMORY_LIMIT};
use crate::linalg::{self, Par, View};
use crate::model;

mod config;
mod eval;
mod fast;
mod group;
mod rows;
mod step;

pub use config::{Route, TrainConfig};
use fast::{Fast, BLOCK_ROWS, FAST_MAX_BATCH};
use group::Shared;
pub use group::TrainerGroup;
use rows::{build_rows, check_data, RowSet, TestSet};

/// Training (and optional test) data as flat arrays.
#[derive(Clone, Copy)]
pub struct TrainInput<'a> {
    pub k: usize,
    pub d: usize,
    /// n x 2 x d.
    pub x: &'a [f32],
    pub y: &'a [i32],
    /// Index of the feature patch per sample, when known.
    pub pos: Option<&'a [u8]>,
    /// K x d, u_k; lets the trainer store each feature once (checked bit-exactly against the data).
    pub features: Option<&'a [f32]>,
    pub test_x: Option<&'a [f32]>,
    pub test_y: Option<&'a [i32]>,
    pub test_pos: Option<&'a [u8]>,
}

/// Long-tailed accuracy for one L (Definition 1), computed by [`crate::theory::long_tailed`].
pub use crate::theory::LongTailed as LongTailedAcc;

/// Metrics at one step.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EvalRecord {
    pub step: usize,
    pub epoch: f64,
    pub train_loss: f64,
    pub train_acc: f64,
    pub test_loss: Option<f64>,
    pub test_acc: Option<f64>,
    pub test_acc_per_class: Option<Vec<Option<f64>>>,
    pub long_tailed: Vec<LongTailedAcc>,
    /// max_r <w_{k,r}, u_k> per class (feature learning, as Cao et al. plot it).
    pub feature_learning: Option<Vec<f64>>,
    /// max_r <w_{y_i,r}, xi_i>: mean and max over training examples, and the mean per class.
    pub noise_memorization: Option<NoiseMemo>,
    /// max_i g_i / min_i g_i with g_i = 1 - logit_{y_i} (Lemma 7's ratio) at this step.
    pub kappa: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoiseMemo {
    pub mean: f64,
    pub max: f64,
    pub per_class: Vec<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub steps: usize,
    pub epochs: f64,
    pub stop_reason: String,
    pub route: String,
    /// "feature-noise" (each feature stored once) or "general" (both patches of every sample).
    pub structure: String,
    pub rows: usize,
    pub flops_per_step: f64,
    pub final_metrics: EvalRecord,
    /// max over the trajectory of the per-step kappa.
    pub kappa_max: f64,
}

enum Route_ {
    /// G = P P^T depends only on the data: runs on the same data share it ([`TrainerGroup`]).
    Gram {
        g: Arc<Vec<f32>>,
        z0: Vec<f32>,
        coef_t: Vec<f32>,
    },
    Direct {
        w: Vec<f32>,
    },
}

pub struct Trainer {
    pub cfg: TrainConfig,
    k: usize,
    m: usize,
    d: usize,
    n: usize,
    par: Par,
    train: Arc<RowSet>,
    y: Vec<i32>,
    test: Option<Arc<TestSet>>,
    /// Test rows against training rows (shared like G) and the test rows' Z0 (gram route).
    test_gram: Option<Arc<Vec<f32>>>,
    test_z0: Option<Vec<f32>>,
    route: Route_,
    w0: Vec<f32>,
    model: Option<Arc<DataModel>>,
    // scratch
    z: Vec<f32>,
    gb: Vec<f32>,
    pb: Vec<f32>,
    sums: Vec<f32>,
    f: Vec<f64>,
    gcoef: Vec<f32>,
    rowcoef: Vec<f32>,
    probs: Vec<f64>,
    /// Samples of the current batch (sorted) and, for mini-batches, their rows (sorted, distinct).
    bidx: Vec<u32>,
    brows: Vec<u32>,
    /// Local row index (into `brows`) of each batch sample's two patches.
    blocal: Vec<[u32; 2]>,
    /// Small mini-batches of feature-noise data on the gram route (the paper's SGD).
    fast: Option<Fast>,
    /// 0..R, for the block kernel.
    all_rows: Vec<u32>,
    // progress
    step: usize,
    total_steps: usize,
    steps_per_epoch: usize,
    order: Vec<u32>,
    stop_reason: Option<String>,
    pub logit_sums: Vec<f64>,
    pub loss_curve: Vec<f64>,
    pub kappa_curve: Vec<f64>,
    pub history: Vec<EvalRecord>,
}

impl Trainer {
    pub fn new(cfg: TrainConfig, input: TrainInput<'_>, model: Option<DataModel>) -> Result<Trainer> {
        Self::with_shared(cfg, input, model.map(Arc::new), None)
    }

    /// [`new`](Self::new), taking the products that depend only on the data from `shared` (made
    /// by another trainer on the same input, see [`TrainerGroup`]).
    fn with_shared(cfg: TrainConfig, input: TrainInput<'_>, model: Option<Arc<DataModel>>, shared: Option<&Shared>) -> Result<Trainer> {
        let (k, d) = (input.k, input.d);
        if k < 2 {
            return Err(Error::invalid("data.classes", k, "at least 2 classes"));
        }
        if d == 0 {
            return Err(Error::invalid("data.dim", d, "an integer >= 1"));
        }
        crate::config::recheck(&cfg)?;
        // The rows (checked and built once per data set; a group's later members reuse them).
        let (train, test) = match shared.and_then(|s| s.data.clone()) {
            Some(rows) => rows,
            None => rows_of(&input)?,
        };
        let n = input.y.len();
        let (steps_per_epoch, total_steps) = schedule(&cfg, n)?;
        let km = k * cfg.width;
        let limit = cfg.memory_limit.unwrap_or(DEFAULT_MEMORY_LIMIT);
        let r = train.r(d);
        let route = match cfg.route {
            Route::Auto => {
                if r < 2 * d {
                    Route::Gram
                } else {
                    Route::Direct
                }
            }
            x => x,
        };
        let rt = test.as_ref().map_or(0, |t| t.0.r(d));
        let mut elems = (2 * km * d + 3 * r * km + r * d) as u128;
        if route == Route::Gram {
            elems += (r * r + rt * r + rt * km) as u128;
        }
        // The weights and activations grow with the width, the rest with the data.
        let asked_by = if 2 * km * d + 3 * r * km >= elems as usize - (2 * km * d + 3 * r * km) { "train.width" } else { "data.perClass" };
        check_alloc(&format!("training (K*m = {km} neurons, {r} patch rows, d = {d})"), elems, 4, limit)
            .map_err(|e| e.for_field(asked_by, "train.memoryLimit"))?;
        let par = Par::from_threads(cfg.threads);
        let w0 = model::init_weights(&cfg.init, km, d, cfg.seed);
        let route = initial_route(route, &train, &w0, km, d, shared, par);
        let fast = match (&route, &train.feature_rows, cfg.batch_size) {
            (Route_::Gram { z0, .. }, Some(_), Some(b)) if b < n && b <= FAST_MAX_BATCH => Some(Fast::new(k, cfg.width, n, r, b, z0)),
            _ => None,
        };
        Ok(Trainer {
            k,
            m: cfg.width,
            d,
            n,
            par,
            y: input.y.to_vec(),
            train,
            test,
            test_gram: shared.and_then(|s| s.test_g.clone()),
            test_z0: None,
            route,
            w0,
            model,
            z: vec![0.0; r * km],
            gb: Vec::new(),
            pb: Vec::new(),
            sums: Vec::new(),
            f: vec![0.0; n * k],
            gcoef: vec![0.0; n * k],
            rowcoef: vec![0.0; r * k],
            probs: vec![0.0; k],
            bidx: Vec::with_capacity(n),
            brows: Vec::with_capacity(2 * n),
            blocal: Vec::with_capacity(n),
            fast,
            all_rows: Vec::new(),
            step: 0,
            total_steps,
            steps_per_epoch,
            order: (0..n as u32).collect(),
            stop_reason: None,
            logit_sums: vec![0.0; n],
            // Grown as steps run: reserving total_steps up front would commit memory for steps a
            // stopped or aborted run never takes (and 2 x 8 bytes x steps can be large).
            loss_curve: Vec::with_capacity(total_steps.min(1 << 16)),
            kappa_curve: Vec::with_capacity(total_steps.min(1 << 16)),
            history: Vec::new(),
            cfg,
        })
    }

    pub fn step(&self) -> usize {
        self.step
    }
    pub fn total_steps(&self) -> usize {
        self.total_steps
    }
    pub fn done(&self) -> bool {
        self.stop_reason.is_some() || self.step >= self.total_steps
    }
    pub fn route_name(&self) -> &'static str {
        match self.route {
            Route_::Gram { .. } => "gram",
            Route_::Direct { .. } => "direct",
        }
    }
    pub fn rows(&self) -> usize {
        self.train.r(self.d)
    }
    /// FLOPs of one full-batch step on the chosen route (GEMMs only).
    pub fn flops_per_step(&self) -> f64 {
        let (r, km, d) = (self.rows() as f64, (self.k * self.m) as f64, self.d as f64);
        match self.route {
            Route_::Gram { .. } => 2.0 * r * r * km,
            Route_::Direct { .. } => 4.0 * r * km * d,
        }
    }

    /// Run up to `max_steps` steps (stopping early at the end or at the target loss).
    /// Returns the number of steps taken.
    pub fn run(&mut self, max_steps: usize) -> Result<usize> {
        let start = self.step;
        while !self.done() && self.step - start < max_steps {
            self.advance(false)?;
        }
        self.note_end();
        Ok(self.step - start)
    }

    /// One step of [`run`](Self::run), with its target-loss checks and evaluations (or none, when
    /// the target loss stops the run first). `forward_done`: see [`one_step`](Self::one_step).
    fn advance(&mut self, forward_done: bool) -> Result<()> {
        let full = self.cfg.batch_size.is_none_or(|b| b >= self.n);
        if let Some(t) = self.cfg.target_loss {
            // For SGD, check the full training loss at epoch boundaries.
            if !full && self.step.is_multiple_of(self.steps_per_epoch) && self.step > 0 {
                let (l, _) = self.full_loss();
                if l <= t {
                    self.stop_reason = Some(format!("training loss {l:.3e} <= targetLoss {t}"));
                    return Ok(());
                }
            }
        }
        let loss = self.one_step(forward_done)?;
        self.loss_curve.push(loss);
        if full {
            if let Some(t) = self.cfg.target_loss {
                if loss <= t {
                    // The loss was measured before this step's update; undo nothing, but report.
                    self.stop_reason = Some(format!("training loss {loss:.3e} <= targetLoss {t} at step {}", self.step - 1));
                }
            }
        }
        if self.cfg.eval_every > 0 && self.step.is_multiple_of(self.cfg.eval_every) && !self.done() {
            let rec = self.evaluate()?;
            self.history.push(rec);
        }
        Ok(())
    }

    fn note_end(&mut self) {
        if self.step >= self.total_steps && self.stop_reason.is_none() {
            self.stop_reason = Some(format!("reached {} steps", self.total_steps));
        }
    }

    /// The current weights W ((K*m) x d).
    pub fn weights(&self) -> Vec<f32> {
        match &self.route {
            Route_::Direct { w } => w.clone(),
            Route_::Gram { coef_t, .. } => {
                let (d, km) = (self.d, self.k * self.m);
                let r = self.train.r(d);
                let mut w = self.w0.clone();
                linalg::gemm_f32(&mut w, View::rm(km, d, d), 1.0, coef_t, View::rm_t(r, km, km), &self.train.rows, View::rm(r, d, d), 1.0, self.par);
                w
            }
        }
    }

    pub fn initial_weights(&self) -> &[f32] {
        &self.w0
    }
}

/// The training and test rows of the input, checked.
fn rows_of(input: &TrainInput<'_>) -> Result<(Arc<RowSet>, Option<Arc<TestSet>>)> {
    let (k, d) = (input.k, input.d);
    check_data("train", k, d, input.x, input.y, input.pos)?;
    if input.y.is_empty() {
        return Err(Error::invalid("data.perClass", 0, "at least one training example"));
    }
    if let Some(f) = input.features {
        if f.len() != k * d {
            return Err(Error::shape("train: features", format!("features have {} values, expected K x d = {}", f.len(), k * d)));
        }
    }
    let test = match (input.test_x, input.test_y) {
        (Some(tx), Some(ty)) if !ty.is_empty() => {
            check_data("test", k, d, tx, ty, input.test_pos)?;
            Some(Arc::new((
                build_rows(k, d, tx, ty, input.test_pos, input.features, "test")?,
                ty.to_vec(),
                tx.to_vec(),
                input.test_pos.map(|p| p.to_vec()).unwrap_or_default(),
            )))
        }
        _ => None,
    };
    Ok((Arc::new(build_rows(k, d, input.x, input.y, input.pos, input.features, "train")?), test))
}

/// Steps per epoch and steps in all, from the batch size and steps or epochs.
fn schedule(cfg: &TrainConfig, n: usize) -> Result<(usize, usize)> {
    Ok(match (cfg.batch_size, cfg.steps, cfg.epochs) {
        (Some(b), None, Some(e)) => {
            let spe = n.div_ceil(b.min(n));
            (spe, e * spe)
        }
        (Some(b), Some(s), _) => (n.div_ceil(b.min(n)), s),
        (Some(_), None, None) => return Err(Error::invalid("train.epochs", "nothing", "a number of epochs (or steps) with batchSize")),
        (None, s, e) => (1, s.or(e).unwrap_or(0)),
    })
}

/// The route's state at step 0: G and Z0 (G from `shared` when a group member made it), or W0.
fn initial_route(route: Route, train: &RowSet, w0: &[f32], km: usize, d: usize, shared: Option<&Shared>, par: Par) -> Route_ {
    let r = train.r(d);
    match route {
        Route::Gram => {
            let g = match shared.and_then(|s| s.g.clone()) {
                Some(g) => g,
                None => {
                    let mut g = vec![0.0f32; r * r];
                    linalg::gemm_f32(&mut g, View::rm(r, r, r), 0.0, &train.rows, View::rm(r, d, d), &train.rows, View::rm_t(r, d, d), 1.0, par);
                    Arc::new(g)
                }
            };
            let mut z0 = vec![0.0f32; r * km];
            linalg::gemm_f32(&mut z0, View::rm(r, km, km), 0.0, &train.rows, View::rm(r, d, d), w0, View::rm_t(km, d, d), 1.0, par);
            Route_::Gram { g, z0, coef_t: vec![0.0f32; r * km] }
        }
        _ => Route_::Direct { w: w0.to_vec() },
    }
}

#[cfg(test)]
mod tests;
