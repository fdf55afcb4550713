//! Quick timing of the training step at the paper's size (the real benchmark is `npm run bench`).
use benignfit_core::data::{generate, DataConfig};
use benignfit_core::linalg::Par;
use benignfit_core::train::*;
use std::time::Instant;

fn main() {
    let threads: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let (_, ds) = generate(&DataConfig { gamma: Some(10.0), ..Default::default() }, None, Par::auto()).unwrap();
    for route in [Route::Gram, Route::Direct] {
        let cfg = TrainConfig { steps: Some(200), epochs: None, route, threads, ..Default::default() };
        let inp = TrainInput { k: ds.k, d: ds.d, x: &ds.train_x, y: &ds.train_y, pos: Some(&ds.train_pos), features: Some(&ds.features), test_x: None, test_y: None, test_pos: None };
        let t0 = Instant::now();
        let mut t = Trainer::new(cfg, inp, None).unwrap();
        let setup = t0.elapsed().as_secs_f64();
        t.run(5).unwrap();
        let t1 = Instant::now();
        t.run(100).unwrap();
        let per = t1.elapsed().as_secs_f64() / 100.0;
        println!("{route:?}: setup {:.1} ms, step {:.3} ms, {:.1} GFLOP/s, loss {:.4}", setup * 1e3, per * 1e3, t.flops_per_step() / per / 1e9, t.loss_curve.last().unwrap());
    }
}
