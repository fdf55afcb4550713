//! The forward pass of eq. 1 in f64, for measuring trained weights (Lemmas 3-7, Definition 1):
//! f32 weights and samples are widened once, the pre-activations come from one f64 GEMM, and
//! every relu sum is a plain running sum. (Training runs the f32 path of [`super`]; the two are
//! kept apart because their bits differ and each is pinned by tests.)

use crate::linalg::{self, Par, View};

/// f32 values (weights, samples) as f64.
pub fn widen(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

/// Pre-activations <w_{k,r}, row> of `rows` rows of length d (row-major) against W ((K m) x d, f64):
/// rows x (K m).
pub fn preactivations(w64: &[f64], km: usize, d: usize, x64: &[f64], rows: usize, par: Par) -> Vec<f64> {
    let mut acts = vec![0.0f64; rows * km];
    linalg::gemm_f64(&mut acts, View::rm(rows, km, km), 0.0, x64, View::rm(rows, d, d), w64, View::rm_t(km, d, d), 1.0, par);
    acts
}

/// Pre-activations <w_{k,r}, x^(p)> of every sample, patch and neuron: (n 2) x (K m), row 2 i + p.
pub fn activations(w64: &[f64], km: usize, d: usize, x: &[f32], n: usize, par: Par) -> Vec<f64> {
    let x64 = widen(x);
    preactivations(w64, km, d, &x64, 2 * n, par)
}

/// sum_r relu(a_r) over the pre-activations of one class's neurons.
#[inline]
pub fn relu_sum(acts: &[f64]) -> f64 {
    acts.iter().map(|v| v.max(0.0)).sum::<f64>()
}

/// F_k(W, x_i) of eq. 1 for every sample: n x K.
pub fn outputs(acts: &[f64], n: usize, k: usize, m: usize) -> Vec<f64> {
    let km = k * m;
    let mut f = vec![0.0f64; n * k];
    for i in 0..n {
        for p in 0..2 {
            let row = &acts[(2 * i + p) * km..(2 * i + p + 1) * km];
            for c in 0..k {
                f[i * k + c] += relu_sum(&row[c * m..(c + 1) * m]);
            }
        }
        for c in 0..k {
            f[i * k + c] /= m as f64;
        }
    }
    f
}

/// g = 1 - logit_y of one sample's outputs (Lemma 7): the softmax mass of the other classes,
/// with libm's exp (the same bits on both backends).
pub fn one_minus_logit(f: &[f64], y: usize) -> f64 {
    let mx = f.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let z: f64 = f.iter().map(|v| libm::exp(v - mx)).sum();
    let others: f64 = (0..f.len()).filter(|&c| c != y).map(|c| libm::exp(f[c] - mx)).sum();
    others / z
}
