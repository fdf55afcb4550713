use super::*;
use crate::data::{ModelName, ModelSpec, OneOrMany};

fn cfg(k: usize, d: usize, per: OneOrMany<usize>, u: f64, gamma: f64) -> DataConfig {
    DataConfig {
        classes: k,
        dim: d,
        per_class: per,
        test_per_class: OneOrMany::One(1),
        feature_norm: OneOrMany::One(u),
        gamma: Some(gamma),
        ..Default::default()
    }
}

#[test]
fn ratios_match_hand_computation_on_the_paper_model() {
    // K = 5, d = 1000, |S_k| = 100, ||u|| = 1, Gamma = 1 (lambda = 0.5): D = 995 noise
    // directions of eigenvalue 0.5, so ||A_k^T A_j||_F^2 = 995 / 16 for every pair.
    let r = theory(&cfg(5, 1000, OneOrMany::One(100), 1.0, 1.0), None, &TheoryOptions::default(), Par::Seq).unwrap();
    let f = 995.0 / 16.0;
    for k in 0..5 {
        assert!((r.frob_sq[k][(k + 1) % 5] - f).abs() < 1e-9);
        assert!((r.snr[k].unwrap() - 100.0 * 100.0 / (100.0 * f)).abs() < 1e-9);
        assert!((r.gamma_ratio[k][(k + 2) % 5].unwrap() - 1.0).abs() < 1e-12);
        assert!(r.gamma_ratio[k][k].is_none());
        assert!((r.trace[k] - 995.0 * 0.25).abs() < 1e-9);
        assert!((r.op_norm[k][(k + 1) % 5] - 0.25).abs() < 1e-15);
        assert_eq!(r.rank[k], 995);
        // 2(a): four equal terms exp(-c1 SNR).
        assert!((r.bounds.explicit[k].bound - 4.0 * (-(100.0 / f)).exp()).abs() < 1e-12);
        // 2(b) at L = 2: 4 exp(-c2 * 4 * 1).
        assert!((r.bounds.implicit[k].per_l[2].bound - 4.0 * (-4.0f64).exp()).abs() < 1e-12);
        // SNR = 1.6 in (C3, C1) = (1, 2) and Gamma = 1 <= C3, SNR > C3: the gray band.
        assert_eq!(r.phase[k], Phase::Uncharacterized);
    }
    // T: n max Tr = 500 * 248.75 dominates; / (0.05 * 0.01).
    assert!((r.iterations.value - 500.0 * 248.75 / (0.05 * 0.01)).abs() < 1e-6);
    // sigma0 of PyTorch's init: 1/sqrt(3000).
    assert!((r.sigma0 - 1.0 / 3000f64.sqrt()).abs() < 1e-15);
    // b4: min{100, 1000, 995} - 90 = 10 >= 500 fails; margin = 10/500.
    let b4 = r.conditions.iter().find(|i| i.id == "b4").unwrap();
    assert_eq!(b4.holds, Some(false));
    assert!((b4.margin.unwrap() - 0.02).abs() < 1e-12);
    // b5: d = 1000 >= log(100 * 500 / 0.05) = log(1e6).
    let b5 = r.conditions.iter().find(|i| i.id == "b5").unwrap();
    assert!((b5.rhs.unwrap() - 1e6f64.ln()).abs() < 1e-9 && b5.holds == Some(true));
}

#[test]
fn phases_follow_the_thresholds() {
    let opts = TheoryOptions::default();
    // Strong features: SNR = 100 u^4 / 62.19 >= 2.
    let r = theory(&cfg(3, 200, OneOrMany::One(100), 2.0, 1.0), None, &opts, Par::Seq).unwrap();
    assert!(r.phase.iter().all(|p| *p == Phase::BenignExplicit));
    // Weak features, large Gamma: benign-implicit.
    let r = theory(&cfg(3, 200, OneOrMany::One(100), 0.01, 50.0), None, &opts, Par::Seq).unwrap();
    assert!(r.phase.iter().all(|p| *p == Phase::BenignImplicit), "{:?}", r.phase);
    // Weak features, Gamma = 1: harmful.
    let r = theory(&cfg(3, 200, OneOrMany::One(100), 0.01, 1.0), None, &opts, Par::Seq).unwrap();
    assert!(r.phase.iter().all(|p| *p == Phase::Harmful));
}

#[test]
fn remark5_homogeneous_model_is_kou_et_al() {
    // A_k A_k^T = I - sum u u^T / ||u||^2: Gamma = 1 and SNR_k = n ||u||^4 / (K (d - K)).
    for (k, d, s, u) in [(2usize, 50usize, 40usize, 1.3f64), (4, 120, 25, 0.7)] {
        let c = DataConfig { model: ModelSpec::Named(ModelName::Homogeneous), gamma: None, ..cfg(k, d, OneOrMany::One(s), u, 1.0) };
        let r = theory(&c, None, &TheoryOptions::default(), Par::Seq).unwrap();
        let n = (k * s) as f64;
        for a in 0..k {
            assert!((r.snr[a].unwrap() - n * u.powi(4) / (k as f64 * (d - k) as f64)).abs() < 1e-9 * r.snr[a].unwrap());
            for j in 0..k {
                if j != a {
                    assert!((r.gamma_ratio[a][j].unwrap() - 1.0).abs() < 1e-12);
                }
            }
            assert_eq!(r.rank[a], d - k);
            assert!((r.trace[a] - (d - k) as f64).abs() < 1e-9);
            // Gamma = 1 <= C3: benign only through 2(a), harmful when SNR <= C3.
            let want = if r.snr[a].unwrap() >= 2.0 {
                Phase::BenignExplicit
            } else if r.snr[a].unwrap() <= 1.0 {
                Phase::Harmful
            } else {
                Phase::Uncharacterized
            };
            assert_eq!(r.phase[a], want);
        }
    }
}

#[test]
fn increasing_majority_hurts_minority() {
    let opts = TheoryOptions::default();
    let base = theory(&cfg(3, 100, OneOrMany::Many(vec![50, 50, 50]), 1.0, 20.0), None, &opts, Par::Seq).unwrap();
    let more = theory(&cfg(3, 100, OneOrMany::Many(vec![50, 200, 50]), 1.0, 20.0), None, &opts, Par::Seq).unwrap();
    for k in [0, 2] {
        assert!(more.snr[k].unwrap() < base.snr[k].unwrap());
        assert!(more.gamma_ratio[k][1].unwrap() < base.gamma_ratio[k][1].unwrap());
        assert!(more.gamma_min[k].unwrap() < base.gamma_min[k].unwrap());
        for (a, b) in more.bounds.implicit[k].per_l.iter().zip(&base.bounds.implicit[k].per_l) {
            assert!(a.bound > b.bound);
        }
    }
    // The majority itself gains.
    assert!(more.snr[1].unwrap() > base.snr[1].unwrap());
}

#[test]
fn job_counts_its_units_and_matches_the_one_shot_result() {
    let c = DataConfig { lambda: Some(vec![0.7, 1.5, 0.4]), gamma: None, ..cfg(3, 30, OneOrMany::One(10), 1.0, 1.0) };
    let opts: TheoryOptions = serde_json::from_str(r#"{"method": "numeric"}"#).unwrap();
    let mut job = TheoryJob::new(&c, None, opts.clone(), None, Par::Seq).unwrap();
    // 3 SVDs + 3 Gram matrices + 3 pairs + the report.
    assert_eq!(job.total(), 10);
    let mut seen = Vec::new();
    while !job.run(1).unwrap() {
        seen.push(job.done());
    }
    seen.push(job.done());
    assert_eq!(seen, (1..=10).collect::<Vec<_>>());
    let (r, l) = job.finish().unwrap();
    assert!(l.is_none());
    let once = theory(&c, None, &opts, Par::Seq).unwrap();
    assert_eq!(r.op_norm, once.op_norm);
    // Closed forms: one unit.
    let job = TheoryJob::new(&c, None, TheoryOptions::default(), None, Par::Seq).unwrap();
    assert_eq!(job.total(), 1);
}

#[test]
fn bad_options_name_the_field() {
    let c = cfg(3, 40, OneOrMany::One(10), 1.0, 2.0);
    let mut o = TheoryOptions::default();
    o.constants.c3_big = 5.0;
    assert_eq!(theory(&c, None, &o, Par::Seq).unwrap_err().field(), Some("theory.constants.C3"));
    let o: TheoryOptions = serde_json::from_str(r#"{"ls": [1, -2]}"#).unwrap();
    assert_eq!(theory(&c, None, &o, Par::Seq).unwrap_err().field(), Some("theory.ls[1]"));
    assert!(serde_json::from_str::<TheoryOptions>(r#"{"constants": {"C9": 1}}"#).is_err());
    let o: TheoryOptions = serde_json::from_str(r#"{"init": {"sigma0": 0.01}, "method": "closed"}"#).unwrap();
    assert_eq!(o.init.sigma0(10), 0.01);
}
