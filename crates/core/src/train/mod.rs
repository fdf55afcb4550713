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
use crate::kernels;
use crate::linalg::{self, Par, View};
use crate::model::{self, Init, InitName};
use crate::rng::{Purpose, Stream};

mod fast;
mod group;

use fast::{Fast, BLOCK_ROWS, FAST_MAX_BATCH};
use group::Shared;
pub use group::TrainerGroup;

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

/// The test set as the trainer keeps it: rows, labels, samples and feature positions.
type TestSet = (RowSet, Vec<i32>, Vec<f32>, Vec<u8>);

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

struct RowSet {
    /// R x d.
    rows: Vec<f32>,
    /// Row indices of each sample's two patches.
    srows: Vec<[u32; 2]>,
    /// Row of u_k (feature-noise structure) and the noise row of each sample.
    feature_rows: Option<Vec<usize>>,
    noise_rows: Option<Vec<usize>>,
}

impl RowSet {
    fn r(&self, d: usize) -> usize {
        self.rows.len() / d
    }
}

fn build_rows(k: usize, d: usize, x: &[f32], y: &[i32], pos: Option<&[u8]>, features: Option<&[f32]>, what: &str) -> Result<RowSet> {
    let n = y.len();
    // Feature-noise structure: the feature patch of sample i is bit-exactly u_{y_i}.
    if let (Some(f), Some(p)) = (features, pos) {
        let ok = (0..n).all(|i| {
            let pi = p[i] as usize;
            let c = y[i] as usize;
            pi < 2 && x[i * 2 * d + pi * d..i * 2 * d + (pi + 1) * d] == f[c * d..(c + 1) * d]
        });
        if ok {
            let mut rows = Vec::with_capacity((n + k) * d);
            for i in 0..n {
                let q = 1 - p[i] as usize;
                rows.extend_from_slice(&x[i * 2 * d + q * d..i * 2 * d + (q + 1) * d]);
            }
            rows.extend_from_slice(&f[..k * d]);
            let srows = (0..n).map(|i| [i as u32, (n + y[i] as usize) as u32]).collect();
            return Ok(RowSet { rows, srows, feature_rows: Some((n..n + k).collect()), noise_rows: Some((0..n).collect()) });
        }
    }
    let _ = what;
    Ok(RowSet { rows: x[..n * 2 * d].to_vec(), srows: (0..n).map(|i| [2 * i as u32, 2 * i as u32 + 1]).collect(), feature_rows: None, noise_rows: None })
}

fn check_data(what: &str, k: usize, d: usize, x: &[f32], y: &[i32], pos: Option<&[u8]>) -> Result<()> {
    let n = y.len();
    if x.len() != n * 2 * d {
        return Err(Error::shape(format!("{what}: x and y"), format!("x has {} values, expected n x 2 x d = {n} x 2 x {d} = {}", x.len(), n * 2 * d)));
    }
    if let Some(p) = pos {
        if p.len() != n {
            return Err(Error::shape(format!("{what}: pos"), format!("pos has {} entries, expected n = {n}", p.len())));
        }
        if let Some(i) = p.iter().position(|&v| v > 1) {
            return Err(Error::invalid(format!("{what}Pos[{i}]"), p[i], "0 or 1 (the index of the feature patch)"));
        }
    }
    if let Some(i) = y.iter().position(|&v| v < 0 || v as usize >= k) {
        return Err(Error::invalid(format!("{what}Y[{i}]"), y[i], format!("a class label from 0 to {}", k - 1)));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(format!("{what}X[{i}]"), x[i], "a finite number (no NaN or Infinity in the data)"));
    }
    Ok(())
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
            None => {
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
                (Arc::new(build_rows(k, d, input.x, input.y, input.pos, input.features, "train")?), test)
            }
        };
        let n = input.y.len();
        let (steps_per_epoch, total_steps) = match (cfg.batch_size, cfg.steps, cfg.epochs) {
            (Some(b), None, Some(e)) => {
                let spe = n.div_ceil(b.min(n));
                (spe, e * spe)
            }
            (Some(b), Some(s), _) => (n.div_ceil(b.min(n)), s),
            (Some(_), None, None) => return Err(Error::invalid("train.epochs", "nothing", "a number of epochs (or steps) with batchSize")),
            (None, s, e) => (1, s.or(e).unwrap_or(0)),
        };
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
        check_alloc(&format!("training (K*m = {km} neurons, {r} patch rows, d = {d})"), elems, 4, limit)?;
        let par = Par::from_threads(cfg.threads);
        let w0 = model::init_weights(&cfg.init, km, d, cfg.seed);
        let route = match route {
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
                linalg::gemm_f32(&mut z0, View::rm(r, km, km), 0.0, &train.rows, View::rm(r, d, d), &w0, View::rm_t(km, d, d), 1.0, par);
                Route_::Gram { g, z0, coef_t: vec![0.0f32; r * km] }
            }
            _ => Route_::Direct { w: w0.clone() },
        };
        let fast = match (&route, &train.feature_rows, cfg.batch_size) {
            (Route_::Gram { z0, .. }, Some(_), Some(b)) if b < n && b <= FAST_MAX_BATCH => Some(Fast::new(k, km, n, b, z0)),
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

    /// Fill `bidx` (and `brows`, `blocal`) with the samples and rows of the batch at the current
    /// step. Returns false for a full batch (every row).
    fn fill_batch(&mut self) -> bool {
        self.bidx.clear();
        match self.cfg.batch_size {
            Some(b) if b < self.n => {
                let e = self.step / self.steps_per_epoch;
                let s = self.step % self.steps_per_epoch;
                if s == 0 {
                    self.order.clear();
                    self.order.extend(0..self.n as u32);
                    Stream::new(self.cfg.seed, Purpose::Shuffle, e as u64).shuffle(&mut self.order);
                }
                self.bidx.extend_from_slice(&self.order[s * b..((s + 1) * b).min(self.n)]);
                // Order inside a batch does not change the update; sorted keeps memory access regular.
                self.bidx.sort_unstable();
                if self.fast.is_some() {
                    return true;
                }
                self.brows.clear();
                for &i in &self.bidx {
                    self.brows.extend_from_slice(&self.train.srows[i as usize]);
                }
                self.brows.sort_unstable();
                self.brows.dedup();
                self.blocal.clear();
                for &i in &self.bidx {
                    let s = self.train.srows[i as usize];
                    self.blocal.push([self.brows.binary_search(&s[0]).unwrap_or(0) as u32, self.brows.binary_search(&s[1]).unwrap_or(0) as u32]);
                }
                true
            }
            _ => {
                self.bidx.extend(0..self.n as u32);
                self.blocal.clear();
                self.blocal.extend_from_slice(&self.train.srows);
                false
            }
        }
    }

    /// Activations Z of the given rows (all rows when None) at the current weights.
    fn forward_rows(&mut self, rows: Option<&[u32]>) {
        let (d, km) = (self.d, self.k * self.m);
        let r_all = self.train.r(d);
        let nr = rows.map_or(r_all, |r| r.len());
        let z = &mut self.z[..nr * km];
        match &self.route {
            Route_::Gram { g, z0, coef_t } => {
                match rows {
                    None => {
                        z.copy_from_slice(z0);
                        linalg::gemm_f32(z, View::rm(nr, km, km), 1.0, g, View::rm(nr, r_all, r_all), coef_t, View::rm(r_all, km, km), 1.0, self.par);
                    }
                    // Few rows: one cache-blocked pass over Coef^T, no copy of G's rows. (For all rows
                    // the gemm crate is faster, natively and in wasm: measured with GemmBench
                    // "f32block" against "f32" at the paper's step shape.)
                    Some(rows) if nr <= 4 * BLOCK_ROWS => {
                        if self.all_rows.len() != r_all {
                            self.all_rows = (0..r_all as u32).collect();
                        }
                        kernels::gather_block(z, z0, g, coef_t, km, r_all, rows, &self.all_rows, &mut self.gb);
                    }
                    Some(rows) => {
                        self.gb.resize(nr * r_all, 0.0);
                        for (j, &p) in rows.iter().enumerate() {
                            let p = p as usize;
                            self.gb[j * r_all..(j + 1) * r_all].copy_from_slice(&g[p * r_all..(p + 1) * r_all]);
                            z[j * km..(j + 1) * km].copy_from_slice(&z0[p * km..(p + 1) * km]);
                        }
                        linalg::gemm_f32(z, View::rm(nr, km, km), 1.0, &self.gb, View::rm(nr, r_all, r_all), coef_t, View::rm(r_all, km, km), 1.0, self.par);
                    }
                }
            }
            Route_::Direct { w } => {
                let p: &[f32] = match rows {
                    None => &self.train.rows,
                    Some(rows) => {
                        self.pb.resize(nr * d, 0.0);
                        for (j, &q) in rows.iter().enumerate() {
                            let q = q as usize;
                            self.pb[j * d..(j + 1) * d].copy_from_slice(&self.train.rows[q * d..(q + 1) * d]);
                        }
                        &self.pb
                    }
                };
                linalg::gemm_f32(z, View::rm(nr, km, km), 0.0, p, View::rm(nr, d, d), w, View::rm_t(km, d, d), 1.0, self.par);
            }
        }
    }

    /// One (S)GD step. Returns the loss of the batch at the weights before the update.
    /// `forward_done`: Z of every row is already in `z` (a [`TrainerGroup`]'s joint product; full
    /// batch only).
    fn one_step(&mut self, forward_done: bool) -> Result<f64> {
        let mini = self.fill_batch();
        if self.fast.is_some() {
            return self.fast_step();
        }
        let (k, m, d) = (self.k, self.m, self.d);
        let km = k * m;
        let brows = std::mem::take(&mut self.brows);
        let rows = if mini { Some(&brows[..]) } else { None };
        if !(forward_done && rows.is_none()) {
            self.forward_rows(rows);
        }
        let nr = rows.map_or(self.train.r(d), |r| r.len());
        let nb = self.bidx.len();
        model::logits(&self.z[..nr * km], nr, k, m, &self.blocal, &mut self.sums, &mut self.f[..nb * k]);
        // Softmax, loss, g_i = 1 - logit_y, coefficients p_k - 1[k = y].
        let (mut loss, mut gmax, mut gmin) = (0.0f64, 0.0f64, f64::INFINITY);
        for (b, &i) in self.bidx.iter().enumerate() {
            let y = self.y[i as usize] as usize;
            let (l, g, _) = model::softmax_row(&self.f[b * k..(b + 1) * k], y, &mut self.probs);
            loss += l;
            self.logit_sums[i as usize] += g;
            gmax = gmax.max(g);
            gmin = gmin.min(g);
            for c in 0..k {
                self.gcoef[b * k + c] = model::ce_coef(&self.probs, c, y);
            }
        }
        loss /= nb as f64;
        if !loss.is_finite() {
            self.brows = brows;
            return Err(Error::Diverged { step: self.step, loss, lr: self.cfg.lr });
        }
        self.kappa_curve.push(if gmin > 0.0 { gmax / gmin } else { f64::INFINITY });
        // Row coefficients: sum over the samples using the row (a feature row gathers its class).
        let scale = -(self.cfg.lr / (nb as f64 * m as f64)) as f32;
        let rc = &mut self.rowcoef[..nr * k];
        rc.iter_mut().for_each(|v| *v = 0.0);
        for (b, l) in self.blocal.iter().enumerate() {
            for &p in l {
                let p = p as usize;
                for c in 0..k {
                    rc[p * k + c] += self.gcoef[b * k + c];
                }
            }
        }
        match &mut self.route {
            Route_::Gram { coef_t, .. } => {
                // Coef^T[p, k*m + r] += scale * rc[p, k] * 1[z > 0], elementwise, row by row.
                rc.iter_mut().for_each(|v| *v *= scale);
                let z = &self.z[..nr * km];
                let rc = &*rc;
                match rows {
                    None => crate::util::par_rows(&mut coef_t[..nr * km], km, self.par, |(j, cr)| {
                        kernels::masked_update(cr, &z[j * km..(j + 1) * km], &rc[j * k..(j + 1) * k], m, &mut []);
                    }),
                    Some(rows) => {
                        for (j, &p) in rows.iter().enumerate() {
                            let p = p as usize;
                            kernels::masked_update(&mut coef_t[p * km..(p + 1) * km], &z[j * km..(j + 1) * km], &rc[j * k..(j + 1) * k], m, &mut []);
                        }
                    }
                }
            }
            Route_::Direct { w } => {
                // C[p, k*m + r] = rc[p, k] * 1[z > 0], then W += scale * C^T P (one GEMM).
                let zz = &mut self.z[..nr * km];
                kernels::mask_coefs(zz, rc, k, m);
                let p: &[f32] = if rows.is_some() { &self.pb[..nr * d] } else { &self.train.rows };
                linalg::gemm_f32(w, View::rm(km, d, d), 1.0, zz, View::rm_t(nr, km, km), p, View::rm(nr, d, d), scale, self.par);
            }
        }
        self.brows = brows;
        self.step += 1;
        Ok(loss)
    }

    /// Full-batch training loss at the current weights (no update).
    fn full_loss(&mut self) -> (f64, f64) {
        let (k, m) = (self.k, self.m);
        let km = k * m;
        self.forward_rows(None);
        let r = self.train.r(self.d);
        let srows = self.train.srows.clone();
        model::logits(&self.z[..r * km], r, k, m, &srows, &mut self.sums, &mut self.f);
        let (l, a, _) = model::score(&self.f, &self.y, k);
        (l, a)
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

    /// Every metric of [`EvalRecord`] at the current weights.
    pub fn evaluate(&mut self) -> Result<EvalRecord> {
        let (k, m, d) = (self.k, self.m, self.d);
        let km = k * m;
        let (train_loss, train_acc) = self.full_loss();
        let r = self.train.r(d);
        // Feature learning and noise memorisation from the activations just computed.
        let feature_learning =
            self.train.feature_rows.as_ref().map(|fr| {
                (0..k).map(|c| self.z[fr[c] * km + c * m..fr[c] * km + (c + 1) * m].iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64).collect()
            });
        let noise_memorization = self.train.noise_rows.as_ref().map(|nr| {
            let mut per = vec![(0.0f64, 0usize); k];
            let (mut sum, mut mx) = (0.0f64, f64::NEG_INFINITY);
            for (i, &row) in nr.iter().enumerate() {
                let y = self.y[i] as usize;
                let v = self.z[row * km + y * m..row * km + (y + 1) * m].iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
                sum += v;
                mx = mx.max(v);
                per[y].0 += v;
                per[y].1 += 1;
            }
            NoiseMemo { mean: sum / nr.len() as f64, max: mx, per_class: per.iter().map(|&(s, c)| if c == 0 { 0.0 } else { s / c as f64 }).collect() }
        });
        let kappa = {
            let mut probs = vec![0.0; k];
            let (mut gmax, mut gmin) = (0.0f64, f64::INFINITY);
            for i in 0..self.n {
                let (_, g, _) = model::softmax_row(&self.f[i * k..(i + 1) * k], self.y[i] as usize, &mut probs);
                gmax = gmax.max(g);
                gmin = gmin.min(g);
            }
            if gmin > 0.0 {
                gmax / gmin
            } else {
                f64::INFINITY
            }
        };
        let _ = r;
        let mut rec = EvalRecord {
            step: self.step,
            epoch: self.step as f64 / self.steps_per_epoch as f64,
            train_loss,
            train_acc,
            test_loss: None,
            test_acc: None,
            test_acc_per_class: None,
            long_tailed: vec![],
            feature_learning,
            noise_memorization,
            kappa,
        };
        if self.test.is_some() {
            let ft = self.test_logits();
            let (ty, tx, tpos) = {
                let t = self.test.as_ref().unwrap();
                (t.1.clone(), &t.2, &t.3)
            };
            let (tl, ta, per) = model::score(&ft, &ty, k);
            rec.test_loss = Some(tl);
            rec.test_acc = Some(ta);
            rec.test_acc_per_class = Some(per);
            if let (Some(model), false) = (self.model.as_ref(), self.cfg.long_tailed_l.is_empty()) {
                let w = self.weights();
                let pos = if tpos.is_empty() { vec![0u8; ty.len()] } else { tpos.clone() };
                rec.long_tailed = crate::theory::long_tailed(
                    model,
                    &w,
                    k,
                    m,
                    tx,
                    &ty,
                    &pos,
                    &self.cfg.long_tailed_l,
                    self.cfg.memory_limit.unwrap_or(DEFAULT_MEMORY_LIMIT),
                    self.par,
                )?;
            }
        }
        Ok(rec)
    }

    /// Test logits at the current weights.
    fn test_logits(&mut self) -> Vec<f64> {
        let (k, m, d) = (self.k, self.m, self.d);
        let km = k * m;
        // Gram route: the test rows' Gram matrix (shared in a group) and their Z0, made once.
        let gt = self.test_gram_matrix();
        if gt.is_some() && self.test_z0.is_none() {
            let t = self.test.as_ref().unwrap();
            let rt = t.0.r(d);
            let mut zt0 = vec![0.0f32; rt * km];
            linalg::gemm_f32(&mut zt0, View::rm(rt, km, km), 0.0, &t.0.rows, View::rm(rt, d, d), &self.w0, View::rm_t(km, d, d), 1.0, self.par);
            self.test_z0 = Some(zt0);
        }
        let t = self.test.as_ref().unwrap();
        let rt = t.0.r(d);
        let nt = t.1.len();
        let mut zt = vec![0.0f32; rt * km];
        match (&self.route, gt, &self.test_z0) {
            (Route_::Gram { coef_t, .. }, Some(gt), Some(zt0)) => {
                let r = self.train.r(d);
                zt.copy_from_slice(zt0);
                linalg::gemm_f32(&mut zt, View::rm(rt, km, km), 1.0, &gt, View::rm(rt, r, r), coef_t, View::rm(r, km, km), 1.0, self.par);
            }
            (Route_::Direct { w }, _, _) => {
                linalg::gemm_f32(&mut zt, View::rm(rt, km, km), 0.0, &t.0.rows, View::rm(rt, d, d), w, View::rm_t(km, d, d), 1.0, self.par);
            }
            _ => unreachable!("the gram route has its test Gram matrix"),
        }
        let mut f = vec![0.0f64; nt * k];
        let mut sums = Vec::new();
        model::logits(&zt, rt, k, m, &t.0.srows, &mut sums, &mut f);
        f
    }

    /// Final metrics and summary (call once training is done or stopped).
    pub fn finish(&mut self) -> Result<Summary> {
        let final_metrics = self.evaluate()?;
        if self.history.last().is_none_or(|h| h.step != self.step) {
            self.history.push(final_metrics.clone());
        }
        Ok(Summary {
            steps: self.step,
            epochs: self.step as f64 / self.steps_per_epoch as f64,
            stop_reason: self.stop_reason.clone().unwrap_or_else(|| format!("stopped at step {}", self.step)),
            route: self.route_name().into(),
            structure: if self.train.feature_rows.is_some() { "feature-noise".into() } else { "general".into() },
            rows: self.rows(),
            flops_per_step: self.flops_per_step(),
            final_metrics,
            kappa_max: self.kappa_curve.iter().cloned().fold(0.0, f64::max),
        })
    }
}

#[cfg(test)]
mod tests;
