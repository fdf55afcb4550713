//! Image classifiers for the §5.2 remove-and-retrain experiment (Figure 7): LeNet-5 for MNIST and
//! a small CNN for CIFAR-10, trained by mini-batch SGD with momentum and weight decay.
//!
//! Convolutions are im2col + [`crate::linalg::gemm_f32`]. A mini-batch is cut into shards of
//! [`SHARD`] images (a constant, never the thread count); each shard's forward and backward pass is
//! sequential and writes its own gradient, and the shard gradients are added in shard order. The
//! shards run in parallel on native builds, so the trained weights are the same whatever the number
//! of threads. SGD follows PyTorch's `torch.optim.SGD` (dampening 0, no Nesterov): g = grad + wd p,
//! v = mu v + g, p -= lr v; the loss is the mean softmax cross-entropy of the batch.

mod config;
pub mod layers;
pub mod net;

pub use config::{ArchName, ClassifierConfig, ClassifierOptions, NormalizeChoice, NormalizeName};

use schemars::JsonSchema;
use serde::Serialize;

use crate::error::{check_alloc, Error, Result, DEFAULT_MEMORY_LIMIT};
use crate::linalg::Par;
use crate::rng::{Purpose, Stream};
pub use net::{LayerInfo, LayerSpec, Net, Work};

/// Images per shard (part of the numerical contract: changing it changes trained weights).
pub const SHARD: usize = 16;

/// The random order in which the §5.2 control removes training images: a permutation of 0..n.
pub fn removal_order(seed: u64, n: usize) -> Result<Vec<u32>> {
    if n > u32::MAX as usize {
        return Err(Error::invalid("n", n, "at most 2^32 - 1 images"));
    }
    check_alloc("removal order", n as u128, 4, DEFAULT_MEMORY_LIMIT)?;
    let mut v: Vec<u32> = (0..n as u32).collect();
    Stream::new(seed, Purpose::ClassifierRemoval, 0).shuffle(&mut v);
    Ok(v)
}

/// [`removal_order`] with the seed as a JavaScript number (an integer from 0 to 2^53 - 1).
pub fn removal_order_f64(seed: f64, n: usize) -> Result<Vec<u32>> {
    if !(seed.is_finite() && seed >= 0.0 && seed.fract() == 0.0 && seed < 9_007_199_254_740_992.0) {
        return Err(Error::invalid("seed", seed, "an integer from 0 to 2^53 - 1"));
    }
    removal_order(seed as u64, n)
}

/// What [`Trainer::run`] did.
#[derive(Clone, Debug, Serialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunStats {
    /// Mini-batches run by this call.
    pub batches: usize,
    /// Images seen by this call.
    pub samples: usize,
    /// Sum over those images of the cross-entropy before each step.
    pub loss_sum: f64,
    /// How many of them were classified correctly before each step.
    pub correct: usize,
    /// Position after the call.
    pub epoch: usize,
    pub batch_in_epoch: usize,
    pub batches_per_epoch: usize,
    pub step: u64,
}

#[derive(Clone, Debug, Serialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EvalStats {
    pub n: usize,
    pub loss_sum: f64,
    pub correct: usize,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClassifierInfo {
    pub config: ClassifierConfig,
    pub input_shape: [usize; 3],
    pub classes: usize,
    pub param_count: usize,
    pub layers: Vec<LayerInfo>,
    pub shard: usize,
    pub threads: usize,
    pub train_size: usize,
    pub epoch: usize,
    pub batch_in_epoch: usize,
    pub batches_per_epoch: usize,
    pub step: u64,
}

struct TrainData {
    /// n x (c*h*w), normalised.
    x: Vec<f32>,
    y: Vec<i32>,
}

/// A classifier and its SGD state; TypeScript drives it in chunks of mini-batches.
pub struct Trainer {
    cfg: ClassifierConfig,
    net: Net,
    params: Vec<f32>,
    velocity: Vec<f32>,
    data: Option<TrainData>,
    perm: Vec<u32>,
    epoch: usize,
    batch: usize,
    step: u64,
    /// Loss sum, correct count and images of the current epoch so far (the job's progress).
    epoch_sums: (f64, usize, usize),
    threads: usize,
    works: Vec<Work>,
    shard_grads: Vec<Vec<f32>>,
    grad: Vec<f32>,
    #[cfg(feature = "parallel")]
    pool: Option<rayon::ThreadPool>,
}

#[cfg(not(feature = "parallel"))]
enum NoPool {}

/// Run `jobs` (one per shard) sequentially or on the pool; each job is independent of the others.
#[cfg(feature = "parallel")]
fn run_jobs<F: Fn(&mut Job<'_>) + Sync + Send>(pool: Option<&rayon::ThreadPool>, jobs: &mut [Job<'_>], f: F) {
    use rayon::prelude::*;
    match pool {
        Some(p) => p.install(|| jobs.par_iter_mut().for_each(f)),
        None => jobs.iter_mut().for_each(f),
    }
}
#[cfg(not(feature = "parallel"))]
fn run_jobs<F: Fn(&mut Job<'_>)>(_pool: Option<&NoPool>, jobs: &mut [Job<'_>], f: F) {
    jobs.iter_mut().for_each(f);
}

/// One shard's job: its scratch, its gradient slot, its images (a range of the batch) and results.
struct Job<'a> {
    work: &'a mut Work,
    grad: Option<&'a mut Vec<f32>>,
    out: Option<&'a mut [f32]>,
    first: usize,
    len: usize,
    loss: f64,
    correct: usize,
}

impl Trainer {
    pub fn from_json(config_json: &str, threads: usize) -> Result<Trainer> {
        let cfg: ClassifierConfig = crate::config::parse_json("classifier config", config_json)?;
        Trainer::new(cfg, threads)
    }

    pub fn new(cfg: ClassifierConfig, threads: usize) -> Result<Trainer> {
        cfg.validate()?;
        let net = Net::new(cfg.arch.input(), &cfg.arch.layers(cfg.classes))?;
        Trainer::with_net(cfg, net, threads)
    }

    /// A trainer over any sequential network (tests use small ones); `cfg.arch` only names it.
    pub fn with_net(cfg: ClassifierConfig, net: Net, threads: usize) -> Result<Trainer> {
        if cfg.mean.len() != net.input.0 || cfg.std.len() != net.input.0 {
            return Err(Error::invalid("classifier.mean", format!("{:?}", cfg.mean), format!("{} numbers (one per channel)", net.input.0)));
        }
        if net.classes != cfg.classes {
            return Err(Error::invalid("classifier.classes", cfg.classes, format!("{} (the network's outputs)", net.classes)));
        }
        let limit = cfg.memory_limit();
        let shards = cfg.batch_size.div_ceil(SHARD);
        let par = Par::from_threads(threads);
        let threads = match par {
            Par::Seq => 1,
            Par::Threads(n) => n,
        };
        #[cfg(not(feature = "parallel"))]
        let threads = {
            let _ = threads;
            1
        };
        let elems = net.param_count as u128 * (4 + shards as u128) + net.work_elems(SHARD) * threads as u128;
        check_alloc("classifier (weights, momentum, gradients and scratch)", elems, 4, limit)?;
        #[cfg(feature = "parallel")]
        let pool = if threads > 1 {
            Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .map_err(|e| Error::Internal { detail: format!("could not start {threads} threads: {e}") })?,
            )
        } else {
            None
        };
        let params = net.init(cfg.seed);
        let p = net.param_count;
        Ok(Trainer {
            works: (0..threads).map(|_| Work::new(&net, SHARD)).collect(),
            shard_grads: (0..shards).map(|_| vec![0.0; p]).collect(),
            grad: vec![0.0; p],
            velocity: vec![0.0; p],
            params,
            net,
            cfg,
            data: None,
            perm: Vec::new(),
            epoch: 0,
            batch: 0,
            step: 0,
            epoch_sums: (0.0, 0, 0),
            threads,
            #[cfg(feature = "parallel")]
            pool,
        })
    }

    pub fn net(&self) -> &Net {
        &self.net
    }

    pub fn config(&self) -> &ClassifierConfig {
        &self.cfg
    }

    pub fn params(&self) -> &[f32] {
        &self.params
    }

    /// Replace the weights (PyTorch `state_dict` order); the momentum is reset to zero.
    pub fn set_params(&mut self, p: &[f32]) -> Result<()> {
        if p.len() != self.params.len() {
            return Err(Error::shape("setParams", format!("got {} values, the network has {} parameters", p.len(), self.params.len())));
        }
        if let Some(i) = p.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid(format!("params[{i}]"), p[i], "a finite number"));
        }
        self.params.copy_from_slice(p);
        self.velocity.fill(0.0);
        Ok(())
    }

    pub fn velocity(&self) -> &[f32] {
        &self.velocity
    }

    fn batches_per_epoch(&self) -> usize {
        self.data.as_ref().map_or(0, |d| d.y.len().div_ceil(self.cfg.batch_size))
    }

    pub fn info(&self) -> ClassifierInfo {
        let (c, h, w) = self.net.input;
        ClassifierInfo {
            config: self.cfg.clone(),
            input_shape: [c, h, w],
            classes: self.net.classes,
            param_count: self.net.param_count,
            layers: self.net.info.clone(),
            shard: SHARD,
            threads: self.threads,
            train_size: self.data.as_ref().map_or(0, |d| d.y.len()),
            epoch: self.epoch,
            batch_in_epoch: self.batch,
            batches_per_epoch: self.batches_per_epoch(),
            step: self.step,
        }
    }

    /// Check `images` (n x c*h*w) and `labels` (n) and return n.
    fn check_images(&self, images: &[f32], labels: Option<&[i32]>) -> Result<usize> {
        let len = self.net.input_len();
        let (c, h, w) = self.net.input;
        if !images.len().is_multiple_of(len) {
            return Err(Error::shape("images", format!("{} values is not a whole number of {c}x{h}x{w} images ({len} values each)", images.len())));
        }
        let n = images.len() / len;
        if let Some(y) = labels {
            if y.len() != n {
                return Err(Error::shape("labels", format!("{} labels for {n} images", y.len())));
            }
            if let Some(i) = y.iter().position(|&v| v < 0 || v as usize >= self.net.classes) {
                return Err(Error::invalid(format!("labels[{i}]"), y[i], format!("an integer from 0 to {}", self.net.classes - 1)));
            }
        }
        if let Some(i) = images.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid(format!("images[{i}]"), images[i], "a finite number"));
        }
        Ok(n)
    }

    /// Normalise image `img` into `dst`.
    fn normalise(&self, img: &[f32], dst: &mut [f32]) {
        let (c, h, w) = self.net.input;
        let hw = h * w;
        for ci in 0..c {
            let (m, s) = (self.cfg.mean[ci] as f32, (1.0 / self.cfg.std[ci]) as f32);
            for (d, v) in dst[ci * hw..(ci + 1) * hw].iter_mut().zip(&img[ci * hw..(ci + 1) * hw]) {
                *d = (v - m) * s;
            }
        }
    }

    /// Give the training set (normalised and kept here); training restarts at epoch 0, batch 0
    /// (the weights and momentum are kept).
    pub fn set_training_data(&mut self, images: &[f32], labels: &[i32]) -> Result<()> {
        let n = self.check_images(images, Some(labels))?;
        if n == 0 {
            return Err(Error::invalid("images", "0 images", "at least one training image"));
        }
        check_alloc("training images", images.len() as u128 + n as u128 * 2, 4, self.cfg.memory_limit())?;
        let len = self.net.input_len();
        let mut x = vec![0.0f32; images.len()];
        for (src, dst) in images.chunks_exact(len).zip(x.chunks_exact_mut(len)) {
            self.normalise(src, dst);
        }
        self.data = Some(TrainData { x, y: labels.to_vec() });
        self.perm.clear();
        self.epoch = 0;
        self.batch = 0;
        self.step = 0;
        self.epoch_sums = (0.0, 0, 0);
        Ok(())
    }

    /// Where the training stands as a job: steps done and planned (`epochs` of the config over
    /// the training set; none planned without one), and the current epoch's mean loss and accuracy.
    pub fn job_state(&self) -> (u64, u64, f64, f64) {
        let bpe = self.data.as_ref().map_or(0, |d| d.y.len().div_ceil(self.cfg.batch_size));
        let (l, c, n) = self.epoch_sums;
        let nn = n.max(1) as f64;
        (self.step, (bpe * self.cfg.epochs) as u64, l / nn, c as f64 / nn)
    }

    /// Up to `budget` mini-batches, stopping at the end of the current epoch (so the caller can
    /// evaluate between epochs), as a job.
    pub fn run_in_epoch(&mut self, budget: usize) -> Result<()> {
        let Some(d) = self.data.as_ref() else {
            return Err(Error::invalid("images", "no training data", "setTrainingData(images, labels) before run"));
        };
        let bpe = d.y.len().div_ceil(self.cfg.batch_size);
        let (done, total, _, _) = self.job_state();
        let left = (total.saturating_sub(done) as usize).min(bpe - self.batch);
        if left > 0 {
            self.run(budget.max(1).min(left))?;
        }
        Ok(())
    }

    /// Free the training images (the weights stay usable for prediction).
    pub fn drop_training_data(&mut self) {
        self.data = None;
        self.perm = Vec::new();
    }

    #[cfg(feature = "parallel")]
    fn pool(&self) -> Option<&rayon::ThreadPool> {
        self.pool.as_ref()
    }
    #[cfg(not(feature = "parallel"))]
    fn pool(&self) -> Option<&NoPool> {
        None
    }

    /// Run up to `max_batches` mini-batches of SGD (crossing epoch boundaries).
    pub fn run(&mut self, max_batches: usize) -> Result<RunStats> {
        let Some(data) = self.data.take() else {
            return Err(Error::invalid("images", "no training data", "setTrainingData(images, labels) before run"));
        };
        let r = self.run_with(&data, max_batches);
        self.data = Some(data);
        r
    }

    fn run_with(&mut self, data: &TrainData, max_batches: usize) -> Result<RunStats> {
        let n = data.y.len();
        let bsz_full = self.cfg.batch_size;
        let bpe = n.div_ceil(bsz_full);
        let mut stats = RunStats { batches: 0, samples: 0, loss_sum: 0.0, correct: 0, epoch: 0, batch_in_epoch: 0, batches_per_epoch: bpe, step: 0 };
        for _ in 0..max_batches {
            if self.batch == 0 {
                self.epoch_sums = (0.0, 0, 0);
            }
            if self.batch == 0 || self.perm.len() != n {
                self.perm = (0..n as u32).collect();
                Stream::new(self.cfg.seed, Purpose::ClassifierShuffle, self.epoch as u64).shuffle(&mut self.perm);
            }
            let start = self.batch * bsz_full;
            let end = (start + bsz_full).min(n);
            let bs = end - start;
            let (loss, correct) = self.batch_gradients(data, start, end);
            if !loss.is_finite() {
                return Err(Error::Diverged { step: self.step as usize, loss, lr: self.cfg.lr });
            }
            self.sgd_step(bs.div_ceil(SHARD))?;
            self.step += 1;
            self.batch += 1;
            if self.batch == bpe {
                self.batch = 0;
                self.epoch += 1;
            }
            stats.batches += 1;
            stats.samples += bs;
            stats.loss_sum += loss;
            stats.correct += correct;
            self.epoch_sums.0 += loss;
            self.epoch_sums.1 += correct;
            self.epoch_sums.2 += bs;
        }
        stats.epoch = self.epoch;
        stats.batch_in_epoch = self.batch;
        stats.step = self.step;
        Ok(stats)
    }

    /// Forward and backward the mini-batch `perm[start..end]` in shards of `SHARD` images, each
    /// shard's gradient in its own slot of `shard_grads`; returns the batch's loss (mean) and how
    /// many it classified correctly.
    fn batch_gradients(&mut self, data: &TrainData, start: usize, end: usize) -> (f64, usize) {
        let len = self.net.input_len();
        let (c, h, w) = self.net.input;
        let classes = self.net.classes;
        let bs = end - start;
        let idx = &self.perm[start..end];
        let nshards = bs.div_ceil(SHARD);
        let scale = 1.0 / bs as f64;
        let net = &self.net;
        let params = &self.params;
        #[cfg(feature = "parallel")]
        let pool = self.pool.as_ref();
        #[cfg(not(feature = "parallel"))]
        let pool: Option<&NoPool> = None;
        let mut loss = 0.0f64;
        let mut correct = 0usize;
        // Waves of at most `threads` shards; each shard has its own gradient slot.
        let mut grads = self.shard_grads.iter_mut();
        let mut works = std::mem::take(&mut self.works);
        let mut s0 = 0;
        while s0 < nshards {
            let m = (nshards - s0).min(works.len());
            let mut jobs: Vec<Job<'_>> = works[..m]
                .iter_mut()
                .enumerate()
                .map(|(j, work)| {
                    let first = (s0 + j) * SHARD;
                    Job { work, grad: grads.next(), out: None, first, len: SHARD.min(bs - first), loss: 0.0, correct: 0 }
                })
                .collect();
            let f = |job: &mut Job<'_>| {
                let ids = &idx[job.first..job.first + job.len];
                job.work.load(c, h * w, ids.iter().map(|&i| &data.x[i as usize * len..(i as usize + 1) * len]));
                net.forward(params, job.work, job.len);
                let labels: Vec<i32> = ids.iter().map(|&i| data.y[i as usize]).collect();
                let logits = &job.work.acts[net.layers.len()];
                let (l, k) = layers::softmax_xent(job.len, classes, logits, &labels, scale, Some(&mut job.work.d0));
                job.loss = l;
                job.correct = k;
                if let Some(g) = job.grad.as_deref_mut() {
                    g.fill(0.0);
                    net.backward(params, job.work, job.len, g);
                }
            };
            run_jobs(pool, &mut jobs, f);
            for j in &jobs {
                loss += j.loss;
                correct += j.correct;
            }
            drop(jobs);
            s0 += m;
        }
        self.works = works;
        (loss, correct)
    }

    /// One SGD step with momentum and weight decay on the sum of the first `nshards` shard
    /// gradients (summed in shard order).
    fn sgd_step(&mut self, nshards: usize) -> Result<()> {
        self.grad.copy_from_slice(&self.shard_grads[0]);
        for g in &self.shard_grads[1..nshards] {
            for (a, b) in self.grad.iter_mut().zip(g) {
                *a += b;
            }
        }
        let (lr, mu, wd) = (self.cfg.lr as f32, self.cfg.momentum as f32, self.cfg.weight_decay as f32);
        // The velocity starts at zero, so the first step is v = g as in PyTorch.
        for ((p, v), g) in self.params.iter_mut().zip(self.velocity.iter_mut()).zip(&self.grad) {
            let d = g + wd * *p;
            *v = mu * *v + d;
            *p -= lr * *v;
        }
        if let Some(i) = self.params.iter().position(|v| !v.is_finite()) {
            return Err(Error::Diverged { step: self.step as usize, loss: self.params[i] as f64, lr: self.cfg.lr });
        }
        Ok(())
    }

    /// Forward the (unnormalised) `images` in shards; returns per-image logits when asked for and
    /// the loss/accuracy when labels are given.
    fn forward_all(&mut self, images: &[f32], labels: Option<&[i32]>, want_logits: bool) -> Result<(EvalStats, Vec<f32>)> {
        let n = self.check_images(images, labels)?;
        let classes = self.net.classes;
        if want_logits {
            check_alloc("logits", n as u128 * classes as u128, 4, self.cfg.memory_limit())?;
        }
        let mut logits = if want_logits { vec![0.0f32; n * classes] } else { Vec::new() };
        let len = self.net.input_len();
        let (c, h, w) = self.net.input;
        let nshards = n.div_ceil(SHARD);
        let mut works = std::mem::take(&mut self.works);
        let mut out_chunks = logits.chunks_mut(SHARD * classes);
        let mut stats = EvalStats { n, loss_sum: 0.0, correct: 0 };
        let mut s0 = 0;
        while s0 < nshards {
            let m = (nshards - s0).min(works.len());
            let mut jobs: Vec<Job<'_>> = works[..m]
                .iter_mut()
                .enumerate()
                .map(|(j, work)| {
                    let first = (s0 + j) * SHARD;
                    Job { work, grad: None, out: if want_logits { out_chunks.next() } else { None }, first, len: SHARD.min(n - first), loss: 0.0, correct: 0 }
                })
                .collect();
            let this = &*self;
            let f = |job: &mut Job<'_>| {
                let mut buf = vec![0.0f32; len];
                {
                    let x = &mut job.work.acts[0];
                    for b in 0..job.len {
                        let i = job.first + b;
                        this.normalise(&images[i * len..(i + 1) * len], &mut buf);
                        for ci in 0..c {
                            x[(ci * job.len + b) * h * w..(ci * job.len + b + 1) * h * w].copy_from_slice(&buf[ci * h * w..(ci + 1) * h * w]);
                        }
                    }
                }
                this.net.forward(&this.params, job.work, job.len);
                let lg = &job.work.acts[this.net.layers.len()][..job.len * classes];
                if let Some(y) = labels {
                    let (l, k) = layers::softmax_xent(job.len, classes, lg, &y[job.first..job.first + job.len], 1.0, None);
                    job.loss = l;
                    job.correct = k;
                }
                if let Some(o) = job.out.as_deref_mut() {
                    o.copy_from_slice(lg);
                }
            };
            run_jobs(this.pool(), &mut jobs, f);
            for j in &jobs {
                stats.loss_sum += j.loss;
                stats.correct += j.correct;
            }
            drop(jobs);
            s0 += m;
        }
        self.works = works;
        Ok((stats, logits))
    }

    /// Loss (sum) and accuracy on labelled images.
    pub fn evaluate(&mut self, images: &[f32], labels: &[i32]) -> Result<EvalStats> {
        Ok(self.forward_all(images, Some(labels), false)?.0)
    }

    /// Logits (n x classes) of images.
    pub fn predict(&mut self, images: &[f32]) -> Result<Vec<f32>> {
        Ok(self.forward_all(images, None, true)?.1)
    }

    /// Mean loss and its gradient at the current weights over the given (unnormalised) images,
    /// without changing any state (for checks).
    pub fn loss_and_gradient(&mut self, images: &[f32], labels: &[i32]) -> Result<(f64, Vec<f32>)> {
        let n = self.check_images(images, Some(labels))?;
        if n == 0 {
            return Err(Error::invalid("images", "0 images", "at least one image"));
        }
        let len = self.net.input_len();
        let (c, h, w) = self.net.input;
        let classes = self.net.classes;
        let mut grad = vec![0.0f32; self.net.param_count];
        let mut g = vec![0.0f32; self.net.param_count];
        let mut loss = 0.0;
        let mut work = Work::new(&self.net, SHARD);
        let mut buf = vec![0.0f32; len];
        for first in (0..n).step_by(SHARD) {
            let bs = SHARD.min(n - first);
            for b in 0..bs {
                self.normalise(&images[(first + b) * len..(first + b + 1) * len], &mut buf);
                for ci in 0..c {
                    work.acts[0][(ci * bs + b) * h * w..(ci * bs + b + 1) * h * w].copy_from_slice(&buf[ci * h * w..(ci + 1) * h * w]);
                }
            }
            self.net.forward(&self.params, &mut work, bs);
            let (l, _) = layers::softmax_xent(bs, classes, &work.acts[self.net.layers.len()], &labels[first..first + bs], 1.0 / n as f64, Some(&mut work.d0));
            loss += l;
            g.fill(0.0);
            self.net.backward(&self.params, &mut work, bs, &mut g);
            for (a, b) in grad.iter_mut().zip(&g) {
                *a += b;
            }
        }
        Ok((loss / n as f64, grad))
    }
}

#[cfg(test)]
mod tests;
