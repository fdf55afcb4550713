//! f32/f64 GEMM throughput of the gemm crate on this machine (the benchmark suite's peak row).
use benignfit_core::linalg::{gemm_f32, gemm_f64, Par, View};
use std::time::Instant;

fn main() {
    for &(m, n, k) in &[(512usize, 512usize, 512usize), (1024, 1024, 1024), (505, 500, 505), (2048, 2048, 2048)] {
        for par in [Par::Seq, Par::auto()] {
            let a = vec![1.0f32; m * k];
            let b = vec![1.0f32; k * n];
            let mut c = vec![0.0f32; m * n];
            let reps = (4e9 / (2.0 * (m * n * k) as f64)).max(3.0) as usize;
            gemm_f32(&mut c, View::rm(m, n, n), 0.0, &a, View::rm(m, k, k), &b, View::rm(k, n, n), 1.0, par);
            let t = Instant::now();
            for _ in 0..reps {
                gemm_f32(&mut c, View::rm(m, n, n), 0.0, &a, View::rm(m, k, k), &b, View::rm(k, n, n), 1.0, par);
            }
            let s = t.elapsed().as_secs_f64() / reps as f64;
            let a64 = vec![1.0f64; m * k];
            let b64 = vec![1.0f64; k * n];
            let mut c64 = vec![0.0f64; m * n];
            let t = Instant::now();
            for _ in 0..reps {
                gemm_f64(&mut c64, View::rm(m, n, n), 0.0, &a64, View::rm(m, k, k), &b64, View::rm(k, n, n), 1.0, par);
            }
            let s64 = t.elapsed().as_secs_f64() / reps as f64;
            println!("{m}x{n}x{k} {par:?}: f32 {:.1} GFLOP/s, f64 {:.1} GFLOP/s", 2.0 * (m * n * k) as f64 / s / 1e9, 2.0 * (m * n * k) as f64 / s64 / 1e9);
        }
    }
}
