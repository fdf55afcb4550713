//! The patch rows a trainer works on (see the module docs of [`super`]): each feature once for
//! feature-noise data, else both patches of every sample; and the checks of the arrays.

use crate::error::{Error, Result};

/// The test set as the trainer keeps it: rows, labels, samples and feature positions.
pub(super) type TestSet = (RowSet, Vec<i32>, Vec<f32>, Vec<u8>);

pub(super) struct RowSet {
    /// R x d.
    pub(super) rows: Vec<f32>,
    /// Row indices of each sample's two patches.
    pub(super) srows: Vec<[u32; 2]>,
    /// Row of u_k (feature-noise structure) and the noise row of each sample.
    pub(super) feature_rows: Option<Vec<usize>>,
    pub(super) noise_rows: Option<Vec<usize>>,
}

impl RowSet {
    pub(super) fn r(&self, d: usize) -> usize {
        self.rows.len() / d
    }
}

pub(super) fn build_rows(k: usize, d: usize, x: &[f32], y: &[i32], pos: Option<&[u8]>, features: Option<&[f32]>, what: &str) -> Result<RowSet> {
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

pub(super) fn check_data(what: &str, k: usize, d: usize, x: &[f32], y: &[i32], pos: Option<&[u8]>) -> Result<()> {
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
