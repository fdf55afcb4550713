//! Exact integer Gram products for byte images (the Gram route of `covariance` with bytes scaled
//! to [0, 1]): P = X X^T of the raw bytes in i32, which is exact (each entry is at most
//! 65025 d < 2^31 for d <= 33000), so the result does not depend on threads, SIMD width or
//! backend. Pairs of bytes are multiplied as i16 and summed pairwise into i32 lanes: AVX2
//! `vpmaddwd` (16 multiply-adds per instruction, twice an f32 FMA) on x86-64, `i32x4.dot_i16x8_s`
//! on wasm simd128, plain loops elsewhere.
//!
//! Layout: every row's byte pairs (x_{2k}, x_{2k+1}) as one u32 (low and high i16); the "B" side
//! is packed once per class in blocks of `NR` rows, [block][pair][NR], so the kernel reads it
//! contiguously.

pub const NR: usize = 16;
const MR: usize = 6;
/// Byte pairs per pass over a block (A tile 6 x KC and B block 16 x KC u32 stay in L1).
const KC: usize = 256;
/// Largest row length for which i32 sums cannot overflow.
pub const MAX_DIM: usize = 33_000;

/// A class's bytes, packed for the kernel.
pub struct Packed {
    /// Byte pairs per row.
    pub kp: usize,
    /// n x kp, row-major.
    pub rows: Vec<u32>,
    /// ceil(n / NR) blocks of kp x NR (rows past n are zero).
    pub blocks: Vec<u32>,
}

#[inline]
fn pair(lo: u8, hi: u8) -> u32 {
    lo as u32 | (hi as u32) << 16
}

/// Pack `n` rows of `dk` bytes, `NR` rows at a time, in parallel where allowed: `group(i0, rows,
/// out)` writes rows `i0..i0 + rows` (rows <= NR) into `out` (rows x dk bytes, row-major). Handing
/// out whole groups lets a caller gather columns of a larger matrix a cache line at a time.
pub fn pack(n: usize, dk: usize, par: crate::linalg::Par, group: impl Fn(usize, usize, &mut [u8]) + Sync) -> Packed {
    let kp = dk.div_ceil(2);
    let nb = n.div_ceil(NR);
    let mut rows = vec![0u32; n * kp];
    let mut blocks = vec![0u32; nb * kp * NR];
    let work = |(b, (rw, bl)): (usize, (&mut [u32], &mut [u32]))| {
        let h = rw.len() / kp;
        let mut tight = vec![0u8; h * dk];
        group(b * NR, h, &mut tight);
        for (src, out) in tight.chunks_exact(dk).zip(rw.chunks_exact_mut(kp)) {
            for (o, two) in out.iter_mut().zip(src.chunks(2)) {
                // Odd row lengths: the last pair's high byte is 0.
                *o = pair(two[0], two.get(1).copied().unwrap_or(0));
            }
        }
        for k in 0..kp {
            for r in 0..h {
                bl[k * NR + r] = rw[r * kp + k];
            }
        }
    };
    if kp > 0 {
        #[cfg(feature = "parallel")]
        if let crate::linalg::Par::Threads(_) = par {
            use rayon::prelude::*;
            rows.par_chunks_mut(NR * kp).zip(blocks.par_chunks_mut(kp * NR)).enumerate().for_each(work);
            return Packed { kp, rows, blocks };
        }
        let _ = par;
        rows.chunks_mut(NR * kp).zip(blocks.chunks_mut(kp * NR)).enumerate().for_each(work);
    }
    Packed { kp, rows, blocks }
}

/// out (layout [block][h][NR], `ceil(ie / NR)` blocks) = X[ib..ib+h] X[0..ie]^T.
pub fn panel(p: &Packed, ib: usize, h: usize, ie: usize, out: &mut [i32], par: crate::linalg::Par) {
    let nb = ie.div_ceil(NR);
    let kp = p.kp;
    let work = |b: usize, ob: &mut [i32]| {
        for v in ob.iter_mut() {
            *v = 0;
        }
        let bblock = &p.blocks[b * kp * NR..(b + 1) * kp * NR];
        let mut k0 = 0;
        while k0 < kp {
            let kc = KC.min(kp - k0);
            let mut i0 = 0;
            while i0 < h {
                let mr = MR.min(h - i0);
                let tile = &mut ob[i0 * NR..(i0 + mr) * NR];
                kernel(&p.rows, kp, ib + i0, mr, k0, kc, &bblock[k0 * NR..(k0 + kc) * NR], tile);
                i0 += mr;
            }
            k0 += kc;
        }
    };
    let out = &mut out[..nb * h * NR];
    #[cfg(feature = "parallel")]
    if let crate::linalg::Par::Threads(_) = par {
        use rayon::prelude::*;
        out.par_chunks_mut(h * NR).enumerate().for_each(|(b, ob)| work(b, ob));
        return;
    }
    let _ = par;
    out.chunks_mut(h * NR).enumerate().for_each(|(b, ob)| work(b, ob));
}

/// tile[r][c] += sum_{k in k0..k0+kc} <pair(row i0+r, k), pair(block row c, k)>, r < mr.
#[allow(clippy::too_many_arguments)]
fn kernel(rows: &[u32], kp: usize, i0: usize, mr: usize, k0: usize, kc: usize, b: &[u32], tile: &mut [i32]) {
    debug_assert!(mr <= MR && b.len() == kc * NR && tile.len() == mr * NR);
    let a: [&[u32]; MR] = std::array::from_fn(|r| if r < mr { &rows[(i0 + r) * kp + k0..(i0 + r) * kp + k0 + kc] } else { &[][..] });
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is present; every slice was bounds-checked above (a[r].len() == kc for
            // r < mr, b.len() == kc * NR, tile.len() == mr * NR).
            unsafe { kernel_avx2(&a, mr, kc, b, tile) };
            return;
        }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        kernel_simd128(&a, mr, kc, b, tile);
        return;
    }
    #[allow(unreachable_code)]
    kernel_scalar(&a, mr, kc, b, tile);
}

#[inline]
fn madd_pair(x: u32, y: u32) -> i32 {
    (x & 0xffff) as i32 * (y & 0xffff) as i32 + (x >> 16) as i32 * (y >> 16) as i32
}

#[allow(dead_code)]
fn kernel_scalar(a: &[&[u32]; MR], mr: usize, kc: usize, b: &[u32], tile: &mut [i32]) {
    for r in 0..mr {
        let t = &mut tile[r * NR..(r + 1) * NR];
        for k in 0..kc {
            let x = a[r][k];
            for (c, tv) in t.iter_mut().enumerate() {
                *tv += madd_pair(x, b[k * NR + c]);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn kernel_avx2(a: &[&[u32]; MR], mr: usize, kc: usize, b: &[u32], tile: &mut [i32]) {
    use std::arch::x86_64::*;
    // Rows past mr point at row 0 and are not stored (keeps the 12 accumulators branch-free).
    let ap: [*const u32; MR] = std::array::from_fn(|r| if r < mr { a[r].as_ptr() } else { a[0].as_ptr() });
    let bp = b.as_ptr();
    let z = _mm256_setzero_si256();
    let mut c = [[z; 2]; MR];
    for k in 0..kc {
        let b0 = _mm256_loadu_si256(bp.add(k * NR) as *const __m256i);
        let b1 = _mm256_loadu_si256(bp.add(k * NR + 8) as *const __m256i);
        for (cr, a) in c.iter_mut().zip(&ap) {
            let x = _mm256_set1_epi32(*a.add(k) as i32);
            cr[0] = _mm256_add_epi32(cr[0], _mm256_madd_epi16(x, b0));
            cr[1] = _mm256_add_epi32(cr[1], _mm256_madd_epi16(x, b1));
        }
    }
    for (r, cr) in c.iter().enumerate().take(mr) {
        let t = tile.as_mut_ptr().add(r * NR);
        let o0 = _mm256_loadu_si256(t as *const __m256i);
        let o1 = _mm256_loadu_si256(t.add(8) as *const __m256i);
        _mm256_storeu_si256(t as *mut __m256i, _mm256_add_epi32(o0, cr[0]));
        _mm256_storeu_si256(t.add(8) as *mut __m256i, _mm256_add_epi32(o1, cr[1]));
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn kernel_simd128(a: &[&[u32]; MR], mr: usize, kc: usize, b: &[u32], tile: &mut [i32]) {
    use core::arch::wasm32::*;
    // Bounds checked once here; the loops below read through raw pointers.
    assert!(b.len() >= kc * NR && tile.len() >= mr * NR && (0..mr).all(|r| a[r].len() >= kc));
    // Rows past mr read row 0 and are not stored. Four rows x eight columns at a time: 8
    // accumulators, 2 B vectors and a splat fit the 16 registers V8 has on x86-64.
    let ap: [*const u32; MR] = std::array::from_fn(|r| if r < mr { a[r].as_ptr() } else { a[0].as_ptr() });
    let bp = b.as_ptr();
    for half in 0..2 {
        let mut r0 = 0;
        while r0 < mr {
            let rows = 4.min(mr - r0);
            let p: [*const u32; 4] = std::array::from_fn(|r| ap[if r < rows { r0 + r } else { r0 }]);
            if rows <= 2 {
                // Two rows: half the work of the four-row loop.
                let z = i32x4_splat(0);
                let (mut c00, mut c01, mut c10, mut c11) = (z, z, z, z);
                // SAFETY: as below.
                unsafe {
                    for k in 0..kc {
                        let o = bp.add(k * NR + half * 8);
                        let b0 = v128_load(o as *const v128);
                        let b1 = v128_load(o.add(4) as *const v128);
                        let x0 = i32x4_splat(*p[0].add(k) as i32);
                        c00 = i32x4_add(c00, i32x4_dot_i16x8(x0, b0));
                        c01 = i32x4_add(c01, i32x4_dot_i16x8(x0, b1));
                        let x1 = i32x4_splat(*p[1].add(k) as i32);
                        c10 = i32x4_add(c10, i32x4_dot_i16x8(x1, b0));
                        c11 = i32x4_add(c11, i32x4_dot_i16x8(x1, b1));
                    }
                }
                let acc = [[c00, c01], [c10, c11]];
                for r in 0..rows {
                    let t = &mut tile[(r0 + r) * NR + half * 8..(r0 + r) * NR + half * 8 + 8];
                    for l in 0..4 {
                        t[l] += i32x4_extract_lane_dyn(acc[r][0], l);
                        t[4 + l] += i32x4_extract_lane_dyn(acc[r][1], l);
                    }
                }
                r0 += rows;
                continue;
            }
            let z = i32x4_splat(0);
            let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21, mut c30, mut c31) = (z, z, z, z, z, z, z, z);
            // SAFETY: k < kc, so p[r].add(k) stays inside a row of length >= kc and
            // bp.add(k * NR + half * 8 + 4) + 4 u32 inside b (len >= kc * NR).
            unsafe {
                for k in 0..kc {
                    let o = bp.add(k * NR + half * 8);
                    let b0 = v128_load(o as *const v128);
                    let b1 = v128_load(o.add(4) as *const v128);
                    let x0 = i32x4_splat(*p[0].add(k) as i32);
                    c00 = i32x4_add(c00, i32x4_dot_i16x8(x0, b0));
                    c01 = i32x4_add(c01, i32x4_dot_i16x8(x0, b1));
                    let x1 = i32x4_splat(*p[1].add(k) as i32);
                    c10 = i32x4_add(c10, i32x4_dot_i16x8(x1, b0));
                    c11 = i32x4_add(c11, i32x4_dot_i16x8(x1, b1));
                    let x2 = i32x4_splat(*p[2].add(k) as i32);
                    c20 = i32x4_add(c20, i32x4_dot_i16x8(x2, b0));
                    c21 = i32x4_add(c21, i32x4_dot_i16x8(x2, b1));
                    let x3 = i32x4_splat(*p[3].add(k) as i32);
                    c30 = i32x4_add(c30, i32x4_dot_i16x8(x3, b0));
                    c31 = i32x4_add(c31, i32x4_dot_i16x8(x3, b1));
                }
            }
            let acc = [[c00, c01], [c10, c11], [c20, c21], [c30, c31]];
            for r in 0..rows {
                let t = &mut tile[(r0 + r) * NR + half * 8..(r0 + r) * NR + half * 8 + 8];
                for l in 0..4 {
                    t[l] += i32x4_extract_lane_dyn(acc[r][0], l);
                    t[4 + l] += i32x4_extract_lane_dyn(acc[r][1], l);
                }
            }
            r0 += rows;
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline]
fn i32x4_extract_lane_dyn(v: core::arch::wasm32::v128, l: usize) -> i32 {
    use core::arch::wasm32::*;
    match l {
        0 => i32x4_extract_lane::<0>(v),
        1 => i32x4_extract_lane::<1>(v),
        2 => i32x4_extract_lane::<2>(v),
        _ => i32x4_extract_lane::<3>(v),
    }
}

#[cfg(test)]
mod tests;
