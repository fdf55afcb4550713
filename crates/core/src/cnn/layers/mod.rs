//! The kernels of the image classifiers, on flat f32 buffers.
//!
//! Spatial activations are stored channel-major over a shard of `bs` images ("CNHW"): plane
//! (c, b) of an `h x w` tensor starts at `(c * bs + b) * h * w`. A convolution is then one GEMM over
//! the whole shard: `out[cout][bs*ho*wo] = W[cout][cin*k*k] * cols[cin*k*k][bs*ho*wo]`, where `cols`
//! is the im2col matrix whose row `(ci, ki, kj)` matches PyTorch's weight layout
//! `[cout][cin][kh][kw]`. Fully connected activations are row-major `[bs][features]`.
//!
//! Every function here is sequential and deterministic; the callers parallelise over shards.

use crate::linalg::{gemm_f32, Par, View};

/// Geometry of a stride-1 square convolution over a shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeom {
    pub cin: usize,
    pub cout: usize,
    pub k: usize,
    pub pad: usize,
    pub h: usize,
    pub w: usize,
    pub ho: usize,
    pub wo: usize,
}

impl ConvGeom {
    /// Rows of the im2col matrix (= the fan-in of one output unit).
    pub fn kdim(&self) -> usize {
        self.cin * self.k * self.k
    }

    /// The output columns `ox` whose input column `ox + kj - pad` lies inside the image.
    #[inline]
    fn valid_x(&self, kj: usize) -> (usize, usize) {
        let lo = self.pad.saturating_sub(kj).min(self.wo);
        let hi = (self.w + self.pad).saturating_sub(kj).min(self.wo);
        (lo, hi.max(lo))
    }
}

/// Unfold a CNHW input of `bs` images into `cols` (`kdim x bs*ho*wo`, row-major).
pub fn im2col(g: &ConvGeom, bs: usize, input: &[f32], cols: &mut [f32]) {
    let n = bs * g.ho * g.wo;
    let hw = g.h * g.w;
    for ci in 0..g.cin {
        for ki in 0..g.k {
            for kj in 0..g.k {
                let r = (ci * g.k + ki) * g.k + kj;
                let row = &mut cols[r * n..(r + 1) * n];
                let (x0, x1) = g.valid_x(kj);
                for b in 0..bs {
                    let plane = &input[(ci * bs + b) * hw..(ci * bs + b + 1) * hw];
                    for oy in 0..g.ho {
                        let dst = &mut row[(b * g.ho + oy) * g.wo..(b * g.ho + oy + 1) * g.wo];
                        let iy = (oy + ki) as isize - g.pad as isize;
                        if iy < 0 || iy >= g.h as isize || x0 >= x1 {
                            dst.fill(0.0);
                            continue;
                        }
                        let src = &plane[iy as usize * g.w..(iy as usize + 1) * g.w];
                        dst[..x0].fill(0.0);
                        dst[x1..].fill(0.0);
                        // ix = ox + kj - pad, for ox in x0..x1.
                        let ix0 = x0 + kj - g.pad;
                        dst[x0..x1].copy_from_slice(&src[ix0..ix0 + (x1 - x0)]);
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: `dx` (CNHW, overwritten) = the sum of `dcols` over the windows.
pub fn col2im(g: &ConvGeom, bs: usize, dcols: &[f32], dx: &mut [f32]) {
    let n = bs * g.ho * g.wo;
    let hw = g.h * g.w;
    dx[..g.cin * bs * hw].fill(0.0);
    for ci in 0..g.cin {
        for ki in 0..g.k {
            for kj in 0..g.k {
                let r = (ci * g.k + ki) * g.k + kj;
                let row = &dcols[r * n..(r + 1) * n];
                let (x0, x1) = g.valid_x(kj);
                if x0 >= x1 {
                    continue;
                }
                for b in 0..bs {
                    let plane = &mut dx[(ci * bs + b) * hw..(ci * bs + b + 1) * hw];
                    for oy in 0..g.ho {
                        let iy = (oy + ki) as isize - g.pad as isize;
                        if iy < 0 || iy >= g.h as isize {
                            continue;
                        }
                        let src = &row[(b * g.ho + oy) * g.wo + x0..(b * g.ho + oy) * g.wo + x1];
                        let ix0 = x0 + kj - g.pad;
                        let dst = &mut plane[iy as usize * g.w + ix0..iy as usize * g.w + ix0 + (x1 - x0)];
                        for (d, s) in dst.iter_mut().zip(src) {
                            *d += s;
                        }
                    }
                }
            }
        }
    }
}

/// Convolution forward: `out` (CNHW, `cout x bs*ho*wo`) = W cols + b. `cols` must hold
/// `im2col(input)`.
pub fn conv_forward(g: &ConvGeom, bs: usize, wgt: &[f32], bias: &[f32], cols: &[f32], out: &mut [f32]) {
    let n = bs * g.ho * g.wo;
    let kd = g.kdim();
    gemm_f32(&mut out[..g.cout * n], View::rm(g.cout, n, n), 0.0, wgt, View::rm(g.cout, kd, kd), cols, View::rm(kd, n, n), 1.0, Par::Seq);
    for (co, row) in out[..g.cout * n].chunks_exact_mut(n).enumerate() {
        let b = bias[co];
        for v in row {
            *v += b;
        }
    }
}

/// Convolution backward: accumulates dW += dout cols^T and db += row sums of dout; when `dcols`
/// is given, also dcols = W^T dout (the caller folds it back with [`col2im`]).
#[allow(clippy::too_many_arguments)]
pub fn conv_backward(g: &ConvGeom, bs: usize, wgt: &[f32], cols: &[f32], dout: &[f32], dw: &mut [f32], db: &mut [f32], dcols: Option<&mut [f32]>) {
    let n = bs * g.ho * g.wo;
    let kd = g.kdim();
    gemm_f32(dw, View::rm(g.cout, kd, kd), 1.0, dout, View::rm(g.cout, n, n), cols, View::rm_t(kd, n, n), 1.0, Par::Seq);
    for (co, row) in dout[..g.cout * n].chunks_exact(n).enumerate() {
        db[co] += row.iter().sum::<f32>();
    }
    if let Some(dc) = dcols {
        gemm_f32(&mut dc[..kd * n], View::rm(kd, n, n), 0.0, wgt, View::rm_t(g.cout, kd, kd), dout, View::rm(g.cout, n, n), 1.0, Par::Seq);
    }
}

/// 2 x 2 max pooling with stride 2 (floor) over `planes` planes of `h x w`. `arg` receives the
/// index in `input` of each maximum; ties go to the first element in row-major order (PyTorch's
/// rule).
pub fn maxpool_forward(planes: usize, h: usize, w: usize, input: &[f32], out: &mut [f32], arg: &mut [u32]) {
    let (ho, wo) = (h / 2, w / 2);
    for p in 0..planes {
        let plane = &input[p * h * w..(p + 1) * h * w];
        for oy in 0..ho {
            let r0 = &plane[2 * oy * w..2 * oy * w + 2 * wo];
            let r1 = &plane[(2 * oy + 1) * w..(2 * oy + 1) * w + 2 * wo];
            let o = (p * ho + oy) * wo;
            let (orow, arow) = (&mut out[o..o + wo], &mut arg[o..o + wo]);
            let base = (p * h * w + 2 * oy * w) as u32;
            for ox in 0..wo {
                // Row-major order within the window; strict > keeps the first maximum.
                let (a, b, c, d) = (r0[2 * ox], r0[2 * ox + 1], r1[2 * ox], r1[2 * ox + 1]);
                let (mut best, mut at) = (a, 0u32);
                if b > best {
                    (best, at) = (b, 1);
                }
                if c > best {
                    (best, at) = (c, w as u32);
                }
                if d > best {
                    (best, at) = (d, w as u32 + 1);
                }
                orow[ox] = best;
                arow[ox] = base + 2 * ox as u32 + at;
            }
        }
    }
}

/// Max pooling backward: `dx` (overwritten, `len` elements) gets each output gradient at its argmax.
pub fn maxpool_backward(len: usize, arg: &[u32], dout: &[f32], dx: &mut [f32]) {
    dx[..len].fill(0.0);
    for (&a, &d) in arg.iter().zip(dout) {
        dx[a as usize] += d;
    }
}

/// Fully connected forward: `out [bs x fout] = x [bs x fin] W^T + b` with `W [fout x fin]`.
pub fn linear_forward(bs: usize, fin: usize, fout: usize, wgt: &[f32], bias: &[f32], x: &[f32], out: &mut [f32]) {
    gemm_f32(&mut out[..bs * fout], View::rm(bs, fout, fout), 0.0, x, View::rm(bs, fin, fin), wgt, View::rm_t(fout, fin, fin), 1.0, Par::Seq);
    for row in out[..bs * fout].chunks_exact_mut(fout) {
        for (v, b) in row.iter_mut().zip(bias) {
            *v += b;
        }
    }
}

/// Fully connected backward: dW += dout^T x, db += column sums of dout, and `dx = dout W` when
/// asked for.
#[allow(clippy::too_many_arguments)]
pub fn linear_backward(bs: usize, fin: usize, fout: usize, wgt: &[f32], x: &[f32], dout: &[f32], dw: &mut [f32], db: &mut [f32], dx: Option<&mut [f32]>) {
    gemm_f32(dw, View::rm(fout, fin, fin), 1.0, dout, View::rm_t(bs, fout, fout), x, View::rm(bs, fin, fin), 1.0, Par::Seq);
    for row in dout[..bs * fout].chunks_exact(fout) {
        for (d, v) in db.iter_mut().zip(row) {
            *d += v;
        }
    }
    if let Some(dx) = dx {
        gemm_f32(&mut dx[..bs * fin], View::rm(bs, fin, fin), 0.0, dout, View::rm(bs, fout, fout), wgt, View::rm(fout, fin, fin), 1.0, Par::Seq);
    }
}

/// CNHW `[c][bs][hw]` -> row-major `[bs][c*hw]` (PyTorch's flatten order per image).
pub fn flatten_forward(c: usize, bs: usize, hw: usize, input: &[f32], out: &mut [f32]) {
    for ci in 0..c {
        for b in 0..bs {
            out[b * c * hw + ci * hw..b * c * hw + (ci + 1) * hw].copy_from_slice(&input[(ci * bs + b) * hw..(ci * bs + b + 1) * hw]);
        }
    }
}

/// The inverse permutation of [`flatten_forward`].
pub fn flatten_backward(c: usize, bs: usize, hw: usize, dout: &[f32], dx: &mut [f32]) {
    for ci in 0..c {
        for b in 0..bs {
            dx[(ci * bs + b) * hw..(ci * bs + b + 1) * hw].copy_from_slice(&dout[b * c * hw + ci * hw..b * c * hw + (ci + 1) * hw]);
        }
    }
}

/// Softmax cross-entropy of `bs` rows of logits: returns (sum of losses, number correct) and
/// writes `scale * (softmax - onehot)` into `dlogits` when given. Computed in f64 per row.
pub fn softmax_xent(bs: usize, classes: usize, logits: &[f32], labels: &[i32], scale: f64, mut dlogits: Option<&mut [f32]>) -> (f64, usize) {
    let mut loss = 0.0f64;
    let mut correct = 0usize;
    for b in 0..bs {
        let row = &logits[b * classes..(b + 1) * classes];
        let y = labels[b] as usize;
        let mut best = 0usize;
        let mut mx = f64::NEG_INFINITY;
        for (j, &v) in row.iter().enumerate() {
            if (v as f64) > mx {
                mx = v as f64;
                best = j;
            }
        }
        if best == y {
            correct += 1;
        }
        let mut z = 0.0f64;
        for &v in row {
            z += libm::exp(v as f64 - mx);
        }
        let lse = mx + libm::log(z);
        loss += lse - row[y] as f64;
        if let Some(d) = dlogits.as_deref_mut() {
            let drow = &mut d[b * classes..(b + 1) * classes];
            for (j, &v) in row.iter().enumerate() {
                let p = libm::exp(v as f64 - lse);
                drow[j] = (scale * (p - if j == y { 1.0 } else { 0.0 })) as f32;
            }
        }
    }
    (loss, correct)
}

#[cfg(test)]
mod tests;
