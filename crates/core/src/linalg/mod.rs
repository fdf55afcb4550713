//! Thin, safe wrappers over the GEMM crate and faer, plus the few small routines the data model
//! needs (a Haar-random orthonormal frame). All matrices are flat row-major buffers with explicit
//! shapes.

use crate::rng::{Purpose, Stream};
use crate::util::dot_serial_f64;
/// The thread policy, declared in [`crate::util`] (the parallel row loops take it too).
pub use crate::util::Par;

/// A strided view of a matrix: element (i, j) is at `offset + i * rs + j * cs`.
#[derive(Clone, Copy, Debug)]
pub struct View {
    pub rows: usize,
    pub cols: usize,
    pub rs: isize,
    pub cs: isize,
}

impl View {
    /// Row-major `rows x cols` with leading dimension `ld`.
    pub fn rm(rows: usize, cols: usize, ld: usize) -> View {
        View { rows, cols, rs: ld as isize, cs: 1 }
    }
    /// The transpose of a row-major `rows x cols` matrix (so this view is `cols x rows`).
    pub fn rm_t(rows: usize, cols: usize, ld: usize) -> View {
        View { rows: cols, cols: rows, rs: 1, cs: ld as isize }
    }
    fn max_index(&self) -> usize {
        if self.rows == 0 || self.cols == 0 {
            return 0;
        }
        ((self.rows - 1) as isize * self.rs + (self.cols - 1) as isize * self.cs) as usize
    }
}

macro_rules! gemm_fn {
    ($name:ident, $t:ty) => {
        /// `C = beta * C + alpha * A B` (beta = 0 ignores C's old contents, even NaNs).
        /// Panics (a bug, caught at the binding) if a view does not fit its buffer.
        #[allow(clippy::too_many_arguments)]
        pub fn $name(c: &mut [$t], cv: View, beta: $t, a: &[$t], av: View, b: &[$t], bv: View, alpha: $t, par: Par) {
            assert!(av.rows == cv.rows && bv.cols == cv.cols && av.cols == bv.rows, "gemm shapes");
            if cv.rows == 0 || cv.cols == 0 {
                return;
            }
            assert!(cv.max_index() < c.len(), "gemm: C view exceeds its buffer");
            if av.cols == 0 {
                for i in 0..cv.rows {
                    for j in 0..cv.cols {
                        let p = (i as isize * cv.rs + j as isize * cv.cs) as usize;
                        c[p] = if beta == 0.0 { 0.0 } else { beta * c[p] };
                    }
                }
                return;
            }
            assert!(av.max_index() < a.len() && bv.max_index() < b.len(), "gemm: A or B view exceeds its buffer");
            // SAFETY: the views were checked to lie inside their buffers; C does not alias A or B
            // (distinct borrows).
            unsafe {
                gemm::gemm(
                    cv.rows,
                    cv.cols,
                    av.cols,
                    c.as_mut_ptr(),
                    cv.cs,
                    cv.rs,
                    beta != 0.0,
                    a.as_ptr(),
                    av.cs,
                    av.rs,
                    b.as_ptr(),
                    bv.cs,
                    bv.rs,
                    beta,
                    alpha,
                    false,
                    false,
                    false,
                    par.gemm(),
                );
            }
        }
    };
}
gemm_fn!(gemm_f32, f32);
gemm_fn!(gemm_f64, f64);

/// `a (rows x cols, row-major) -> a^T` into a new buffer.
pub fn transpose<T: Copy + Default>(a: &[T], rows: usize, cols: usize) -> Vec<T> {
    let mut t = vec![T::default(); a.len()];
    const B: usize = 32;
    for i0 in (0..rows).step_by(B) {
        for j0 in (0..cols).step_by(B) {
            for i in i0..(i0 + B).min(rows) {
                for j in j0..(j0 + B).min(cols) {
                    t[j * rows + i] = a[i * cols + j];
                }
            }
        }
    }
    t
}

/// The first `r` columns of a Haar-distributed random orthogonal `d x d` matrix, as `r` rows of
/// length `d` (row j is column j of U). Gaussian columns orthonormalised by Gram–Schmidt with one
/// re-orthogonalisation pass: the positive-diagonal QR factor of a Gaussian matrix is Haar.
pub fn haar_frame(seed: u64, d: usize, r: usize) -> Vec<f64> {
    let mut s = Stream::new(seed, Purpose::Frame, r as u64);
    let mut q = vec![0.0f64; r * d];
    for v in q.iter_mut() {
        *v = s.normal();
    }
    for j in 0..r {
        for _pass in 0..2 {
            for i in 0..j {
                let (head, tail) = q.split_at_mut(j * d);
                let qi = &head[i * d..(i + 1) * d];
                let qj = &mut tail[..d];
                let p = dot_serial_f64(qi, qj);
                for (x, y) in qj.iter_mut().zip(qi) {
                    *x -= p * y;
                }
            }
        }
        let qj = &mut q[j * d..(j + 1) * d];
        let nrm = libm::sqrt(dot_serial_f64(qj, qj));
        for x in qj.iter_mut() {
            *x /= nrm;
        }
    }
    q
}

/// A full Haar-random orthogonal `d x d` matrix U (row-major), by Householder QR of a Gaussian
/// matrix with the signs of R's diagonal moved into Q.
pub fn haar_full(seed: u64, d: usize, par: Par) -> Vec<f64> {
    let mut s = Stream::new(seed, Purpose::Frame, d as u64 + (1 << 32));
    let g = faer::Mat::<f64>::from_fn(d, d, |_, _| 0.0);
    let mut g = g;
    // Column-major fill in a fixed order so the draws do not depend on the layout.
    for j in 0..d {
        for i in 0..d {
            g[(i, j)] = s.normal();
        }
    }
    let _ = par;
    let qr = g.qr();
    let q = qr.compute_Q();
    let r = qr.R();
    let mut u = vec![0.0f64; d * d];
    for j in 0..d {
        let sign = if r[(j, j)] < 0.0 { -1.0 } else { 1.0 };
        for i in 0..d {
            u[i * d + j] = sign * q[(i, j)];
        }
    }
    u
}

/// Singular values of a row-major `rows x cols` f64 matrix, largest first.
pub fn singular_values(a: &[f64], rows: usize, cols: usize) -> crate::Result<Vec<f64>> {
    let m = faer::Mat::<f64>::from_fn(rows, cols, |i, j| a[i * cols + j]);
    m.singular_values().map_err(|e| crate::Error::Numerical { op: "singular values".into(), detail: format!("{e:?}") })
}

#[cfg(test)]
mod tests;
