//! Quick timing of the training step at the paper's size (the real benchmark is `npm run bench`):
//! `cargo bench -p benignfit-core --profile fasttest --bench step_timing -- [THREADS]`.
//! Prints wall time and this thread's CPU time (less disturbed by other work on a shared machine).
use benignfit_core::data::{generate, DataConfig};
use benignfit_core::linalg::Par;
use benignfit_core::train::*;
use std::time::Instant;

/// CPU time of the calling thread in seconds (Linux), else wall time.
fn cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse::<f64>().ok()))
        .map(|ns| ns / 1e9)
        .unwrap_or(0.0)
}

fn main() {
    let threads: usize = std::env::args().filter(|a| a != "--bench").nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let (_, ds) = generate(&DataConfig { gamma: Some(10.0), ..Default::default() }, None, Par::auto()).unwrap();
    let inp = || TrainInput {
        k: ds.k,
        d: ds.d,
        x: &ds.train_x,
        y: &ds.train_y,
        pos: Some(&ds.train_pos),
        features: Some(&ds.features),
        test_x: None,
        test_y: None,
        test_pos: None,
    };
    for route in [Route::Gram, Route::Direct] {
        let cfg = TrainConfig { steps: Some(200), epochs: None, route, threads, ..Default::default() };
        let mut t = Trainer::new(cfg, inp(), None).unwrap();
        t.run(5).unwrap();
        let t1 = Instant::now();
        t.run(100).unwrap();
        let per = t1.elapsed().as_secs_f64() / 100.0;
        println!("full batch {route:?}: step {:.3} ms, {:.1} GFLOP/s, loss {:.4}", per * 1e3, t.flops_per_step() / per / 1e9, t.loss_curve.last().unwrap());
    }
    for bs in [1usize, 4] {
        let cfg = TrainConfig { epochs: Some(20), batch_size: Some(bs), threads: 1, ..Default::default() };
        let mut t = Trainer::new(cfg, inp(), None).unwrap();
        t.run(500).unwrap();
        let (w, c) = (Instant::now(), cpu());
        let steps = t.run(2000).unwrap();
        let (wall, cpus) = (w.elapsed().as_secs_f64() / steps as f64, (cpu() - c) / steps as f64);
        t.run(usize::MAX).unwrap();
        println!("sgd b={bs} gram: step {:.2} us wall, {:.2} us cpu; {} steps", wall * 1e6, cpus * 1e6, t.step());
    }
}
