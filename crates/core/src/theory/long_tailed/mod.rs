//! The error on L-long-tailed test data (Definition 1), measured on trained weights: for sample
//! (x, y) with noise patch xi, R(xi) = {r : <w_{y,r}, xi> > 0} and v = sum_{r in R} w_{y,r}, the
//! sample is L-long-tailed when R(xi) is not empty and <v, xi> >= L ||A_y^T v||_2. The forward
//! pass is [`crate::model::in_f64`]'s.
//!
//! Weights are f32, (K m) x d row-major: row k m + r is w_{k,r}. Samples are n x 2 x d with
//! `pos[i]` the index of the feature patch, so the noise patch of sample i is patch 1 - pos[i].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::data::{DataModel, Factors};
use crate::error::{check_alloc, Error, Result};
use crate::linalg::{self, Par, View};
use crate::model::{self, in_f64};
use crate::util::{self, par_rows};

/// The error on L-long-tailed samples of a test set (Definition 1 with v = sum_{r in R(xi)} w_{y,r}:
/// a sample is L-long-tailed when R(xi) is not empty and <v, xi> >= L ||A_y^T v||_2).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LongTailed {
    #[serde(rename = "L")]
    pub l: f64,
    /// Long-tailed samples.
    pub count: usize,
    /// Of them, classified correctly (F_y > F_k for every k != y; a tie counts as an error).
    pub correct: usize,
    /// correct / count (null when count = 0).
    pub acc: Option<f64>,
    pub count_per_class: Vec<usize>,
    pub correct_per_class: Vec<usize>,
    pub acc_per_class: Vec<Option<f64>>,
}

/// Check the shapes of weights and samples; returns n.
pub(super) fn check_samples(what: &str, k: usize, d: usize, x: &[f32], y: &[i32], pos: &[u8]) -> Result<usize> {
    let n = y.len();
    if x.len() != n * 2 * d {
        return Err(Error::invalid(format!("{what}X"), format!("an array of {} numbers", x.len()), format!("n x 2 x dim = {n} x 2 x {d} = {}", n * 2 * d)));
    }
    if pos.len() != n {
        return Err(Error::invalid(format!("{what}Pos"), format!("an array of length {}", pos.len()), format!("one entry per sample ({n})")));
    }
    if let Some(i) = y.iter().position(|&v| v < 0 || v as usize >= k) {
        return Err(Error::invalid(format!("{what}Y[{i}]"), y[i], format!("a class label from 0 to {}", k - 1)));
    }
    if let Some(i) = pos.iter().position(|&p| p > 1) {
        return Err(Error::invalid(format!("{what}Pos[{i}]"), pos[i], "0 or 1 (the index of the feature patch)"));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(format!("{what}X[{i}]"), x[i], "a finite number"));
    }
    Ok(n)
}

pub(super) fn check_weights(field: &str, w: &[f32], k: usize, m: usize, d: usize) -> Result<()> {
    if m == 0 {
        return Err(Error::invalid("width", 0, "an integer >= 1"));
    }
    if w.len() != k * m * d {
        return Err(Error::invalid(field, format!("an array of {} numbers", w.len()), format!("(classes x width) x dim = ({k} x {m}) x {d} = {}", k * m * d)));
    }
    if let Some(i) = w.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(format!("{field}[{i}]"), w[i], "a finite number"));
    }
    Ok(())
}

/// rows . A_c for `r` rows of length d (row-major), using the model's structure.
pub fn rows_times_factor(model: &DataModel, c: usize, rows: &[f64], r: usize, par: Par) -> Vec<f64> {
    let d = model.d;
    let mut out = vec![0.0f64; r * d];
    match &model.factors {
        Factors::Frame { frame, base, lambda } => {
            // A_c is symmetric: w A_c = base (w - sum_f (w.q_f) q_f) + (lambda_c - base) (w.q) q, q = U e_{K+c}.
            let k = model.k;
            par_rows(&mut out, d, par, |(i, o): (usize, &mut [f64])| {
                let w = &rows[i * d..(i + 1) * d];
                for (ov, wv) in o.iter_mut().zip(w) {
                    *ov = base * wv;
                }
                for f in 0..k {
                    let q = &frame[f * d..(f + 1) * d];
                    let p = base * util::dot_serial_f64(w, q);
                    for (ov, qv) in o.iter_mut().zip(q) {
                        *ov -= p * qv;
                    }
                }
                let q = &frame[(k + c) * d..(k + c + 1) * d];
                let p = (lambda[c] - base) * util::dot_serial_f64(w, q);
                for (ov, qv) in o.iter_mut().zip(q) {
                    *ov += p * qv;
                }
            });
        }
        Factors::Spectral { u, spectra } => {
            // w U diag(s) U^T.
            let mut t = vec![0.0f64; r * d];
            linalg::gemm_f64(&mut t, View::rm(r, d, d), 0.0, rows, View::rm(r, d, d), u, View::rm(d, d, d), 1.0, par);
            let s = &spectra[c];
            for i in 0..r {
                for (tv, sv) in t[i * d..(i + 1) * d].iter_mut().zip(s) {
                    *tv *= sv;
                }
            }
            linalg::gemm_f64(&mut out, View::rm(r, d, d), 0.0, &t, View::rm(r, d, d), u, View::rm_t(d, d, d), 1.0, par);
        }
        Factors::Explicit { a } => {
            let ac = &a[c * d * d..(c + 1) * d * d];
            linalg::gemm_f64(&mut out, View::rm(r, d, d), 0.0, rows, View::rm(r, d, d), ac, View::rm(d, d, d), 1.0, par);
        }
    }
    out
}

/// H_c = (W_c A_c)(W_c A_c)^T for every class (m x m each), and W_c A_c (m x d).
pub(super) fn class_products(model: &DataModel, w64: &[f64], m: usize, par: Par) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let d = model.d;
    let mut bs = Vec::with_capacity(model.k);
    let mut hs = Vec::with_capacity(model.k);
    for c in 0..model.k {
        let b = rows_times_factor(model, c, &w64[c * m * d..(c + 1) * m * d], m, par);
        let mut h = vec![0.0f64; m * m];
        linalg::gemm_f64(&mut h, View::rm(m, m, m), 0.0, &b, View::rm(m, d, d), &b, View::rm_t(m, d, d), 1.0, par);
        bs.push(b);
        hs.push(h);
    }
    (bs, hs)
}

/// Long-tailed subsets of a test set from precomputed pieces.
#[allow(clippy::too_many_arguments)]
pub(super) fn long_tailed_from(k: usize, m: usize, hs: &[Vec<f64>], acts: &[f64], f: &[f64], y: &[i32], pos: &[u8], ls: &[f64]) -> Vec<LongTailed> {
    let km = k * m;
    // For every sample: t = <v, xi> / ||A_y^T v|| (None when R(xi) is empty or A_y^T v = 0).
    let mut score = Vec::with_capacity(y.len());
    let mut ok = Vec::with_capacity(y.len());
    let mut active = Vec::with_capacity(m);
    for i in 0..y.len() {
        let c = y[i] as usize;
        let noise = 1 - pos[i] as usize;
        let s = &acts[(2 * i + noise) * km + c * m..(2 * i + noise) * km + (c + 1) * m];
        active.clear();
        active.extend((0..m).filter(|&r| s[r] > 0.0));
        let inner: f64 = active.iter().map(|&r| s[r]).sum();
        let h = &hs[c];
        let mut q = 0.0;
        for &r in &active {
            for &r2 in &active {
                q += h[r * m + r2];
            }
        }
        let norm = q.max(0.0).sqrt();
        score.push(if active.is_empty() {
            None
        } else if norm > 0.0 {
            Some(inner / norm)
        } else {
            Some(f64::INFINITY)
        });
        ok.push(model::is_correct(&f[i * k..(i + 1) * k], c));
    }
    ls.iter()
        .map(|&l| {
            let mut count_pc = vec![0usize; k];
            let mut correct_pc = vec![0usize; k];
            for i in 0..y.len() {
                if let Some(t) = score[i] {
                    if t >= l {
                        count_pc[y[i] as usize] += 1;
                        correct_pc[y[i] as usize] += ok[i] as usize;
                    }
                }
            }
            let count: usize = count_pc.iter().sum();
            let correct: usize = correct_pc.iter().sum();
            LongTailed {
                l,
                count,
                correct,
                acc: if count > 0 { Some(correct as f64 / count as f64) } else { None },
                acc_per_class: (0..k).map(|c| if count_pc[c] > 0 { Some(correct_pc[c] as f64 / count_pc[c] as f64) } else { None }).collect(),
                count_per_class: count_pc,
                correct_per_class: correct_pc,
            }
        })
        .collect()
}

/// For each L: how many test samples are L-long-tailed (Definition 1) and how many of them the
/// network W classifies correctly. Costs one GEMM for the forward pass, K products W_y A_y and
/// H_y = W_y A_y A_y^T W_y^T (m x m), then O(m^2) per sample.
#[allow(clippy::too_many_arguments)]
/// `limit`: the bytes it may allocate (the caller's memoryLimit).
pub fn long_tailed(
    model: &DataModel, w: &[f32], k: usize, m: usize, x: &[f32], y: &[i32], pos: &[u8], ls: &[f64], limit: u64, par: Par,
) -> Result<Vec<LongTailed>> {
    if k != model.k {
        return Err(Error::invalid("classes", k, format!("the data model's number of classes ({})", model.k)));
    }
    let d = model.d;
    check_weights("weights", w, k, m, d)?;
    let n = check_samples("test", k, d, x, y, pos)?;
    if let Some(i) = ls.iter().position(|l| !l.is_finite() || *l <= 0.0) {
        return Err(Error::invalid(format!("ls[{i}]"), ls[i], "a finite number > 0"));
    }
    check_alloc(
        "long-tailed evaluation (activations and W A)",
        (2 * n as u128 + 2 * m as u128) * (k * m) as u128 + (2 * n * d) as u128 + (k * m * d * 2) as u128,
        8,
        limit,
    )?;
    let w64 = in_f64::widen(w);
    let (_, hs) = class_products(model, &w64, m, par);
    let acts = in_f64::activations(&w64, k * m, d, x, n, par);
    let f = in_f64::outputs(&acts, n, k, m);
    Ok(long_tailed_from(k, m, &hs, &acts, &f, y, pos, ls))
}

#[cfg(test)]
pub(super) mod tests;
