use super::*;
use crate::data::{generate, DataConfig, ModelName, ModelSpec, OneOrMany};
use crate::rng::{Purpose, Stream};

/// Definition 1 by brute force: form v, A_y^T v densely.
fn brute_long_tailed(model: &DataModel, w: &[f32], m: usize, x: &[f32], y: &[i32], pos: &[u8], l: f64) -> (usize, usize) {
    let (k, d) = (model.k, model.d);
    let mut count = 0;
    let mut correct = 0;
    for i in 0..y.len() {
        let c = y[i] as usize;
        let xi: Vec<f64> = x[i * 2 * d + (1 - pos[i] as usize) * d..][..d].iter().map(|&v| v as f64).collect();
        let mut v = vec![0.0; d];
        let mut inner = 0.0;
        let mut any = false;
        for r in 0..m {
            let wr: Vec<f64> = w[(c * m + r) * d..][..d].iter().map(|&v| v as f64).collect();
            let s = util::dot_serial_f64(&wr, &xi);
            if s > 0.0 {
                any = true;
                inner += s;
                for (a, b) in v.iter_mut().zip(&wr) {
                    *a += b;
                }
            }
        }
        let a = model.dense_factor(c);
        let atv: Vec<f64> = (0..d).map(|col| (0..d).map(|row| a[row * d + col] * v[row]).sum()).collect();
        let norm = util::dot_serial_f64(&atv, &atv).sqrt();
        if !any || inner < l * norm {
            continue;
        }
        count += 1;
        let mut fk = vec![0.0; k];
        for kk in 0..k {
            for r in 0..m {
                for p in 0..2 {
                    let s: f64 = (0..d).map(|j| w[(kk * m + r) * d + j] as f64 * x[i * 2 * d + p * d + j] as f64).sum();
                    fk[kk] += s.max(0.0);
                }
            }
        }
        if crate::model::is_correct(&fk, c) {
            correct += 1;
        }
    }
    (count, correct)
}

/// Weights for the tests (also the lemmas' tests).
pub(in crate::theory) fn weights(k: usize, m: usize, d: usize, seed: u64, scale: f64) -> Vec<f32> {
    let mut s = Stream::new(seed, Purpose::Misc, 77);
    (0..k * m * d).map(|_| (s.normal() * scale) as f32).collect()
}

#[test]
fn long_tailed_matches_brute_force_on_every_model_kind() {
    for model_spec in
        [ModelSpec::Named(ModelName::Heterogeneous), ModelSpec::Spectra { spectra: vec![(0..22).map(|i| 0.2 + 0.05 * i as f64).collect(), vec![0.6; 22]] }]
    {
        let cfg = DataConfig {
            classes: 2,
            dim: 24,
            per_class: OneOrMany::One(3),
            test_per_class: OneOrMany::One(40),
            gamma: if matches!(model_spec, ModelSpec::Spectra { .. }) { None } else { Some(30.0) },
            model: model_spec,
            seed: 5,
            ..Default::default()
        };
        let (model, ds) = generate(&cfg, None, Par::Seq).unwrap();
        let m = 6;
        let w = weights(2, m, 24, 1, 0.3);
        let ls = [0.2, 0.5, 1.0, 2.0];
        let lt = long_tailed(&model, &w, 2, m, &ds.test_x, &ds.test_y, &ds.test_pos, &ls, crate::error::DEFAULT_MEMORY_LIMIT, Par::Seq).unwrap();
        for (l, got) in ls.iter().zip(&lt) {
            let (c, ok) = brute_long_tailed(&model, &w, m, &ds.test_x, &ds.test_y, &ds.test_pos, *l);
            assert_eq!((got.count, got.correct), (c, ok), "L = {l}");
        }
        // Long-tailed sets shrink as L grows, and something is long-tailed at small L.
        assert!(lt[0].count > 0 && lt.windows(2).all(|p| p[0].count >= p[1].count));
        // The explicit route gives the same answer.
        let dense: Vec<f32> = (0..2).flat_map(|c| model.dense_factor(c)).map(|v| v as f32).collect();
        let ex_cfg = DataConfig { model: ModelSpec::Named(ModelName::Explicit), gamma: None, ..cfg.clone() };
        let ex = DataModel::build(&ex_cfg, Some(crate::data::ExplicitModel { features: &ds.features, noise_factors: &dense }), Par::Seq).unwrap();
        let lt2 = long_tailed(&ex, &w, 2, m, &ds.test_x, &ds.test_y, &ds.test_pos, &ls, crate::error::DEFAULT_MEMORY_LIMIT, Par::Seq).unwrap();
        for (a, b) in lt.iter().zip(&lt2) {
            assert_eq!(a.count, b.count);
            assert_eq!(a.correct, b.correct);
        }
    }
}

#[test]
fn bad_arrays_name_the_field() {
    let cfg = DataConfig { classes: 2, dim: 8, per_class: OneOrMany::One(2), test_per_class: OneOrMany::One(2), ..Default::default() };
    let (model, ds) = generate(&cfg, None, Par::Seq).unwrap();
    let w = vec![0.1f32; 2 * 3 * 8];
    let e = long_tailed(&model, &w[1..], 2, 3, &ds.test_x, &ds.test_y, &ds.test_pos, &[1.0], crate::error::DEFAULT_MEMORY_LIMIT, Par::Seq).unwrap_err();
    assert_eq!(e.field(), Some("weights"));
    let mut y = ds.test_y.clone();
    y[1] = 7;
    let e = long_tailed(&model, &w, 2, 3, &ds.test_x, &y, &ds.test_pos, &[1.0], crate::error::DEFAULT_MEMORY_LIMIT, Par::Seq).unwrap_err();
    assert_eq!(e.field(), Some("testY[1]"));
    // The caller's memoryLimit is the limit (it was a fixed 8 GiB, whatever the config said).
    let e = long_tailed(&model, &w, 2, 3, &ds.test_x, &ds.test_y, &ds.test_pos, &[1.0], 64, Par::Seq).unwrap_err();
    assert_eq!(e.code(), "E_TOO_LARGE");
    assert!(long_tailed(&model, &w, 2, 3, &ds.test_x, &ds.test_y, &ds.test_pos, &[1.0], 1 << 20, Par::Seq).is_ok());
    let mut w2 = w.clone();
    w2[5] = f32::NAN;
    let e = long_tailed(&model, &w2, 2, 3, &ds.test_x, &ds.test_y, &ds.test_pos, &[1.0], crate::error::DEFAULT_MEMORY_LIMIT, Par::Seq).unwrap_err();
    assert_eq!(e.field(), Some("weights[5]"));
}
