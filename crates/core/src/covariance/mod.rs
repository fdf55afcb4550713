//! Real data (§5.2): per-class sample covariances, the class matrix tr(S_i S_j) of Figure 6 (the
//! estimate of ||A_i^T A_j||_F^2), the noise correlation ratios Gamma_{k,j} it implies, and the
//! influence score of eq. 10 for every image.
//!
//! For class y with n images, v = x - mean, M = sum v v^T (the scatter) and S = M / (n - 1):
//! removing x gives M' = M - c v v^T with c = n / (n - 1) (DESIGN.md "Real data"), so
//!
//!   inf(x) = ||M||^2/(n-1)^2 - ||M'||^2/(n-2)^2
//!          = [2c q - c^2 r^2 - ||M||^2 (2n-3)/(n-1)^2] / (n-2)^2,    q = v^T M v, r = ||v||^2.
//!
//! The second line is the first with 1/(n-1)^2 - 1/(n-2)^2 = -(2n-3)/((n-1)^2 (n-2)^2) done
//! exactly, so two nearly equal squared norms are never subtracted; everything after the matrix
//! products is f64. Every q of a class comes from one product:
//!
//! - scatter route (d x d): M = X_c^T X_c, then q_i = v_i^T M v_i; both products use only the
//!   lower block triangle of the symmetric M (diagonal blocks halved), n d^2 multiply-adds in all;
//! - Gram route (n x n): G = X_c X_c^T, q_i = sum_j G_ij^2 = ||X_c v_i||^2 and ||M||_F = ||G||_F;
//!   lower row panels only, n^2 d / 2 multiply-adds, memory panel x n.
//!
//! The automatic choice counts multiply-adds: Gram when n^2 d/2 (+ n d^2/2 for the scatter that
//! Figure 6 needs) is below the scatter route's n d^2, i.e. n < 2d without the Figure 6 matrix and
//! n < d with it. Pixels that are constant within a class (MNIST's borders) are dropped first: they
//! add nothing to S. Work is class by class, so memory is the class's rows (n_c x d) plus either
//! M (d x d) and one n_c x block panel, or one block x n_c panel, plus K stored scatters (K d^2
//! f32) when the Figure 6 matrix is asked for.

use schemars::JsonSchema;
use serde::Serialize;

use crate::error::{check_alloc, Error, Result};
use crate::linalg::{self, Par, View};

use crate::util::par_rows;

mod config;
mod job;
mod products;

use crate::kernels::int_gram;
pub use config::{InfluenceConfig, InfluenceOptions, Normalize, Precision, Route, RouteChoice};
pub use job::{class_members, InfluenceJob};
use products::{class_terms, exact_scatter_u8, gram_terms_u8, scaled_row, Terms};

/// Pixels of a set of images, row-major n x d: bytes (0..255) or floats.
#[derive(Clone, Copy, Debug)]
pub enum Pixels<'a> {
    U8(&'a [u8]),
    F32(&'a [f32]),
}

impl Pixels<'_> {
    pub fn len(&self) -> usize {
        match self {
            Pixels::U8(p) => p.len(),
            Pixels::F32(p) => p.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The scaled value of element `i` (bytes / 255; floats as given).
    #[inline]
    fn get(&self, i: usize) -> f64 {
        match self {
            Pixels::U8(p) => p[i] as f64 / 255.0,
            Pixels::F32(p) => p[i] as f64,
        }
    }
    fn check(&self, n: usize, d: usize, field: &str) -> Result<()> {
        let need = (n as u128) * (d as u128);
        if self.len() as u128 != need {
            return Err(Error::invalid(field, format!("{} values", self.len()), format!("n x dim = {n} x {d} = {need} values")));
        }
        if let Pixels::F32(p) = self {
            if let Some(i) = p.iter().position(|v| !v.is_finite()) {
                return Err(Error::invalid(field, format!("{} at index {i} (image {}, pixel {})", p[i], i / d.max(1), i % d.max(1)), "finite pixel values"));
            }
        }
        Ok(())
    }
}

/// Per-pixel population standard deviation over all `n` images (of the scaled values), for
/// `Normalize::Standardize`. f64 sums in a fixed order, so it does not depend on the threads.
pub fn pixel_std(pixels: Pixels<'_>, n: usize, d: usize, par: Par) -> Result<Vec<f64>> {
    if d == 0 {
        return Err(Error::invalid("influence.dim", 0, "an integer >= 1"));
    }
    pixels.check(n, d, "images")?;
    if n == 0 {
        return Err(Error::invalid("images", "0 images", "at least one image"));
    }
    let mut out = vec![0.0f64; d];
    // Columns in chunks of 64, each chunk's rows summed in order: same result on any thread count.
    const W: usize = 64;
    par_rows(&mut out, W, par, |(ci, chunk): (usize, &mut [f64])| {
        let j0 = ci * W;
        let w = chunk.len();
        let mut s = vec![0.0f64; w];
        // A column whose values are all equal has std exactly 0 (the rounded mean need not equal
        // the value, which would leave a tiny positive std and a huge factor).
        let mut constant = vec![true; w];
        for i in 0..n {
            for (t, sv) in s.iter_mut().enumerate() {
                let v = pixels.get(i * d + j0 + t);
                *sv += v;
                if constant[t] && v != pixels.get(j0 + t) {
                    constant[t] = false;
                }
            }
        }
        let mean: Vec<f64> = s.iter().map(|v| v / n as f64).collect();
        let mut ss = vec![0.0f64; w];
        for i in 0..n {
            for t in 0..w {
                let e = pixels.get(i * d + j0 + t) - mean[t];
                ss[t] += e * e;
            }
        }
        for t in 0..w {
            chunk[t] = if constant[t] { 0.0 } else { (ss[t] / n as f64).sqrt() };
        }
    });
    Ok(out)
}

/// Column sums of `n` byte rows (exact) and which columns are not constant, in parallel over
/// row ranges where allowed (integers, so any thread count gives the same).
fn byte_columns(bytes: &[u8], n: usize, d: usize, par: Par) -> (Vec<u64>, Vec<bool>) {
    // Partial sums in u32 (at most 2^24 rows of 255 per range).
    const ROWS: usize = 512;
    let ranges = n.div_ceil(ROWS);
    // Per range: sums, smallest and largest byte of every column.
    type Part = (Vec<u32>, Vec<u8>, Vec<u8>);
    let mut parts: Vec<Part> = vec![(Vec::new(), Vec::new(), Vec::new()); ranges];
    par_rows(&mut parts, 1, par, |(p, out): (usize, &mut [Part])| {
        let (mut s, mut lo, mut hi) = (vec![0u32; d], vec![u8::MAX; d], vec![0u8; d]);
        for row in bytes[p * ROWS * d..((p + 1) * ROWS).min(n) * d].chunks_exact(d) {
            for (((s, lo), hi), &b) in s.iter_mut().zip(lo.iter_mut()).zip(hi.iter_mut()).zip(row) {
                *s += b as u32;
                *lo = (*lo).min(b);
                *hi = (*hi).max(b);
            }
        }
        out[0] = (s, lo, hi);
    });
    let (mut sum, mut lo, mut hi) = (vec![0u64; d], vec![u8::MAX; d], vec![0u8; d]);
    for (s, l, h) in &parts {
        for j in 0..d {
            sum[j] += s[j] as u64;
            lo[j] = lo[j].min(l[j]);
            hi[j] = hi[j].max(h[j]);
        }
    }
    (sum, lo.iter().zip(&hi).map(|(l, h)| l != h).collect())
}

/// What one class gave.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClassInfo {
    pub class: usize,
    pub n: usize,
    pub route: Route,
    /// Pixels that vary within the class (the others were dropped).
    pub kept_pixels: usize,
    /// ||S||_F^2 = tr(S S), the estimate of ||A^T A||_F^2.
    pub frob_sq: f64,
    /// tr(S), the estimate of Tr(A^T A).
    pub trace: f64,
    /// Multiply-adds in the matrix products.
    pub madds: f64,
    /// Block width used.
    pub block: usize,
}

#[derive(Debug)]
pub struct ClassScores {
    /// One score per row, in the order the rows were given.
    pub scores: Vec<f64>,
    pub info: ClassInfo,
}

/// The Figure 6 matrix and what it implies (Theorem 1 with the real class sizes).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrobeniusSummary {
    /// K x K, tr(S_i S_j) (symmetric; the diagonal is ||S_i||_F^2).
    pub frob_sq: Vec<Vec<f64>>,
    /// Gamma_{k,j} = n_k tr(S_k S_k) / (n_j tr(S_k S_j)), null on the diagonal (and where
    /// tr(S_k S_j) = 0).
    pub gamma: Vec<Vec<Option<f64>>>,
    /// min_{j != k} Gamma_{k,j} per class.
    pub min_gamma: Vec<Option<f64>>,
    /// Size-free ratio tr(S_k S_k) / tr(S_k S_j).
    pub gamma_size_free: Vec<Vec<Option<f64>>>,
    pub class_sizes: Vec<usize>,
}

/// Scalar types the products run in.
pub trait Real: Copy + Default + Send + Sync + PartialEq + Into<f64> + 'static {
    fn from_f64(x: f64) -> Self;
    fn to_f64(self) -> f64;
    const BYTES: u128;
    #[allow(clippy::too_many_arguments)]
    fn gemm(c: &mut [Self], cv: View, beta: Self, a: &[Self], av: View, b: &[Self], bv: View, alpha: Self, par: Par);
}

impl Real for f32 {
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    const BYTES: u128 = 4;
    fn gemm(c: &mut [f32], cv: View, beta: f32, a: &[f32], av: View, b: &[f32], bv: View, alpha: f32, par: Par) {
        linalg::gemm_f32(c, cv, beta, a, av, b, bv, alpha, par)
    }
}

impl Real for f64 {
    fn from_f64(x: f64) -> Self {
        x
    }
    fn to_f64(self) -> f64 {
        self
    }
    const BYTES: u128 = 8;
    fn gemm(c: &mut [f64], cv: View, beta: f64, a: &[f64], av: View, b: &[f64], bv: View, alpha: f64, par: Par) {
        linalg::gemm_f64(c, cv, beta, a, av, b, bv, alpha, par)
    }
}

/// The stateful run TypeScript drives class by class (progress and cancellation between
/// classes). Holds the config, the per-pixel factors and, for Figure 6, each class's scatter.
pub struct InfluenceRun {
    cfg: InfluenceConfig,
    /// Multiplier per pixel applied after scaling (standardize), or None.
    factor: Option<Vec<f64>>,
    /// Per class: the scatter M (d x d f32, full symmetric) when `frobenius` is on.
    scatters: Vec<Option<Vec<f32>>>,
    sizes: Vec<usize>,
    /// tr(M_a M_b) for a >= b at a (a + 1) / 2 + b, where already computed: a scatter handed
    /// over with [`set_scatter`](InfluenceRun::set_scatter) is paired with those already here
    /// at once, so the Figure 6 matrix of Web Workers is mostly done when the last class arrives.
    pair_sums: Vec<Option<f64>>,
    par: Par,
}

/// tr(M_a M_b) of two full symmetric d x d scatters: row-wise f64 partial sums, summed in order
/// (the same bits wherever and whenever it is computed).
fn scatter_dot(ma: &[f32], mb: &[f32], d: usize) -> f64 {
    let mut s = 0.0f64;
    for i in 0..d {
        let (ra, rb) = (&ma[i * d..(i + 1) * d], &mb[i * d..(i + 1) * d]);
        s += ra.iter().zip(rb).map(|(&x, &y)| x as f64 * y as f64).sum::<f64>();
    }
    s
}

impl InfluenceRun {
    /// `pixel_std` is required for `Normalize::Standardize` (from [`pixel_std`] over the whole
    /// dataset) and refused otherwise.
    pub fn new(cfg: InfluenceConfig, pixel_std: Option<&[f64]>, par: Par) -> Result<Self> {
        cfg.validate()?;
        let factor = match (cfg.normalize, pixel_std) {
            (Normalize::Standardize, Some(s)) => {
                if s.len() != cfg.dim {
                    return Err(Error::invalid("pixelStd", format!("{} values", s.len()), format!("dim = {} values (one per pixel)", cfg.dim)));
                }
                if let Some(i) = s.iter().position(|v| !v.is_finite() || *v < 0.0) {
                    return Err(Error::invalid("pixelStd", format!("{} at pixel {i}", s[i]), "finite standard deviations >= 0"));
                }
                Some(s.iter().map(|&v| if v > 0.0 { 1.0 / v } else { 0.0 }).collect())
            }
            (Normalize::Standardize, None) => {
                return Err(Error::invalid("pixelStd", "nothing", "the per-pixel standard deviations of the whole dataset (normalize \"standardize\")"))
            }
            (_, Some(_)) => return Err(Error::invalid("pixelStd", "an array", "nothing unless normalize is \"standardize\"")),
            (_, None) => None,
        };
        let k = cfg.classes;
        Ok(InfluenceRun { cfg, factor, scatters: vec![None; k], sizes: vec![0; k], pair_sums: vec![None; k * (k + 1) / 2], par })
    }

    pub fn config(&self) -> &InfluenceConfig {
        &self.cfg
    }

    /// Scores of every image of class `class` (its `n` rows, any order; scores come back in that
    /// order), by the closed form. A class may be given once.
    pub fn add_class(&mut self, class: usize, pixels: Pixels<'_>, n: usize) -> Result<ClassScores> {
        let d = self.cfg.dim;
        let limit = self.check_class(class, pixels, n)?;

        // Scaled rows are made one at a time (never stored as f64): the class mean and the pixels
        // that vary within the class, then the centred rows in T. Bytes scaled to [0, 1] take
        // exact integer column sums and ranges instead (in parallel; any thread count gives the
        // same), and centre each kept pixel as byte / 255 - mean.
        let factor = self.factor.as_deref();
        let unit = self.cfg.normalize == Normalize::Unit;
        let scaled = |i: usize, out: &mut [f64]| scaled_row(pixels, i, d, factor, unit, out);
        let byte_stats = match pixels {
            Pixels::U8(b) if factor.is_none() && !unit => Some((b, byte_columns(b, n, d, self.par))),
            _ => None,
        };
        let (kept, colsum, mean) = kept_pixels(&byte_stats, &scaled, n, d);
        let dk = kept.len();
        let (mean, kept_ref) = (&mean, &kept);
        // Row i's kept pixels, centred (`buf`: scratch of d values).
        let centred = |i: usize, buf: &mut [f64], out: &mut [f64]| match byte_stats {
            Some((b, _)) => {
                let row = &b[i * d..(i + 1) * d];
                for ((o, &j), m) in out.iter_mut().zip(kept_ref).zip(mean) {
                    *o = row[j] as f64 * (1.0 / 255.0) - m;
                }
            }
            None => {
                scaled(i, buf);
                for ((o, &j), m) in out.iter_mut().zip(kept_ref).zip(mean) {
                    *o = buf[j] - m;
                }
            }
        };

        let want_scatter = self.cfg.frobenius;
        let route = self.route_for(n, dk);
        let block = self.block_for(route, n, dk);

        // Bytes scaled to [0, 1] on the Gram route: exact integer products (see crate::kernels::int_gram).
        let exact_bytes = match byte_stats {
            Some((b, _)) if route == Route::Gram && !want_scatter && self.cfg.precision == Precision::F32 && dk > 0 && dk <= int_gram::MAX_DIM => Some(b),
            _ => None,
        };
        let r = match (exact_bytes, self.cfg.precision) {
            (Some(b), _) => gram_terms_u8(b, &kept, &colsum, n, d, block, limit, self.par)?,
            (None, Precision::F32) => {
                // Bytes scaled to [0, 1] on the scatter route: M from exact integer products.
                let exact_m = match byte_stats {
                    Some((b, _)) if route == Route::Scatter && dk > 0 && n <= int_gram::MAX_DIM => {
                        Some(exact_scatter_u8(b, &kept, &colsum, n, d, limit, self.par)?)
                    }
                    _ => None,
                };
                class_terms::<f32, _>(&centred, dk, n, d, route, block, want_scatter, exact_m, limit, self.par)?
            }
            (None, Precision::F64) => class_terms::<f64, _>(&centred, dk, n, d, route, block, want_scatter, None, limit, self.par)?,
        };

        let scores = scores_of(&r, n);

        // Scatter expanded to all d pixels (zeros on dropped ones), kept for Figure 6.
        if let Some(m) = &r.scatter {
            self.keep_scatter(class, &kept, m, limit)?;
        }
        self.sizes[class] = n;
        let nf = n as f64;
        let s2 = (nf - 1.0) * (nf - 1.0);
        let info = ClassInfo { class, n, route, kept_pixels: dk, frob_sq: r.frob_m / s2, trace: r.trace_m / (nf - 1.0), madds: r.madds, block };
        Ok(ClassScores { scores, info })
    }

    /// Check a class before its products; returns the memory limit.
    fn check_class(&self, class: usize, pixels: Pixels<'_>, n: usize) -> Result<u64> {
        let (d, k) = (self.cfg.dim, self.cfg.classes);
        if class >= k {
            return Err(Error::invalid("class", class, format!("a class index from 0 to {}", k - 1)));
        }
        if self.sizes[class] != 0 {
            return Err(Error::invalid("class", class, "a class that was not given before"));
        }
        if n < 3 {
            return Err(Error::invalid(
                format!("labels (class {class})"),
                format!("{n} images"),
                "at least 3 images per class (the covariance without one image needs 2)",
            ));
        }
        pixels.check(n, d, "images")?;
        let limit = self.cfg.memory_limit();
        let bytes = match self.cfg.precision {
            Precision::F32 => 4,
            Precision::F64 => 8,
        };
        check_alloc(&format!("the centred rows of class {class} ({n} x {d})"), (n as u128) * (d as u128), bytes, limit)?;
        Ok(limit)
    }

    /// The route of a class of n images on dk kept pixels: as configured, or the one with fewer
    /// multiply-adds.
    fn route_for(&self, n: usize, dk: usize) -> Route {
        let want_scatter = self.cfg.frobenius;
        match self.cfg.route {
            RouteChoice::Scatter => Route::Scatter,
            RouteChoice::Gram => Route::Gram,
            RouteChoice::Auto => {
                let (nf, df) = (n as f64, dk as f64);
                let scatter = nf * df * df;
                let gram = nf * nf * df / 2.0 + if want_scatter { nf * df * df / 2.0 } else { 0.0 };
                if gram < scatter {
                    Route::Gram
                } else {
                    Route::Scatter
                }
            }
        }
    }

    /// Keep a class's scatter (kept pixels, dk x dk) as d x d f32 for the Figure 6 matrix.
    fn keep_scatter(&mut self, class: usize, kept: &[usize], m: &[f64], limit: u64) -> Result<()> {
        let (d, dk) = (self.cfg.dim, kept.len());
        check_alloc(&format!("the scatter of class {class} ({d} x {d} f32)"), (d as u128) * (d as u128), 4, limit)?;
        let mut full = vec![0.0f32; d * d];
        for (a, &ja) in kept.iter().enumerate() {
            for (b, &jb) in kept.iter().enumerate() {
                full[ja * d + jb] = m[a * dk + b] as f32;
            }
        }
        self.scatters[class] = Some(full);
        Ok(())
    }

    /// [`add_class`](Self::add_class) for the images `rows` of a whole set of `total` images
    /// (the class's rows are copied out here, in parallel, rather than by the caller).
    pub fn add_class_rows(&mut self, class: usize, pixels: Pixels<'_>, total: usize, rows: &[u32]) -> Result<ClassScores> {
        let d = self.cfg.dim;
        let need = (total as u128) * (d as u128);
        if pixels.len() as u128 != need {
            return Err(Error::invalid("images", format!("{} values", pixels.len()), format!("images x dim = {total} x {d} = {need} values")));
        }
        if let Some(&i) = rows.iter().find(|&&i| i as usize >= total) {
            return Err(Error::invalid(format!("rows (class {class})"), i, format!("image indices below {total}")));
        }
        check_alloc(&format!("the rows of class {class} ({} x {d})", rows.len()), (rows.len() as u128) * (d as u128), 4, self.cfg.memory_limit())?;
        fn gather<T: Copy + Default + Send + Sync>(all: &[T], d: usize, rows: &[u32], par: Par) -> Vec<T> {
            let mut out = vec![T::default(); rows.len() * d];
            par_rows(&mut out, d * 64, par, |(c, chunk): (usize, &mut [T])| {
                for (o, &i) in chunk.chunks_exact_mut(d).zip(&rows[c * 64..]) {
                    o.copy_from_slice(&all[i as usize * d..(i as usize + 1) * d]);
                }
            });
            out
        }
        match pixels {
            Pixels::U8(all) => {
                let own = gather(all, d, rows, self.par);
                self.add_class(class, Pixels::U8(&own), rows.len())
            }
            Pixels::F32(all) => {
                let own = gather(all, d, rows, self.par);
                self.add_class(class, Pixels::F32(&own), rows.len())
            }
        }
    }

    fn block_for(&self, route: Route, n: usize, dk: usize) -> usize {
        if self.cfg.block > 0 {
            return self.cfg.block;
        }
        match route {
            // Narrow enough that the symmetric blocking saves most of the upper triangle, wide
            // enough for the GEMM to run near its peak.
            Route::Scatter => 96.min(dk.max(1)),
            Route::Gram => 256.min(n.max(1)),
        }
    }

    /// The Figure 6 matrix tr(S_i S_j) over every class given so far (all K must be given, with
    /// `frobenius` on), and the Gamma ratios with the real class sizes.
    /// Class `class`'s scatter (d x d f32), handed over: the Figure 6 matrix of classes scored
    /// in several instances (Web Workers) is combined in one with [`set_scatter`](Self::set_scatter).
    pub fn take_scatter(&mut self, class: usize) -> Result<Vec<f32>> {
        let k = self.cfg.classes;
        self.scatters.get_mut(class).and_then(Option::take).ok_or_else(|| {
            Error::invalid("class", class, format!("a class from 0 to {} given to addClass with influence.frobenius on, not taken before", k - 1))
        })
    }

    /// A class scored in another instance: its `n` images' scatter from [`take_scatter`](Self::take_scatter).
    /// [`frobenius`](Self::frobenius) then gives the bits one instance gives.
    pub fn set_scatter(&mut self, class: usize, n: usize, scatter: Vec<f32>) -> Result<()> {
        let (d, k) = (self.cfg.dim, self.cfg.classes);
        if !self.cfg.frobenius {
            return Err(Error::invalid("influence.frobenius", false, "true to combine the Figure 6 matrix"));
        }
        if class >= k || self.sizes[class] != 0 {
            return Err(Error::invalid("class", class, format!("a class from 0 to {} not given before", k - 1)));
        }
        if n < 3 {
            return Err(Error::invalid(format!("n (class {class})"), n, "at least 3 images"));
        }
        if scatter.len() != d * d {
            return Err(Error::invalid("scatter", format!("{} values", scatter.len()), format!("d x d = {} values", d * d)));
        }
        self.scatters[class] = Some(scatter);
        self.sizes[class] = n;
        let m = self.scatters[class].as_deref().unwrap_or(&[]);
        for (b, other) in self.scatters.iter().enumerate() {
            if let Some(o) = other {
                let (hi, lo) = (class.max(b), class.min(b));
                self.pair_sums[hi * (hi + 1) / 2 + lo] = Some(scatter_dot(m, o, d));
            }
        }
        Ok(())
    }

    pub fn frobenius(&self) -> Result<FrobeniusSummary> {
        let (d, k) = (self.cfg.dim, self.cfg.classes);
        if !self.cfg.frobenius {
            return Err(Error::invalid("influence.frobenius", false, "true to compute the Figure 6 matrix"));
        }
        if let Some(c) = (0..k).find(|&c| self.scatters[c].is_none()) {
            return Err(Error::invalid("class", format!("class {c} not given"), format!("every class 0..{} given to addClass first", k - 1)));
        }
        let m: Vec<&[f32]> = self.scatters.iter().map(|s| s.as_deref().unwrap_or(&[])).collect();
        let mut f = vec![vec![0.0f64; k]; k];
        let pairs: Vec<(usize, usize)> = (0..k).flat_map(|a| (0..=a).map(move |b| (a, b))).collect();
        let mut vals = vec![0.0f64; pairs.len()];
        par_rows(&mut vals, 1, self.par, |(p, out): (usize, &mut [f64])| {
            let (a, b) = pairs[p];
            out[0] = self.pair_sums[p].unwrap_or_else(|| scatter_dot(m[a], m[b], d));
        });
        for (p, &(a, b)) in pairs.iter().enumerate() {
            let v = vals[p] / ((self.sizes[a] as f64 - 1.0) * (self.sizes[b] as f64 - 1.0));
            f[a][b] = v;
            f[b][a] = v;
        }
        let n: Vec<f64> = self.sizes.iter().map(|&s| s as f64).collect();
        let ratio = |a: usize, c: usize, sized: bool| -> Option<f64> {
            if a == c || f[a][c] <= 0.0 {
                return None;
            }
            Some(if sized { n[a] * f[a][a] / (n[c] * f[a][c]) } else { f[a][a] / f[a][c] })
        };
        let gamma: Vec<Vec<Option<f64>>> = (0..k).map(|a| (0..k).map(|c| ratio(a, c, true)).collect()).collect();
        let gamma_size_free = (0..k).map(|a| (0..k).map(|c| ratio(a, c, false)).collect()).collect();
        let min_gamma = gamma.iter().map(|row| row.iter().flatten().copied().fold(None, |acc: Option<f64>, v| Some(acc.map_or(v, |a| a.min(v))))).collect();
        Ok(FrobeniusSummary { frob_sq: f, gamma, min_gamma, gamma_size_free, class_sizes: self.sizes.clone() })
    }
}

/// The pixels that vary within a class (kept), their exact byte column sums (bytes scaled to
/// [0, 1]; else empty) and their means.
#[allow(clippy::type_complexity)]
fn kept_pixels(
    byte_stats: &Option<(&[u8], (Vec<u64>, Vec<bool>))>, scaled: &impl Fn(usize, &mut [f64]), n: usize, d: usize,
) -> (Vec<usize>, Vec<u64>, Vec<f64>) {
    if let Some((_, (sums, varies))) = &byte_stats {
        let kept: Vec<usize> = (0..d).filter(|&j| varies[j]).collect();
        let colsum: Vec<u64> = kept.iter().map(|&j| sums[j]).collect();
        // The kept pixels' means, scaled to [0, 1].
        let mean = colsum.iter().map(|&s| s as f64 / n as f64 / 255.0).collect();
        (kept, colsum, mean)
    } else {
        let mut mean = vec![0.0f64; d];
        let mut varies = vec![false; d];
        let mut first = vec![0.0f64; d];
        let mut row = vec![0.0f64; d];
        scaled(0, &mut first);
        for i in 0..n {
            scaled(i, &mut row);
            for ((m, v), (f, var)) in mean.iter_mut().zip(&row).zip(first.iter().zip(varies.iter_mut())) {
                *m += v;
                *var |= v != f;
            }
        }
        let kept: Vec<usize> = (0..d).filter(|&j| varies[j]).collect();
        let mean = kept.iter().map(|&j| mean[j] / n as f64).collect();
        (kept, Vec::new(), mean)
    }
}

/// Eq. 10 for every image of a class of n from its terms: (2c q_i - c^2 ||v_i||^4 - (2n - 3)/(n - 1)^2 ||M||_F^2) / (n - 2)^2.
fn scores_of(r: &Terms, n: usize) -> Vec<f64> {
    let nf = n as f64;
    let c = nf / (nf - 1.0);
    let big = r.frob_m * (2.0 * nf - 3.0) / ((nf - 1.0) * (nf - 1.0));
    let den = (nf - 2.0) * (nf - 2.0);
    r.q.iter().zip(&r.rr).map(|(&q, &rr)| (2.0 * c * q - c * c * rr * rr - big) / den).collect()
}

/// Brute force, for tests: eq. 10 by recomputing the covariance without each row (f64).
pub fn brute_force_scores(x: &[f64], n: usize, d: usize) -> Vec<f64> {
    fn frob_cov(rows: &[&[f64]], d: usize) -> f64 {
        let n = rows.len();
        let mut mean = vec![0.0; d];
        for r in rows {
            for (m, v) in mean.iter_mut().zip(r.iter()) {
                *m += v / n as f64;
            }
        }
        let mut s = vec![0.0; d * d];
        for r in rows {
            for a in 0..d {
                for b in 0..d {
                    s[a * d + b] += (r[a] - mean[a]) * (r[b] - mean[b]);
                }
            }
        }
        s.iter().map(|v| (v / (n as f64 - 1.0)).powi(2)).sum()
    }
    let rows: Vec<&[f64]> = (0..n).map(|i| &x[i * d..(i + 1) * d]).collect();
    let full = frob_cov(&rows, d);
    (0..n)
        .map(|i| {
            let without: Vec<&[f64]> = rows.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, r)| *r).collect();
            full - frob_cov(&without, d)
        })
        .collect()
}

#[cfg(test)]
mod tests;
