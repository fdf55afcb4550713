//! The matrix products behind one class's scores: centred rows on the kept pixels, then the
//! scatter route (M = V^T V, d x d) or the Gram route (G = V V^T, n x n), in f32 or f64, or
//! exactly in integers for byte images ([`crate::kernels::int_gram`]). Each gives q_i = v_i^T M v_i,
//! ||v_i||^2, ||M||_F^2 and tr(M) in f64.

use super::{Pixels, Real, Route};
use crate::error::{check_alloc, Result};
use crate::kernels::int_gram;
use crate::linalg::{Par, View};
use crate::util::{dot_lanes8_f64, par_row_chunks, par_rows};

pub(super) struct Terms {
    /// q_i = v_i^T M v_i.
    pub(super) q: Vec<f64>,
    /// r_i = ||v_i||^2.
    pub(super) rr: Vec<f64>,
    /// ||M||_F^2 and tr(M).
    pub(super) frob_m: f64,
    pub(super) trace_m: f64,
    /// M on the kept pixels (dk x dk, full symmetric, f64) when asked for.
    pub(super) scatter: Option<Vec<f64>>,
    pub(super) madds: f64,
}

/// The matrix products of one class in precision T: centred rows on the kept pixels, then the
/// scatter or the Gram route.
#[allow(clippy::too_many_arguments)]
pub(super) fn class_terms<T: Real, F: Fn(usize, &mut [f64], &mut [f64]) + Sync>(
    centred: &F, dk: usize, n: usize, d: usize, route: Route, block: usize, want_scatter: bool, exact_m: Option<Vec<f64>>, limit: u64, par: Par,
) -> Result<Terms> {
    let mut v = vec![T::default(); n * dk];
    let mut rr = vec![0.0f64; n];
    if dk > 0 {
        par_row_chunks(&mut v, dk, ROWS_PER_TASK, par, |i0, chunk: &mut [T]| {
            let (mut buf, mut row) = (vec![0.0f64; d], vec![0.0f64; dk]);
            for (r, out) in chunk.chunks_mut(dk).enumerate() {
                centred(i0 + r, &mut buf, &mut row);
                for (e, &x) in out.iter_mut().zip(&row) {
                    *e = T::from_f64(x);
                }
            }
        });
        par_row_chunks(&mut rr, 1, ROWS_PER_TASK, par, |i0, chunk: &mut [f64]| {
            for (r, o) in chunk.iter_mut().enumerate() {
                let row = &v[(i0 + r) * dk..(i0 + r + 1) * dk];
                *o = dot_lanes8_f64(row, row);
            }
        });
    }
    let trace_m: f64 = rr.iter().sum();
    if dk == 0 {
        // Every image of the class is the same: S = 0, every score 0.
        return Ok(Terms { q: vec![0.0; n], rr, frob_m: 0.0, trace_m: 0.0, scatter: if want_scatter { Some(Vec::new()) } else { None }, madds: 0.0 });
    }
    let block = block.max(1);
    match route {
        Route::Scatter => {
            check_alloc("the class scatter (kept pixels squared)", (dk as u128) * (dk as u128), T::BYTES, limit)?;
            check_alloc("a block of the quadratic forms (images x block)", (n as u128) * (block.min(dk) as u128), T::BYTES, limit)?;
            if let Some(full) = exact_m {
                let m: Vec<T> = full.iter().map(|&a| T::from_f64(a)).collect();
                let (q, madds_q) = quad_forms(&v, &m, n, dk, block, par);
                let frob_m = full.iter().map(|a| a * a).sum();
                let madds = (n * dk * (dk + 1) / 2) as f64 + madds_q;
                return Ok(Terms { q, rr, frob_m, trace_m, scatter: want_scatter.then_some(full), madds });
            }
            let m = scatter_lower(&v, n, dk, block, par);
            let (q, madds_q) = quad_forms(&v, &m, n, dk, block, par);
            let full = symmetrize(m, dk);
            let frob_m = full.iter().map(|a| a.to_f64() * a.to_f64()).sum();
            let madds = scatter_madds(n, dk, block) + madds_q;
            let scatter = want_scatter.then(|| full.iter().map(|a| a.to_f64()).collect());
            Ok(Terms { q, rr, frob_m, trace_m, scatter, madds })
        }
        Route::Gram => {
            check_alloc("a panel of the Gram matrix (block x images)", (block.min(n) as u128) * (n as u128), T::BYTES, limit)?;
            let (q, madds_g) = gram_row_norms(&v, n, dk, block, par);
            let frob_m = q.iter().sum();
            let mut madds = madds_g;
            let scatter = if want_scatter {
                check_alloc("the class scatter (kept pixels squared)", (dk as u128) * (dk as u128), T::BYTES, limit)?;
                let m = scatter_lower(&v, n, dk, block.min(dk).max(1), par);
                madds += scatter_madds(n, dk, block.min(dk).max(1));
                Some(symmetrize(m, dk).iter().map(|a| a.to_f64()).collect())
            } else {
                None
            };
            Ok(Terms { q, rr, frob_m, trace_m, scatter, madds })
        }
    }
}

/// The Gram route for bytes scaled to [0, 1], exactly: P = B B^T of the raw bytes in i32, then
/// G_ij = P_ij - (r_i + r_j)/n + R/n^2 with r_i = b_i . s (s the column sums) and R = s . s, all
/// in f64 (every integer here is below 2^53), scaled by 1/255^2.
#[allow(clippy::too_many_arguments)]
pub(super) fn gram_terms_u8(bytes: &[u8], kept: &[usize], colsum: &[u64], n: usize, d: usize, block: usize, limit: u64, par: Par) -> Result<Terms> {
    let dk = kept.len();
    let h_max = block.max(1).min(n);
    check_alloc("the packed class bytes (2 x images x kept pixels x 2 bytes)", (n as u128) * (dk as u128), 4, limit)?;
    check_alloc("a panel of the Gram matrix (block x images)", (h_max as u128) * ((n.div_ceil(int_gram::NR) * int_gram::NR) as u128), 4, limit)?;
    let packed = int_gram::pack(n, dk, par, |i0, h, out| {
        for (r, o) in out.chunks_exact_mut(dk).enumerate().take(h) {
            let row = &bytes[(i0 + r) * d..(i0 + r + 1) * d];
            for (o, &j) in o.iter_mut().zip(kept) {
                *o = row[j];
            }
        }
    });
    // r_i = b_i . s and ||b_i||^2, exact integers.
    let mut rsq = vec![(0.0f64, 0.0f64); n];
    par_row_chunks(&mut rsq, 1, ROWS_PER_TASK, par, |i0, chunk: &mut [(f64, f64)]| {
        for (k, o) in chunk.iter_mut().enumerate() {
            let row = &bytes[(i0 + k) * d..(i0 + k + 1) * d];
            let (mut r, mut sq) = (0u64, 0u64);
            for (c, &j) in colsum.iter().zip(kept) {
                let b = row[j] as u64;
                r += b * c;
                sq += b * b;
            }
            *o = (r as f64, sq as f64);
        }
    });
    let (r, sq): (Vec<f64>, Vec<f64>) = rsq.into_iter().unzip();
    let nf = n as f64;
    let big_r: f64 = colsum.iter().map(|&c| (c as u128) * (c as u128)).sum::<u128>() as f64;
    let c0 = big_r / (nf * nf);
    let inv = 1.0 / (255.0f64 * 255.0);
    let rr: Vec<f64> = (0..n).map(|i| (sq[i] - 2.0 * r[i] / nf + c0) * inv).collect();
    let rn: Vec<f64> = r.iter().map(|v| v / nf).collect();
    let g = |p: i32, i: usize, j: usize| (p as f64 - rn[i] - rn[j] + c0) * inv;

    let mut q = vec![0.0f64; n];
    let mut out = vec![0i32; n.div_ceil(int_gram::NR) * int_gram::NR * h_max];
    let mut madds = 0.0;
    let mut ib = 0;
    while ib < n {
        let h = h_max.min(n - ib);
        let ie = ib + h;
        int_gram::panel(&packed, ib, h, ie, &mut out, par);
        madds += (h * ie * dk) as f64;
        let o = &out;
        let at = |t: usize, j: usize| o[(j / int_gram::NR) * h * int_gram::NR + t * int_gram::NR + j % int_gram::NR];
        // Rows of the panel: the whole stored row (left part + diagonal block), in column order.
        par_row_chunks(&mut q[ib..ie], 1, 16, par, |t0, chunk: &mut [f64]| {
            for (k, qi) in chunk.iter_mut().enumerate() {
                let t = t0 + k;
                let i = ib + t;
                *qi += (0..ie).map(|j| g(at(t, j), i, j).powi(2)).sum::<f64>();
            }
        });
        // Columns left of the panel: their share of the symmetric entries, in row order.
        if ib > 0 {
            par_row_chunks(&mut q[..ib], 1, 256, par, |j0, chunk: &mut [f64]| {
                for (k, qj) in chunk.iter_mut().enumerate() {
                    let j = j0 + k;
                    *qj += (0..h).map(|t| g(at(t, j), ib + t, j).powi(2)).sum::<f64>();
                }
            });
        }
        ib = ie;
    }
    let frob_m = q.iter().sum();
    let trace_m = rr.iter().sum();
    Ok(Terms { q, rr, frob_m, trace_m, scatter: None, madds })
}

/// The scatter M (kept pixels, full symmetric, f64) of byte images scaled to [0, 1], exactly:
/// B^T B of the raw bytes in i32 (the integer Gram kernel on the pixel rows), minus s s^T / n
/// (s = `colsum`, the kept pixels' column sums) in f64, over 255^2.
pub(super) fn exact_scatter_u8(bytes: &[u8], kept: &[usize], colsum: &[u64], n: usize, d: usize, limit: u64, par: Par) -> Result<Vec<f64>> {
    let dk = kept.len();
    const H: usize = 64;
    check_alloc("the packed class bytes (2 x images x kept pixels x 2 bytes)", (n as u128) * (dk as u128), 4, limit)?;
    check_alloc("the class scatter (kept pixels squared, f64)", (dk as u128) * (dk as u128), 8, limit)?;
    // The kept pixels as rows. First a transpose in tiles of IB images ([tile][pixel][IB]), each
    // tile reading its images once while they are in cache; then each group of pixel rows copies
    // IB-byte runs. (Gathering a pixel, or a group of them, straight down the images strides d
    // bytes per read through the whole class and cost more than the products on MNIST.)
    const IB: usize = 64;
    check_alloc("the class bytes transposed (kept pixels x images)", (n.div_ceil(IB) * IB) as u128 * dk as u128, 1, limit)?;
    let mut tiles = vec![0u8; n.div_ceil(IB) * dk * IB];
    par_rows(&mut tiles, dk * IB, par, |(b, tile): (usize, &mut [u8])| {
        let rows = &bytes[b * IB * d..((b + 1) * IB).min(n) * d];
        for (t, &j) in kept.iter().enumerate() {
            for (o, row) in tile[t * IB..(t + 1) * IB].iter_mut().zip(rows.chunks_exact(d)) {
                *o = row[j];
            }
        }
    });
    let packed = int_gram::pack(dk, n, par, |t0, h, out| {
        for (r, o) in out.chunks_exact_mut(n).enumerate().take(h) {
            for (b, run) in o.chunks_mut(IB).enumerate() {
                let src = &tiles[(b * dk + t0 + r) * IB..];
                run.copy_from_slice(&src[..run.len()]);
            }
        }
    });
    drop(tiles);
    let cs: Vec<f64> = colsum.iter().map(|&c| c as f64).collect();
    let nf = n as f64;
    let inv = 1.0 / (255.0f64 * 255.0);
    let mut m = vec![0.0f64; dk * dk];
    let mut out = vec![0i32; dk.div_ceil(int_gram::NR) * int_gram::NR * H.min(dk)];
    let mut ib = 0;
    while ib < dk {
        let h = H.min(dk - ib);
        let ie = ib + h;
        int_gram::panel(&packed, ib, h, ie, &mut out, par);
        // The panel's rows of the lower triangle (mirrored below, a block at a time).
        let o = &out;
        let cs = &cs;
        par_row_chunks(&mut m[ib * dk..ie * dk], dk, 8, par, |t0, chunk: &mut [f64]| {
            for (k, row) in chunk.chunks_exact_mut(dk).enumerate() {
                let t = t0 + k;
                let a = ib + t;
                for (b, mv) in row[..=a].iter_mut().enumerate() {
                    let p = o[(b / int_gram::NR) * h * int_gram::NR + t * int_gram::NR + b % int_gram::NR];
                    *mv = (p as f64 - cs[a] * cs[b] / nf) * inv;
                }
            }
        });
        ib = ie;
    }
    Ok(symmetrize(m, dk))
}

/// Rows handed to one task at a time in the element-wise passes.
pub(super) const ROWS_PER_TASK: usize = 64;

/// Row `i` scaled: bytes / 255 (floats as given), times the per-pixel factor, then divided by
/// its norm for `unit`.
pub(super) fn scaled_row(pixels: Pixels<'_>, i: usize, d: usize, factor: Option<&[f64]>, unit: bool, out: &mut [f64]) {
    match pixels {
        Pixels::U8(p) => {
            for (o, &b) in out.iter_mut().zip(&p[i * d..(i + 1) * d]) {
                *o = b as f64 / 255.0;
            }
        }
        Pixels::F32(p) => {
            for (o, &b) in out.iter_mut().zip(&p[i * d..(i + 1) * d]) {
                *o = b as f64;
            }
        }
    }
    if let Some(f) = factor {
        for (o, fj) in out.iter_mut().zip(f) {
            *o *= fj;
        }
    }
    if unit {
        let nrm = out.iter().map(|v| v * v).sum::<f64>().sqrt();
        if nrm > 0.0 {
            for o in out.iter_mut() {
                *o /= nrm;
            }
        }
    }
}

pub(super) fn scatter_madds(n: usize, dk: usize, block: usize) -> f64 {
    let mut s = 0.0;
    let mut jb = 0;
    while jb < dk {
        let w = block.min(dk - jb);
        s += (n * (dk - jb) * w) as f64;
        jb += w;
    }
    s
}

/// M = V^T V (dk x dk) for V = n x dk row-major; fills the lower block triangle (and the full
/// diagonal blocks): for each column block J, M[J.., J] = V[:, J..]^T V[:, J].
fn scatter_lower<T: Real>(v: &[T], n: usize, dk: usize, block: usize, par: Par) -> Vec<T> {
    let mut m = vec![T::default(); dk * dk];
    let mut jb = 0;
    while jb < dk {
        let w = block.min(dk - jb);
        let rows = dk - jb;
        let cv = View { rows, cols: w, rs: dk as isize, cs: 1 };
        let av = View { rows, cols: n, rs: 1, cs: dk as isize };
        let bv = View { rows: n, cols: w, rs: dk as isize, cs: 1 };
        T::gemm(&mut m[jb * dk + jb..], cv, T::default(), &v[jb..], av, &v[jb..], bv, T::from_f64(1.0), par);
        jb += w;
    }
    m
}

/// Copy the lower triangle onto the upper one, in square tiles so that the column reads stay in
/// cache.
fn symmetrize<T: Real>(mut m: Vec<T>, dk: usize) -> Vec<T> {
    const B: usize = 32;
    for i0 in (0..dk).step_by(B) {
        for j0 in (i0..dk).step_by(B) {
            for i in i0..(i0 + B).min(dk) {
                for j in j0.max(i + 1)..(j0 + B).min(dk) {
                    m[i * dk + j] = m[j * dk + i];
                }
            }
        }
    }
    m
}

/// q_i = v_i^T M v_i from the lower block triangle of M: with the diagonal blocks halved,
/// q_i = 2 sum_J v_{iJ} . (sum_{I >= J} v_{iI} M_{IJ}). Tiles of `QT` images go to the threads
/// whole (each tile's rows stay in cache through every column block, and no product waits on
/// the others); each tile's sums are in a fixed order, so q does not depend on the threads.
fn quad_forms<T: Real>(v: &[T], m: &[T], n: usize, dk: usize, block: usize, par: Par) -> (Vec<f64>, f64) {
    const QT: usize = 192;
    let w_max = block.min(dk).max(1);
    let mut q = vec![0.0f64; n];
    par_row_chunks(&mut q, 1, QT, par, |i0, qt: &mut [f64]| {
        let h = qt.len();
        let vt = &v[i0 * dk..(i0 + h) * dk];
        let mut p = vec![T::default(); h * w_max];
        let mut jb = 0;
        while jb < dk {
            let w = w_max.min(dk - jb);
            let je = jb + w;
            let pv = View::rm(h, w, w);
            // Diagonal block, halved.
            T::gemm(
                &mut p,
                pv,
                T::default(),
                &vt[jb..],
                View { rows: h, cols: w, rs: dk as isize, cs: 1 },
                &m[jb * dk + jb..],
                View { rows: w, cols: w, rs: dk as isize, cs: 1 },
                T::from_f64(0.5),
                Par::Seq,
            );
            if je < dk {
                let rest = dk - je;
                T::gemm(
                    &mut p,
                    pv,
                    T::from_f64(1.0),
                    &vt[je..],
                    View { rows: h, cols: rest, rs: dk as isize, cs: 1 },
                    &m[je * dk + jb..],
                    View { rows: rest, cols: w, rs: dk as isize, cs: 1 },
                    T::from_f64(1.0),
                    Par::Seq,
                );
            }
            for (r, qi) in qt.iter_mut().enumerate() {
                let vi = &vt[r * dk + jb..r * dk + je];
                let pi = &p[r * w..(r + 1) * w];
                *qi += 2.0 * dot_lanes8_f64(vi, pi);
            }
            jb = je;
        }
    });
    let mut madds = 0.0;
    let mut jb = 0;
    while jb < dk {
        let w = w_max.min(dk - jb);
        madds += (n * (dk - jb) * w) as f64;
        jb += w;
    }
    (q, madds)
}

/// q_i = sum_j G_ij^2 with G = V V^T, from the lower row panels of G: panel I holds
/// G[I, 0..end(I)]; entries left of the diagonal block count for row i and for column j.
fn gram_row_norms<T: Real>(v: &[T], n: usize, dk: usize, block: usize, par: Par) -> (Vec<f64>, f64) {
    let mut q = vec![0.0f64; n];
    let h_max = block.min(n);
    let mut g = vec![T::default(); h_max * n];
    let mut madds = 0.0;
    let mut ib = 0;
    while ib < n {
        let h = h_max.min(n - ib);
        let ie = ib + h;
        // G[ib..ie, 0..ie] = V[ib..ie] V[0..ie]^T (h x ie, leading dimension ie).
        T::gemm(&mut g, View::rm(h, ie, ie), T::default(), &v[ib * dk..], View::rm(h, dk, dk), v, View::rm_t(ie, dk, dk), T::from_f64(1.0), par);
        madds += (h * ie * dk) as f64;
        let gr = &g;
        // Rows of the panel: the whole stored row (left part + diagonal block).
        let mut rowpart = vec![0.0f64; h];
        par_row_chunks(&mut rowpart, 1, 16, par, |t0, chunk: &mut [f64]| {
            for (r, o) in chunk.iter_mut().enumerate() {
                let t = t0 + r;
                let row = &gr[t * ie..(t + 1) * ie];
                *o = dot_lanes8_f64(row, row);
            }
        });
        for (t, s) in rowpart.iter().enumerate() {
            q[ib + t] += s;
        }
        // Columns left of the panel (rows before ib): their share of the symmetric entries.
        if ib > 0 {
            // Column sums over the panel's rows, in row order for every column.
            par_row_chunks(&mut q[..ib], 1, 1024, par, |j0, chunk: &mut [f64]| {
                let w = chunk.len();
                let mut acc = vec![0.0f64; w];
                for t in 0..h {
                    for (a, g) in acc.iter_mut().zip(&gr[t * ie + j0..t * ie + j0 + w]) {
                        let x = g.to_f64();
                        *a += x * x;
                    }
                }
                for (o, a) in chunk.iter_mut().zip(&acc) {
                    *o += a;
                }
            });
        }
        ib = ie;
    }
    (q, madds)
}
