//! Several trainings on the same data: a sweep over the learning rate, the initialisation, the
//! width or the training seed, where every cell draws the same data set.
//!
//! What depends only on the data is made once: the patch rows, G = P P^T and the test rows'
//! Gram matrix against the training rows. And the full-batch steps of the members on the gram
//! route go in lockstep, their products Z_b = Z0_b + G Coef_b^T as one GEMM of G against all
//! their Coef^T side by side (R x R x sum_b K m_b): G is read once per step for all of them, and
//! narrow members (small K m) make a wider product that runs nearer the GEMM's peak. Only narrow
//! members join (see [`JOINT_WIDTH`]): for wide ones the copies cost more than they save.
//!
//! Both are exact: every member's iterates, losses and metrics are the bits the same config
//! gives alone (the GEMM sums each entry over the same R terms in the same order whatever the
//! width; the tests check this bit for bit). Members that are not full-batch gram (SGD, the
//! direct route) still share the data and G and step on their own.

use super::*;

/// Widest joint product (columns, the sum of K m); members wider than half of it step alone.
/// Measured at the paper's R = 505 on 2 cores (`benches/group_timing.rs`, best of 5): ten
/// members of K m = 50 took 6.2 ms for 20 steps each joined in 256 columns, 7.4 ms in 512 and
/// 8.0 ms alone; members of K m = 250 took 22.9 ms alone and 26.7 ms joined in pairs (the copies
/// in and out cost more than the wider product saves once a member's own product is wide).
pub const JOINT_WIDTH: usize = 256;

/// The products that depend only on the data, handed from the group's first trainer to the rest.
pub(super) struct Shared {
    /// The training and test rows, checked.
    pub data: Option<(Arc<RowSet>, Option<Arc<TestSet>>)>,
    pub g: Option<Arc<Vec<f32>>>,
    pub test_g: Option<Arc<Vec<f32>>>,
}

pub struct TrainerGroup {
    members: Vec<Option<Trainer>>,
    failed: Vec<Option<Error>>,
    par: Par,
    /// Coef^T and Z of the members in the joint product, side by side (R x width).
    coef: Vec<f32>,
    z: Vec<f32>,
    /// Full-batch steps whose forward product was joint (for the benchmark).
    pub joint_steps: usize,
    /// Widest joint product (0: none; [`JOINT_WIDTH`] unless set for a measurement).
    pub joint_width: usize,
}

impl TrainerGroup {
    /// One trainer per config, all on `input` (and `model`).
    pub fn new(cfgs: Vec<TrainConfig>, input: TrainInput<'_>, model: Option<DataModel>) -> Result<TrainerGroup> {
        if cfgs.is_empty() {
            return Err(Error::invalid("train", "an empty list of configs", "at least one training config"));
        }
        let par = Par::from_threads(cfgs.iter().map(|c| c.threads).max().unwrap_or(0));
        let mut members: Vec<Option<Trainer>> = Vec::with_capacity(cfgs.len());
        let model = model.map(Arc::new);
        let mut shared: Option<Shared> = None;
        for (i, cfg) in cfgs.into_iter().enumerate() {
            let mut t = Trainer::with_shared(cfg, input, model.clone(), shared.as_ref()).map_err(|e| in_member(e, i))?;
            let sh = shared.get_or_insert_with(|| Shared { data: Some((t.train.clone(), t.test.clone())), g: None, test_g: None });
            if sh.g.is_none() {
                if let Route_::Gram { g, .. } = &t.route {
                    sh.g = Some(g.clone());
                    sh.test_g = t.test_gram_matrix();
                }
            }
            members.push(Some(t));
        }
        let n = members.len();
        Ok(TrainerGroup { members, failed: (0..n).map(|_| None).collect(), par, coef: Vec::new(), z: Vec::new(), joint_steps: 0, joint_width: JOINT_WIDTH })
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    fn active(&self, i: usize) -> bool {
        self.failed[i].is_none() && self.members[i].as_ref().is_some_and(|t| !t.done())
    }

    /// Every member finished, stopped, failed or taken.
    pub fn done(&self) -> bool {
        (0..self.len()).all(|i| !self.active(i))
    }

    /// Steps taken and planned, summed over the members not taken out.
    pub fn progress(&self) -> (usize, usize) {
        self.members.iter().flatten().fold((0, 0), |(a, b), t| (a + t.step(), b + t.total_steps()))
    }

    /// A member that takes part in joint products: full batch on the gram route, and narrow.
    fn joins(&self, i: usize) -> bool {
        self.members[i].as_ref().is_some_and(|t| t.full_batch_gram() && 2 * t.k * t.m <= self.joint_width)
    }

    /// Up to `max_steps` steps of every member still running; returns the steps taken, summed
    /// over the members. A member that fails (a diverged loss) stops there and keeps its error
    /// for [`take`](Self::take); the others go on. Members outside the joint products take their
    /// steps one member at a time (so each one's working set stays in cache); the others go in
    /// lockstep, one joint product per step.
    pub fn run(&mut self, max_steps: usize) -> usize {
        let before = self.progress().0;
        for i in 0..self.len() {
            if !self.active(i) || self.joins(i) {
                continue;
            }
            if let Some(Err(e)) = self.members[i].as_mut().map(|t| t.run(max_steps)) {
                self.failed[i] = Some(e);
            }
        }
        let mut rounds = 0;
        while rounds < max_steps {
            let lockstep: Vec<usize> = (0..self.len()).filter(|&i| self.active(i) && self.joins(i)).collect();
            if lockstep.is_empty() {
                break;
            }
            // Batches of up to JOINT_WIDTH columns.
            let mut joint: Vec<usize> = Vec::new();
            let mut batch: Vec<usize> = Vec::new();
            let mut width = 0;
            for &i in &lockstep {
                let km = self.members[i].as_ref().map_or(0, |t| t.k * t.m);
                if width + km > self.joint_width {
                    self.flush(&mut batch, &mut joint);
                    width = 0;
                }
                batch.push(i);
                width += km;
            }
            self.flush(&mut batch, &mut joint);
            for &i in &lockstep {
                let Some(t) = self.members[i].as_mut() else { continue };
                let r = t.advance(joint.contains(&i));
                t.note_end();
                if let Err(e) = r {
                    self.failed[i] = Some(e);
                }
            }
            rounds += 1;
        }
        self.progress().0 - before
    }

    /// Run the joint product of `batch` (when it has two members or more) and move them to `joint`.
    fn flush(&mut self, batch: &mut Vec<usize>, joint: &mut Vec<usize>) {
        if batch.len() >= 2 {
            self.joint_forward(batch);
            self.joint_steps += 1;
            joint.append(batch);
        }
        batch.clear();
    }

    /// Z_b = Z0_b + G Coef_b^T for the members `ids` (full batch, gram route), as one GEMM.
    fn joint_forward(&mut self, ids: &[usize]) {
        let mut parts: Vec<&mut Trainer> = Vec::with_capacity(ids.len());
        for (i, m) in self.members.iter_mut().enumerate() {
            if let (true, Some(t)) = (ids.contains(&i), m.as_mut()) {
                parts.push(t);
            }
        }
        let r = parts[0].rows();
        let widths: Vec<usize> = parts.iter().map(|t| t.k * t.m).collect();
        let w: usize = widths.iter().sum();
        self.coef.resize(r * w, 0.0);
        self.z.resize(r * w, 0.0);
        // Z0 goes in first and the product is added to it, as alone: with a depth R split into
        // several of the GEMM's blocks, adding Z0 last would round differently.
        let mut off = 0;
        for (t, &km) in parts.iter().zip(&widths) {
            let Route_::Gram { coef_t, z0, .. } = &t.route else { continue };
            for ((dst, src), (zd, zs)) in self.coef.chunks_exact_mut(w).zip(coef_t.chunks_exact(km)).zip(self.z.chunks_exact_mut(w).zip(z0.chunks_exact(km))) {
                dst[off..off + km].copy_from_slice(src);
                zd[off..off + km].copy_from_slice(zs);
            }
            off += km;
        }
        let Route_::Gram { g, .. } = &parts[0].route else { return };
        let g = g.clone();
        linalg::gemm_f32(&mut self.z, View::rm(r, w, w), 1.0, &g, View::rm(r, r, r), &self.coef, View::rm(r, w, w), 1.0, self.par);
        let mut off = 0;
        for (t, &km) in parts.iter_mut().zip(&widths) {
            for (dst, src) in t.z.chunks_exact_mut(km).zip(self.z.chunks_exact(w)).take(r) {
                dst.copy_from_slice(&src[off..off + km]);
            }
            off += km;
        }
    }

    /// Hand member `i` out (for its summary, weights and curves), or the error it failed with.
    pub fn take(&mut self, i: usize) -> Result<Trainer> {
        if i >= self.len() {
            return Err(Error::invalid("member", i, format!("an index below {}", self.len())));
        }
        if let Some(e) = self.failed[i].take() {
            self.members[i] = None;
            return Err(e);
        }
        self.members[i].take().ok_or_else(|| Error::invalid("member", i, "a member not taken before"))
    }
}

/// Name member `i`'s config in an error about one of its fields ("train.lr" -> "train[i].lr").
fn in_member(e: Error, i: usize) -> Error {
    match e {
        Error::Invalid { field, value, expected } => {
            let field = match field.strip_prefix("train.") {
                Some(rest) => format!("train[{i}].{rest}"),
                None => format!("{field} (train[{i}])"),
            };
            Error::Invalid { field, value, expected }
        }
        e => e,
    }
}

impl Trainer {
    /// Full-batch steps on the gram route (the members of a group's joint product).
    fn full_batch_gram(&self) -> bool {
        self.fast.is_none() && self.cfg.batch_size.is_none_or(|b| b >= self.n) && matches!(self.route, Route_::Gram { .. })
    }

    /// The test rows' Gram matrix against the training rows (gram route with test data), made
    /// now if not yet.
    pub(super) fn test_gram_matrix(&mut self) -> Option<Arc<Vec<f32>>> {
        if self.test_gram.is_none() {
            let d = self.d;
            let (Some(t), Route_::Gram { .. }) = (self.test.as_ref(), &self.route) else { return None };
            let (rt, r) = (t.0.r(d), self.train.r(d));
            let mut gt = vec![0.0f32; rt * r];
            linalg::gemm_f32(&mut gt, View::rm(rt, r, r), 0.0, &t.0.rows, View::rm(rt, d, d), &self.train.rows, View::rm_t(r, d, d), 1.0, self.par);
            self.test_gram = Some(Arc::new(gt));
        }
        self.test_gram.clone()
    }
}

#[cfg(test)]
mod tests;
