//! Lemmas 3–7, b(S_k) of eq. 8 and the error on L-long-tailed data (Definition 1, in
//! [`super::long_tailed`]) against the 2(b) bound, measured on trained weights. The forward pass
//! is [`crate::model::in_f64`]'s.
//!
//! Weights are f32, (K m) x d row-major: row k m + r is w_{k,r}. Samples are n x 2 x d with
//! `pos[i]` the index of the feature patch, so the noise patch of sample i is patch 1 - pos[i].
//! All arithmetic is in f64.

#![allow(clippy::needless_range_loop)] // index loops over classes read clearer here

use schemars::JsonSchema;
use serde::Serialize;

use super::long_tailed::{check_samples, check_weights, class_products, long_tailed_from};
use super::{fin, Item, TheoryOptions, TheoryReport};
use crate::data::DataModel;
use crate::error::{check_alloc, Error, Result};
use crate::linalg::Par;
use crate::model::{self, in_f64};
use crate::rng::Purpose;

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

/// The training and test sets of a run, checked: n, and the test set with its size.
type TestSet<'a> = (&'a [f32], &'a [i32], &'a [u8], usize);

fn checked<'a>(model: &DataModel, run: &Run<'a>, opts: &TheoryOptions) -> Result<(usize, Option<TestSet<'a>>)> {
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
    let fresh_part = (k * fresh) as u128 * ((k * m) as u128 + d as u128);
    let all = (2 * (n + nt) as u128 + (k * fresh) as u128) * (k * m) as u128 + (k * fresh * d) as u128 + (2 * (n + nt) * d) as u128 + (3 * k * m * d) as u128;
    // The fresh draws of Lemmas 4 and 6, or else the run's width and data, ask for the memory.
    let asked_by = if 2 * fresh_part >= all { "theory.freshSamples" } else { "train.width" };
    check_alloc("the lemma measurements (activations, fresh noise, W A)", all, 8, limit).map_err(|e| e.for_field(asked_by, "theory.memoryLimit"))?;
    Ok((n, test))
}

/// Lemmas 3–7, b(S_k) and the long-tailed errors of a trained run. `report` is the theory of the
/// same data model (for Gamma, the 2(b) bounds and the noise-factor norms).
pub fn lemmas(model: &DataModel, report: &TheoryReport, run: &Run<'_>, opts: &TheoryOptions, seed: u64, par: Par) -> Result<LemmaReport> {
    let (n, test) = checked(model, run, opts)?;
    let (k, d) = (model.k, model.d);
    let m = opts.width;
    let km = k * m;
    let steps = opts.steps;
    let sigma0 = opts.init.sigma0(d);
    let w64 = in_f64::widen(run.weights);

    let sigma0_measured = run.weights_init.map(|w0| {
        let nn = w0.len() as f64;
        let mean = w0.iter().map(|&v| v as f64).sum::<f64>() / nn;
        (w0.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / nn).sqrt()
    });

    // Lemma 3: rank and singular values of W_j A_j.
    let (bs, hs) = class_products(model, &w64, m, par);
    let rank_tol = opts.rank_tol.unwrap_or(m.max(d) as f64 * f32::EPSILON as f64);
    let lemma3 = lemma3(report, &bs, n, d, rank_tol, opts, par)?;

    // Activations of the training samples (Lemma 5, Lemma 7's final kappa).
    let acts = in_f64::activations(&w64, km, d, run.train_x, n, par);
    let f_train = in_f64::outputs(&acts, n, k, m);

    // Lemma 4 (and 6): fresh noise, `fresh` draws per class.
    let (lemma4, measured6) = lemma4(model, &w64, m, seed, opts, par);
    // Lemma 5: own-class vs other-class training noise through class j's neurons.
    let lemma5 = lemma5(run, &acts, k, m, n, opts);
    // b(S_k) of eq. 8 and Lemma 6.
    let (b, lemma6) = b_and_lemma6(report, run, measured6, k, m, n, opts);
    // Lemma 7.
    let lemma7 = lemma7(report, run, &f_train, k, n);
    // Test accuracy and long-tailed errors against the 2(b) bound.
    let (test_acc, long) = test_vs_bounds(report, test, &w64, &hs, k, m, d, opts, par);

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

/// Lemma 3: rank and singular values of W_j A_j (`bs[j]`, m x d).
fn lemma3(report: &TheoryReport, bs: &[Vec<f64>], n: usize, d: usize, rank_tol: f64, opts: &TheoryOptions, par: Par) -> Result<Vec<Lemma3Class>> {
    let (k, m) = (bs.len(), opts.width);
    let mf = m as f64;
    let log_t = opts.steps.map(|t| libm::log(t as f64));
    let sigma0 = opts.init.sigma0(d);
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
    Ok(lemma3)
}

/// Lemma 4 from `fresh` noise draws per class, and Lemma 6's measured[y][j] from the same draws.
fn lemma4(model: &DataModel, w64: &[f64], m: usize, seed: u64, opts: &TheoryOptions, par: Par) -> (Vec<Lemma4Class>, Vec<Vec<f64>>) {
    let (k, d) = (model.k, model.d);
    let (km, mf, fresh, cst) = (k * m, m as f64, opts.fresh_samples, &opts.constants);
    let labels: Vec<i32> = (0..k).flat_map(|c| std::iter::repeat_n(c as i32, fresh)).collect();
    let xi = model.noise_patches(&labels, seed, Purpose::FreshNoise, 0, par);
    let nf = labels.len();
    let fa = in_f64::preactivations(w64, km, d, &xi, nf, par);
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
                measured6[c][j] += in_f64::relu_sum(&row[j * m..(j + 1) * m]);
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
    (lemma4, measured6)
}

/// Lemma 5 from the pre-activations of the training samples.
fn lemma5(run: &Run<'_>, acts: &[f64], k: usize, m: usize, n: usize, opts: &TheoryOptions) -> Vec<Lemma5Class> {
    let (km, cst) = (k * m, &opts.constants);
    let y = run.train_y;
    let relu_sum = |i: usize, j: usize| -> f64 {
        let noise = 1 - run.train_pos[i] as usize;
        in_f64::relu_sum(&acts[(2 * i + noise) * km + j * m..(2 * i + noise) * km + (j + 1) * m])
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
    lemma5
}

/// b(S_k) of eq. 8 (from the run's logit sums) and Lemma 6.
fn b_and_lemma6(
    report: &TheoryReport, run: &Run<'_>, measured6: Vec<Vec<f64>>, k: usize, m: usize, n: usize, opts: &TheoryOptions,
) -> (Option<Vec<f64>>, Option<Lemma6>) {
    let (y, mf) = (run.train_y, m as f64);
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
    (b, lemma6)
}

/// Lemma 7: the trajectory's kappa, the final one from the training outputs, and the theory's scale.
fn lemma7(report: &TheoryReport, run: &Run<'_>, f_train: &[f64], k: usize, n: usize) -> Lemma7 {
    let y = run.train_y;
    let g: Vec<f64> = (0..n).map(|i| in_f64::one_minus_logit(&f_train[i * k..(i + 1) * k], y[i] as usize)).collect();
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
    lemma7
}

/// Test accuracy and the long-tailed errors (Definition 1) against the 2(b) bounds.
#[allow(clippy::too_many_arguments)]
fn test_vs_bounds(
    report: &TheoryReport, test: Option<TestSet<'_>>, w64: &[f64], hs: &[Vec<f64>], k: usize, m: usize, d: usize, opts: &TheoryOptions, par: Par,
) -> (Option<TestAccuracy>, Option<Vec<LongTailedVsBound>>) {
    let km = k * m;
    match test {
        Some((x, ty, tp, nt)) => {
            let acts_t = in_f64::activations(w64, km, d, x, nt, par);
            let f_t = in_f64::outputs(&acts_t, nt, k, m);
            let mut cnt = vec![0usize; k];
            let mut cor = vec![0usize; k];
            for i in 0..nt {
                let c = ty[i] as usize;
                cnt[c] += 1;
                cor[c] += (model::is_correct(&f_t[i * k..(i + 1) * k], c)) as usize;
            }
            let total: usize = cor.iter().sum();
            let acc = TestAccuracy {
                acc: if nt > 0 { total as f64 / nt as f64 } else { 0.0 },
                acc_per_class: (0..k).map(|c| if cnt[c] > 0 { Some(cor[c] as f64 / cnt[c] as f64) } else { None }).collect(),
                count: nt,
            };
            let lt = long_tailed_from(k, m, hs, &acts_t, &f_t, ty, tp, &opts.ls);
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
    }
}

#[cfg(test)]
mod tests;
