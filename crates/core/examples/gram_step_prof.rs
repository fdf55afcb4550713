use benignfit_core::data::{generate, DataConfig};
use benignfit_core::linalg::Par;
use benignfit_core::train::*;
use std::time::Instant;
fn main() {
    let (_, ds) = generate(&DataConfig { gamma: Some(10.0), ..Default::default() }, None, Par::auto()).unwrap();
    let inp = TrainInput { k: ds.k, d: ds.d, x: &ds.train_x, y: &ds.train_y, pos: Some(&ds.train_pos), features: Some(&ds.features), test_x: None, test_y: None, test_pos: None };
    let cfg = TrainConfig { steps: Some(3000), epochs: None, route: Route::Gram, threads: 0, ..Default::default() };
    let mut t = Trainer::new(cfg, inp, None).unwrap();
    t.run(5).unwrap();
    for _ in 0..3 {
        let t1 = Instant::now();
        t.run(300).unwrap();
        println!("step {:.3} ms", t1.elapsed().as_secs_f64() / 300.0 * 1e3);
    }
}
