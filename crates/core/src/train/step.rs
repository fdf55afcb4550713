//! One (S)GD step on the general path: the batch, the activations of its rows on either route,
//! softmax-CE through [`crate::model`], and the update of Coef^T (gram) or W (direct).

use super::{Route_, Trainer, BLOCK_ROWS};
use crate::error::{Error, Result};
use crate::kernels;
use crate::linalg::{self, View};
use crate::model;
use crate::rng::{Purpose, Stream};

impl Trainer {
    /// Fill `bidx` (and `brows`, `blocal`) with the samples and rows of the batch at the current
    /// step. Returns false for a full batch (every row).
    pub(super) fn fill_batch(&mut self) -> bool {
        self.bidx.clear();
        match self.cfg.batch_size {
            Some(b) if b < self.n => {
                let e = self.step / self.steps_per_epoch;
                let s = self.step % self.steps_per_epoch;
                if s == 0 {
                    self.order.clear();
                    self.order.extend(0..self.n as u32);
                    Stream::new(self.cfg.seed, Purpose::Shuffle, e as u64).shuffle(&mut self.order);
                }
                self.bidx.extend_from_slice(&self.order[s * b..((s + 1) * b).min(self.n)]);
                // Order inside a batch does not change the update; sorted keeps memory access regular.
                self.bidx.sort_unstable();
                if self.fast.is_some() {
                    return true;
                }
                self.brows.clear();
                for &i in &self.bidx {
                    self.brows.extend_from_slice(&self.train.srows[i as usize]);
                }
                self.brows.sort_unstable();
                self.brows.dedup();
                self.blocal.clear();
                for &i in &self.bidx {
                    let s = self.train.srows[i as usize];
                    self.blocal.push([self.brows.binary_search(&s[0]).unwrap_or(0) as u32, self.brows.binary_search(&s[1]).unwrap_or(0) as u32]);
                }
                true
            }
            _ => {
                self.bidx.extend(0..self.n as u32);
                self.blocal.clear();
                self.blocal.extend_from_slice(&self.train.srows);
                false
            }
        }
    }

    /// Activations Z of the given rows (all rows when None) at the current weights.
    pub(super) fn forward_rows(&mut self, rows: Option<&[u32]>) {
        let (d, km) = (self.d, self.k * self.m);
        let r_all = self.train.r(d);
        let nr = rows.map_or(r_all, |r| r.len());
        let z = &mut self.z[..nr * km];
        match &self.route {
            Route_::Gram { g, z0, coef_t } => {
                match rows {
                    None => {
                        z.copy_from_slice(z0);
                        linalg::gemm_f32(z, View::rm(nr, km, km), 1.0, g, View::rm(nr, r_all, r_all), coef_t, View::rm(r_all, km, km), 1.0, self.par);
                    }
                    // Few rows: one cache-blocked pass over Coef^T, no copy of G's rows. (For all rows
                    // the gemm crate is faster, natively and in wasm: measured with GemmBench
                    // "f32block" against "f32" at the paper's step shape.)
                    Some(rows) if nr <= 4 * BLOCK_ROWS => {
                        if self.all_rows.len() != r_all {
                            self.all_rows = (0..r_all as u32).collect();
                        }
                        kernels::gather_block(z, z0, g, coef_t, km, r_all, rows, &self.all_rows, &mut self.gb);
                    }
                    Some(rows) => {
                        self.gb.resize(nr * r_all, 0.0);
                        for (j, &p) in rows.iter().enumerate() {
                            let p = p as usize;
                            self.gb[j * r_all..(j + 1) * r_all].copy_from_slice(&g[p * r_all..(p + 1) * r_all]);
                            z[j * km..(j + 1) * km].copy_from_slice(&z0[p * km..(p + 1) * km]);
                        }
                        linalg::gemm_f32(z, View::rm(nr, km, km), 1.0, &self.gb, View::rm(nr, r_all, r_all), coef_t, View::rm(r_all, km, km), 1.0, self.par);
                    }
                }
            }
            Route_::Direct { w } => {
                let p: &[f32] = match rows {
                    None => &self.train.rows,
                    Some(rows) => {
                        self.pb.resize(nr * d, 0.0);
                        for (j, &q) in rows.iter().enumerate() {
                            let q = q as usize;
                            self.pb[j * d..(j + 1) * d].copy_from_slice(&self.train.rows[q * d..(q + 1) * d]);
                        }
                        &self.pb
                    }
                };
                linalg::gemm_f32(z, View::rm(nr, km, km), 0.0, p, View::rm(nr, d, d), w, View::rm_t(km, d, d), 1.0, self.par);
            }
        }
    }

    /// One (S)GD step. Returns the loss of the batch at the weights before the update.
    /// `forward_done`: Z of every row is already in `z` (a [`TrainerGroup`]'s joint product; full
    /// batch only).
    pub(super) fn one_step(&mut self, forward_done: bool) -> Result<f64> {
        let mini = self.fill_batch();
        if self.fast.is_some() {
            return self.fast_step();
        }
        let (k, m, d) = (self.k, self.m, self.d);
        let km = k * m;
        let brows = std::mem::take(&mut self.brows);
        let rows = if mini { Some(&brows[..]) } else { None };
        if !(forward_done && rows.is_none()) {
            self.forward_rows(rows);
        }
        let nr = rows.map_or(self.train.r(d), |r| r.len());
        let nb = self.bidx.len();
        model::logits(&self.z[..nr * km], nr, k, m, &self.blocal, &mut self.sums, &mut self.f[..nb * k]);
        // Softmax, loss, g_i = 1 - logit_y, coefficients p_k - 1[k = y].
        let (mut loss, mut gmax, mut gmin) = (0.0f64, 0.0f64, f64::INFINITY);
        for (b, &i) in self.bidx.iter().enumerate() {
            let y = self.y[i as usize] as usize;
            let (l, g, _) = model::softmax_row(&self.f[b * k..(b + 1) * k], y, &mut self.probs);
            loss += l;
            self.logit_sums[i as usize] += g;
            gmax = gmax.max(g);
            gmin = gmin.min(g);
            for c in 0..k {
                self.gcoef[b * k + c] = model::ce_coef(&self.probs, c, y);
            }
        }
        loss /= nb as f64;
        if !loss.is_finite() {
            self.brows = brows;
            return Err(Error::Diverged { step: self.step, loss, lr: self.cfg.lr });
        }
        self.kappa_curve.push(if gmin > 0.0 { gmax / gmin } else { f64::INFINITY });
        // Row coefficients: sum over the samples using the row (a feature row gathers its class).
        let scale = -(self.cfg.lr / (nb as f64 * m as f64)) as f32;
        let rc = &mut self.rowcoef[..nr * k];
        rc.iter_mut().for_each(|v| *v = 0.0);
        for (b, l) in self.blocal.iter().enumerate() {
            for &p in l {
                let p = p as usize;
                for c in 0..k {
                    rc[p * k + c] += self.gcoef[b * k + c];
                }
            }
        }
        match &mut self.route {
            Route_::Gram { coef_t, .. } => {
                // Coef^T[p, k*m + r] += scale * rc[p, k] * 1[z > 0], elementwise, row by row.
                rc.iter_mut().for_each(|v| *v *= scale);
                let z = &self.z[..nr * km];
                let rc = &*rc;
                match rows {
                    None => crate::util::par_rows(&mut coef_t[..nr * km], km, self.par, |(j, cr)| {
                        kernels::masked_update(cr, &z[j * km..(j + 1) * km], &rc[j * k..(j + 1) * k], m, &mut []);
                    }),
                    Some(rows) => {
                        for (j, &p) in rows.iter().enumerate() {
                            let p = p as usize;
                            kernels::masked_update(&mut coef_t[p * km..(p + 1) * km], &z[j * km..(j + 1) * km], &rc[j * k..(j + 1) * k], m, &mut []);
                        }
                    }
                }
            }
            Route_::Direct { w } => {
                // C[p, k*m + r] = rc[p, k] * 1[z > 0], then W += scale * C^T P (one GEMM).
                let zz = &mut self.z[..nr * km];
                kernels::mask_coefs(zz, rc, k, m);
                let p: &[f32] = if rows.is_some() { &self.pb[..nr * d] } else { &self.train.rows };
                linalg::gemm_f32(w, View::rm(km, d, d), 1.0, zz, View::rm_t(nr, km, km), p, View::rm(nr, d, d), scale, self.par);
            }
        }
        self.brows = brows;
        self.step += 1;
        Ok(loss)
    }

    /// Full-batch training loss at the current weights (no update).
    pub(super) fn full_loss(&mut self) -> (f64, f64) {
        let (k, m) = (self.k, self.m);
        let km = k * m;
        self.forward_rows(None);
        let r = self.train.r(self.d);
        let srows = self.train.srows.clone();
        model::logits(&self.z[..r * km], r, k, m, &srows, &mut self.sums, &mut self.f);
        let (l, a, _) = model::score(&self.f, &self.y, k);
        (l, a)
    }
}
