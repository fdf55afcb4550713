//! Lemmas 3–7, b(S_k) of eq. 8 and the error on L-long-tailed data (Definition 1), measured on
//! trained weights.
//!
//! Weights are f32, (K m) x d row-major: row k m + r is w_{k,r}. Samples are n x 2 x d with
//! `pos[i]` the index of the feature patch, so the noise patch of sample i is patch 1 - pos[i].
//! All arithmetic is in f64.

#![allow(clippy::needless_range_loop)] // index loops over classes read clearer here

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{fin, Item, TheoryOptions, TheoryReport};
use crate::data::{par_rows, DataModel, Factors};
use crate::error::{check_alloc, Error, Result};
use crate::linalg::{self, Par, View};
use crate::rng::Purpose;

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
fn check_samples(what: &str, k: usize, d: usize, x: &[f32], y: &[i32], pos: &[u8]) -> Result<usize> {
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

fn check_weights(field: &str, w: &[f32], k: usize, m: usize, d: usize) -> Result<()> {
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
                    let p = base * linalg::dot_f64(w, q);
                    for (ov, qv) in o.iter_mut().zip(q) {
                        *ov -= p * qv;
                    }
                }
                let q = &frame[(k + c) * d..(k + c + 1) * d];
                let p = (lambda[c] - base) * linalg::dot_f64(w, q);
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

/// Pre-activations <w_{k,r}, x^(p)> of every sample, patch and neuron: (n 2) x (K m), row 2 i + p.
fn activations(w64: &[f64], km: usize, d: usize, x: &[f32], n: usize, par: Par) -> Vec<f64> {
    let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let mut acts = vec![0.0f64; 2 * n * km];
    linalg::gemm_f64(&mut acts, View::rm(2 * n, km, km), 0.0, &x64, View::rm(2 * n, d, d), w64, View::rm_t(km, d, d), 1.0, par);
    acts
}

/// F_k(W, x_i) of eq. 1 for every sample: n x K.
fn outputs(acts: &[f64], n: usize, k: usize, m: usize) -> Vec<f64> {
    let km = k * m;
    let mut f = vec![0.0f64; n * k];
    for i in 0..n {
        for p in 0..2 {
            let row = &acts[(2 * i + p) * km..(2 * i + p + 1) * km];
            for c in 0..k {
                f[i * k + c] += row[c * m..(c + 1) * m].iter().map(|v| v.max(0.0)).sum::<f64>();
            }
        }
        for c in 0..k {
            f[i * k + c] /= m as f64;
        }
    }
    f
}

/// H_c = (W_c A_c)(W_c A_c)^T for every class (m x m each), and W_c A_c (m x d).
fn class_products(model: &DataModel, w64: &[f64], m: usize, par: Par) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
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
fn long_tailed_from(k: usize, m: usize, hs: &[Vec<f64>], acts: &[f64], f: &[f64], y: &[i32], pos: &[u8], ls: &[f64]) -> Vec<LongTailed> {
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
        ok.push(crate::train::is_correct(&f[i * k..(i + 1) * k], c));
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
    let w64: Vec<f64> = w.iter().map(|&v| v as f64).collect();
    let (_, hs) = class_products(model, &w64, m, par);
    let acts = activations(&w64, k * m, d, x, n, par);
    let f = outputs(&acts, n, k, m);
    Ok(long_tailed_from(k, m, &hs, &acts, &f, y, pos, ls))
}

/// A trained run, as plain arrays (what `benignfit train --out DIR` writes).
pub struct Run<'a> {
    /// Final weights W^(T), (K m) x d.
    pub weights: &'a [f32],
    /// Initial weights W^(0) (optional: gives the measured sigma0).
    pub weights_init: Option<&'a [f32]>,
    pub train_x: &'a [f32],
    pub train_y: &'a [i32],
    pub train_pos: &'a [u8],
    /// sum_{t<T} (1 - logit_{y_i}(W^(t), x_i)) per training sample (eq. 8).
    pub logit_sums: Option<&'a [f64]>,
    /// max_{i,j} g_i / g_j over the trajectory (Lemma 7).
    pub kappa: Option<&'a [f64]>,
    pub test_x: Option<&'a [f32]>,
    pub test_y: Option<&'a [i32]>,
    pub test_pos: Option<&'a [u8]>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Lemma3Class {
    pub class: usize,
    /// rank(W_j A_j) (singular values above rankTol * the largest).
    pub rank: usize,
    /// Singular values of W_j A_j, largest first.
    pub singular_values: Vec<f64>,
    /// min{m, d, rank(A_j)} - n: the index of the singular value bounded below (null when < 1).
    pub index: Option<usize>,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Lemma4Class {
    pub class: usize,
    pub draws: usize,
    /// 0.1 m.
    pub threshold: f64,
    /// Mean number of neurons r of class j with <w_{j,r}, xi> > 0, xi a fresh noise draw of class j.
    pub mean_active: f64,
    pub min_active: usize,
    /// Share of the draws with at least 0.1 m active neurons.
    pub share_at_least: f64,
    pub item: Item,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Lemma5Class {
    pub class: usize,
    /// min over q in S_j of sum_r relu(<w_{j,r}, xi_q>).
    pub own_min: f64,
    pub own_mean: f64,
    /// max over a not in S_j of sum_r relu(<w_{j,r}, xi_a>).
    pub other_max: f64,
    pub other_mean: f64,
    /// own_min / other_max: Lemma 5 for every pair (q, a) (null when other_max = 0, i.e. infinite).
    pub ratio: Option<f64>,
    pub mean_ratio: Option<f64>,
    /// own_min / max over a in S_l, per class l (null for l = j).
    pub ratio_per_class: Vec<Option<f64>>,
    pub item: Item,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Lemma6 {
    /// measured[y][j] = mean over fresh noise xi of class y of sum_r relu(<w_{j,r}, xi>).
    pub measured: Vec<Vec<f64>>,
    /// scale[y][j] = (eta m / n) ||A_y^T A_j||_F b(S_j).
    pub scale: Vec<Vec<f64>>,
    /// measured / scale: Lemma 6 says Theta(L) on the diagonal (L-long-tailed data; here all
    /// fresh data, so Theta(E zeta')) and O(|zeta_1|) off it.
    pub ratio: Vec<Vec<Option<f64>>>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Lemma7 {
    /// max of the trajectory's kappa (null without it).
    pub max: Option<f64>,
    /// The trajectory as given.
    pub curve: Option<Vec<Option<f64>>>,
    /// kappa at the final weights from the training data: max_i g_i / min_i g_i, g_i = 1 - logit_{y_i}(W^(T), x_i).
    pub final_kappa: Option<f64>,
    /// The scale the proof of Lemma 24 needs: max over pairs of Tr(A_j^T A_j) / Tr(A_i^T A_i) and ||u_j||^2 / ||u_i||^2.
    pub theory_scale: Option<f64>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClassVsBound {
    pub class: usize,
    pub count: usize,
    /// Error on the L-long-tailed test samples of this class (null when none).
    pub error: Option<f64>,
    /// The 2(b) bound sum_{j != k} exp(-c2 L^2 Gamma_{k,j}).
    pub bound: f64,
    /// Whether Statement 2(b)'s condition holds for this class.
    pub condition: bool,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LongTailedVsBound {
    #[serde(rename = "L")]
    pub l: f64,
    pub count: usize,
    pub error: Option<f64>,
    pub per_class: Vec<ClassVsBound>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestAccuracy {
    pub acc: f64,
    pub acc_per_class: Vec<Option<f64>>,
    pub count: usize,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LemmaReport {
    pub width: usize,
    pub steps: Option<u64>,
    /// sigma0 the theory uses (from the init option).
    pub sigma0: f64,
    /// Standard deviation of the initial weights' entries (when given).
    pub sigma0_measured: Option<f64>,
    pub rank_tol: f64,
    pub lemma3: Vec<Lemma3Class>,
    pub lemma4: Vec<Lemma4Class>,
    pub lemma5: Vec<Lemma5Class>,
    pub lemma6: Option<Lemma6>,
    pub lemma7: Lemma7,
    /// b(S_k) of eq. 8 per class (null without logit sums).
    pub b: Option<Vec<f64>>,
    pub test: Option<TestAccuracy>,
    pub long_tailed: Option<Vec<LongTailedVsBound>>,
    pub fresh_seed: u64,
}

/// Lemmas 3–7, b(S_k) and the long-tailed errors of a trained run. `report` is the theory of the
/// same data model (for Gamma, the 2(b) bounds and the noise-factor norms).
pub fn lemmas(model: &DataModel, report: &TheoryReport, run: &Run<'_>, opts: &TheoryOptions, seed: u64, par: Par) -> Result<LemmaReport> {
    opts.validate()?;
    let (k, d) = (model.k, model.d);
    let m = opts.width;
    check_weights("weights", run.weights, k, m, d)?;
    if let Some(w0) = run.weights_init {
        check_weights("weightsInit", w0, k, m, d)?;
    }
    let n = check_samples("train", k, d, run.train_x, run.train_y, run.train_pos)?;
    if n == 0 {
        return Err(Error::invalid("trainY", "an empty array", "at least one training sample"));
    }
    if let Some(ls) = run.logit_sums {
        if ls.len() != n {
            return Err(Error::invalid("logitSums", format!("an array of length {}", ls.len()), format!("one value per training sample ({n})")));
        }
        if let Some(i) = ls.iter().position(|v| !v.is_finite() || *v < 0.0) {
            return Err(Error::invalid(format!("logitSums[{i}]"), ls[i], "a finite number >= 0"));
        }
    }
    let test = match (run.test_x, run.test_y, run.test_pos) {
        (Some(x), Some(y), Some(p)) => {
            let nt = check_samples("test", k, d, x, y, p)?;
            Some((x, y, p, nt))
        }
        (None, None, None) => None,
        _ => return Err(Error::invalid("testX", "only some of testX / testY / testPos", "all three arrays or none")),
    };
    let fresh = opts.fresh_samples;
    let nt = test.map(|t| t.3).unwrap_or(0);
    let limit = opts.memory_limit.unwrap_or(crate::error::DEFAULT_MEMORY_LIMIT);
    check_alloc(
        "the lemma measurements (activations, fresh noise, W A)",
        (2 * (n + nt) as u128 + (k * fresh) as u128) * (k * m) as u128 + (k * fresh * d) as u128 + (2 * (n + nt) * d) as u128 + (3 * k * m * d) as u128,
        8,
        limit,
    )?;
    let steps = opts.steps;
    let log_t = steps.map(|t| libm::log(t as f64));
    let sigma0 = opts.init.sigma0(d);
    let mf = m as f64;
    let cst = &opts.constants;
    let km = k * m;
    let w64: Vec<f64> = run.weights.iter().map(|&v| v as f64).collect();

    let sigma0_measured = run.weights_init.map(|w0| {
        let nn = w0.len() as f64;
        let mean = w0.iter().map(|&v| v as f64).sum::<f64>() / nn;
        (w0.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / nn).sqrt()
    });

    // Lemma 3: rank and singular values of W_j A_j.
    let (bs, hs) = class_products(model, &w64, m, par);
    let rank_tol = opts.rank_tol.unwrap_or(m.max(d) as f64 * f32::EPSILON as f64);
    let mut lemma3 = Vec::with_capacity(k);
    for c in 0..k {
        let sv = super::spectral::singular_values(&bs[c], m, d, par)?;
        let top = sv.first().cloned().unwrap_or(0.0);
        let rank = sv.iter().filter(|&&s| s > rank_tol * top).count();
        let idx = (m.min(d).min(report.rank[c]) as i64) - n as i64;
        let mut items = vec![Item::new("rank", "rank(W_j A_j) >= 0.9 m", ">=", rank as f64, 0.9 * mf, Some(vec![c]))];
        match log_t {
            Some(lt) => {
                items.push(Item::new("top", "lambda_1(W_j A_j) <= sqrt(m) log(T)   (O's hidden constant = 1)", "<=", top, mf.sqrt() * lt, Some(vec![c])))
            }
            None => items.push(Item::not_applicable("top", "lambda_1(W_j A_j) <= sqrt(m) log(T)", "<=", "no step count T given".into())),
        }
        let index = if idx >= 1 && (idx as usize) <= sv.len() { Some(idx as usize) } else { None };
        match index {
            Some(i) => items.push(Item::new(
                "bottom",
                "lambda_{min{m,d,rank(A_j)}-n}(W_j A_j) >= 0.1 sqrt(m) sigma0",
                ">=",
                sv[i - 1],
                0.1 * mf.sqrt() * sigma0,
                Some(vec![c]),
            )),
            None => items.push(Item::not_applicable(
                "bottom",
                "lambda_{min{m,d,rank(A_j)}-n}(W_j A_j) >= 0.1 sqrt(m) sigma0",
                ">=",
                format!("min{{m, d, rank(A_j)}} - n = {idx} is below 1: no such singular value (Condition 1(b) needs it >= C n)"),
            )),
        }
        lemma3.push(Lemma3Class { class: c, rank, singular_values: sv, index, items });
    }

    // Activations of the training samples (Lemma 5, Lemma 7's final kappa).
    let acts = activations(&w64, km, d, run.train_x, n, par);
    let f_train = outputs(&acts, n, k, m);

    // Lemma 4 (and 6): fresh noise, `fresh` draws per class.
    let labels: Vec<i32> = (0..k).flat_map(|c| std::iter::repeat_n(c as i32, fresh)).collect();
    let xi = model.noise_patches(&labels, seed, Purpose::FreshNoise, 0, par);
    let nf = labels.len();
    let mut fa = vec![0.0f64; nf * km];
    linalg::gemm_f64(&mut fa, View::rm(nf, km, km), 0.0, &xi, View::rm(nf, d, d), &w64, View::rm_t(km, d, d), 1.0, par);
    drop(xi);
    let mut lemma4 = Vec::with_capacity(k);
    let mut measured6 = vec![vec![0.0f64; k]; k];
    for c in 0..k {
        let mut total = 0usize;
        let mut min_a = usize::MAX;
        let mut at_least = 0usize;
        for t in 0..fresh {
            let row = &fa[(c * fresh + t) * km..(c * fresh + t + 1) * km];
            let a = row[c * m..(c + 1) * m].iter().filter(|&&v| v > 0.0).count();
            total += a;
            min_a = min_a.min(a);
            if a as f64 >= 0.1 * mf {
                at_least += 1;
            }
            for j in 0..k {
                measured6[c][j] += row[j * m..(j + 1) * m].iter().map(|v| v.max(0.0)).sum::<f64>();
            }
        }
        for j in 0..k {
            measured6[c][j] /= fresh as f64;
        }
        let share = at_least as f64 / fresh as f64;
        let item = Item::new(
            "active",
            "P[#{r : <w_{j,r}, xi> > 0} >= 0.1 m] >= 1 - delta  (empirical share over fresh draws)",
            ">=",
            share,
            1.0 - cst.delta,
            Some(vec![c]),
        );
        lemma4.push(Lemma4Class {
            class: c,
            draws: fresh,
            threshold: 0.1 * mf,
            mean_active: total as f64 / fresh as f64,
            min_active: min_a,
            share_at_least: share,
            item,
        });
    }

    // Lemma 5: own-class vs other-class training noise through class j's neurons.
    let y = run.train_y;
    let relu_sum = |i: usize, j: usize| -> f64 {
        let noise = 1 - run.train_pos[i] as usize;
        acts[(2 * i + noise) * km + j * m..(2 * i + noise) * km + (j + 1) * m].iter().map(|v| v.max(0.0)).sum()
    };
    let mut lemma5 = Vec::with_capacity(k);
    for j in 0..k {
        let mut own_min = f64::INFINITY;
        let mut own_sum = 0.0;
        let mut own_n = 0usize;
        let mut other_max = 0.0f64;
        let mut other_sum = 0.0;
        let mut other_n = 0usize;
        let mut per_class_max = vec![0.0f64; k];
        for i in 0..n {
            let v = relu_sum(i, j);
            let l = y[i] as usize;
            if l == j {
                own_min = own_min.min(v);
                own_sum += v;
                own_n += 1;
            } else {
                other_max = other_max.max(v);
                other_sum += v;
                other_n += 1;
                per_class_max[l] = per_class_max[l].max(v);
            }
        }
        if own_n == 0 {
            own_min = 0.0;
        }
        let own_mean = if own_n > 0 { own_sum / own_n as f64 } else { 0.0 };
        let other_mean = if other_n > 0 { other_sum / other_n as f64 } else { 0.0 };
        let ratio = own_min / other_max;
        let item = Item::new(
            "ratio",
            "sum_r relu(<w_{j,r}, xi_q>) >= C' sum_r relu(<w_{j,r}, xi_a>), all q in S_j, a in S_l, l != j",
            ">=",
            own_min,
            cst.c_prime * other_max,
            Some(vec![j]),
        );
        lemma5.push(Lemma5Class {
            class: j,
            own_min,
            own_mean,
            other_max,
            other_mean,
            ratio: if other_max > 0.0 { fin(ratio) } else { None },
            mean_ratio: if other_mean > 0.0 { fin(own_mean / other_mean) } else { None },
            ratio_per_class: (0..k).map(|l| if l == j || per_class_max[l] == 0.0 { None } else { fin(own_min / per_class_max[l]) }).collect(),
            item,
        });
    }

    // b(S_k) of eq. 8 and Lemma 6.
    let b = run.logit_sums.map(|ls| {
        let mut b = vec![0.0f64; k];
        for i in 0..n {
            b[y[i] as usize] += ls[i] * ls[i];
        }
        b.iter().map(|v| v.sqrt()).collect::<Vec<f64>>()
    });
    let lemma6 = b.as_ref().map(|b| {
        let mut scale = vec![vec![0.0; k]; k];
        let mut ratio = vec![vec![None; k]; k];
        for yc in 0..k {
            for j in 0..k {
                scale[yc][j] = opts.lr * mf / n as f64 * report.frob_sq[yc][j].sqrt() * b[j];
                ratio[yc][j] = if scale[yc][j] > 0.0 { fin(measured6[yc][j] / scale[yc][j]) } else { None };
            }
        }
        Lemma6 { measured: measured6.clone(), scale, ratio }
    });

    // Lemma 7.
    let g: Vec<f64> = (0..n)
        .map(|i| {
            let row = &f_train[i * k..(i + 1) * k];
            let mx = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = row.iter().map(|v| libm::exp(v - mx)).sum();
            let yi = y[i] as usize;
            let others: f64 = (0..k).filter(|&c| c != yi).map(|c| libm::exp(row[c] - mx)).sum();
            others / z
        })
        .collect();
    let gmax = g.iter().cloned().fold(0.0, f64::max);
    let gmin = g.iter().cloned().fold(f64::INFINITY, f64::min);
    let mut theory_scale = 0.0f64;
    for i in 0..k {
        for j in 0..k {
            if report.trace[i] > 0.0 {
                theory_scale = theory_scale.max(report.trace[j] / report.trace[i]);
            }
            if report.feature_norms[i] > 0.0 {
                theory_scale = theory_scale.max((report.feature_norms[j] / report.feature_norms[i]).powi(2));
            }
        }
    }
    let lemma7 = Lemma7 {
        max: run.kappa.and_then(|c| c.iter().cloned().filter(|v| v.is_finite()).fold(None, |a: Option<f64>, v| Some(a.map_or(v, |a| a.max(v))))),
        curve: run.kappa.map(|c| c.iter().map(|&v| fin(v)).collect()),
        final_kappa: if gmin > 0.0 { fin(gmax / gmin) } else { None },
        theory_scale: fin(theory_scale),
    };

    // Test accuracy and long-tailed errors against the 2(b) bound.
    let (test_acc, long) = match test {
        Some((x, ty, tp, nt)) => {
            let acts_t = activations(&w64, km, d, x, nt, par);
            let f_t = outputs(&acts_t, nt, k, m);
            let mut cnt = vec![0usize; k];
            let mut cor = vec![0usize; k];
            for i in 0..nt {
                let c = ty[i] as usize;
                cnt[c] += 1;
                cor[c] += (crate::train::is_correct(&f_t[i * k..(i + 1) * k], c)) as usize;
            }
            let total: usize = cor.iter().sum();
            let acc = TestAccuracy {
                acc: if nt > 0 { total as f64 / nt as f64 } else { 0.0 },
                acc_per_class: (0..k).map(|c| if cnt[c] > 0 { Some(cor[c] as f64 / cnt[c] as f64) } else { None }).collect(),
                count: nt,
            };
            let lt = long_tailed_from(k, m, &hs, &acts_t, &f_t, ty, tp, &opts.ls);
            let vs = lt
                .iter()
                .enumerate()
                .map(|(li, l)| LongTailedVsBound {
                    l: l.l,
                    count: l.count,
                    error: l.acc.map(|a| 1.0 - a),
                    per_class: (0..k)
                        .map(|c| ClassVsBound {
                            class: c,
                            count: l.count_per_class[c],
                            error: l.acc_per_class[c].map(|a| 1.0 - a),
                            bound: report.bounds.implicit[c].per_l[li].bound,
                            condition: report.bounds.implicit[c].holds,
                        })
                        .collect(),
                })
                .collect();
            (Some(acc), Some(vs))
        }
        None => (None, None),
    };

    Ok(LemmaReport {
        width: m,
        steps,
        sigma0,
        sigma0_measured,
        rank_tol,
        lemma3,
        lemma4,
        lemma5,
        lemma6,
        lemma7,
        b,
        test: test_acc,
        long_tailed: long,
        fresh_seed: seed,
    })
}

#[cfg(test)]
mod tests;
