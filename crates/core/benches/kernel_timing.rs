//! Quick timing of the SGD kernels (rows of Z = Z0 + G Coef^T) per instruction set:
//! `cargo bench -p benignfit-core --profile fasttest --bench kernel_timing`.
use benignfit_core::kernels::{self, Isa};
use std::time::Instant;

fn main() {
    let (r, cols) = (505usize, 500usize);
    let b: Vec<f32> = (0..r * cols).map(|i| (i % 97) as f32 * 0.01).collect();
    let g: Vec<f32> = (0..r * r).map(|i| (i % 89) as f32 * 0.01).collect();
    let z0 = vec![0.5f32; r * cols];
    let live: Vec<u32> = (0..r as u32).collect();
    for isa in [Isa::Plain, Isa::Avx2, Isa::Avx512] {
        let got = kernels::set_isa(isa);
        let mut out = vec![0.0f32; cols];
        let reps = 5000;
        let t = Instant::now();
        for i in 0..reps {
            kernels::gather_rows(&mut out, &z0, &g, &b, cols, r, &[(i % r) as u32], &live);
        }
        let s = t.elapsed().as_secs_f64() / reps as f64;
        println!("{got:?}: gather 1 row {:.2} us/row, {:.1} GFLOP/s", s * 1e6, (2 * r * cols) as f64 / s / 1e9);
        for nb in [4usize, 8, 16, 32, 64] {
            let rows: Vec<u32> = (0..nb as u32).map(|j| (j * 37) % r as u32).collect();
            let mut out = vec![0.0f32; nb * cols];
            let mut scratch = Vec::new();
            let reps = 20000 / nb;
            let t = Instant::now();
            for _ in 0..reps {
                kernels::gather_block(&mut out, &z0, &g, &b, cols, r, &rows, &live, &mut scratch);
            }
            let s = t.elapsed().as_secs_f64() / reps as f64 / nb as f64;
            println!("   block of {nb}: {:.2} us/row, {:.1} GFLOP/s", s * 1e6, (2 * r * cols) as f64 / s / 1e9);
        }
    }
}
