//! Where the time of one sweep cell goes (paper preset: SGD batch 1, 20 epochs), one thread:
//! `cargo bench -p benignfit-core --profile fasttest --bench cell_timing`.
use benignfit_core::data::{generate, DataConfig};
use benignfit_core::linalg::Par;
use benignfit_core::train::*;
use std::time::Instant;

fn main() {
    for _ in 0..2 {
        let t0 = Instant::now();
        let (_, ds) = generate(&DataConfig { gamma: Some(10.0), ..Default::default() }, None, Par::Seq).unwrap();
        let t1 = Instant::now();
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
        let cfg = TrainConfig { epochs: Some(20), batch_size: Some(1), threads: 1, ..Default::default() };
        let mut t = Trainer::new(cfg, inp, None).unwrap();
        let t2 = Instant::now();
        t.run(usize::MAX).unwrap();
        let t3 = Instant::now();
        let s = t.finish().unwrap();
        let t4 = Instant::now();
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
        println!(
            "generate {:.1} ms, setup {:.1} ms, train {:.1} ms ({} steps), finish {:.1} ms; test acc {:?}",
            ms(t0, t1),
            ms(t1, t2),
            ms(t2, t3),
            s.steps,
            ms(t3, t4),
            s.final_metrics.test_acc
        );
    }
}
