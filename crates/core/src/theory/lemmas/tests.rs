use super::*;
use crate::data::{generate, DataConfig, OneOrMany};
use crate::linalg::{self, View};
use crate::theory::long_tailed::tests::weights;
use crate::theory::{theory, TheoryOptions};

#[test]
fn lemmas_on_hand_made_weights() {
    let cfg =
        DataConfig { classes: 3, dim: 30, per_class: OneOrMany::One(4), test_per_class: OneOrMany::One(20), gamma: Some(10.0), seed: 2, ..Default::default() };
    let (model, ds) = generate(&cfg, None, Par::Seq).unwrap();
    let m = 8;
    let opts: TheoryOptions = serde_json::from_str(r#"{"width": 8, "steps": 100, "freshSamples": 400, "init": {"sigma0": 0.3}}"#).unwrap();
    let report = theory(&cfg, None, &opts, Par::Seq).unwrap();
    let w0 = weights(3, m, 30, 3, 0.3);
    // "Trained" weights: class j's neurons get + its own training noise (what GD adds).
    let d = 30;
    let mut w = w0.clone();
    for i in 0..ds.n_train() {
        let c = ds.train_y[i] as usize;
        let xi = &ds.train_x[i * 2 * d + (1 - ds.train_pos[i] as usize) * d..][..d];
        for r in 0..m {
            for j in 0..d {
                w[(c * m + r) * d + j] += 2.0 * xi[j];
            }
        }
    }
    let logit_sums: Vec<f64> = (0..ds.n_train()).map(|i| 1.0 + i as f64 * 0.5).collect();
    let kappa = vec![1.0, 1.5, 2.5, 2.0];
    let run = Run {
        weights: &w,
        weights_init: Some(&w0),
        train_x: &ds.train_x,
        train_y: &ds.train_y,
        train_pos: &ds.train_pos,
        logit_sums: Some(&logit_sums),
        kappa: Some(&kappa),
        test_x: Some(&ds.test_x),
        test_y: Some(&ds.test_y),
        test_pos: Some(&ds.test_pos),
    };
    let r = lemmas(&model, &report, &run, &opts, 9, Par::Seq).unwrap();
    // b(S_k) by hand.
    for c in 0..3 {
        let want: f64 = (0..ds.n_train()).filter(|&i| ds.train_y[i] as usize == c).map(|i| logit_sums[i] * logit_sums[i]).sum::<f64>().sqrt();
        assert!((r.b.as_ref().unwrap()[c] - want).abs() < 1e-12);
    }
    assert_eq!(r.lemma7.max, Some(2.5));
    // Lemma 3: W_j A_j is m x d with m = 8 < d: full rank 8 here; singular values against a dense SVD.
    for c in 0..3 {
        let a = model.dense_factor(c);
        let wc: Vec<f64> = w[c * m * d..(c + 1) * m * d].iter().map(|&v| v as f64).collect();
        let mut p = vec![0.0; m * d];
        linalg::gemm_f64(&mut p, View::rm(m, d, d), 0.0, &wc, View::rm(m, d, d), &a, View::rm(d, d, d), 1.0, Par::Seq);
        let sv = linalg::singular_values(&p, m, d).unwrap();
        for (x, y) in sv.iter().zip(&r.lemma3[c].singular_values) {
            assert!((x - y).abs() < 1e-10 * sv[0]);
        }
        assert_eq!(r.lemma3[c].rank, 8);
        // min{8, 30, 27} - 12 < 1: the bottom item does not apply.
        assert!(r.lemma3[c].index.is_none());
        // Own noise was added to class c's neurons: own activations dominate.
        assert!(r.lemma5[c].own_mean > r.lemma5[c].other_mean);
    }
    // sigma0 measured from W0 ~ 0.3.
    assert!((r.sigma0_measured.unwrap() - 0.3).abs() < 0.02);
    // Lemma 4 by brute force for class 0, from the same fresh draws.
    let labels = vec![0i32; 400];
    let xi = model.noise_patches(&labels, 9, Purpose::FreshNoise, 0, Par::Seq);
    let mut total = 0;
    for t in 0..400 {
        for rr in 0..m {
            let s: f64 = (0..d).map(|j| w[rr * d + j] as f64 * xi[t * d + j]).sum();
            total += (s > 0.0) as usize;
        }
    }
    assert!((r.lemma4[0].mean_active - total as f64 / 400.0).abs() < 1e-12);
    // Final kappa from the training data, by hand.
    let lt = r.long_tailed.as_ref().unwrap();
    assert_eq!(lt.len(), 4);
    assert!(r.test.as_ref().unwrap().count == 60);
}
