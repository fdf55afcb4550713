//! The metrics of a training at its current weights ([`EvalRecord`], [`Summary`]): loss and
//! accuracy through [`crate::model`], feature learning, noise memorisation, kappa, the test set
//! and Definition 1's long-tailed accuracy ([`crate::theory::long_tailed`]).

use super::{EvalRecord, NoiseMemo, Route_, Summary, Trainer};
use crate::error::{Result, DEFAULT_MEMORY_LIMIT};
use crate::linalg::{self, View};
use crate::model;

impl Trainer {
    /// Every metric of [`EvalRecord`] at the current weights.
    pub fn evaluate(&mut self) -> Result<EvalRecord> {
        let (k, m, d) = (self.k, self.m, self.d);
        let km = k * m;
        let (train_loss, train_acc) = self.full_loss();
        let r = self.train.r(d);
        // Feature learning and noise memorisation from the activations just computed.
        let feature_learning =
            self.train.feature_rows.as_ref().map(|fr| {
                (0..k).map(|c| self.z[fr[c] * km + c * m..fr[c] * km + (c + 1) * m].iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64).collect()
            });
        let noise_memorization = self.train.noise_rows.as_ref().map(|nr| {
            let mut per = vec![(0.0f64, 0usize); k];
            let (mut sum, mut mx) = (0.0f64, f64::NEG_INFINITY);
            for (i, &row) in nr.iter().enumerate() {
                let y = self.y[i] as usize;
                let v = self.z[row * km + y * m..row * km + (y + 1) * m].iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
                sum += v;
                mx = mx.max(v);
                per[y].0 += v;
                per[y].1 += 1;
            }
            NoiseMemo { mean: sum / nr.len() as f64, max: mx, per_class: per.iter().map(|&(s, c)| if c == 0 { 0.0 } else { s / c as f64 }).collect() }
        });
        let kappa = {
            let mut probs = vec![0.0; k];
            let (mut gmax, mut gmin) = (0.0f64, f64::INFINITY);
            for i in 0..self.n {
                let (_, g, _) = model::softmax_row(&self.f[i * k..(i + 1) * k], self.y[i] as usize, &mut probs);
                gmax = gmax.max(g);
                gmin = gmin.min(g);
            }
            if gmin > 0.0 {
                gmax / gmin
            } else {
                f64::INFINITY
            }
        };
        let _ = r;
        let mut rec = EvalRecord {
            step: self.step,
            epoch: self.step as f64 / self.steps_per_epoch as f64,
            train_loss,
            train_acc,
            test_loss: None,
            test_acc: None,
            test_acc_per_class: None,
            long_tailed: vec![],
            feature_learning,
            noise_memorization,
            kappa,
        };
        if self.test.is_some() {
            let ft = self.test_logits();
            let (ty, tx, tpos) = {
                let t = self.test.as_ref().unwrap();
                (t.1.clone(), &t.2, &t.3)
            };
            let (tl, ta, per) = model::score(&ft, &ty, k);
            rec.test_loss = Some(tl);
            rec.test_acc = Some(ta);
            rec.test_acc_per_class = Some(per);
            if let (Some(model), false) = (self.model.as_ref(), self.cfg.long_tailed_l.is_empty()) {
                let w = self.weights();
                let pos = if tpos.is_empty() { vec![0u8; ty.len()] } else { tpos.clone() };
                rec.long_tailed = crate::theory::long_tailed(
                    model,
                    &w,
                    k,
                    m,
                    tx,
                    &ty,
                    &pos,
                    &self.cfg.long_tailed_l,
                    self.cfg.memory_limit.unwrap_or(DEFAULT_MEMORY_LIMIT),
                    self.par,
                )?;
            }
        }
        Ok(rec)
    }

    /// Test logits at the current weights.
    fn test_logits(&mut self) -> Vec<f64> {
        let (k, m, d) = (self.k, self.m, self.d);
        let km = k * m;
        // Gram route: the test rows' Gram matrix (shared in a group) and their Z0, made once.
        let gt = self.test_gram_matrix();
        if gt.is_some() && self.test_z0.is_none() {
            let t = self.test.as_ref().unwrap();
            let rt = t.0.r(d);
            let mut zt0 = vec![0.0f32; rt * km];
            linalg::gemm_f32(&mut zt0, View::rm(rt, km, km), 0.0, &t.0.rows, View::rm(rt, d, d), &self.w0, View::rm_t(km, d, d), 1.0, self.par);
            self.test_z0 = Some(zt0);
        }
        let t = self.test.as_ref().unwrap();
        let rt = t.0.r(d);
        let nt = t.1.len();
        let mut zt = vec![0.0f32; rt * km];
        match (&self.route, gt, &self.test_z0) {
            (Route_::Gram { coef_t, .. }, Some(gt), Some(zt0)) => {
                let r = self.train.r(d);
                zt.copy_from_slice(zt0);
                linalg::gemm_f32(&mut zt, View::rm(rt, km, km), 1.0, &gt, View::rm(rt, r, r), coef_t, View::rm(r, km, km), 1.0, self.par);
            }
            (Route_::Direct { w }, _, _) => {
                linalg::gemm_f32(&mut zt, View::rm(rt, km, km), 0.0, &t.0.rows, View::rm(rt, d, d), w, View::rm_t(km, d, d), 1.0, self.par);
            }
            _ => unreachable!("the gram route has its test Gram matrix"),
        }
        let mut f = vec![0.0f64; nt * k];
        let mut sums = Vec::new();
        model::logits(&zt, rt, k, m, &t.0.srows, &mut sums, &mut f);
        f
    }

    /// Final metrics and summary (call once training is done or stopped).
    pub fn finish(&mut self) -> Result<Summary> {
        let final_metrics = self.evaluate()?;
        if self.history.last().is_none_or(|h| h.step != self.step) {
            self.history.push(final_metrics.clone());
        }
        Ok(Summary {
            steps: self.step,
            epochs: self.step as f64 / self.steps_per_epoch as f64,
            stop_reason: self.stop_reason.clone().unwrap_or_else(|| format!("stopped at step {}", self.step)),
            route: self.route_name().into(),
            structure: if self.train.feature_rows.is_some() { "feature-noise".into() } else { "general".into() },
            rows: self.rows(),
            flops_per_step: self.flops_per_step(),
            final_metrics,
            kappa_max: self.kappa_curve.iter().cloned().fold(0.0, f64::max),
        })
    }
}
