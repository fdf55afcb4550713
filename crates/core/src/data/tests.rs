use super::*;

fn small(model: ModelSpec) -> DataConfig {
    DataConfig { classes: 3, dim: 40, per_class: OneOrMany::One(200), test_per_class: OneOrMany::One(10), gamma: Some(5.0), model, ..Default::default() }
}

#[test]
fn gamma_is_hit_exactly() {
    for g in [1.0, 1.2, 10.0, 1400.0] {
        let cfg = DataConfig { gamma: Some(g), ..Default::default() };
        let m = DataModel::build(&cfg, None, Par::Seq).unwrap();
        let f = m.frob_sq(Par::Seq);
        assert!((f[0][0] / f[0][1] - g).abs() < 1e-9 * g, "{g}: {}", f[0][0] / f[0][1]);
    }
    assert!((lambda_for_gamma(1.0, 995, 0.5) - 0.5).abs() < 1e-15);
}

#[test]
fn frame_factor_is_exact() {
    let cfg = small(ModelSpec::Named(ModelName::Heterogeneous));
    let m = DataModel::build(&cfg, None, Par::Seq).unwrap();
    let d = m.d;
    for c in 0..3 {
        let a = m.dense_factor(c);
        let sv = linalg::singular_values(&a, d, d).unwrap();
        let mut want = m.closed_form_spectrum(c).unwrap();
        want.sort_by(|x, y| y.partial_cmp(x).unwrap());
        for (x, y) in sv.iter().zip(&want) {
            assert!((x - y).abs() < 1e-12, "{sv:?} vs {want:?}");
        }
        for f in 0..3 {
            let u = &m.features[f * d..(f + 1) * d];
            for j in 0..d {
                let v: f64 = (0..d).map(|i| u[i] * a[i * d + j]).sum();
                assert!(v.abs() < 1e-13);
            }
        }
        // Closed-form Frobenius products agree with dense ones.
        let f = m.frob_sq(Par::Seq);
        for (c2, &want) in f[c].iter().enumerate().take(3) {
            let b = m.dense_factor(c2);
            let mut p = vec![0.0; d * d];
            linalg::gemm_f64(&mut p, View::rm(d, d, d), 0.0, &a, View::rm_t(d, d, d), &b, View::rm(d, d, d), 1.0, Par::Seq);
            let fro: f64 = p.iter().map(|v| v * v).sum();
            assert!((fro - want).abs() < 1e-10 * fro);
        }
    }
}

#[test]
fn noise_covariance_approaches_a_a_t() {
    let cfg = DataConfig {
        classes: 2,
        dim: 8,
        per_class: OneOrMany::One(40_000),
        test_per_class: OneOrMany::One(1),
        gamma: Some(30.0),
        noise: NoiseKind::Uniform,
        ..Default::default()
    };
    let (m, ds) = generate(&cfg, None, Par::Seq).unwrap();
    let d = m.d;
    for c in 0..2 {
        let a = m.dense_factor(c);
        let mut cov = vec![0.0f64; d * d];
        let mut cnt = 0.0;
        for i in 0..ds.n_train() {
            if ds.train_y[i] as usize != c {
                continue;
            }
            let p = 1 - ds.train_pos[i] as usize;
            let xi = &ds.train_x[i * 2 * d + p * d..i * 2 * d + (p + 1) * d];
            for r in 0..d {
                for s in 0..d {
                    cov[r * d + s] += xi[r] as f64 * xi[s] as f64;
                }
            }
            cnt += 1.0;
        }
        for r in 0..d {
            for s in 0..d {
                let want: f64 = (0..d).map(|l| a[r * d + l] * a[s * d + l]).sum();
                assert!((cov[r * d + s] / cnt - want).abs() < 0.05, "{r},{s}: {} vs {want}", cov[r * d + s] / cnt);
            }
        }
    }
}

#[test]
fn spectra_model_matches_its_spectrum() {
    let d = 12;
    let spectra = vec![vec![0.3; d - 2], (0..d - 2).map(|i| i as f64 * 0.1).collect()];
    let cfg = DataConfig {
        classes: 2,
        dim: d,
        per_class: OneOrMany::One(5),
        test_per_class: OneOrMany::One(5),
        model: ModelSpec::Spectra { spectra: spectra.clone() },
        ..Default::default()
    };
    let (m, _) = generate(&cfg, None, Par::Seq).unwrap();
    for (c, spectrum) in spectra.iter().enumerate() {
        let a = m.dense_factor(c);
        let sv = linalg::singular_values(&a, d, d).unwrap();
        let mut want = spectrum.clone();
        want.extend([0.0, 0.0]);
        want.sort_by(|x, y| y.partial_cmp(x).unwrap());
        for (x, y) in sv.iter().zip(&want) {
            assert!((x - y).abs() < 1e-10);
        }
    }
}

#[test]
fn bad_input_names_the_field() {
    let e = DataModel::build(&DataConfig { gamma: Some(0.5), ..Default::default() }, None, Par::Seq).unwrap_err();
    assert_eq!(e.field(), Some("data.gamma"));
    let e = DataModel::build(&DataConfig { classes: 1, ..Default::default() }, None, Par::Seq).unwrap_err();
    assert_eq!(e.field(), Some("data.classes"));
    let e = generate(&DataConfig { per_class: OneOrMany::One(100_000_000), ..Default::default() }, None, Par::Seq).unwrap_err();
    assert_eq!(e.code(), "E_TOO_LARGE");
    assert!(e.to_string().contains("GiB"), "{e}");
}

#[test]
fn same_seed_same_data_any_threads() {
    let cfg = small(ModelSpec::Named(ModelName::Heterogeneous));
    let (_, a) = generate(&cfg, None, Par::Seq).unwrap();
    let (_, b) = generate(&cfg, None, Par::Threads(2)).unwrap();
    assert_eq!(a.train_x, b.train_x);
    assert_eq!(a.test_y, b.test_y);
    let (_, c) = generate(&DataConfig { seed: 1, ..cfg }, None, Par::Seq).unwrap();
    assert_ne!(a.train_x, c.train_x);
}
