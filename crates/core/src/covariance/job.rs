//! Eq. 10 over a whole labelled set as one [`Job`](crate::job::Job): the job holds the images
//! (one copy, grouped by class, each class freed once scored) and their labels, scores the classes one after another (class 0 first), and a unit of work is
//! one image. Between calls JavaScript reports progress and honours cancellation (ts/job.ts).
//!
//! The classes are checked here once, for every caller: labels 0..K-1, at least 3 images in
//! each class ([`class_members`]).

use crate::error::{Error, Result};
use crate::job::Progress;
use crate::linalg::Par;

use super::{pixel_std, ClassInfo, FrobeniusSummary, InfluenceConfig, InfluenceRun, Normalize, Pixels};

/// One class's images, owned by the job: copied out of the set, in the set's order, when the job
/// is made, and freed once the class is scored.
enum Owned {
    U8(Vec<u8>),
    F32(Vec<f32>),
}

impl Owned {
    fn gather(px: Pixels<'_>, d: usize, rows: &[u32]) -> Owned {
        fn pick<T: Copy>(all: &[T], d: usize, rows: &[u32]) -> Vec<T> {
            let mut out = Vec::with_capacity(rows.len() * d);
            for &i in rows {
                out.extend_from_slice(&all[i as usize * d..(i as usize + 1) * d]);
            }
            out
        }
        match px {
            Pixels::U8(b) => Owned::U8(pick(b, d, rows)),
            Pixels::F32(f) => Owned::F32(pick(f, d, rows)),
        }
    }

    fn view(&self) -> Pixels<'_> {
        match self {
            Owned::U8(b) => Pixels::U8(b),
            Owned::F32(f) => Pixels::F32(f),
        }
    }
}

/// The images of each class 0..K-1 (indices into the set, in order), with K = `classes` or, when
/// it is None, the largest label + 1. Every class needs at least 3 images (eq. 10 divides by
/// n - 2), so K <= n / 3: a label of 1e9 is refused here, not by an allocation.
pub fn class_members(labels: &[i32], classes: Option<usize>) -> Result<Vec<Vec<u32>>> {
    let n = labels.len();
    if n == 0 {
        return Err(Error::invalid("labels", "no labels", "at least one image"));
    }
    let (mut max_label, mut arg_max) = (0usize, 0usize);
    for (i, &l) in labels.iter().enumerate() {
        if l < 0 {
            return Err(Error::invalid(format!("labels[{i}]"), l, "an integer >= 0"));
        }
        if l as usize > max_label {
            (max_label, arg_max) = (l as usize, i);
        }
    }
    let k = classes.unwrap_or(max_label + 1);
    if max_label >= k {
        return Err(Error::invalid("influence.classes", k, format!("more than the largest label {max_label}")));
    }
    let most = n / 3;
    if k > most {
        if classes.is_some() && max_label < most {
            return Err(Error::invalid("influence.classes", k, format!("at most {most} (every class 0..K-1 needs at least 3 images, and there are {n})")));
        }
        if max_label >= most {
            return Err(Error::invalid(
                format!("labels[{arg_max}]"),
                max_label,
                format!("a class index below {most} (every class 0..K-1 needs at least 3 images: {n} images allow at most {most} classes)"),
            ));
        }
    }
    let mut members = vec![Vec::new(); k];
    for (i, &l) in labels.iter().enumerate() {
        members[l as usize].push(i as u32);
    }
    if let Some(c) = members.iter().position(|m| m.len() < 3) {
        return Err(Error::invalid(
            format!("labels (class {c})"),
            format!("{} images", members[c].len()),
            "at least 3 images in every class 0..K-1 (pass influence.classes to set K)",
        ));
    }
    Ok(members)
}

/// Eq. 10 (and the Figure 6 matrix) over a labelled set, class by class.
pub struct InfluenceJob {
    run: InfluenceRun,
    /// Per class: its images (None once scored).
    images: Vec<Option<Owned>>,
    members: Vec<Vec<u32>>,
    /// The next class to score.
    next: usize,
    /// Images scored so far.
    done: usize,
    /// One score per image of the set, by index (0 until its class is scored).
    scores: Vec<f64>,
    /// What each scored class gave, in the order scored.
    infos: Vec<ClassInfo>,
}

impl InfluenceJob {
    /// A job over `labels.len()` images of `cfg.dim` pixels (bytes or floats, copied). `cfg.classes`
    /// 0 means the largest label + 1. With normalize "standardize" the per-pixel deviations are
    /// taken over this set.
    pub fn new(mut cfg: InfluenceConfig, bytes: Option<&[u8]>, floats: Option<&[f32]>, labels: &[i32], par: Par) -> Result<Self> {
        let members = class_members(labels, (cfg.classes > 0).then_some(cfg.classes))?;
        cfg.classes = members.len();
        cfg.validate()?;
        let n = labels.len();
        let px = crate::api::pixels(bytes, floats)?;
        px.check(n, cfg.dim, "images")?;
        let std = match cfg.normalize {
            Normalize::Standardize => Some(pixel_std(px, n, cfg.dim, par)?),
            _ => None,
        };
        let d = cfg.dim;
        // The copy is the size of the input the caller already holds (on wasm the binding has
        // copied it in already), so it is not checked against memoryLimit: the class products
        // are, with the words one instance and the Web Workers both give.
        let run = InfluenceRun::new(cfg, std.as_deref(), par)?;
        let images = members.iter().map(|rows| Some(Owned::gather(px, d, rows))).collect();
        Ok(InfluenceJob { run, images, members, next: 0, done: 0, scores: vec![0.0; n], infos: Vec::new() })
    }

    /// Whole classes, in order, while they fit in `budget` images (at least one class).
    pub fn run(&mut self, budget: usize) -> Result<()> {
        let mut spent = 0usize;
        while self.next < self.members.len() {
            let c = self.next;
            let rows = &self.members[c];
            if spent > 0 && spent + rows.len() > budget {
                break;
            }
            let own = self.images[c].as_ref().ok_or_else(|| Error::Internal { detail: format!("influence job: class {c} was scored before") })?;
            let r = self.run.add_class(c, own.view(), rows.len())?;
            self.images[c] = None;
            for (&i, s) in rows.iter().zip(r.scores) {
                self.scores[i as usize] = s;
            }
            self.infos.push(r.info);
            spent += rows.len();
            self.done += rows.len();
            self.next += 1;
        }
        Ok(())
    }

    pub fn progress(&self) -> Progress {
        Progress { done: self.done as u64, total: self.scores.len() as u64, finished: self.next >= self.members.len(), loss: None, accuracy: None }
    }

    /// The next class to score and its images, if any is left.
    pub fn next_class(&self) -> Option<(usize, usize)> {
        self.members.get(self.next).map(|m| (self.next, m.len()))
    }

    /// What the scored classes gave, from the `from`-th scored on.
    pub fn classes_from(&self, from: usize) -> &[ClassInfo] {
        &self.infos[from.min(self.infos.len())..]
    }

    /// The number of classes K.
    pub fn classes(&self) -> usize {
        self.members.len()
    }

    /// One score per image (0 for images of classes not scored yet).
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }

    /// The Figure 6 matrix, once every class is scored (influence.frobenius on).
    pub fn frobenius(&self) -> Result<FrobeniusSummary> {
        if self.next < self.members.len() {
            let what = format!("{} of {} images scored", self.done, self.scores.len());
            return Err(Error::invalid("influence job", what, "a finished job (advance until finished)"));
        }
        self.run.frobenius()
    }
}
