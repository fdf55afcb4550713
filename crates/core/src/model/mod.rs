//! The paper's two-layer ReLU CNN (eq. 1), its one forward pass and its loss (eqs. 2-3):
//!
//! F_k(W, x) = (1/m) sum_r sum_{j=1,2} relu(<w_{k,r}, x^(j)>); W has K*m rows, row k*m + r = w_{k,r};
//! loss = cross-entropy of softmax(F); a sample is correct when F_y is above every other F_k.
//!
//! Everything that runs the network calls this module: training (`train/`, in f32 with the
//! relu sums of [`crate::kernels`], logits and loss in f64), [`predict`] and [`evaluate`] of the
//! core's API, and the theory (Lemmas 3-7 and Definition 1's long-tailed accuracy, which redo the
//! forward pass in f64: [`in_f64`]). The two precisions are two paths on purpose: training's bits
//! are the golden set's, and the lemmas measure the weights without f32 rounding.
//!
//! Initial weights are [`init`].

pub mod in_f64;
pub mod init;

pub use init::{init_weights, Init, InitName};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{check_alloc, Error, Result, DEFAULT_MEMORY_LIMIT};
use crate::kernels;
use crate::linalg::{self, Par, View};

/// Per-row, per-class sums of relu activations: s[p*K + k] = sum_r relu(z[p, k*m + r]).
/// Returns false if an activation is NaN or infinite (relu would otherwise hide a NaN).
#[inline]
pub(crate) fn relu_sums(z: &[f32], rows: usize, k: usize, m: usize, out: &mut [f32]) -> bool {
    kernels::relu_sums(&z[..rows * k * m], k, m, &mut out[..rows * k])
}

/// 1/m, or NaN when an activation was not finite (so the logits, and the loss, show it).
#[inline]
pub(crate) fn inv_width(finite: bool, m: usize) -> f64 {
    if finite {
        1.0 / m as f64
    } else {
        f64::NAN
    }
}

/// F_k of one sample from the relu sums of its two patches for class k: (s1 + s2) / m.
#[inline]
pub(crate) fn logit(s1: f32, s2: f32, inv_m: f64) -> f64 {
    (s1 as f64 + s2 as f64) * inv_m
}

/// Whether logits f classify as y: F_y above every other F_k (a tie counts as an error, so a
/// network whose outputs are all equal, e.g. all ReLUs off, is never "correct").
#[inline]
pub fn is_correct(f: &[f64], y: usize) -> bool {
    f.iter().enumerate().all(|(c, &v)| c == y || v < f[y])
}

/// Softmax statistics of one sample from its logits: (cross-entropy loss, 1 - logit_y, correct),
/// with the probabilities in `probs`.
#[inline]
pub(crate) fn softmax_row(f: &[f64], y: usize, probs: &mut [f64]) -> (f64, f64, bool) {
    let mx = f.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for (p, v) in probs.iter_mut().zip(f) {
        *p = (v - mx).exp();
        sum += *p;
    }
    let lse = mx + sum.ln();
    let mut g = 0.0; // 1 - logit_y, summed from the other classes (accurate when logit_y ~ 1)
    for (c, p) in probs.iter_mut().enumerate() {
        *p /= sum;
        if c != y {
            g += *p;
        }
    }
    let loss = lse - f[y];
    let correct = is_correct(f, y);
    (loss, g, correct)
}

/// The derivative of the cross-entropy loss by F_c: p_c - 1[c = y] (in f32, as the updates use it).
#[inline]
pub(crate) fn ce_coef(probs: &[f64], c: usize, y: usize) -> f32 {
    (probs[c] - if c == y { 1.0 } else { 0.0 }) as f32
}

/// Logits F (n x K) of samples from the activations of their rows (NaN logits if an
/// activation is not finite, so the loss shows it).
pub(crate) fn logits(z: &[f32], rows: usize, k: usize, m: usize, srows: &[[u32; 2]], sums: &mut Vec<f32>, f: &mut [f64]) {
    sums.resize(rows * k, 0.0);
    let finite = relu_sums(z, rows, k, m, sums);
    let inv_m = inv_width(finite, m);
    for (i, r) in srows.iter().enumerate() {
        for c in 0..k {
            f[i * k + c] = logit(sums[r[0] as usize * k + c], sums[r[1] as usize * k + c], inv_m);
        }
    }
}

/// Forward pass for arbitrary data with explicit W: logits (n x K).
pub fn predict(w: &[f32], k: usize, m: usize, d: usize, x: &[f32], par: Par) -> Result<Vec<f64>> {
    if w.len() != k * m * d {
        return Err(Error::shape("predict: weights", format!("weights have {} values, expected (K*m) x d = {} x {d}", w.len(), k * m)));
    }
    if !x.len().is_multiple_of(2 * d) {
        return Err(Error::shape("predict: x", format!("x has {} values, not a multiple of 2 x d = {}", x.len(), 2 * d)));
    }
    let n = x.len() / (2 * d);
    let km = k * m;
    check_alloc("predict activations", (2 * n * km) as u128, 4, DEFAULT_MEMORY_LIMIT)?;
    let mut z = vec![0.0f32; 2 * n * km];
    linalg::gemm_f32(&mut z, View::rm(2 * n, km, km), 0.0, x, View::rm(2 * n, d, d), w, View::rm_t(km, d, d), 1.0, par);
    let srows: Vec<[u32; 2]> = (0..n).map(|i| [2 * i as u32, 2 * i as u32 + 1]).collect();
    let mut f = vec![0.0f64; n * k];
    let mut sums = Vec::new();
    logits(&z, 2 * n, k, m, &srows, &mut sums, &mut f);
    Ok(f)
}

/// Loss, accuracy and per-class accuracy of logits against labels.
pub fn score(f: &[f64], y: &[i32], k: usize) -> (f64, f64, Vec<Option<f64>>) {
    let n = y.len();
    let mut probs = vec![0.0; k];
    let (mut loss, mut correct) = (0.0, 0usize);
    let mut per = vec![(0usize, 0usize); k];
    for i in 0..n {
        let c = y[i] as usize;
        let (l, _, ok) = softmax_row(&f[i * k..(i + 1) * k], c, &mut probs);
        loss += l;
        correct += ok as usize;
        per[c].1 += 1;
        per[c].0 += ok as usize;
    }
    let nn = n.max(1) as f64;
    (loss / nn, correct as f64 / nn, per.iter().map(|&(a, b)| if b == 0 { None } else { Some(a as f64 / b as f64) }).collect())
}

/// A trained network on a labelled set: what [`evaluate`] returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// Mean cross-entropy of softmax(F) (0 for an empty set).
    pub loss: f64,
    /// Share of samples with F_y above every other F_k (a tie is an error; 0 for an empty set).
    pub acc: f64,
    /// Accuracy per class (null for a class without samples).
    pub acc_per_class: Vec<Option<f64>>,
}

/// Loss and accuracy of weights W ((K*m) x d) on samples x (n x 2 x d) with labels y: the
/// forward pass of [`predict`], then [`score`].
pub fn evaluate(w: &[f32], k: usize, m: usize, d: usize, x: &[f32], y: &[i32], par: Par) -> Result<Evaluation> {
    if k == 0 || m == 0 || d == 0 {
        return Err(Error::invalid("evaluate", format!("K = {k}, m = {m}, d = {d}"), "positive classes, width and dim"));
    }
    if x.len() != y.len() * 2 * d {
        return Err(Error::shape(
            "evaluate: x and y",
            format!("x has {} values, expected n x 2 x d = {} x 2 x {d} for n = {} labels", x.len(), y.len(), y.len()),
        ));
    }
    if let Some(i) = y.iter().position(|&c| c < 0 || c as usize >= k) {
        return Err(Error::invalid(format!("y[{i}]"), y[i], format!("a label from 0 to {}", k - 1)));
    }
    let f = predict(w, k, m, d, x, par)?;
    let (loss, acc, acc_per_class) = score(&f, y, k);
    Ok(Evaluation { loss, acc, acc_per_class })
}

#[cfg(test)]
mod tests;
