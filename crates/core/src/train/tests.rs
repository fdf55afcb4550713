//! Tests of the trainer against an independent f64 reference written from eqs. 1-4.

use crate::data::{generate, DataConfig, OneOrMany};
use crate::linalg::Par;
use crate::model::{init_weights, predict, score, Init};
use crate::train::*;

/// Reference loss and gradient (f64, plain loops) of the empirical risk over the given samples.
pub(crate) fn reference_grad(w: &[f64], k: usize, m: usize, d: usize, x: &[f32], y: &[i32], idx: &[usize]) -> (f64, Vec<f64>) {
    let mut grad = vec![0.0; w.len()];
    let mut loss = 0.0;
    for &i in idx {
        let mut z = vec![[0.0f64; 2]; k * m];
        let mut f = vec![0.0f64; k];
        for kr in 0..k * m {
            for j in 0..2 {
                let mut s = 0.0;
                for t in 0..d {
                    s += w[kr * d + t] * x[i * 2 * d + j * d + t] as f64;
                }
                z[kr][j] = s;
                f[kr / m] += s.max(0.0) / m as f64;
            }
        }
        let mx = f.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let se: f64 = f.iter().map(|v| (v - mx).exp()).sum();
        let yi = y[i] as usize;
        loss += mx + se.ln() - f[yi];
        for kr in 0..k * m {
            let c = kr / m;
            let p = (f[c] - mx).exp() / se;
            let coef = (p - if c == yi { 1.0 } else { 0.0 }) / m as f64;
            for j in 0..2 {
                if z[kr][j] > 0.0 {
                    for t in 0..d {
                        grad[kr * d + t] += coef * x[i * 2 * d + j * d + t] as f64;
                    }
                }
            }
        }
    }
    let nb = idx.len() as f64;
    (loss / nb, grad.iter().map(|g| g / nb).collect())
}

fn small_data(seed: u64) -> crate::data::Dataset {
    let cfg = DataConfig {
        classes: 3,
        dim: 24,
        per_class: OneOrMany::One(8),
        test_per_class: OneOrMany::One(6),
        gamma: Some(4.0),
        feature_norm: OneOrMany::One(1.5),
        seed,
        ..Default::default()
    };
    generate(&cfg, None, Par::Seq).unwrap().1
}

fn input(ds: &crate::data::Dataset, with_features: bool) -> TrainInput<'_> {
    TrainInput {
        k: ds.k,
        d: ds.d,
        x: &ds.train_x,
        y: &ds.train_y,
        pos: Some(&ds.train_pos),
        features: if with_features { Some(&ds.features) } else { None },
        test_x: Some(&ds.test_x),
        test_y: Some(&ds.test_y),
        test_pos: Some(&ds.test_pos),
    }
}

fn cfg(route: Route, steps: usize) -> TrainConfig {
    TrainConfig { width: 4, lr: 0.5, steps: Some(steps), epochs: None, init: Init::Gaussian { sigma0: 0.3 }, route, threads: 1, ..Default::default() }
}

#[test]
fn reference_gradient_matches_finite_differences() {
    let ds = small_data(1);
    let (k, m, d) = (3, 4, ds.d);
    let w: Vec<f64> = init_weights(&Init::Gaussian { sigma0: 0.3 }, k * m, d, 5).iter().map(|&v| v as f64).collect();
    let idx: Vec<usize> = (0..ds.n_train()).collect();
    let (_, g) = reference_grad(&w, k, m, d, &ds.train_x, &ds.train_y, &idx);
    let h = 1e-6;
    for &j in &[0, 7, d + 3, 5 * d + 11, k * m * d - 1] {
        let mut wp = w.clone();
        wp[j] += h;
        let mut wm = w.clone();
        wm[j] -= h;
        let fd = (reference_grad(&wp, k, m, d, &ds.train_x, &ds.train_y, &idx).0 - reference_grad(&wm, k, m, d, &ds.train_x, &ds.train_y, &idx).0) / (2.0 * h);
        assert!((fd - g[j]).abs() < 1e-6 * (1.0 + g[j].abs()), "coordinate {j}: fd {fd} vs analytic {}", g[j]);
    }
}

#[test]
fn every_route_and_structure_reproduces_the_reference_gd_steps() {
    let ds = small_data(2);
    let (k, m, d) = (3, 4, ds.d);
    let steps = 5;
    // Reference: eq. 4 in f64.
    let mut w: Vec<f64> = init_weights(&Init::Gaussian { sigma0: 0.3 }, k * m, d, 0).iter().map(|&v| v as f64).collect();
    let idx: Vec<usize> = (0..ds.n_train()).collect();
    let mut losses = vec![];
    for _ in 0..steps {
        let (l, g) = reference_grad(&w, k, m, d, &ds.train_x, &ds.train_y, &idx);
        losses.push(l);
        for (a, b) in w.iter_mut().zip(&g) {
            *a -= 0.5 * b;
        }
    }
    for route in [Route::Gram, Route::Direct] {
        for feat in [true, false] {
            let mut t = Trainer::new(cfg(route, steps), input(&ds, feat), None).unwrap();
            t.run(usize::MAX).unwrap();
            let got = t.weights();
            let scale = w.iter().map(|v| v.abs()).fold(0.0, f64::max);
            for (a, b) in got.iter().zip(&w) {
                assert!((*a as f64 - b).abs() < 2e-5 * scale, "{route:?} features={feat}: {a} vs {b}");
            }
            for (a, b) in t.loss_curve.iter().zip(&losses) {
                assert!((a - b).abs() < 1e-5 * b.abs().max(1.0), "loss {a} vs {b}");
            }
            let s = t.finish().unwrap();
            assert_eq!(s.structure, if feat { "feature-noise" } else { "general" });
            assert_eq!(s.route, if route == Route::Gram { "gram" } else { "direct" });
        }
    }
}

#[test]
fn minibatch_sgd_follows_the_reference_with_the_same_batches() {
    let ds = small_data(3);
    let (k, m, d, n) = (3, 4, ds.d, ds.n_train());
    let b = 5;
    let epochs = 2;
    let mut w: Vec<f64> = init_weights(&Init::Gaussian { sigma0: 0.3 }, k * m, d, 0).iter().map(|&v| v as f64).collect();
    for e in 0..epochs {
        let mut order: Vec<u32> = (0..n as u32).collect();
        crate::rng::Stream::new(0, crate::rng::Purpose::Shuffle, e as u64).shuffle(&mut order);
        for chunk in order.chunks(b) {
            let idx: Vec<usize> = chunk.iter().map(|&i| i as usize).collect();
            let (_, g) = reference_grad(&w, k, m, d, &ds.train_x, &ds.train_y, &idx);
            for (a, gv) in w.iter_mut().zip(&g) {
                *a -= 0.5 * gv;
            }
        }
    }
    for route in [Route::Gram, Route::Direct] {
        let c = TrainConfig { batch_size: Some(b), epochs: Some(epochs), steps: None, ..cfg(route, 0) };
        let mut t = Trainer::new(c, input(&ds, true), None).unwrap();
        t.run(usize::MAX).unwrap();
        assert_eq!(t.step(), epochs * n.div_ceil(b));
        let got = t.weights();
        let scale = w.iter().map(|v| v.abs()).fold(0.0, f64::max);
        for (a, bb) in got.iter().zip(&w) {
            assert!((*a as f64 - bb).abs() < 2e-5 * scale, "{route:?}: {a} vs {bb}");
        }
    }
}

#[test]
fn sgd_with_batch_n_is_full_batch_gd_and_threads_do_not_matter() {
    let ds = small_data(4);
    let n = ds.n_train();
    for route in [Route::Gram, Route::Direct] {
        let mut a = Trainer::new(cfg(route, 6), input(&ds, true), None).unwrap();
        a.run(usize::MAX).unwrap();
        let c = TrainConfig { batch_size: Some(n), epochs: Some(6), steps: None, ..cfg(route, 0) };
        let mut b = Trainer::new(c, input(&ds, true), None).unwrap();
        b.run(usize::MAX).unwrap();
        assert_eq!(a.weights(), b.weights(), "{route:?}");
        let c2 = TrainConfig { threads: 2, ..cfg(route, 6) };
        let mut t2 = Trainer::new(c2, input(&ds, true), None).unwrap();
        t2.run(3).unwrap();
        t2.run(3).unwrap();
        assert_eq!(a.weights(), t2.weights(), "{route:?} with 2 threads and in two chunks");
        assert_eq!(a.logit_sums, t2.logit_sums);
    }
}

#[test]
fn logit_sums_and_metrics_are_consistent() {
    let ds = small_data(5);
    let mut t = Trainer::new(TrainConfig { eval_every: 2, ..cfg(Route::Gram, 6) }, input(&ds, true), None).unwrap();
    t.run(usize::MAX).unwrap();
    let s = t.finish().unwrap();
    assert_eq!(t.history.len(), 3);
    assert_eq!(t.history.iter().map(|h| h.step).collect::<Vec<_>>(), vec![2, 4, 6]);
    // Sum over examples of g_i at step 0 is sum of (1 - p_y) at W0: bounded by n (K-1)/K..n.
    assert!(t.logit_sums.iter().all(|&g| g > 0.0 && g <= 6.0));
    // Final metrics agree with predict() on explicit weights.
    let w = t.weights();
    let f = predict(&w, 3, 4, ds.d, &ds.test_x, Par::Seq).unwrap();
    let (tl, ta, _) = score(&f, &ds.test_y, 3);
    assert!((s.final_metrics.test_loss.unwrap() - tl).abs() < 1e-5);
    assert!((s.final_metrics.test_acc.unwrap() - ta).abs() < 1e-12);
    let f = predict(&w, 3, 4, ds.d, &ds.train_x, Par::Seq).unwrap();
    let (l, a, _) = score(&f, &ds.train_y, 3);
    assert!((s.final_metrics.train_loss - l).abs() < 1e-5);
    assert!((s.final_metrics.train_acc - a).abs() < 1e-12);
    let fl = s.final_metrics.feature_learning.as_ref().unwrap();
    for c in 0..3 {
        let want = (0..4)
            .map(|r| (0..ds.d).map(|j| w[(c * 4 + r) * ds.d + j] as f64 * ds.features[c * ds.d + j] as f64).sum::<f64>())
            .fold(f64::NEG_INFINITY, f64::max);
        assert!((fl[c] - want).abs() < 1e-4, "{} vs {want}", fl[c]);
    }
}

#[test]
fn target_loss_stops_early_and_divergence_is_an_error() {
    let ds = small_data(6);
    let mut t = Trainer::new(TrainConfig { target_loss: Some(0.9), ..cfg(Route::Gram, 10_000) }, input(&ds, true), None).unwrap();
    t.run(usize::MAX).unwrap();
    assert!(t.step() < 10_000);
    assert!(*t.loss_curve.last().unwrap() <= 0.9);
    let mut t = Trainer::new(TrainConfig { lr: 1e300, ..cfg(Route::Direct, 50) }, input(&ds, true), None).unwrap();
    let e = t.run(usize::MAX).unwrap_err();
    assert_eq!(e.code(), "E_DIVERGED");
    assert!(e.to_string().contains("smaller learning rate"), "{e}");
}

#[test]
fn bad_config_is_refused_with_the_field() {
    let ds = small_data(7);
    for (c, field) in [
        (TrainConfig { width: 0, ..cfg(Route::Auto, 1) }, "train.width"),
        (TrainConfig { lr: -1.0, ..cfg(Route::Auto, 1) }, "train.lr"),
        (TrainConfig { lr: f64::NAN, ..cfg(Route::Auto, 1) }, "train.lr"),
        (TrainConfig { init: Init::Gaussian { sigma0: 0.0 }, ..cfg(Route::Auto, 1) }, "train.init.sigma0"),
        (TrainConfig { batch_size: Some(0), ..cfg(Route::Auto, 1) }, "train.batchSize"),
    ] {
        let e = Trainer::new(c, input(&ds, true), None).err().unwrap();
        assert_eq!(e.field(), Some(field), "{e}");
    }
    let mut bad = ds.train_x.clone();
    bad[17] = f32::NAN;
    let inp = TrainInput { x: &bad, ..input(&ds, true) };
    let e = Trainer::new(cfg(Route::Auto, 1), inp, None).err().unwrap();
    assert_eq!(e.field(), Some("trainX[17]"));
    let y: Vec<i32> = ds.train_y.iter().map(|&v| v + 5).collect();
    let inp = TrainInput { y: &y, ..input(&ds, true) };
    assert_eq!(Trainer::new(cfg(Route::Auto, 1), inp, None).err().unwrap().field(), Some("trainY[0]"));
    let inp = TrainInput { x: &ds.train_x[..10], ..input(&ds, true) };
    assert_eq!(Trainer::new(cfg(Route::Auto, 1), inp, None).err().unwrap().code(), "E_SHAPE");
}
