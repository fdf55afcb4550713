//! The training step's own kernels: the row-gathered product of the gram route, the per-class
//! ReLU sums and the masked coefficient update. Everything else goes through `linalg` (the gemm
//! crate).
//!
//! **Dispatch.** Each kernel is one generic `#[inline(always)]` body compiled several times: with
//! AVX-512F, with AVX2, and plain, chosen once at run time on x86-64 ([`isa`]); the wasm build
//! compiles the plain body with `+simd128` (scripts/build.mjs), so LLVM vectorises it to simd128.
//! `BENIGNFIT_SIMD=scalar|avx2|avx512` caps the choice (benchmarks and tests of each path).
//!
//! **Same results everywhere.** The bodies use separate multiplies and adds (no fused
//! multiply-add) and a fixed order of summation per output element, and reductions use eight
//! fixed partial sums whatever the vector width. So every instruction set, the wasm build and any
//! number of threads give bit-identical results.

pub mod int_gram;

use std::sync::atomic::{AtomicU8, Ordering};

/// The instruction set the kernels run with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isa {
    /// Portable code (vectorised to simd128 in the wasm build).
    Plain,
    Avx2,
    Avx512,
}

impl Isa {
    pub fn name(self) -> &'static str {
        match self {
            Isa::Plain => {
                if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
                    "simd128"
                } else {
                    "plain"
                }
            }
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512f",
        }
    }
}

static ISA: AtomicU8 = AtomicU8::new(0);

/// The best instruction set this CPU has.
fn detect() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return Isa::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return Isa::Avx2;
        }
    }
    Isa::Plain
}

fn store(i: Isa) -> Isa {
    ISA.store(
        match i {
            Isa::Plain => 1,
            Isa::Avx2 => 2,
            Isa::Avx512 => 3,
        },
        Ordering::Relaxed,
    );
    i
}

/// The instruction set in use (detected once; capped by `BENIGNFIT_SIMD`).
pub fn isa() -> Isa {
    match ISA.load(Ordering::Relaxed) {
        1 => Isa::Plain,
        2 => Isa::Avx2,
        3 => Isa::Avx512,
        _ => {
            let cap = match std::env::var("BENIGNFIT_SIMD").ok().as_deref().map(str::trim) {
                Some("scalar") | Some("plain") => Isa::Plain,
                Some("avx2") => Isa::Avx2,
                _ => Isa::Avx512,
            };
            store(detect().min(cap))
        }
    }
}

/// Use at most `want` from now on (never more than the CPU has); returns what is in use. Every
/// choice gives the same results, so this only changes speed (benchmarks, tests of each path).
pub fn set_isa(want: Isa) -> Isa {
    store(detect().min(want))
}

/// Compile `$body` (a call of an `#[inline(always)]` generic function) once per instruction set
/// and run the variant [`isa`] picks.
macro_rules! dispatch {
    ($name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty => $imp:ident) => {
        #[allow(clippy::too_many_arguments)]
        pub fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx2")]
                #[allow(clippy::too_many_arguments)]
                fn v4($($arg: $ty),*) -> $ret {
                    $imp($($arg),*)
                }
                #[target_feature(enable = "avx2")]
                #[allow(clippy::too_many_arguments)]
                fn v3($($arg: $ty),*) -> $ret {
                    $imp($($arg),*)
                }
                match isa() {
                    // SAFETY: the CPU has these features (checked by `isa`).
                    Isa::Avx512 => return unsafe { v4($($arg),*) },
                    Isa::Avx2 => return unsafe { v3($($arg),*) },
                    Isa::Plain => {}
                }
            }
            $imp($($arg),*)
        }
    };
}

/// `out[j] = base[rows[j]] + sum_{q in live} g[rows[j], q] * b[q]`: the rows of
/// Z = Z0 + G Coef^T that a mini-batch needs (`base` = Z0, R x cols; `g` = G, R x R; `b` = Coef^T,
/// R x cols), reading each live row of Coef^T once for all output rows. `live` lists the rows of
/// Coef^T that are not all zero, ascending; sums run over it in order (a skipped row is all zero,
/// so skipping it changes nothing). Callers pass indices below R and `out` of rows.len() x cols.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gather_rows_imp(out: &mut [f32], base: &[f32], g: &[f32], b: &[f32], cols: usize, r: usize, rows: &[u32], live: &[u32]) {
    for (o, &p) in out.chunks_exact_mut(cols).zip(rows) {
        let p = p as usize;
        o.copy_from_slice(&base[p * cols..(p + 1) * cols]);
    }
    // Four rows of Coef^T at a time: each output element still adds them one by one, in order.
    let mut chunks = live.chunks_exact(4);
    for q4 in chunks.by_ref() {
        let (q0, q1, q2, q3) = (q4[0] as usize, q4[1] as usize, q4[2] as usize, q4[3] as usize);
        let b0 = &b[q0 * cols..(q0 + 1) * cols];
        let b1 = &b[q1 * cols..(q1 + 1) * cols];
        let b2 = &b[q2 * cols..(q2 + 1) * cols];
        let b3 = &b[q3 * cols..(q3 + 1) * cols];
        for (o, &p) in out.chunks_exact_mut(cols).zip(rows) {
            let gj = &g[p as usize * r..(p as usize + 1) * r];
            let (g0, g1, g2, g3) = (gj[q0], gj[q1], gj[q2], gj[q3]);
            for ((((o, &x0), &x1), &x2), &x3) in o.iter_mut().zip(b0).zip(b1).zip(b2).zip(b3) {
                let mut v = *o;
                v += g0 * x0;
                v += g1 * x1;
                v += g2 * x2;
                v += g3 * x3;
                *o = v;
            }
        }
    }
    for &q in chunks.remainder() {
        let q = q as usize;
        let bq = &b[q * cols..(q + 1) * cols];
        for (o, &p) in out.chunks_exact_mut(cols).zip(rows) {
            let gq = g[p as usize * r + q];
            for (o, &x) in o.iter_mut().zip(bq) {
                *o += gq * x;
            }
        }
    }
}
dispatch!(gather_rows(out: &mut [f32], base: &[f32], g: &[f32], b: &[f32], cols: usize, r: usize, rows: &[u32], live: &[u32]) -> () => gather_rows_imp);

/// [`gather_rows`] for many output rows at once, blocked for the cache: for each panel of `W`
/// columns (R x W of Coef^T, a few tens of KiB, stays in L1/L2) and each group of four output
/// rows, the `4 x W` sums live in registers over the whole pass through `live`. Coef^T is read from
/// memory once per call however many rows are asked for, so a block of upcoming SGD steps costs
/// one read of Coef^T instead of one per step. Same order of operations per element as
/// [`gather_rows`], so the same bits. `gt` is scratch.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gather_block_imp<const W: usize>(out: &mut [f32], base: &[f32], g: &[f32], b: &[f32], cols: usize, r: usize, rows: &[u32], live: &[u32], gt: &mut Vec<f32>) {
    let groups = rows.len().div_ceil(4);
    let nl = live.len();
    // G's entries for each group of four rows, transposed: gt[(grp * nl + l) * 4 + i] = G[rows[4 grp + i], live[l]]
    // (zero for the padding rows of the last group).
    gt.clear();
    gt.resize(groups * nl * 4, 0.0);
    for (j, &p) in rows.iter().enumerate() {
        let gp = &g[p as usize * r..(p as usize + 1) * r];
        let (grp, i) = (j / 4, j % 4);
        for (l, &q) in live.iter().enumerate() {
            gt[(grp * nl + l) * 4 + i] = gp[q as usize];
        }
    }
    // Panels of W columns, then of 4, then single columns: every output element the same order.
    let wide = cols / W * W;
    for c0 in (0..wide).step_by(W) {
        panel::<W>(out, base, b, cols, rows, live, gt, c0);
    }
    let narrow = wide + (cols - wide) / 4 * 4;
    for c0 in (wide..narrow).step_by(4) {
        panel::<4>(out, base, b, cols, rows, live, gt, c0);
    }
    for c0 in narrow..cols {
        panel::<1>(out, base, b, cols, rows, live, gt, c0);
    }
}

/// Columns c0..c0 + W of every output row, four rows at a time with their sums in registers.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn panel<const W: usize>(out: &mut [f32], base: &[f32], b: &[f32], cols: usize, rows: &[u32], live: &[u32], gt: &[f32], c0: usize) {
    let nl = live.len();
    for grp in 0..rows.len().div_ceil(4) {
        let rs = &rows[grp * 4..(grp * 4 + 4).min(rows.len())];
        let mut acc = [[0.0f32; W]; 4];
        for (i, &p) in rs.iter().enumerate() {
            let p = p as usize;
            acc[i].copy_from_slice(&base[p * cols + c0..p * cols + c0 + W]);
        }
        for (gq, &q) in gt[grp * nl * 4..(grp + 1) * nl * 4].chunks_exact(4).zip(live) {
            let q = q as usize;
            let Some(bq) = b.get(q * cols + c0..q * cols + c0 + W) else { continue };
            let (g0, g1, g2, g3) = (gq[0], gq[1], gq[2], gq[3]);
            for c in 0..W {
                let x = bq[c];
                acc[0][c] += g0 * x;
                acc[1][c] += g1 * x;
                acc[2][c] += g2 * x;
                acc[3][c] += g3 * x;
            }
        }
        for (i, a) in acc.iter().enumerate().take(rs.len()) {
            let j = grp * 4 + i;
            out[j * cols + c0..j * cols + c0 + W].copy_from_slice(a);
        }
    }
}

/// See [`gather_block_imp`]. Panel width by instruction set: two vectors per output row.
#[allow(clippy::too_many_arguments)]
pub fn gather_block(out: &mut [f32], base: &[f32], g: &[f32], b: &[f32], cols: usize, r: usize, rows: &[u32], live: &[u32], scratch: &mut Vec<f32>) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f,avx2")]
        #[allow(clippy::too_many_arguments)]
        fn v4(out: &mut [f32], base: &[f32], g: &[f32], b: &[f32], cols: usize, r: usize, rows: &[u32], live: &[u32], scratch: &mut Vec<f32>) {
            gather_block_imp::<32>(out, base, g, b, cols, r, rows, live, scratch)
        }
        #[target_feature(enable = "avx2")]
        #[allow(clippy::too_many_arguments)]
        fn v3(out: &mut [f32], base: &[f32], g: &[f32], b: &[f32], cols: usize, r: usize, rows: &[u32], live: &[u32], scratch: &mut Vec<f32>) {
            gather_block_imp::<16>(out, base, g, b, cols, r, rows, live, scratch)
        }
        match isa() {
            // SAFETY: the CPU has these features (checked by `isa`).
            Isa::Avx512 => return unsafe { v4(out, base, g, b, cols, r, rows, live, scratch) },
            Isa::Avx2 => return unsafe { v3(out, base, g, b, cols, r, rows, live, scratch) },
            Isa::Plain => {}
        }
    }
    gather_block_imp::<8>(out, base, g, b, cols, r, rows, live, scratch)
}

/// Sum of relu over `v` with eight fixed partial sums (the same result at any vector width), and
/// whether every value is finite.
#[inline(always)]
fn relu_sum8(v: &[f32]) -> (f32, bool) {
    let mut acc = [0.0f32; 8];
    let mut probe = [0.0f32; 8];
    let mut it = v.chunks_exact(8);
    for c in it.by_ref() {
        for l in 0..8 {
            acc[l] += c[l].max(0.0);
            probe[l] += c[l] * 0.0; // NaN as soon as a value is NaN or infinite
        }
    }
    for (l, &x) in it.remainder().iter().enumerate() {
        acc[l] += x.max(0.0);
        probe[l] += x * 0.0;
    }
    let s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    let p = probe.iter().sum::<f32>();
    (s, p == 0.0)
}

/// Per-row, per-class sums of relu activations: `out[p*K + k] = sum_r relu(z[p, k*m + r])` for
/// the `out.len() / k` rows of `z` (rows of K*m). False if an activation is NaN or infinite.
#[inline(always)]
fn relu_sums_imp(z: &[f32], k: usize, m: usize, out: &mut [f32]) -> bool {
    let km = k * m;
    let mut ok = true;
    for (zr, o) in z.chunks_exact(km).zip(out.chunks_exact_mut(k)) {
        for (c, o) in o.iter_mut().enumerate() {
            let (s, f) = relu_sum8(&zr[c * m..(c + 1) * m]);
            *o = s;
            ok &= f;
        }
    }
    ok
}
dispatch!(relu_sums(z: &[f32], k: usize, m: usize, out: &mut [f32]) -> bool => relu_sums_imp);

/// The gram route's update of one row of Coef^T: `c[k*m + r] += a[k] * 1[z[k*m + r] > 0]`, and
/// `delta` (when given, same length) receives the added amounts.
#[inline(always)]
fn masked_update_imp(c: &mut [f32], z: &[f32], a: &[f32], m: usize, delta: &mut [f32]) {
    let with_delta = !delta.is_empty();
    for (kc, &ak) in a.iter().enumerate() {
        let cs = &mut c[kc * m..(kc + 1) * m];
        let zs = &z[kc * m..(kc + 1) * m];
        if with_delta {
            let ds = &mut delta[kc * m..(kc + 1) * m];
            for ((cv, &zv), dv) in cs.iter_mut().zip(zs).zip(ds.iter_mut()) {
                let add = if zv > 0.0 { ak } else { 0.0 };
                *cv += add;
                *dv = add;
            }
        } else {
            if ak == 0.0 {
                continue;
            }
            for (cv, &zv) in cs.iter_mut().zip(zs) {
                *cv += if zv > 0.0 { ak } else { 0.0 };
            }
        }
    }
}
dispatch!(masked_update(c: &mut [f32], z: &[f32], a: &[f32], m: usize, delta: &mut [f32]) -> () => masked_update_imp);

/// `y[i] += alpha * x[i]` (separate multiply and add).
#[inline(always)]
fn axpy_imp(y: &mut [f32], alpha: f32, x: &[f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}
dispatch!(axpy(y: &mut [f32], alpha: f32, x: &[f32]) -> () => axpy_imp);

/// The direct route's coefficients: `z[p, k*m + r] = a[p*K + k] * 1[z[p, k*m + r] > 0]` in place.
#[inline(always)]
fn mask_coefs_imp(z: &mut [f32], a: &[f32], k: usize, m: usize) {
    let km = k * m;
    for (zr, ar) in z.chunks_exact_mut(km).zip(a.chunks_exact(k)) {
        for (c, &ac) in ar.iter().enumerate() {
            for v in zr[c * m..(c + 1) * m].iter_mut() {
                *v = if *v > 0.0 { ac } else { 0.0 };
            }
        }
    }
}
dispatch!(mask_coefs(z: &mut [f32], a: &[f32], k: usize, m: usize) -> () => mask_coefs_imp);

#[cfg(test)]
mod tests;
