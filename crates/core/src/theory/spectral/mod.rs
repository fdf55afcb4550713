//! The matrix quantities of Condition 1 and Theorem 1, per class k and pair (k, j):
//! Tr(A_k^T A_k), ||A_k^T A_j||_F^2, ||A_k^T A_j||_op, rank(A_k), lambda+_max(A_k), lambda+_min(A_k).
//!
//! Two independent routes:
//! - closed forms, for models whose factors share one orthogonal basis (the §5.1 construction, the
//!   homogeneous model and user spectra): A_k = U diag(s_k) U^T, so A_k^T A_j = U diag(s_k s_j) U^T
//!   and every quantity is a sum or a maximum over the spectra — exact, O(K^2 d);
//! - a numerical route for dense, user-given A_k (any d up to a few thousand): singular values of
//!   A_k by faer's SVD, ||A_k^T A_j||_F^2 = <A_k A_k^T, A_j A_j^T>_F from the Gram matrices, and
//!   ||A_k^T A_j||_op^2 = lambda_max(A_j^T (A_k A_k^T) A_j) by block power (subspace) iteration with
//!   Rayleigh–Ritz, stopped on a residual bound. The tests run both on the same models.

#![allow(clippy::needless_range_loop)] // index loops over classes read clearer here

use faer::dyn_stack::{MemBuffer, MemStack};
use schemars::JsonSchema;
use serde::Serialize;

use crate::data::DataModel;
use crate::error::{check_alloc, Error, Result};
use crate::linalg::{self, Par, View};
use crate::rng::{Purpose, Stream};
use crate::util;

/// Index offset of the start vectors of the power iteration in the `Misc` stream family
/// ("theory" in ASCII), so no other draw shares them.
const POWER_STREAM: u64 = 0x7468_656f_7279_0000;

/// The per-class and per-pair matrix quantities.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Spectra {
    /// Tr(A_k^T A_k) = ||A_k||_F^2.
    pub trace: Vec<f64>,
    /// ||A_k^T A_j||_F^2, K x K.
    pub frob_sq: Vec<Vec<f64>>,
    /// ||A_k^T A_j||_op (largest singular value), K x K.
    pub op_norm: Vec<Vec<f64>>,
    /// Numerical rank of A_k: singular values above `rank_tol * max singular value`.
    pub rank: Vec<usize>,
    /// Largest singular value of A_k.
    pub lambda_max_plus: Vec<f64>,
    /// Smallest singular value of A_k counted in the rank (the smallest non-zero one).
    pub lambda_min_plus: Vec<f64>,
    /// "closed-form" or "numeric".
    pub method: &'static str,
    /// The relative tolerance of the rank.
    pub rank_tol: f64,
    /// How the operator norms were found (numeric route only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power: Option<PowerReport>,
}

/// What the power iteration did, over all pairs.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PowerReport {
    pub block: usize,
    pub tol: f64,
    pub max_iterations: usize,
    /// The most iterations any pair needed.
    pub iterations: usize,
    /// Largest relative residual ||M x - theta x|| / theta over the pairs at the end.
    pub residual: f64,
    /// Every pair reached the tolerance.
    pub converged: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct PowerOptions {
    pub block: usize,
    pub tol: f64,
    pub max_iterations: usize,
}

impl Default for PowerOptions {
    fn default() -> Self {
        PowerOptions { block: 8, tol: 1e-10, max_iterations: 3000 }
    }
}

/// numpy.linalg.matrix_rank's default tolerance for a d x d matrix of the given precision.
pub fn default_rank_tol(d: usize, eps: f64) -> f64 {
    d as f64 * eps
}

fn rank_and_extremes(sv: &[f64], tol: f64) -> (usize, f64, f64) {
    let max = sv.iter().cloned().fold(0.0f64, f64::max);
    if max <= 0.0 {
        return (0, 0.0, 0.0);
    }
    let cut = tol * max;
    let kept: Vec<f64> = sv.iter().cloned().filter(|&s| s > cut).collect();
    let min = kept.iter().cloned().fold(f64::INFINITY, f64::min);
    (kept.len(), max, min)
}

/// Whether the model has closed forms (frame and spectral factors).
pub fn closed_form_available(model: &DataModel) -> bool {
    !matches!(model.factors, crate::data::Factors::Explicit { .. })
}

/// Closed forms for models with a shared eigenbasis (frame and spectral factors); None for
/// explicit factors.
pub fn closed_form(model: &DataModel, rank_tol: Option<f64>, par: Par) -> Option<Spectra> {
    let k = model.k;
    let spectra: Vec<Vec<f64>> = (0..k).map(|c| model.closed_form_spectrum(c)).collect::<Option<_>>()?;
    let tol = rank_tol.unwrap_or_else(|| default_rank_tol(model.d, f64::EPSILON));
    let frob_sq = model.frob_sq(par);
    let mut op_norm = vec![vec![0.0; k]; k];
    for a in 0..k {
        for c in 0..k {
            op_norm[a][c] = spectra[a].iter().zip(&spectra[c]).map(|(x, y)| (x * y).abs()).fold(0.0, f64::max);
        }
    }
    let mut rank = Vec::with_capacity(k);
    let mut lmax = Vec::with_capacity(k);
    let mut lmin = Vec::with_capacity(k);
    for s in &spectra {
        let abs: Vec<f64> = s.iter().map(|v| v.abs()).collect();
        let (r, hi, lo) = rank_and_extremes(&abs, tol);
        rank.push(r);
        lmax.push(hi);
        lmin.push(lo);
    }
    Some(Spectra {
        trace: (0..k).map(|c| model.trace(c)).collect(),
        frob_sq,
        op_norm,
        rank,
        lambda_max_plus: lmax,
        lambda_min_plus: lmin,
        method: "closed-form",
        rank_tol: tol,
        power: None,
    })
}

/// Singular values of a row-major `rows x cols` matrix with the given parallelism (largest first).
pub fn singular_values(a: &[f64], rows: usize, cols: usize, par: Par) -> Result<Vec<f64>> {
    if a.len() != rows * cols {
        return Err(Error::Internal { detail: format!("singular_values: {} values for {rows} x {cols}", a.len()) });
    }
    if rows == 0 || cols == 0 {
        return Ok(Vec::new());
    }
    use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors};
    // faer prefers column-major: a row-major rows x cols buffer is the column-major view of the
    // transpose, which has the same singular values.
    let m = faer::MatRef::from_column_major_slice(a, cols, rows);
    let size = rows.min(cols);
    let mut s = faer::diag::Diag::<f64>::zeros(size);
    let fpar = par.faer();
    let req = svd_scratch::<f64>(cols, rows, ComputeSvdVectors::No, ComputeSvdVectors::No, fpar, Default::default());
    let mut buf = MemBuffer::new(req);
    svd(m, s.as_mut(), None, None, fpar, MemStack::new(&mut buf), Default::default())
        .map_err(|e| Error::Numerical { op: "singular values".into(), detail: format!("{e:?}") })?;
    let mut out: Vec<f64> = s.column_vector().iter().cloned().collect();
    out.sort_by(|x, y| y.partial_cmp(x).unwrap_or(std::cmp::Ordering::Equal));
    Ok(out)
}

/// Numerical route for dense factors `a` (K x d x d, row-major A_k). `eps` is the precision of
/// the input (f32::EPSILON for user arrays given as float32), used for the default rank tolerance.
#[allow(clippy::too_many_arguments)]
pub fn numeric(a: &[f64], k: usize, d: usize, eps: f64, rank_tol: Option<f64>, power: PowerOptions, memory_limit: u64, par: Par) -> Result<Spectra> {
    let mut job = NumericJob::new(k, d, eps, rank_tol, power, memory_limit, par)?;
    while !job.step(a)? {}
    job.finish()
}

/// The numerical route as a sequence of units (one SVD, one Gram matrix or one pair's power
/// iteration each), so a caller can report progress and stop between them. The factors are
/// passed to every step (K x d x d, row-major), so the job holds no copy of them.
pub struct NumericJob {
    k: usize,
    d: usize,
    tol: f64,
    power: PowerOptions,
    par: Par,
    done: usize,
    trace: Vec<f64>,
    rank: Vec<usize>,
    lmax: Vec<f64>,
    lmin: Vec<f64>,
    grams: Vec<Vec<f64>>,
    frob_sq: Vec<Vec<f64>>,
    op_norm: Vec<Vec<f64>>,
    pairs: Vec<(usize, usize)>,
    report: PowerReport,
}

impl NumericJob {
    #[allow(clippy::too_many_arguments)]
    pub fn new(k: usize, d: usize, eps: f64, rank_tol: Option<f64>, power: PowerOptions, memory_limit: u64, par: Par) -> Result<NumericJob> {
        // The Gram matrices, faer's work space for one SVD, and the power-iteration blocks.
        check_alloc(
            &format!("the Gram matrices A_k A_k^T of {k} classes in dimension {d}"),
            (k as u128 + 1) * (d as u128) * (d as u128) + 8 * d as u128 * 8,
            8,
            memory_limit,
        )?;
        let block = power.block.clamp(1, d.max(1));
        let pairs = (0..k).flat_map(|x| (0..x).map(move |y| (x, y))).collect();
        Ok(NumericJob {
            k,
            d,
            tol: rank_tol.unwrap_or_else(|| default_rank_tol(d, eps)),
            power,
            par,
            done: 0,
            trace: Vec::with_capacity(k),
            rank: Vec::with_capacity(k),
            lmax: Vec::with_capacity(k),
            lmin: Vec::with_capacity(k),
            grams: Vec::with_capacity(k),
            frob_sq: vec![vec![0.0; k]; k],
            op_norm: vec![vec![0.0; k]; k],
            pairs,
            report: PowerReport { block, tol: power.tol, max_iterations: power.max_iterations, iterations: 0, residual: 0.0, converged: true },
        })
    }

    /// Units of work: K singular-value decompositions, K Gram matrices, K (K - 1) / 2 pairs.
    pub fn total(&self) -> usize {
        2 * self.k + self.pairs.len()
    }

    pub fn done(&self) -> usize {
        self.done
    }

    /// Do one unit on the factors `a`; true when everything is done.
    pub fn step(&mut self, a: &[f64]) -> Result<bool> {
        let (k, d) = (self.k, self.d);
        let dd = d * d;
        if a.len() != k * dd {
            return Err(Error::shape("theory (numeric spectra)", format!("{} values for K x d x d = {k} x {d} x {d}", a.len())));
        }
        let i = self.done;
        if i >= self.total() {
            return Ok(true);
        }
        if i < k {
            // Singular values, sequential so the result does not depend on the thread count.
            let ac = &a[i * dd..(i + 1) * dd];
            self.trace.push(util::dot_serial_f64(ac, ac));
            let sv = singular_values(ac, d, d, Par::Seq)?;
            let (r, hi, lo) = rank_and_extremes(&sv, self.tol);
            self.rank.push(r);
            self.lmax.push(hi);
            self.lmin.push(lo);
            self.op_norm[i][i] = hi * hi;
        } else if i < 2 * k {
            let c = i - k;
            let ac = &a[c * dd..(c + 1) * dd];
            let mut g = vec![0.0; dd];
            linalg::gemm_f64(&mut g, View::rm(d, d, d), 0.0, ac, View::rm(d, d, d), ac, View::rm_t(d, d, d), 1.0, self.par);
            for (y, gy) in self.grams.iter().enumerate() {
                let f = util::dot_serial_f64(&g, gy);
                self.frob_sq[c][y] = f;
                self.frob_sq[y][c] = f;
            }
            self.frob_sq[c][c] = util::dot_serial_f64(&g, &g);
            self.grams.push(g);
        } else {
            let (x, y) = self.pairs[i - 2 * k];
            let r = top_eigenvalue(&self.grams[x], &a[y * dd..(y + 1) * dd], d, self.power, (x * k + y) as u64, self.par)?;
            self.report.iterations = self.report.iterations.max(r.iterations);
            self.report.residual = self.report.residual.max(r.residual);
            self.report.converged &= r.converged;
            let op = r.value.max(0.0).sqrt();
            self.op_norm[x][y] = op;
            self.op_norm[y][x] = op;
        }
        self.done += 1;
        Ok(self.done >= self.total())
    }

    pub fn finish(self) -> Result<Spectra> {
        if self.done < self.total() {
            return Err(Error::Internal { detail: format!("numeric spectra finished after {} of {} units", self.done, self.total()) });
        }
        Ok(Spectra {
            trace: self.trace,
            frob_sq: self.frob_sq,
            op_norm: self.op_norm,
            rank: self.rank,
            lambda_max_plus: self.lmax,
            lambda_min_plus: self.lmin,
            method: "numeric",
            rank_tol: self.tol,
            power: Some(self.report),
        })
    }
}

pub struct TopEigen {
    pub value: f64,
    pub iterations: usize,
    pub residual: f64,
    pub converged: bool,
}

/// Orthonormalise the `b` columns of a row-major d x b block in place (modified Gram–Schmidt,
/// twice). A column that vanishes is replaced by a fresh random direction.
fn orthonormalise(x: &mut [f64], d: usize, b: usize, s: &mut Stream) {
    for j in 0..b {
        for attempt in 0..4 {
            for _pass in 0..2 {
                for i in 0..j {
                    let mut p = 0.0;
                    for r in 0..d {
                        p += x[r * b + i] * x[r * b + j];
                    }
                    for r in 0..d {
                        x[r * b + j] -= p * x[r * b + i];
                    }
                }
            }
            let mut nrm = 0.0;
            for r in 0..d {
                nrm += x[r * b + j] * x[r * b + j];
            }
            let nrm = nrm.sqrt();
            if nrm > 1e-300 && (attempt > 0 || nrm.is_finite()) {
                for r in 0..d {
                    x[r * b + j] /= nrm;
                }
                break;
            }
            for r in 0..d {
                x[r * b + j] = s.normal();
            }
        }
    }
}

/// lambda_max(M) for M = A^T G A (symmetric positive semi-definite; G = A_k A_k^T, A = A_j, both
/// d x d row-major) by subspace iteration on a block of `power.block` vectors with Rayleigh–Ritz.
/// Stops when the top Ritz pair (theta, x) has ||M x - theta x|| <= tol * theta; for a symmetric
/// matrix the eigenvalue error is then at most ||r||^2 / gap (and at most ||r||).
pub fn top_eigenvalue(g: &[f64], a: &[f64], d: usize, power: PowerOptions, stream: u64, par: Par) -> Result<TopEigen> {
    let b = power.block.clamp(1, d.max(1));
    let mut s = Stream::new(0, Purpose::Misc, POWER_STREAM + stream);
    let mut x = vec![0.0f64; d * b];
    for v in x.iter_mut() {
        *v = s.normal();
    }
    orthonormalise(&mut x, d, b, &mut s);
    let mut y1 = vec![0.0f64; d * b];
    let mut y2 = vec![0.0f64; d * b];
    let mut z = vec![0.0f64; d * b];
    let mut last = TopEigen { value: 0.0, iterations: 0, residual: f64::INFINITY, converged: false };
    for it in 1..=power.max_iterations.max(1) {
        // Z = A^T (G (A X)) = M X.
        linalg::gemm_f64(&mut y1, View::rm(d, b, b), 0.0, a, View::rm(d, d, d), &x, View::rm(d, b, b), 1.0, par);
        linalg::gemm_f64(&mut y2, View::rm(d, b, b), 0.0, g, View::rm(d, d, d), &y1, View::rm(d, b, b), 1.0, par);
        linalg::gemm_f64(&mut z, View::rm(d, b, b), 0.0, a, View::rm_t(d, d, d), &y2, View::rm(d, b, b), 1.0, par);
        // Rayleigh–Ritz: H = X^T Z (b x b, symmetrised against rounding).
        let mut h = faer::Mat::<f64>::zeros(b, b);
        for i in 0..b {
            for j in 0..b {
                let mut p = 0.0;
                for r in 0..d {
                    p += x[r * b + i] * z[r * b + j];
                }
                h[(i, j)] = p;
            }
        }
        for i in 0..b {
            for j in 0..i {
                let v = 0.5 * (h[(i, j)] + h[(j, i)]);
                h[(i, j)] = v;
                h[(j, i)] = v;
            }
        }
        let evd = h
            .self_adjoint_eigen(faer::Side::Lower)
            .map_err(|e| Error::Numerical { op: "power iteration (Rayleigh–Ritz)".into(), detail: format!("{e:?}") })?;
        let top = b - 1; // eigenvalues in nondecreasing order
        let theta = evd.S().column_vector()[top];
        let hv: Vec<f64> = (0..b).map(|i| evd.U()[(i, top)]).collect();
        // Residual of the Ritz pair: r = Z h - theta X h.
        let mut rn = 0.0;
        for r in 0..d {
            let mut zh = 0.0;
            let mut xh = 0.0;
            for i in 0..b {
                zh += z[r * b + i] * hv[i];
                xh += x[r * b + i] * hv[i];
            }
            let e = zh - theta * xh;
            rn += e * e;
        }
        let rn = rn.sqrt();
        if !theta.is_finite() || !rn.is_finite() {
            return Err(Error::Numerical { op: "power iteration".into(), detail: "non-finite Ritz value (are the noise factors finite?)".into() });
        }
        let rel = if theta > 0.0 { rn / theta } else { 0.0 };
        last = TopEigen { value: theta, iterations: it, residual: rel, converged: theta <= 0.0 || rel <= power.tol };
        if last.converged {
            // theta == 0 means M X = 0 for an orthonormal X of full column rank... only when M is
            // (numerically) zero on a random subspace, i.e. M = 0.
            break;
        }
        x.copy_from_slice(&z);
        orthonormalise(&mut x, d, b, &mut s);
    }
    Ok(last)
}

#[cfg(test)]
mod tests;
