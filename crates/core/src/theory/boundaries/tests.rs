use super::*;
use crate::data::{DataConfig, OneOrMany};
use crate::linalg::Par;
use crate::theory::{theory, TheoryOptions};

fn opts(plane: Plane, x: Vec<f64>, y: Vec<f64>) -> BoundaryOptions {
    BoundaryOptions {
        plane,
        x,
        y,
        classes: 5,
        dim: 200,
        base_eigenvalue: 0.5,
        feature_norm: Some(0.8),
        gamma: Some(1.2),
        per_class: Some(100.0),
        constants: Constants::default(),
        levels: vec![0.1],
        l: 1.0,
    }
}

#[test]
fn grid_phases_and_curves_agree_with_the_full_theory() {
    let xs = vec![0.01, 0.5, 1.0, 1.5, 2.5];
    let gs = vec![1.0, 1.5, 3.0, 30.0];
    let r = boundaries(&opts(Plane::FeatureNormGamma, xs.clone(), gs.clone())).unwrap();
    for (iy, &g) in gs.iter().enumerate() {
        for (ix, &u) in xs.iter().enumerate() {
            let cfg = DataConfig {
                classes: 5,
                dim: 200,
                per_class: OneOrMany::One(100),
                test_per_class: OneOrMany::One(1),
                feature_norm: OneOrMany::One(u),
                gamma: Some(g),
                ..Default::default()
            };
            let t = theory(&cfg, None, &TheoryOptions::default(), Par::Seq).unwrap();
            assert_eq!(r.phase[iy][ix], t.phase[0], "u {u} gamma {g}");
            assert!((r.snr[iy][ix] - t.snr[0].unwrap()).abs() <= 1e-9 * r.snr[iy][ix].max(1e-300));
            assert!((r.gamma[iy][ix] - t.gamma_min[0].unwrap()).abs() < 1e-9 * g);
        }
    }
    // On the 2(a) curve, the full theory's SNR is C1.
    let curve = &r.curves[0];
    for p in &curve.points {
        let cfg = DataConfig {
            classes: 5,
            dim: 200,
            per_class: OneOrMany::One(100),
            test_per_class: OneOrMany::One(1),
            feature_norm: OneOrMany::One(p[0]),
            gamma: Some(p[1]),
            ..Default::default()
        };
        let t = theory(&cfg, None, &TheoryOptions::default(), Par::Seq).unwrap();
        assert!((t.snr[0].unwrap() - 2.0).abs() < 1e-9);
    }
    // Level contour: the 2(a) bound equals 0.1 there.
    let lv = r.curves.iter().find(|c| c.id == "2a@0.1").unwrap();
    let p = lv.points[1];
    let cfg = DataConfig {
        classes: 5,
        dim: 200,
        per_class: OneOrMany::One(100),
        test_per_class: OneOrMany::One(1),
        feature_norm: OneOrMany::One(p[0]),
        gamma: Some(p[1]),
        ..Default::default()
    };
    let t = theory(&cfg, None, &TheoryOptions::default(), Par::Seq).unwrap();
    assert!((t.bounds.explicit[0].bound - 0.1).abs() < 1e-9);
}

#[test]
fn the_other_planes() {
    // (u, s) at Gamma = 1.2: larger classes need weaker features for 2(a).
    let r = boundaries(&opts(Plane::FeatureNormPerClass, vec![0.5, 1.0], vec![10.0, 100.0, 200.0])).unwrap();
    let u: Vec<f64> = r.curves[0].points.iter().map(|p| p[0]).collect();
    assert!(u[0] > u[1] && u[1] > u[2]);
    assert!(r.curves[1].points.is_empty());
    // (Gamma, s) at u = 0.8: s on the 2(a) curve grows with Gamma (F grows with lambda).
    let r = boundaries(&opts(Plane::GammaPerClass, vec![1.0, 10.0, 100.0], vec![10.0, 200.0])).unwrap();
    let s: Vec<f64> = r.curves[0].points.iter().map(|p| p[1]).collect();
    assert!(s[0] < s[1] && s[1] < s[2]);
    assert_eq!(r.curves[1].points, vec![[2.0, 10.0], [2.0, 200.0]]);
    let cfg = DataConfig {
        classes: 5,
        dim: 200,
        per_class: OneOrMany::One(s[1].round() as usize),
        test_per_class: OneOrMany::One(1),
        feature_norm: OneOrMany::One(0.8),
        gamma: Some(10.0),
        ..Default::default()
    };
    let t = theory(&cfg, None, &TheoryOptions::default(), Par::Seq).unwrap();
    assert!((t.snr[0].unwrap() - 2.0).abs() < 2.0 * 0.5 / s[1]);
    // Missing fixed value names the field.
    let mut o = opts(Plane::GammaPerClass, vec![1.0], vec![1.0]);
    o.feature_norm = None;
    assert_eq!(boundaries(&o).unwrap_err().field(), Some("boundaries.featureNorm"));
}
