//! Tests of the fast SGD path (small mini-batches of feature-noise data on the gram route: blocks
//! of steps, incremental feature rows) against an independent f64 reference of eqs. 1-4 with the
//! same batches, and its invariances (threads, chunking, instruction set).

use crate::data::{generate, DataConfig, OneOrMany};
use crate::kernels::{self, Isa};
use crate::linalg::Par;
use crate::model::{init_weights, Init};
use crate::rng::{Purpose, Stream};
use crate::train::tests::reference_grad;
use crate::train::*;

/// One SGD step of eq. 4 on the samples `idx`, in f64 with plain loops (the reference gradient of
/// the general path's tests). Returns the batch loss.
#[allow(clippy::too_many_arguments)]
fn reference_step(w: &mut [f64], k: usize, m: usize, d: usize, x: &[f32], y: &[i32], idx: &[usize], lr: f64) -> f64 {
    let (loss, grad) = reference_grad(w, k, m, d, x, y, idx);
    for (a, g) in w.iter_mut().zip(&grad) {
        *a -= lr * g;
    }
    loss
}

/// 3 classes x 25 examples (n = 75 > the 32 rows of a block, so epochs have several blocks).
fn data(seed: u64) -> crate::data::Dataset {
    let cfg = DataConfig {
        classes: 3,
        dim: 20,
        per_class: OneOrMany::One(25),
        test_per_class: OneOrMany::One(4),
        gamma: Some(3.0),
        feature_norm: OneOrMany::One(2.0),
        seed,
        ..Default::default()
    };
    generate(&cfg, None, Par::Seq).unwrap().1
}

fn input(ds: &crate::data::Dataset) -> TrainInput<'_> {
    TrainInput {
        k: ds.k,
        d: ds.d,
        x: &ds.train_x,
        y: &ds.train_y,
        pos: Some(&ds.train_pos),
        features: Some(&ds.features),
        test_x: None,
        test_y: None,
        test_pos: None,
    }
}

fn sgd(batch: usize, epochs: usize, threads: usize) -> TrainConfig {
    TrainConfig {
        width: 4,
        lr: 0.3,
        steps: None,
        epochs: Some(epochs),
        batch_size: Some(batch),
        init: Init::Gaussian { sigma0: 0.3 },
        route: Route::Gram,
        threads,
        seed: 9,
        ..Default::default()
    }
}

#[test]
fn fast_sgd_follows_the_reference_for_every_small_batch() {
    let ds = data(1);
    let (k, m, d, n) = (3, 4, ds.d, ds.n_train());
    let epochs = 3;
    for batch in [1usize, 3, 8, 9] {
        // Reference with the trainer's batches: epoch e shuffles 0..n with stream (seed, Shuffle, e).
        let mut w: Vec<f64> = init_weights(&Init::Gaussian { sigma0: 0.3 }, k * m, d, 9).iter().map(|&v| v as f64).collect();
        let mut losses = vec![];
        for e in 0..epochs {
            let mut order: Vec<u32> = (0..n as u32).collect();
            Stream::new(9, Purpose::Shuffle, e as u64).shuffle(&mut order);
            for chunk in order.chunks(batch) {
                let idx: Vec<usize> = chunk.iter().map(|&i| i as usize).collect();
                losses.push(reference_step(&mut w, k, m, d, &ds.train_x, &ds.train_y, &idx, 0.3));
            }
        }
        let mut t = Trainer::new(sgd(batch, epochs, 1), input(&ds), None).unwrap();
        t.run(usize::MAX).unwrap();
        assert_eq!(t.step(), epochs * n.div_ceil(batch));
        let got = t.weights();
        let scale = w.iter().map(|v| v.abs()).fold(0.0, f64::max);
        let worst = got.iter().zip(&w).map(|(a, b)| (*a as f64 - b).abs()).fold(0.0, f64::max);
        assert!(worst < 5e-5 * scale, "batch {batch}: weights differ by {worst} (scale {scale})");
        for (s, (a, b)) in t.loss_curve.iter().zip(&losses).enumerate() {
            assert!((a - b).abs() < 1e-4 * b.abs().max(1.0), "batch {batch} step {s}: loss {a} vs {b}");
        }
    }
}

#[test]
fn fast_sgd_does_not_depend_on_threads_chunks_or_instruction_set() {
    let ds = data(2);
    let mut a = Trainer::new(sgd(1, 2, 1), input(&ds), None).unwrap();
    a.run(usize::MAX).unwrap();
    let mut b = Trainer::new(sgd(1, 2, 2), input(&ds), None).unwrap();
    while !b.done() {
        b.run(7).unwrap();
    }
    assert_eq!(a.weights(), b.weights());
    assert_eq!(a.loss_curve, b.loss_curve);
    assert_eq!(a.logit_sums, b.logit_sums);
    let before = kernels::isa();
    for isa in [Isa::Plain, Isa::Avx2, Isa::Avx512] {
        kernels::set_isa(isa);
        let mut c = Trainer::new(sgd(1, 2, 1), input(&ds), None).unwrap();
        c.run(usize::MAX).unwrap();
        assert_eq!(a.weights(), c.weights(), "{isa:?}");
    }
    kernels::set_isa(before);
}

#[test]
fn fast_sgd_matches_the_general_path_and_reports_divergence() {
    // The direct route takes the general path for the same batches: the same iterates up to rounding.
    let ds = data(3);
    let mut fast = Trainer::new(sgd(2, 2, 1), input(&ds), None).unwrap();
    fast.run(usize::MAX).unwrap();
    let mut general = Trainer::new(TrainConfig { route: Route::Direct, ..sgd(2, 2, 1) }, input(&ds), None).unwrap();
    general.run(usize::MAX).unwrap();
    let (wf, wg) = (fast.weights(), general.weights());
    let scale = wg.iter().map(|v| v.abs()).fold(0.0f32, f32::max);
    for (a, b) in wf.iter().zip(&wg) {
        assert!((a - b).abs() < 1e-5 * scale, "{a} vs {b}");
    }
    let mut t = Trainer::new(TrainConfig { lr: 1e300, ..sgd(1, 5, 1) }, input(&ds), None).unwrap();
    let e = t.run(usize::MAX).unwrap_err();
    assert_eq!(e.code(), "E_DIVERGED");
}
