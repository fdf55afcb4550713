//! A sweep cell in a group of trainings on shared data against a lone training of the same size
//! (paper size, full-batch GD, 20 steps): `cargo bench -p benignfit-core --profile fasttest
//! --bench group_timing -- [CELLS] [WIDTH]`.
use benignfit_core::data::{generate, DataConfig};
use benignfit_core::linalg::Par;
use benignfit_core::train::*;
use std::time::Instant;

fn main() {
    let cells: usize = std::env::args().filter(|a| a != "--bench").nth(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let width: usize = std::env::args().filter(|a| a != "--bench").nth(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    let dc = DataConfig { gamma: Some(10.0), ..Default::default() };
    let cfg = |i: usize| TrainConfig { width, epochs: Some(20), lr: 0.01 * (i + 1) as f64, ..Default::default() };
    for _ in 0..2 {
        let t = Instant::now();
        let mut parts = [0.0f64; 4];
        for i in 0..cells {
            let t0 = Instant::now();
            let (_, ds) = generate(&dc, None, Par::auto()).unwrap();
            let inp = TrainInput {
                k: ds.k,
                d: ds.d,
                x: &ds.train_x,
                y: &ds.train_y,
                pos: Some(&ds.train_pos),
                features: Some(&ds.features),
                test_x: Some(&ds.test_x),
                test_y: Some(&ds.test_y),
                test_pos: Some(&ds.test_pos),
            };
            let t1 = Instant::now();
            let mut tr = Trainer::new(cfg(i), inp, None).unwrap();
            let t2 = Instant::now();
            tr.run(usize::MAX).unwrap();
            let t3 = Instant::now();
            tr.finish().unwrap();
            for (p, (a, b)) in parts.iter_mut().zip([(t0, t1), (t1, t2), (t2, t3), (t3, Instant::now())]) {
                *p += (b - a).as_secs_f64() * 1e3 / cells as f64;
            }
        }
        let lone = t.elapsed().as_secs_f64() / cells as f64;
        println!("  a lone cell:         data {:.1} ms, setup {:.1} ms, 20 steps {:.1} ms, finish {:.1} ms", parts[0], parts[1], parts[2], parts[3]);
        let t = Instant::now();
        let (_, ds) = generate(&dc, None, Par::auto()).unwrap();
        let inp = TrainInput {
            k: ds.k,
            d: ds.d,
            x: &ds.train_x,
            y: &ds.train_y,
            pos: Some(&ds.train_pos),
            features: Some(&ds.features),
            test_x: Some(&ds.test_x),
            test_y: Some(&ds.test_y),
            test_pos: Some(&ds.test_pos),
        };
        let t1 = Instant::now();
        let mut g = TrainerGroup::new((0..cells).map(cfg).collect(), inp, None).unwrap();
        if let Some(w) = std::env::var("JOINT").ok().and_then(|s| s.parse().ok()) {
            g.joint_width = w;
        }
        let t2 = Instant::now();
        g.run(usize::MAX);
        let t3 = Instant::now();
        for i in 0..cells {
            g.take(i).unwrap().finish().unwrap();
        }
        let grouped = t.elapsed().as_secs_f64() / cells as f64;
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3 / cells as f64;
        println!(
            "  a cell in the group: data {:.1} ms, setup {:.1} ms, {} steps {:.1} ms ({} joint), finish {:.1} ms",
            ms(t, t1),
            ms(t1, t2),
            20,
            ms(t2, t3),
            g.joint_steps,
            ms(t3, Instant::now())
        );
        println!("{cells} cells, width {width}: lone {:.1} ms a cell, in a group {:.1} ms a cell ({:.2}x)", lone * 1e3, grouped * 1e3, grouped / lone);
    }
}
