use super::*;
use crate::data::{DataConfig, ModelName, ModelSpec, OneOrMany};

fn dense(model: &DataModel) -> Vec<f64> {
    (0..model.k).flat_map(|c| model.dense_factor(c)).collect()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

#[test]
fn closed_forms_agree_with_the_numeric_route_on_every_field() {
    for (model, lambda) in [
        (ModelSpec::Named(ModelName::Heterogeneous), Some(vec![0.9, 2.0, 0.3])),
        (ModelSpec::Named(ModelName::Heterogeneous), None),
        (ModelSpec::Named(ModelName::Homogeneous), None),
        (
            ModelSpec::Spectra {
                spectra: vec![
                    (0..37).map(|i| 0.1 + i as f64 * 0.05).collect(),
                    vec![0.7; 37],
                    (0..37).map(|i| if i < 5 { 0.0 } else { 1.0 / (1.0 + i as f64) }).collect(),
                ],
            },
            None,
        ),
    ] {
        let cfg = DataConfig {
            classes: 3,
            dim: 40,
            per_class: OneOrMany::One(5),
            test_per_class: OneOrMany::One(1),
            gamma: if lambda.is_some() || !matches!(model, ModelSpec::Named(ModelName::Heterogeneous)) { None } else { Some(7.0) },
            lambda: lambda.clone(),
            model: model.clone(),
            seed: 4,
            ..Default::default()
        };
        let m = DataModel::build(&cfg, None, Par::Seq).unwrap();
        let cf = closed_form(&m, None, Par::Seq).unwrap();
        let nu = numeric(&dense(&m), 3, 40, f64::EPSILON * 64.0, None, PowerOptions::default(), 1 << 30, Par::Seq).unwrap();
        assert!(nu.power.as_ref().unwrap().converged);
        for a in 0..3 {
            assert!(close(cf.trace[a], nu.trace[a], 1e-12), "{model:?} trace");
            assert_eq!(cf.rank[a], nu.rank[a], "{model:?} rank {a}");
            assert!(close(cf.lambda_max_plus[a], nu.lambda_max_plus[a], 1e-12));
            assert!(close(cf.lambda_min_plus[a], nu.lambda_min_plus[a], 1e-10), "{} {}", cf.lambda_min_plus[a], nu.lambda_min_plus[a]);
            for c in 0..3 {
                assert!(close(cf.frob_sq[a][c], nu.frob_sq[a][c], 1e-11));
                assert!(close(cf.op_norm[a][c], nu.op_norm[a][c], 1e-9), "{model:?} op {a} {c}: {} vs {}", cf.op_norm[a][c], nu.op_norm[a][c]);
            }
        }
    }
}

#[test]
fn hand_computed_diagonal_case() {
    // d = 4, K = 2 would need features; test the numeric route alone on diagonal factors:
    // A_0 = diag(1, 2, 0, 3), A_1 = diag(2, 1, 1, 0).
    let d = 4;
    let mut a = vec![0.0; 2 * d * d];
    for (i, v) in [1.0, 2.0, 0.0, 3.0].iter().enumerate() {
        a[i * d + i] = *v;
    }
    for (i, v) in [2.0, 1.0, 1.0, 0.0].iter().enumerate() {
        a[d * d + i * d + i] = *v;
    }
    let s = numeric(&a, 2, d, f64::EPSILON, None, PowerOptions::default(), 1 << 30, Par::Seq).unwrap();
    assert_eq!(s.rank, vec![3, 3]);
    assert!(close(s.trace[0], 14.0, 1e-15) && close(s.trace[1], 6.0, 1e-15));
    // A_0^T A_1 = diag(2, 2, 0, 0): ||.||_F^2 = 8, ||.||_op = 2.
    assert!(close(s.frob_sq[0][1], 8.0, 1e-14) && close(s.op_norm[0][1], 2.0, 1e-10));
    // A_0^T A_0 = diag(1, 4, 0, 9): ||.||_F^2 = 98, op 9.
    assert!(close(s.frob_sq[0][0], 98.0, 1e-14) && close(s.op_norm[0][0], 9.0, 1e-12));
    assert!(close(s.lambda_max_plus[0], 3.0, 1e-14) && close(s.lambda_min_plus[0], 1.0, 1e-14));
    assert!(close(s.lambda_max_plus[1], 2.0, 1e-14) && close(s.lambda_min_plus[1], 1.0, 1e-14));
}

#[test]
fn power_iteration_matches_a_dense_svd_on_random_factors() {
    let d = 160;
    let mut s = Stream::new(9, Purpose::Misc, 1);
    let a: Vec<f64> = (0..2 * d * d).map(|_| s.normal()).collect();
    let sp = numeric(&a, 2, d, f64::EPSILON, None, PowerOptions::default(), 1 << 30, Par::Seq).unwrap();
    let mut p = vec![0.0; d * d];
    linalg::gemm_f64(&mut p, View::rm(d, d, d), 0.0, &a[..d * d], View::rm_t(d, d, d), &a[d * d..], View::rm(d, d, d), 1.0, Par::Seq);
    let sv = linalg::singular_values(&p, d, d).unwrap();
    assert!(close(sp.op_norm[0][1], sv[0], 1e-9), "{} vs {}", sp.op_norm[0][1], sv[0]);
    let fro: f64 = p.iter().map(|v| v * v).sum();
    assert!(close(sp.frob_sq[0][1], fro, 1e-12));
    // Same answer whatever the number of threads.
    let sp2 = numeric(&a, 2, d, f64::EPSILON, None, PowerOptions::default(), 1 << 30, Par::Threads(2)).unwrap();
    assert_eq!(sp.op_norm, sp2.op_norm);
    assert_eq!(sp.frob_sq, sp2.frob_sq);
    assert_eq!(sp.lambda_min_plus, sp2.lambda_min_plus);
}
