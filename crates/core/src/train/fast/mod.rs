//! The fast SGD path: small mini-batches of feature-noise data on the gram route (the paper's
//! SGD with batch size 1, the hot path of every sweep). See [`Trainer::fast_step`].

use super::{Route_, Trainer};
use crate::error::{Error, Result};
use crate::kernels;
use crate::model;

/// Largest mini-batch that takes the fast SGD path ([`Trainer::fast_step`]).
pub(super) const FAST_MAX_BATCH: usize = 8;
/// Noise rows of Z computed together at the start of a block of SGD steps (one pass over Coef^T).
pub(super) const BLOCK_ROWS: usize = 32;

/// State of the fast SGD path: the K feature rows of Z kept up to date, the noise rows of the
/// current block of steps as of its start, the changes since, and scratch.
pub(super) struct Fast {
    /// K classes, width m, n samples, and the r = n + K rows of G (noise rows, then feature rows).
    k: usize,
    m: usize,
    n: usize,
    r: usize,
    /// Steps per block.
    block: usize,
    /// Noise rows of the block's samples in step order, where each sits in `h`, and their rows of
    /// Z at the start of the block (rows x Km).
    blk_rows: Vec<u32>,
    slot: Vec<u32>,
    h: Vec<f32>,
    /// Noise rows of Coef^T changed since the block started and by how much (each changes at most
    /// once per epoch, and blocks do not cross epochs).
    dn_rows: Vec<u32>,
    dn: Vec<f32>,
    /// Summed changes of the feature rows of Coef^T since the block started (K x Km).
    dfeat: Vec<f32>,
    dfeat_any: Vec<bool>,
    /// Scratch of the block gather.
    gt: Vec<f32>,
    /// Z of the K feature rows (K x Km), at the current Coef^T.
    zfeat: Vec<f32>,
    /// Relu sums of the feature rows (K x K).
    fsums: Vec<f32>,
    /// Z of the batch's noise rows (b x Km) and their relu sums (b x K).
    zb: Vec<f32>,
    sums: Vec<f32>,
    /// Scaled coefficients of the noise rows (b x K) and summed ones of the feature rows (K x K).
    rc_noise: Vec<f32>,
    rc_feat: Vec<f32>,
    /// What each touched row of Coef^T received this step ((b + K) x Km).
    delta: Vec<f32>,
    touched: Vec<u32>,
    feat_rows: Vec<u32>,
    /// Rows of Coef^T that are not all zero (ascending).
    live: Vec<u32>,
}

impl Fast {
    pub(super) fn new(k: usize, m: usize, n: usize, r: usize, b: usize, z0: &[f32]) -> Fast {
        let km = k * m;
        let block = (BLOCK_ROWS / b).max(1);
        Fast {
            k,
            m,
            n,
            r,
            block,
            blk_rows: Vec::with_capacity(block * b),
            slot: vec![0; n],
            h: vec![0.0; block * b * km],
            dn_rows: Vec::with_capacity(block * b),
            dn: vec![0.0; block * b * km],
            dfeat: vec![0.0; k * km],
            dfeat_any: vec![false; k],
            gt: Vec::with_capacity(block * b * (n + k)),
            zfeat: z0[n * km..(n + k) * km].to_vec(),
            fsums: vec![0.0; k * k],
            zb: vec![0.0; b * km],
            sums: vec![0.0; b * k],
            rc_noise: vec![0.0; b * k],
            rc_feat: vec![0.0; k * k],
            delta: vec![0.0; (b + k) * km],
            touched: Vec::with_capacity(b + k),
            feat_rows: (n as u32..(n + k) as u32).collect(),
            live: Vec::with_capacity(n + k),
        }
    }

    /// Recompute Z of the feature rows from Coef^T (drops the rounding of the incremental updates).
    fn resync(&mut self, z0: &[f32], g: &[f32], coef_t: &[f32]) {
        kernels::gather_rows(&mut self.zfeat, z0, g, coef_t, self.k * self.m, self.r, &self.feat_rows, &self.live);
    }

    /// Start a block of steps whose samples are `rows` (in step order): their noise rows of Z in
    /// one pass over Coef^T, and no changes since.
    fn start_block(&mut self, rows: &[u32], z0: &[f32], g: &[f32], coef_t: &[f32]) {
        let (km, r) = (self.k * self.m, self.r);
        self.blk_rows.clear();
        self.blk_rows.extend_from_slice(rows);
        for (j, &i) in self.blk_rows.iter().enumerate() {
            self.slot[i as usize] = j as u32;
        }
        let rows = self.blk_rows.len();
        kernels::gather_block(&mut self.h[..rows * km], z0, g, coef_t, km, r, &self.blk_rows, &self.live, &mut self.gt);
        self.dn_rows.clear();
        self.dfeat.iter_mut().for_each(|v| *v = 0.0);
        self.dfeat_any.iter_mut().for_each(|v| *v = false);
    }

    /// Z of the batch's noise rows (into `zb`): the block's value plus what changed since.
    fn batch_rows(&mut self, bidx: &[u32], g: &[f32]) {
        let (k, n, r, km) = (self.k, self.n, self.r, self.k * self.m);
        let zb = &mut self.zb[..bidx.len() * km];
        for (b, &i) in bidx.iter().enumerate() {
            let p = i as usize;
            let j = self.slot[p] as usize;
            let zr = &mut zb[b * km..(b + 1) * km];
            zr.copy_from_slice(&self.h[j * km..(j + 1) * km]);
            let grow = &g[p * r..(p + 1) * r];
            for (t, &q) in self.dn_rows.iter().enumerate() {
                kernels::axpy(zr, grow[q as usize], &self.dn[t * km..(t + 1) * km]);
            }
            for c in 0..k {
                if self.dfeat_any[c] {
                    kernels::axpy(zr, grow[n + c], &self.dfeat[c * km..(c + 1) * km]);
                }
            }
        }
    }

    /// Update the touched rows of Coef^T from the step's coefficients (`rc_noise`, and `rc_feat`
    /// unscaled), keeping what was added: noise rows' changes go to the block's list, feature
    /// rows' to `delta` (and summed into `dfeat`). The touched rows end in `touched`, noise rows
    /// first.
    fn update_rows(&mut self, coef_t: &mut [f32], bidx: &[u32], y: &[i32], scale: f32) {
        let (k, m, n, km) = (self.k, self.m, self.n, self.k * self.m);
        self.touched.clear();
        for (b, &i) in bidx.iter().enumerate() {
            let p = i as usize;
            let t = self.dn_rows.len();
            kernels::masked_update(
                &mut coef_t[p * km..(p + 1) * km],
                &self.zb[b * km..(b + 1) * km],
                &self.rc_noise[b * k..(b + 1) * k],
                m,
                &mut self.dn[t * km..(t + 1) * km],
            );
            self.dn_rows.push(p as u32);
            self.touched.push(p as u32);
        }
        let mut slot = 0;
        for c in 0..k {
            if !bidx.iter().any(|&i| y[i as usize] as usize == c) {
                continue;
            }
            let p = n + c;
            let rc = &mut self.rc_feat[c * k..(c + 1) * k];
            rc.iter_mut().for_each(|v| *v *= scale);
            let dr = &mut self.delta[slot * km..(slot + 1) * km];
            kernels::masked_update(&mut coef_t[p * km..(p + 1) * km], &self.zfeat[c * km..(c + 1) * km], rc, m, dr);
            kernels::axpy(&mut self.dfeat[c * km..(c + 1) * km], 1.0, dr);
            self.dfeat_any[c] = true;
            self.touched.push(p as u32);
            slot += 1;
        }
    }

    /// Carry the step's changes into Z of the feature rows: Z[features] += G[feature f, q] * delta_q
    /// for every touched row q, in a fixed order (the noise rows' changes start at `dn_rows[first_dn]`,
    /// the feature rows' follow the `nb` noise rows in `touched`); the touched rows join `live`.
    fn carry_to_features(&mut self, g: &[f32], first_dn: usize, nb: usize) {
        let (k, n, r, km) = (self.k, self.n, self.r, self.k * self.m);
        for f in 0..k {
            let grow = &g[(n + f) * r..(n + f + 1) * r];
            let zf = &mut self.zfeat[f * km..(f + 1) * km];
            for (t, &q) in self.dn_rows[first_dn..].iter().enumerate() {
                kernels::axpy(zf, grow[q as usize], &self.dn[(first_dn + t) * km..(first_dn + t + 1) * km]);
            }
            for (t, &q) in self.touched[nb..].iter().enumerate() {
                kernels::axpy(zf, grow[q as usize], &self.delta[t * km..(t + 1) * km]);
            }
        }
        for &q in &self.touched {
            if let Err(at) = self.live.binary_search(&q) {
                self.live.insert(at, q);
            }
        }
    }
}

impl Trainer {
    /// One step of a small mini-batch of feature-noise data on the gram route (the paper's SGD with
    /// batch size 1 is the hot path of every sweep).
    ///
    /// A step needs the rows of Z = Z0 + G Coef^T of its samples' noise patches and of their class
    /// features, and changes only those rows of Coef^T. So:
    /// - steps go in blocks: at the start of a block the noise rows of all its samples (known from
    ///   the epoch's order) are computed in one cache-blocked pass over Coef^T
    ///   ([`kernels::gather_block`]), and a step inside the block adds G[a, q] delta_q for the rows
    ///   q changed since the block started: a read of Coef^T per block instead of per step;
    /// - the K feature rows of Z are kept up to date incrementally
    ///   (Z[features] += G[features, q] delta_q) and recomputed exactly at every epoch start, so
    ///   rounding cannot accumulate;
    /// - only the touched rows of Coef^T are written, and nothing is allocated.
    ///
    /// Exact in exact arithmetic (the same iterates as the other routes, up to rounding).
    pub(super) fn fast_step(&mut self) -> Result<f64> {
        let (k, m, n) = (self.k, self.m, self.n);
        let km = k * m;
        let nb = self.bidx.len();
        let spe = self.steps_per_epoch;
        let bs = self.cfg.batch_size.unwrap_or(1);
        let Route_::Gram { g, z0, coef_t } = &mut self.route else {
            return Err(Error::Internal { detail: "fast SGD step without the gram route".into() });
        };
        let Some(fs) = self.fast.as_mut() else {
            return Err(Error::Internal { detail: "fast SGD step without its state".into() });
        };
        let s = self.step % spe;
        if s == 0 {
            fs.resync(z0, g, coef_t);
        }
        if s.is_multiple_of(fs.block) {
            // The samples of the block's steps, in order (the epoch's shuffled order).
            let end = ((s + fs.block) * bs).min(n);
            fs.start_block(&self.order[s * bs..end], z0, g, coef_t);
        }
        fs.batch_rows(&self.bidx, g);
        // Logits from the noise row's and the class feature's relu sums.
        let finite = model::relu_sums(&fs.zb[..nb * km], nb, k, m, &mut fs.sums) & model::relu_sums(&fs.zfeat, k, k, m, &mut fs.fsums);
        let inv_m = model::inv_width(finite, m);
        let (mut loss, mut gmax, mut gmin) = (0.0f64, 0.0f64, f64::INFINITY);
        fs.rc_feat.iter_mut().for_each(|v| *v = 0.0);
        let scale = -(self.cfg.lr / (nb as f64 * m as f64)) as f32;
        for (b, &i) in self.bidx.iter().enumerate() {
            let y = self.y[i as usize] as usize;
            let f = &mut self.f[b * k..(b + 1) * k];
            for (c, fc) in f.iter_mut().enumerate() {
                *fc = model::logit(fs.sums[b * k + c], fs.fsums[y * k + c], inv_m);
            }
            let (l, gi, _) = model::softmax_row(f, y, &mut self.probs);
            loss += l;
            self.logit_sums[i as usize] += gi;
            gmax = gmax.max(gi);
            gmin = gmin.min(gi);
            for c in 0..k {
                let coef = model::ce_coef(&self.probs, c, y);
                fs.rc_noise[b * k + c] = scale * coef;
                fs.rc_feat[y * k + c] += coef;
            }
        }
        loss /= nb as f64;
        if !loss.is_finite() {
            return Err(Error::Diverged { step: self.step, loss, lr: self.cfg.lr });
        }
        self.kappa_curve.push(if gmin > 0.0 { gmax / gmin } else { f64::INFINITY });
        let first_dn = fs.dn_rows.len();
        fs.update_rows(coef_t, &self.bidx, &self.y, scale);
        fs.carry_to_features(g, first_dn, nb);
        self.step += 1;
        Ok(loss)
    }
}

#[cfg(test)]
mod tests;
