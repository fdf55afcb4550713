//! The heterogeneous feature–noise data model of §2 and the synthetic construction of §5.1.
//!
//! A sample is x = (x1, x2) in R^{2 x d}: one patch (chosen uniformly) is the class feature u_y,
//! the other is noise xi = A_y zeta with zeta iid symmetric, variance 1, and u_k^T A_y = 0.
//!
//! Noise factors are A_k = U diag(s_k) U^T with U Haar-random orthogonal; s_k is zero on the K
//! feature directions U e_1..U e_K. For the §5.1 construction (and the homogeneous model) s_k is
//! one value `base` on every noise direction except U e_{K+k}, where it is lambda_k, so only the
//! first 2K columns of U matter: A_k zeta = base (zeta - Q_K Q_K^T zeta) + (lambda_k - base) q q^T zeta
//! with q = U e_{K+k}. That costs O(d K) per sample instead of O(d^2), and is exact.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::linalg::{self, Par, View};
use crate::rng::{Purpose, Stream};
use crate::util::{self, par_rows};

mod config;

pub use config::{lambda_for_gamma, DataConfig, ModelName, ModelSpec, NoiseKind, OneOrMany};

/// User-supplied arrays for the `explicit` model.
pub struct ExplicitModel<'a> {
    /// K x d, row k is u_k.
    pub features: &'a [f32],
    /// K x d x d, A_k row-major.
    pub noise_factors: &'a [f32],
}

/// How A_k is represented internally.
#[derive(Clone, Debug)]
pub enum Factors {
    /// A_k = base (I - Q_K Q_K^T) + (lambda_k - base) q_{K+k} q_{K+k}^T; `frame` holds 2K rows of
    /// length d (row j = U e_{j+1}).
    Frame { frame: Vec<f64>, base: f64, lambda: Vec<f64> },
    /// A_k = U diag(s_k) U^T with U d x d row-major and s_k of length d (zero on the first K).
    Spectral { u: Vec<f64>, spectra: Vec<Vec<f64>> },
    /// A_k given densely, K x d x d row-major.
    Explicit { a: Vec<f64> },
}

/// The data distribution: features, noise factors and the noise law.
#[derive(Clone, Debug)]
pub struct DataModel {
    pub k: usize,
    pub d: usize,
    pub noise: NoiseKind,
    /// K x d, row k is u_k.
    pub features: Vec<f64>,
    pub factors: Factors,
    pub kind: &'static str,
}

/// Exact description of a data model, written next to every dataset.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelDescription {
    pub kind: String,
    pub classes: usize,
    pub dim: usize,
    pub noise: NoiseKind,
    pub feature_norms: Vec<f64>,
    /// The class-specific eigenvalue lambda_k (frame models only).
    pub lambda: Option<Vec<f64>>,
    pub base_eigenvalue: Option<f64>,
    /// Tr(A_k^T A_k).
    pub trace: Vec<f64>,
    /// ||A_k^T A_j||_F^2, K x K.
    pub frob_sq: Vec<Vec<f64>>,
    /// The size-free noise correlation ratio ||A_k^T A_k||_F^2 / ||A_k^T A_j||_F^2 (null on the diagonal).
    pub gamma: Vec<Vec<Option<f64>>>,
    /// Gamma_{k,j} = |S_k| ||A_k^T A_k||_F^2 / (|S_j| ||A_k^T A_j||_F^2) with the training class sizes.
    pub gamma_sized: Vec<Vec<Option<f64>>>,
    pub train_class_sizes: Vec<usize>,
    pub test_class_sizes: Vec<usize>,
}

/// A generated dataset. Arrays are row-major; x is n x 2 x d.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub k: usize,
    pub d: usize,
    pub train_x: Vec<f32>,
    pub train_y: Vec<i32>,
    /// Index (0 or 1) of the feature patch of each training sample.
    pub train_pos: Vec<u8>,
    pub test_x: Vec<f32>,
    pub test_y: Vec<i32>,
    pub test_pos: Vec<u8>,
    pub features: Vec<f32>,
    pub description: ModelDescription,
}

impl Dataset {
    pub fn n_train(&self) -> usize {
        self.train_y.len()
    }
    pub fn n_test(&self) -> usize {
        self.test_y.len()
    }
}

impl DataModel {
    /// Build the model (features and noise factors) from a config.
    pub fn build(cfg: &DataConfig, explicit: Option<ExplicitModel<'_>>, par: Par) -> Result<DataModel> {
        let (_, _, norms) = cfg.validate()?;
        match &cfg.model {
            ModelSpec::Named(ModelName::Heterogeneous) | ModelSpec::Named(ModelName::Homogeneous) => frame_model(cfg, &norms),
            ModelSpec::Spectra { spectra } => Ok(spectral_model(cfg, &norms, spectra, par)),
            ModelSpec::Named(ModelName::Explicit) => explicit_model(cfg, explicit),
        }
    }

    /// The d x d matrix A_k (row-major), formed densely.
    pub fn dense_factor(&self, c: usize) -> Vec<f64> {
        let d = self.d;
        match &self.factors {
            Factors::Frame { frame, base, lambda } => {
                let mut a = vec![0.0; d * d];
                for i in 0..d {
                    a[i * d + i] = *base;
                }
                for f in 0..self.k {
                    let q = &frame[f * d..(f + 1) * d];
                    for i in 0..d {
                        for j in 0..d {
                            a[i * d + j] -= base * q[i] * q[j];
                        }
                    }
                }
                let q = &frame[(self.k + c) * d..(self.k + c + 1) * d];
                let w = lambda[c] - base;
                for i in 0..d {
                    for j in 0..d {
                        a[i * d + j] += w * q[i] * q[j];
                    }
                }
                a
            }
            Factors::Spectral { u, spectra } => {
                // U diag(s) U^T
                let s = &spectra[c];
                let mut us = u.clone();
                for i in 0..d {
                    for j in 0..d {
                        us[i * d + j] *= s[j];
                    }
                }
                let mut a = vec![0.0; d * d];
                linalg::gemm_f64(&mut a, View::rm(d, d, d), 0.0, &us, View::rm(d, d, d), u, View::rm_t(d, d, d), 1.0, Par::auto());
                a
            }
            Factors::Explicit { a } => a[c * d * d..(c + 1) * d * d].to_vec(),
        }
    }

    /// Eigen/singular values of A_k when the model gives them in closed form (frame and spectral).
    pub fn closed_form_spectrum(&self, c: usize) -> Option<Vec<f64>> {
        match &self.factors {
            Factors::Frame { base, lambda, .. } => {
                let mut s = vec![0.0; self.k];
                s.extend(std::iter::repeat_n(*base, self.d - self.k));
                s[self.k + c] = lambda[c];
                Some(s)
            }
            Factors::Spectral { spectra, .. } => Some(spectra[c].clone()),
            Factors::Explicit { .. } => None,
        }
    }

    /// ||A_k^T A_j||_F^2 for all k, j: exact sums of s_k^2 s_j^2 for the frame and spectral models,
    /// <A_k A_k^T, A_j A_j^T>_F for explicit factors.
    pub fn frob_sq(&self, par: Par) -> Vec<Vec<f64>> {
        let k = self.k;
        let mut f = vec![vec![0.0; k]; k];
        match &self.factors {
            Factors::Frame { base, lambda, .. } => {
                let dn = (self.d - k) as f64;
                let b2 = base * base;
                for a in 0..k {
                    for c in 0..k {
                        let (la, lc) = (lambda[a] * lambda[a], lambda[c] * lambda[c]);
                        f[a][c] = if a == c { (dn - 1.0) * b2 * b2 + la * la } else { (dn - 2.0) * b2 * b2 + b2 * (la + lc) };
                    }
                }
            }
            Factors::Spectral { spectra, .. } => {
                for a in 0..k {
                    for c in 0..k {
                        f[a][c] = spectra[a].iter().zip(&spectra[c]).map(|(x, y)| x * x * y * y).sum();
                    }
                }
            }
            Factors::Explicit { a } => {
                let d = self.d;
                let grams: Vec<Vec<f64>> = (0..k)
                    .map(|c| {
                        let ac = &a[c * d * d..(c + 1) * d * d];
                        let mut g = vec![0.0; d * d];
                        linalg::gemm_f64(&mut g, View::rm(d, d, d), 0.0, ac, View::rm(d, d, d), ac, View::rm_t(d, d, d), 1.0, par);
                        g
                    })
                    .collect();
                for x in 0..k {
                    for y in 0..=x {
                        let v = util::dot_serial_f64(&grams[x], &grams[y]);
                        f[x][y] = v;
                        f[y][x] = v;
                    }
                }
            }
        }
        f
    }

    /// Tr(A_k^T A_k) = ||A_k||_F^2.
    pub fn trace(&self, c: usize) -> f64 {
        match self.closed_form_spectrum(c) {
            Some(s) => s.iter().map(|x| x * x).sum(),
            None => {
                let Factors::Explicit { a } = &self.factors else { unreachable!() };
                let d = self.d;
                util::dot_serial_f64(&a[c * d * d..(c + 1) * d * d], &a[c * d * d..(c + 1) * d * d])
            }
        }
    }

    pub fn describe(&self, train_sizes: &[usize], test_sizes: &[usize], par: Par) -> ModelDescription {
        let k = self.k;
        let frob = self.frob_sq(par);
        let gamma = (0..k).map(|a| (0..k).map(|c| if a == c { None } else { Some(frob[a][a] / frob[a][c]) }).collect()).collect();
        let gamma_sized = (0..k)
            .map(|a| (0..k).map(|c| if a == c { None } else { Some(train_sizes[a] as f64 * frob[a][a] / (train_sizes[c] as f64 * frob[a][c])) }).collect())
            .collect();
        let (lambda, base) = match &self.factors {
            Factors::Frame { base, lambda, .. } => (Some(lambda.clone()), Some(*base)),
            _ => (None, None),
        };
        ModelDescription {
            kind: self.kind.to_string(),
            classes: k,
            dim: self.d,
            noise: self.noise,
            feature_norms: (0..k)
                .map(|c| util::dot_serial_f64(&self.features[c * self.d..(c + 1) * self.d], &self.features[c * self.d..(c + 1) * self.d]).sqrt())
                .collect(),
            lambda,
            base_eigenvalue: base,
            trace: (0..k).map(|c| self.trace(c)).collect(),
            frob_sq: frob,
            gamma,
            gamma_sized,
            train_class_sizes: train_sizes.to_vec(),
            test_class_sizes: test_sizes.to_vec(),
        }
    }

    /// Draw one noise patch xi = A_c zeta for the frame model, writing it (as f64) into `out`.
    /// `zeta` is scratch of length d.
    fn frame_noise(&self, c: usize, s: &mut Stream, zeta: &mut [f64], out: &mut [f64]) {
        let d = self.d;
        let Factors::Frame { frame, base, lambda } = &self.factors else { unreachable!() };
        for z in zeta.iter_mut() {
            *z = self.noise.draw(s);
        }
        for (o, z) in out.iter_mut().zip(zeta.iter()) {
            *o = base * z;
        }
        for f in 0..self.k {
            let q = &frame[f * d..(f + 1) * d];
            let p = base * util::dot_serial_f64(q, zeta);
            for (o, qv) in out.iter_mut().zip(q) {
                *o -= p * qv;
            }
        }
        let q = &frame[(self.k + c) * d..(self.k + c + 1) * d];
        let p = (lambda[c] - base) * util::dot_serial_f64(q, zeta);
        for (o, qv) in out.iter_mut().zip(q) {
            *o += p * qv;
        }
    }

    /// Noise patches for the given labels, row i drawn from stream (seed, purpose, first + i).
    /// Returns n x d (f64).
    pub fn noise_patches(&self, labels: &[i32], seed: u64, purpose: Purpose, first: u64, par: Par) -> Vec<f64> {
        let d = self.d;
        let n = labels.len();
        let mut xi = vec![0.0f64; n * d];
        match &self.factors {
            Factors::Frame { .. } => {
                let work = |(i, row): (usize, &mut [f64])| {
                    let mut s = Stream::new(seed, purpose, first + i as u64);
                    let mut zeta = vec![0.0; d];
                    self.frame_noise(labels[i] as usize, &mut s, &mut zeta, row);
                };
                par_rows(&mut xi, d, par, work);
            }
            Factors::Spectral { u, spectra } => {
                let mut zeta = vec![0.0f64; n * d];
                par_rows(&mut zeta, d, par, |(i, row): (usize, &mut [f64])| {
                    let mut s = Stream::new(seed, purpose, first + i as u64);
                    for z in row.iter_mut() {
                        *z = self.noise.draw(&mut s);
                    }
                });
                // t = zeta U (row i = (U^T zeta_i)^T), scaled by s_{y_i}, then xi = t U^T.
                let mut t = vec![0.0f64; n * d];
                linalg::gemm_f64(&mut t, View::rm(n, d, d), 0.0, &zeta, View::rm(n, d, d), u, View::rm(d, d, d), 1.0, par);
                for i in 0..n {
                    let s = &spectra[labels[i] as usize];
                    for (tv, sv) in t[i * d..(i + 1) * d].iter_mut().zip(s) {
                        *tv *= sv;
                    }
                }
                linalg::gemm_f64(&mut xi, View::rm(n, d, d), 0.0, &t, View::rm(n, d, d), u, View::rm_t(d, d, d), 1.0, par);
            }
            Factors::Explicit { a } => {
                let mut zeta = vec![0.0f64; n * d];
                par_rows(&mut zeta, d, par, |(i, row): (usize, &mut [f64])| {
                    let mut s = Stream::new(seed, purpose, first + i as u64);
                    for z in row.iter_mut() {
                        *z = self.noise.draw(&mut s);
                    }
                });
                // Row i of xi = zeta_i^T A_y^T, one GEMM per class over the rows of that class.
                for c in 0..self.k {
                    let idx: Vec<usize> = (0..n).filter(|&i| labels[i] as usize == c).collect();
                    if idx.is_empty() {
                        continue;
                    }
                    let mut zc = vec![0.0; idx.len() * d];
                    for (r, &i) in idx.iter().enumerate() {
                        zc[r * d..(r + 1) * d].copy_from_slice(&zeta[i * d..(i + 1) * d]);
                    }
                    let mut out = vec![0.0; idx.len() * d];
                    let ac = &a[c * d * d..(c + 1) * d * d];
                    linalg::gemm_f64(&mut out, View::rm(idx.len(), d, d), 0.0, &zc, View::rm(idx.len(), d, d), ac, View::rm_t(d, d, d), 1.0, par);
                    for (r, &i) in idx.iter().enumerate() {
                        xi[i * d..(i + 1) * d].copy_from_slice(&out[r * d..(r + 1) * d]);
                    }
                }
            }
        }
        xi
    }
}

/// The §5.1 and homogeneous models: a Haar frame of 2K directions, features along the first K.
fn frame_model(cfg: &DataConfig, norms: &[f64]) -> Result<DataModel> {
    let (k, d) = (cfg.classes, cfg.dim);
    let homogeneous = cfg.model == ModelSpec::Named(ModelName::Homogeneous);
    let frame = linalg::haar_frame(cfg.seed, d, 2 * k);
    let base = if homogeneous { 1.0 } else { cfg.base_eigenvalue };
    let lambda = if homogeneous {
        if cfg.lambda.is_some() {
            return Err(Error::invalid("data.lambda", "an array", "no lambda with model \"homogeneous\" (every noise eigenvalue is 1)"));
        }
        vec![1.0; k]
    } else if let Some(l) = &cfg.lambda {
        l.clone()
    } else {
        vec![lambda_for_gamma(cfg.gamma.unwrap_or(1.0), d - k, base); k]
    };
    let mut features = vec![0.0; k * d];
    for c in 0..k {
        for j in 0..d {
            features[c * d + j] = norms[c] * frame[c * d + j];
        }
    }
    Ok(DataModel {
        k,
        d,
        noise: cfg.noise,
        features,
        factors: Factors::Frame { frame, base, lambda },
        kind: if homogeneous { "homogeneous" } else { "heterogeneous" },
    })
}

/// User-given spectra: a full Haar-random U, features along its first K columns.
fn spectral_model(cfg: &DataConfig, norms: &[f64], spectra: &[Vec<f64>], par: Par) -> DataModel {
    let (k, d) = (cfg.classes, cfg.dim);
    let u = linalg::haar_full(cfg.seed, d, par);
    let mut features = vec![0.0; k * d];
    for c in 0..k {
        for i in 0..d {
            features[c * d + i] = norms[c] * u[i * d + c];
        }
    }
    let full = spectra
        .iter()
        .map(|s| {
            let mut f = vec![0.0; k];
            f.extend_from_slice(s);
            f
        })
        .collect();
    DataModel { k, d, noise: cfg.noise, features, factors: Factors::Spectral { u, spectra: full }, kind: "spectra" }
}

/// User-given arrays (model "explicit"), checked against §2.
fn explicit_model(cfg: &DataConfig, explicit: Option<ExplicitModel<'_>>) -> Result<DataModel> {
    let (k, d) = (cfg.classes, cfg.dim);
    let ex = explicit.ok_or_else(|| Error::invalid("data.model", "\"explicit\"", "noiseFactors (K x d x d) and features (K x d) arrays given with it"))?;
    if ex.features.len() != k * d {
        return Err(Error::invalid("features", format!("an array of {} numbers", ex.features.len()), format!("classes x dim = {k} x {d} = {}", k * d)));
    }
    if ex.noise_factors.len() != k * d * d {
        return Err(Error::invalid("noiseFactors", format!("an array of {} numbers", ex.noise_factors.len()), format!("classes x dim x dim = {}", k * d * d)));
    }
    if let Some(i) = ex.features.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(format!("features[{i}]"), ex.features[i], "a finite number"));
    }
    if let Some(i) = ex.noise_factors.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(format!("noiseFactors[{i}]"), ex.noise_factors[i], "a finite number"));
    }
    let features: Vec<f64> = ex.features.iter().map(|&v| v as f64).collect();
    let a: Vec<f64> = ex.noise_factors.iter().map(|&v| v as f64).collect();
    check_explicit(&features, &a, k, d)?;
    Ok(DataModel { k, d, noise: cfg.noise, features, factors: Factors::Explicit { a }, kind: "explicit" })
}

/// The explicit model's arrays satisfy §2: features orthogonal, u_k^T A_y = 0 for every k, y.
fn check_explicit(features: &[f64], a: &[f64], k: usize, d: usize) -> Result<()> {
    for i in 0..k {
        let ui = &features[i * d..(i + 1) * d];
        let ni = util::dot_serial_f64(ui, ui).sqrt();
        for j in 0..i {
            let uj = &features[j * d..(j + 1) * d];
            let nj = util::dot_serial_f64(uj, uj).sqrt();
            let p = util::dot_serial_f64(ui, uj);
            if p.abs() > 1e-5 * ni * nj + 1e-12 {
                return Err(Error::invalid(format!("features[{i}]"), format!("<u_{i}, u_{j}> = {p:.3e}"), "orthogonal features (the data model of §2)"));
            }
        }
    }
    for y in 0..k {
        let ay = &a[y * d * d..(y + 1) * d * d];
        let fro = util::dot_serial_f64(ay, ay).sqrt();
        for c in 0..k {
            let u = &features[c * d..(c + 1) * d];
            let nu = util::dot_serial_f64(u, u).sqrt();
            // ||u^T A_y||
            let mut worst = 0.0f64;
            let mut row = vec![0.0f64; d];
            for i in 0..d {
                let ui = u[i];
                if ui != 0.0 {
                    for (r, v) in row.iter_mut().zip(&ay[i * d..(i + 1) * d]) {
                        *r += ui * v;
                    }
                }
            }
            worst = worst.max(util::dot_serial_f64(&row, &row).sqrt());
            if worst > 1e-4 * nu * fro + 1e-9 {
                return Err(Error::invalid(
                    format!("noiseFactors[{y}]"),
                    format!("||u_{c}^T A_{y}|| = {worst:.3e}"),
                    "u_k^T A_y = 0 for every class k and y (noise orthogonal to every feature, §2)",
                ));
            }
        }
    }
    Ok(())
}

fn labels_for(sizes: &[usize], seed: u64, purpose: Purpose) -> Vec<i32> {
    let mut y: Vec<i32> = sizes.iter().enumerate().flat_map(|(c, &n)| std::iter::repeat_n(c as i32, n)).collect();
    Stream::new(seed, purpose, 0).shuffle(&mut y);
    y
}

fn positions(n: usize, seed: u64, purpose: Purpose) -> Vec<u8> {
    let mut s = Stream::new(seed, purpose, 0);
    (0..n).map(|_| (s.next_u64() >> 63) as u8).collect()
}

fn assemble(model: &DataModel, y: &[i32], pos: &[u8], xi: &[f64]) -> Vec<f32> {
    let d = model.d;
    let mut x = vec![0.0f32; y.len() * 2 * d];
    for i in 0..y.len() {
        let p = pos[i] as usize;
        let c = y[i] as usize;
        let (feat, noise) = if p == 0 { (0, 1) } else { (1, 0) };
        let base = i * 2 * d;
        for j in 0..d {
            x[base + feat * d + j] = model.features[c * d + j] as f32;
            x[base + noise * d + j] = xi[i * d + j] as f32;
        }
    }
    x
}

/// Generate a training and a test set from a config (and user arrays for the explicit model).
pub fn generate(cfg: &DataConfig, explicit: Option<ExplicitModel<'_>>, par: Par) -> Result<(DataModel, Dataset)> {
    let (per, test, _) = cfg.validate()?;
    let model = DataModel::build(cfg, explicit, par)?;
    let train_y = labels_for(&per, cfg.seed, Purpose::TrainLabels);
    let test_y = labels_for(&test, cfg.seed, Purpose::TestLabels);
    let train_pos = positions(train_y.len(), cfg.seed, Purpose::TrainPosition);
    let test_pos = positions(test_y.len(), cfg.seed, Purpose::TestPosition);
    let xi = model.noise_patches(&train_y, cfg.seed, Purpose::TrainNoise, 0, par);
    let train_x = assemble(&model, &train_y, &train_pos, &xi);
    drop(xi);
    let xi = model.noise_patches(&test_y, cfg.seed, Purpose::TestNoise, 0, par);
    let test_x = assemble(&model, &test_y, &test_pos, &xi);
    drop(xi);
    let description = model.describe(&per, &test, par);
    let features = model.features.iter().map(|&v| v as f32).collect();
    let ds = Dataset { k: model.k, d: model.d, train_x, train_y, train_pos, test_x, test_y, test_pos, features, description };
    Ok((model, ds))
}

#[cfg(test)]
mod tests;
