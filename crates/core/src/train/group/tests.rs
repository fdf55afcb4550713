//! A group of trainings on the same data gives every member the bits it gets alone.

use crate::data::{generate, DataConfig, OneOrMany};
use crate::linalg::Par;
use crate::model::Init;
use crate::train::*;

fn data(per_class: usize, d: usize) -> crate::data::Dataset {
    let cfg = DataConfig {
        classes: 3,
        dim: d,
        per_class: OneOrMany::One(per_class),
        test_per_class: OneOrMany::One(10),
        gamma: Some(4.0),
        feature_norm: OneOrMany::One(1.5),
        seed: 5,
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
        test_x: Some(&ds.test_x),
        test_y: Some(&ds.test_y),
        test_pos: Some(&ds.test_pos),
    }
}

fn cfg(width: usize, lr: f64, seed: u64) -> TrainConfig {
    TrainConfig { width, lr, steps: Some(6), epochs: None, seed, threads: 2, eval_every: 4, ..Default::default() }
}

/// Everything a caller reads from a finished trainer, as bits.
fn outcome(t: &mut Trainer) -> Outcome {
    let s = t.finish().unwrap();
    (
        t.loss_curve.iter().map(|v| v.to_bits()).collect(),
        t.weights().iter().map(|v| v.to_bits()).collect(),
        serde_json::to_string(&s).unwrap(),
        serde_json::to_string(&t.history).unwrap(),
    )
}

type Outcome = (Vec<u64>, Vec<u32>, String, String);

/// The same bits, or a short message saying what differs.
fn same(a: &Outcome, b: &Outcome, what: &str) {
    assert!(a.0 == b.0, "{what}: loss curves differ");
    let diff = a.1.iter().zip(&b.1).filter(|(x, y)| x != y).count();
    assert!(diff == 0 && a.1.len() == b.1.len(), "{what}: {diff} of {} weights differ", a.1.len());
    assert_eq!(a.2, b.2, "{what}: summaries differ");
    assert_eq!(a.3, b.3, "{what}: histories differ");
}

fn alone(ds: &crate::data::Dataset, c: TrainConfig) -> std::result::Result<Outcome, String> {
    let mut t = Trainer::new(c, input(ds), None).map_err(|e| e.to_string())?;
    t.run(usize::MAX).map_err(|e| e.to_string())?;
    Ok(outcome(&mut t))
}

#[test]
fn full_batch_members_match_lone_runs_bit_for_bit() {
    // R = 3 x 60 + 3 = 183 rows (one block of the GEMM's depth) and 3 x 200 + 3 = 603 (two).
    for (per_class, d) in [(60usize, 128usize), (200, 400)] {
        let ds = data(per_class, d);
        let cfgs = vec![cfg(3, 0.05, 1), cfg(7, 0.2, 2), cfg(20, 0.05, 1), TrainConfig { init: Init::Gaussian { sigma0: 0.01 }, ..cfg(5, 0.1, 3) }];
        let mut g = TrainerGroup::new(cfgs.clone(), input(&ds), None).unwrap();
        // Chunks, as TypeScript drives it.
        while !g.done() {
            g.run(4);
        }
        assert!(g.joint_steps >= 6, "the members' steps went through the joint product");
        assert_eq!(g.progress(), (24, 24));
        assert_eq!(g.run(5), 0);
        for (i, c) in cfgs.into_iter().enumerate() {
            let mut t = g.take(i).unwrap();
            assert_eq!(t.route_name(), "gram");
            same(&outcome(&mut t), &alone(&ds, c).unwrap(), &format!("member {i} at R = {}", 3 * per_class + 3));
        }
    }
}

#[test]
fn mixed_members_stop_fail_and_step_on_their_own() {
    let ds = data(60, 128);
    let sgd = TrainConfig { batch_size: Some(1), epochs: Some(2), steps: None, ..cfg(4, 0.05, 1) };
    let direct = TrainConfig { route: Route::Direct, ..cfg(4, 0.05, 1) };
    let target = TrainConfig { target_loss: Some(10.0), ..cfg(4, 0.05, 2) };
    let diverge = TrainConfig { lr: 1e300, ..cfg(4, 0.05, 3) };
    let plain = cfg(6, 0.05, 4);
    let cfgs = vec![sgd, direct, target, diverge, plain];
    let mut g = TrainerGroup::new(cfgs.clone(), input(&ds), None).unwrap();
    while !g.done() {
        g.run(1000);
    }
    for (i, c) in cfgs.into_iter().enumerate() {
        let want = alone(&ds, c);
        let got = g.take(i).map_err(|e| e.to_string()).map(|mut t| outcome(&mut t));
        match (&got, &want) {
            (Ok(a), Ok(b)) => same(a, b, &format!("member {i}")),
            _ => assert_eq!(got.as_ref().err(), want.as_ref().err(), "member {i}"),
        }
        if i == 3 {
            assert!(got.unwrap_err().contains("diverged"));
        }
    }
    assert!(g.take(0).err().unwrap().to_string().contains("not taken before"));
}

#[test]
fn a_bad_member_config_names_its_index() {
    let ds = data(20, 32);
    let e = TrainerGroup::new(vec![cfg(4, 0.05, 1), cfg(4, -1.0, 1)], input(&ds), None).err().unwrap();
    assert_eq!(e.field(), Some("train[1].lr"));
    assert!(TrainerGroup::new(vec![], input(&ds), None).is_err());
}
