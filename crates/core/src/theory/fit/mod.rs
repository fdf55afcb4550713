//! Fitting the rates c1 and c2 of Theorem 1 to measured test errors (sweep results).
//!
//! The bounds are err_k <= B_k(c) with
//!   2(a): B_k(c1) = sum_{j != k} exp(-c1 R_kj),   R_kj = |S_k|^2 ||u_k||^4 / (|S_j| ||A_k^T A_j||_F^2),
//!   2(b): B_k(c2) = sum_{j != k} exp(-c2 L^2 Gamma_kj)   (on L-long-tailed data).
//! We take the bound's shape as a model of the error and fit the one rate by least squares on the
//! log scale: c = argmin sum_i (log err_i - log B_i(c))^2. When the K - 1 ratios are equal (every
//! sweep of the paper) this is least squares through the origin of -log(err / (K - 1)) on the
//! ratio. The minimum is found on a log grid and refined by golden-section search.
//!
//! Points: c1 from the per-class test errors of cells where Statement 2(b) does not apply
//! (min_j Gamma_kj < C2), c2 from the long-tailed errors of cells where 2(a) does not apply
//! (SNR_k < C1), so each fit sees one mechanism; only errors below `maxError` (default half the
//! chance level (K - 1) / (2K)) are used, where the exponential regime of the bounds applies.
//! An error of 0 out of n is replaced by (0 + 1/2) / (n + 1) (and every error e/n by
//! (e + 1/2)/(n + 1)) when the count n is known; without a count, zero-error points are dropped.
//! Both are reported. The confidence interval is the percentile bootstrap over cells (rows).

#![allow(clippy::needless_range_loop)] // index loops over classes read clearer here

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{fin, Constants};
use crate::error::{Error, Result};
use crate::rng::{Purpose, Stream};

/// Index of the bootstrap stream in the `Misc` family ("fit" in ASCII).
const FIT_STREAM: u64 = 0x0066_6974_0000_0000;

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LongTailedRow {
    #[serde(rename = "L")]
    pub l: f64,
    pub acc: Option<f64>,
    pub count: usize,
    #[serde(default)]
    pub acc_per_class: Option<Vec<Option<f64>>>,
    #[serde(default)]
    pub count_per_class: Option<Vec<usize>>,
}

/// One cell of a sweep (other fields of a results.jsonl row are ignored).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FitRow {
    /// SNR_k (null = infinite).
    pub snr: Vec<Option<f64>>,
    /// The 2(a) ratios R_kj (K x K, null diagonal); when absent every R_kj is taken as SNR_k.
    #[serde(default)]
    pub snr_pairs: Option<Vec<Vec<Option<f64>>>>,
    /// Gamma_{k,j} (K x K, null diagonal).
    pub gamma: Vec<Vec<Option<f64>>>,
    #[serde(default)]
    pub test_acc_per_class: Option<Vec<Option<f64>>>,
    /// Test samples per class (one number or one per class).
    #[serde(default, alias = "testPerClass")]
    pub test_count_per_class: Option<crate::data::OneOrMany<usize>>,
    #[serde(default)]
    pub long_tailed: Vec<LongTailedRow>,
}

/// Fitting the rates c1, c2 of Theorem 1 to sweep results (the `fit` section; all optional).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct FitOptions {
    /// Bootstrap resamples of the cells (0: no interval).
    #[schemars(range(max = 1_000_000))]
    pub bootstrap: usize,
    /// Confidence level of the interval.
    #[schemars(extend("exclusiveMinimum" = 0, "exclusiveMaximum" = 1))]
    pub level: f64,
    /// Seed of the bootstrap resamples.
    #[schemars(range(max = 9_007_199_254_740_991u64))]
    pub seed: u64,
    /// Largest error used (default (K - 1) / (2K), half the chance level).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 1), extend("exclusiveMinimum" = 0))]
    pub max_error: Option<f64>,
    /// C1 and C2 select the cells of each fit (see the module docs).
    pub constants: Constants,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions { bootstrap: 1000, level: 0.95, seed: 0, max_error: None, constants: Constants::default() }
    }
}

impl crate::config::Config for FitOptions {
    const SECTION: &'static str = "fit";

    fn finish(&mut self, at: &str) -> Result<()> {
        self.constants.check(&format!("{at}.constants"))
    }
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FitResult {
    /// The fitted rate (null when no point was usable).
    pub estimate: Option<f64>,
    /// Percentile bootstrap interval at `level`.
    pub ci: Option<[f64; 2]>,
    pub level: f64,
    /// Standard deviation of the bootstrap estimates.
    pub std_error: Option<f64>,
    pub points: usize,
    pub rows: usize,
    /// Points whose measured error was 0 (kept with the (e + 1/2)/(n + 1) correction).
    pub zero_error_points: usize,
    /// Points dropped: zero error with no count, error above maxError, or outside the regime.
    pub dropped_points: usize,
    /// Root mean square of log err - log B(c) at the estimate.
    pub residual_rms: Option<f64>,
    /// The (ratio-like x, error) points used, for plotting: x is the ratio of the 2(a) bound
    /// (SNR_k) or L^2 min_j Gamma_kj for 2(b).
    pub data: Vec<[f64; 2]>,
    pub note: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FitReport {
    pub c1: FitResult,
    pub c2: FitResult,
    pub classes: usize,
    pub options: FitOptions,
}

/// One point: log err and the exponents' ratios r_j (B(c) = sum_j w_j exp(-c r_j)).
#[derive(Clone, Debug)]
struct Point {
    row: usize,
    log_err: f64,
    /// (weight, ratio) terms of B.
    terms: Vec<(f64, f64)>,
    x: f64,
    err: f64,
}

/// log B(c) = log sum_j w_j exp(-c r_j), stably.
fn log_b(terms: &[(f64, f64)], c: f64) -> f64 {
    let mx = terms.iter().map(|&(w, r)| libm::log(w) - c * r).fold(f64::NEG_INFINITY, f64::max);
    if !mx.is_finite() {
        return mx;
    }
    mx + libm::log(terms.iter().map(|&(w, r)| libm::exp(libm::log(w) - c * r - mx)).sum::<f64>())
}

fn sse(points: &[&Point], c: f64) -> f64 {
    points.iter().map(|p| (p.log_err - log_b(&p.terms, c)).powi(2)).sum()
}

/// argmin_c sse on c > 0: log grid, then golden-section between the grid neighbours.
fn minimise(points: &[&Point]) -> Option<f64> {
    if points.is_empty() {
        return None;
    }
    // Scale: 1 / median positive ratio.
    let mut rs: Vec<f64> = points.iter().flat_map(|p| p.terms.iter().map(|t| t.1)).filter(|r| *r > 0.0 && r.is_finite()).collect();
    if rs.is_empty() {
        return None;
    }
    rs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let scale = 1.0 / rs[rs.len() / 2];
    let grid: Vec<f64> = (0..=240).map(|i| scale * libm::pow(10.0, -6.0 + i as f64 * 0.05)).collect();
    let vals: Vec<f64> = grid.iter().map(|&c| sse(points, c)).collect();
    let (bi, _) = vals.iter().enumerate().fold((0, f64::INFINITY), |(bi, bv), (i, &v)| if v < bv { (i, v) } else { (bi, bv) });
    let lo = libm::log(grid[bi.saturating_sub(1)]);
    let hi = libm::log(grid[(bi + 1).min(grid.len() - 1)]);
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let (mut a, mut b) = (lo, hi);
    let mut x1 = b - g * (b - a);
    let mut x2 = a + g * (b - a);
    let mut f1 = sse(points, libm::exp(x1));
    let mut f2 = sse(points, libm::exp(x2));
    for _ in 0..200 {
        if (b - a).abs() < 1e-13 {
            break;
        }
        if f1 <= f2 {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - g * (b - a);
            f1 = sse(points, libm::exp(x1));
        } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + g * (b - a);
            f2 = sse(points, libm::exp(x2));
        }
    }
    let c = libm::exp(0.5 * (a + b));
    if sse(points, c) <= vals[bi] {
        Some(c)
    } else {
        Some(grid[bi])
    }
}

/// One fit and its bootstrap in resumable steps: the estimate first, then resample after resample
/// from one stream, so any split of the resamples over calls gives the bits one call gives.
struct Bootstrap {
    points: Vec<Point>,
    rows: usize,
    zero: usize,
    dropped: usize,
    note: &'static str,
    estimate: Option<f64>,
    residual_rms: Option<f64>,
    /// The cells (rows) the points come from; resamples draw from them.
    row_ids: Vec<usize>,
    stream: Stream,
    boots: Vec<f64>,
    /// Resamples still to draw.
    left: usize,
}

impl Bootstrap {
    fn new(points: Vec<Point>, rows: usize, zero: usize, dropped: usize, opts: &FitOptions, which: u64, note: &'static str) -> Self {
        let all: Vec<&Point> = points.iter().collect();
        let estimate = minimise(&all);
        let residual_rms = estimate.map(|c| (sse(&all, c) / all.len() as f64).sqrt());
        // Bootstrap over rows (cells).
        let row_ids: Vec<usize> = {
            let mut v: Vec<usize> = points.iter().map(|p| p.row).collect();
            v.sort();
            v.dedup();
            v
        };
        let left = if estimate.is_some() && row_ids.len() >= 2 { opts.bootstrap } else { 0 };
        let stream = Stream::new(opts.seed, Purpose::Misc, FIT_STREAM + which);
        Bootstrap { points, rows, zero, dropped, note, estimate, residual_rms, row_ids, stream, boots: Vec::new(), left }
    }

    /// Up to `budget` resamples; how many were drawn.
    fn run(&mut self, budget: usize) -> usize {
        let n = budget.min(self.left);
        for _ in 0..n {
            let mut sample: Vec<&Point> = Vec::with_capacity(self.points.len());
            for _ in 0..self.row_ids.len() {
                let r = self.row_ids[self.stream.below(self.row_ids.len() as u64) as usize];
                sample.extend(self.points.iter().filter(|p| p.row == r));
            }
            if let Some(c) = minimise(&sample) {
                self.boots.push(c);
            }
        }
        self.left -= n;
        n
    }

    fn finish(&self, level: f64) -> FitResult {
        let mut boots = self.boots.clone();
        boots.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let (ci, sd) = if boots.len() >= 2 {
            let q = |p: f64| {
                let pos = p * (boots.len() - 1) as f64;
                let (i, f) = (pos.floor() as usize, pos - pos.floor());
                boots[i] + f * (boots[(i + 1).min(boots.len() - 1)] - boots[i])
            };
            let a = (1.0 - level) / 2.0;
            let mean = boots.iter().sum::<f64>() / boots.len() as f64;
            let var = boots.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (boots.len() - 1) as f64;
            (Some([q(a), q(1.0 - a)]), fin(var.sqrt()))
        } else {
            (None, None)
        };
        FitResult {
            estimate: self.estimate,
            ci,
            level,
            std_error: sd,
            points: self.points.len(),
            rows: self.rows,
            zero_error_points: self.zero,
            dropped_points: self.dropped,
            residual_rms: self.residual_rms.and_then(fin),
            data: self.points.iter().map(|p| [p.x, p.err]).collect(),
            note: self.note.to_string(),
        }
    }
}

/// The fit of c1 and c2 as a job ([`crate::job::Job`]): a unit is one bootstrap resample (c1's,
/// then c2's); the two estimates are made when the job is.
pub struct FitJob {
    opts: FitOptions,
    classes: usize,
    fits: [Bootstrap; 2],
    total: usize,
}

impl FitJob {
    pub fn new(rows: &[FitRow], opts: &FitOptions) -> Result<Self> {
        crate::config::recheck(opts)?;
        let k = checked_classes(rows)?;
        let max_err = opts.max_error.unwrap_or((k as f64 - 1.0) / (2.0 * k as f64));
        if !(max_err > 0.0 && max_err <= 1.0) {
            return Err(Error::invalid("fit.maxError", max_err, "a number in (0, 1]"));
        }
        // c1: per-class test errors of cells outside 2(b).
        let (p1, n1, z1, d1) = c1_points(rows, k, max_err, opts);
        let c1 = Bootstrap::new(p1, n1, z1, d1, opts, 1, "log(test error of class k) against log sum_j exp(-c1 R_kj), cells with min_j Gamma_kj < C2");
        // c2: long-tailed errors of cells outside 2(a).
        let (p2, n2, z2, d2) = c2_points(rows, k, max_err, opts)?;
        let c2 = Bootstrap::new(p2, n2, z2, d2, opts, 2, "log(L-long-tailed test error) against log sum_j exp(-c2 L^2 Gamma_kj), cells with SNR_k < C1");
        let total = c1.left + c2.left;
        Ok(FitJob { opts: opts.clone(), classes: k, fits: [c1, c2], total })
    }

    /// Up to `budget` resamples, c1's first.
    pub fn run(&mut self, budget: usize) {
        let mut left = budget;
        for f in &mut self.fits {
            left -= f.run(left);
        }
    }

    /// (resamples drawn, resamples in all).
    pub fn progress(&self) -> (usize, usize) {
        (self.total - self.fits[0].left - self.fits[1].left, self.total)
    }

    pub fn finished(&self) -> bool {
        self.fits.iter().all(|f| f.left == 0)
    }

    /// The report, once finished.
    pub fn result(&self) -> Result<FitReport> {
        if !self.finished() {
            let (done, total) = self.progress();
            return Err(Error::invalid("fit job", format!("{done} of {total} resamples drawn"), "a finished job (advance until finished)"));
        }
        let [c1, c2] = &self.fits;
        Ok(FitReport { c1: c1.finish(self.opts.level), c2: c2.finish(self.opts.level), classes: self.classes, options: self.opts.clone() })
    }
}

/// (e + 1/2) / (n + 1) for a measured error with a known count; the raw error without one
/// (None when it is 0: no honest log).
fn corrected(err: f64, count: Option<usize>) -> Option<f64> {
    match count {
        Some(n) if n > 0 => {
            let e = (err * n as f64).round();
            Some((e + 0.5) / (n as f64 + 1.0))
        }
        _ => {
            if err > 0.0 {
                Some(err)
            } else {
                None
            }
        }
    }
}

fn num(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::INFINITY)
}

/// Fit c1 and c2 to sweep rows (the whole [`FitJob`] in one call).
pub fn fit(rows: &[FitRow], opts: &FitOptions) -> Result<FitReport> {
    let mut job = FitJob::new(rows, opts)?;
    job.run(usize::MAX);
    job.result()
}

/// The number of classes K of the rows, checked to be the same in every row.
fn checked_classes(rows: &[FitRow]) -> Result<usize> {
    if rows.is_empty() {
        return Err(Error::invalid("rows", "no rows", "at least one sweep result"));
    }
    let k = rows[0].snr.len();
    if k < 2 {
        return Err(Error::invalid("rows[0].snr", format!("{k} values"), "one SNR per class (at least 2 classes)"));
    }
    for (i, r) in rows.iter().enumerate() {
        if r.snr.len() != k {
            return Err(Error::invalid(format!("rows[{i}].snr"), format!("{} values", r.snr.len()), format!("{k} (one per class, as in the first row)")));
        }
        if r.gamma.len() != k || r.gamma.iter().any(|g| g.len() != k) {
            return Err(Error::invalid(format!("rows[{i}].gamma"), "a matrix of another shape", format!("a {k} x {k} matrix")));
        }
        if let Some(p) = &r.snr_pairs {
            if p.len() != k || p.iter().any(|g| g.len() != k) {
                return Err(Error::invalid(format!("rows[{i}].snrPairs"), "a matrix of another shape", format!("a {k} x {k} matrix")));
            }
        }
        if let Some(a) = &r.test_acc_per_class {
            if a.len() != k {
                return Err(Error::invalid(format!("rows[{i}].testAccPerClass"), format!("{} values", a.len()), format!("{k} (one per class)")));
            }
        }
    }
    Ok(k)
}

/// min_{j != a} Gamma_{a,j} of a row.
fn gamma_min(r: &FitRow, a: usize, k: usize) -> f64 {
    (0..k).filter(|&j| j != a).map(|j| num(r.gamma[a][j])).fold(f64::INFINITY, f64::min)
}

/// The points of the c1 fit: per-class test errors of cells outside 2(b); with the number of rows
/// they come from, of zero errors and of points dropped.
fn c1_points(rows: &[FitRow], k: usize, max_err: f64, opts: &FitOptions) -> (Vec<Point>, usize, usize, usize) {
    let cst = &opts.constants;
    let gmin = |r: &FitRow, a: usize| gamma_min(r, a, k);
    let mut p1 = Vec::new();
    let (mut z1, mut d1) = (0, 0);
    let mut rows1 = std::collections::BTreeSet::new();
    for (ri, r) in rows.iter().enumerate() {
        let Some(acc) = &r.test_acc_per_class else { continue };
        let counts = r.test_count_per_class.as_ref().and_then(|c| c.expand(k, "testCountPerClass").ok());
        for a in 0..k {
            let Some(acc) = acc[a] else { continue };
            let err = 1.0 - acc;
            let snr = num(r.snr[a]);
            if gmin(r, a) >= cst.c2_big || !snr.is_finite() {
                d1 += 1;
                continue;
            }
            let Some(e) = corrected(err, counts.as_ref().map(|c| c[a])) else {
                d1 += 1;
                continue;
            };
            if e > max_err {
                d1 += 1;
                continue;
            }
            if err == 0.0 {
                z1 += 1;
            }
            let terms: Vec<(f64, f64)> = (0..k).filter(|&j| j != a).map(|j| (1.0, r.snr_pairs.as_ref().map(|p| num(p[a][j])).unwrap_or(snr))).collect();
            rows1.insert(ri);
            p1.push(Point { row: ri, log_err: libm::log(e), terms, x: snr, err: e });
        }
    }
    (p1, rows1.len(), z1, d1)
}

/// The points of the c2 fit: long-tailed errors of cells outside 2(a) (per class where the rows
/// have them, else over classes); with the counts of [`c1_points`].
fn c2_points(rows: &[FitRow], k: usize, max_err: f64, opts: &FitOptions) -> Result<(Vec<Point>, usize, usize, usize)> {
    let cst = &opts.constants;
    let gmin = |r: &FitRow, a: usize| gamma_min(r, a, k);
    let mut p2 = Vec::new();
    let (mut z2, mut d2) = (0, 0);
    let mut rows2 = std::collections::BTreeSet::new();
    for (ri, r) in rows.iter().enumerate() {
        for lt in &r.long_tailed {
            if !(lt.l.is_finite() && lt.l > 0.0) {
                return Err(Error::invalid(format!("rows[{ri}].longTailed.L"), lt.l, "a finite number > 0"));
            }
            let l2 = lt.l * lt.l;
            match (&lt.acc_per_class, &lt.count_per_class) {
                (Some(accs), Some(counts)) if accs.len() == k && counts.len() == k => {
                    for a in 0..k {
                        let Some(acc) = accs[a] else { continue };
                        if num(r.snr[a]) >= cst.c1_big {
                            d2 += 1;
                            continue;
                        }
                        let err = 1.0 - acc;
                        let Some(e) = corrected(err, Some(counts[a])) else { continue };
                        if e > max_err || counts[a] == 0 {
                            d2 += 1;
                            continue;
                        }
                        if err == 0.0 {
                            z2 += 1;
                        }
                        let terms: Vec<(f64, f64)> = (0..k).filter(|&j| j != a).map(|j| (1.0, l2 * num(r.gamma[a][j]))).collect();
                        rows2.insert(ri);
                        p2.push(Point { row: ri, log_err: libm::log(e), terms, x: l2 * gmin(r, a), err: e });
                    }
                }
                _ => {
                    // Overall error over classes: the mean of the class bounds.
                    let Some(acc) = lt.acc else { continue };
                    if lt.count == 0 {
                        continue;
                    }
                    if (0..k).any(|a| num(r.snr[a]) >= cst.c1_big) {
                        d2 += 1;
                        continue;
                    }
                    let err = 1.0 - acc;
                    let Some(e) = corrected(err, Some(lt.count)) else { continue };
                    if e > max_err {
                        d2 += 1;
                        continue;
                    }
                    if err == 0.0 {
                        z2 += 1;
                    }
                    let terms: Vec<(f64, f64)> = (0..k)
                        .flat_map(|a| (0..k).filter(move |&j| j != a).map(move |j| (a, j)))
                        .map(|(a, j)| (1.0 / k as f64, l2 * num(r.gamma[a][j])))
                        .collect();
                    let x = l2 * (0..k).map(|a| gmin(r, a)).fold(f64::INFINITY, f64::min);
                    rows2.insert(ri);
                    p2.push(Point { row: ri, log_err: libm::log(e), terms, x, err: e });
                }
            }
        }
    }
    Ok((p2, rows2.len(), z2, d2))
}

#[cfg(test)]
mod tests;
