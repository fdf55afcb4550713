//! Timing of one class of the influence kernel against plain GEMMs of the same shapes:
//! `cargo bench -p benignfit-core --profile fasttest --bench influence_timing -- N D [BLOCK] [scatter|gram]`.
use benignfit_core::covariance::*;
use benignfit_core::linalg::{self, Par, View};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().filter(|a| a != "--bench").collect();
    let n: usize = args.get(1).map(|s| s.parse().unwrap()).unwrap_or(6000);
    let d: usize = args.get(2).map(|s| s.parse().unwrap()).unwrap_or(600);
    let block: usize = args.get(3).map(|s| s.parse().unwrap()).unwrap_or(0);
    let route = args.get(4).cloned().unwrap_or("scatter".into());
    let mut s = 1u32;
    let px: Vec<u8> = (0..n * d)
        .map(|_| {
            s = s.wrapping_mul(1664525).wrapping_add(1013904223);
            (s >> 24) as u8
        })
        .collect();
    let par = Par::auto();
    // plain gemms for reference
    if route != "gram" {
        let v: Vec<f32> = px.iter().map(|&b| b as f32 / 255.0).collect();
        let mut m = vec![0f32; d * d];
        let mut e = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            linalg::gemm_f32(&mut m, View::rm(d, d, d), 0.0, &v, View::rm_t(n, d, d), &v, View::rm(n, d, d), 1.0, par);
            e = e.min(t.elapsed().as_secs_f64());
        }
        println!("full V^T V: {:.3} s, {:.1} GFLOP/s", e, 2.0 * (n * d * d) as f64 / e / 1e9);
        let mut p = vec![0f32; n * d];
        let mut e = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            linalg::gemm_f32(&mut p, View::rm(n, d, d), 0.0, &v, View::rm(n, d, d), &m, View::rm(d, d, d), 1.0, par);
            e = e.min(t.elapsed().as_secs_f64());
        }
        println!("full V M: {:.3} s, {:.1} GFLOP/s", e, 2.0 * (n * d * d) as f64 / e / 1e9);
    } else {
        let v: Vec<f32> = px.iter().map(|&b| b as f32 / 255.0).collect();
        let mut g = vec![0f32; n * n];
        let t = Instant::now();
        linalg::gemm_f32(&mut g, View::rm(n, n, n), 0.0, &v, View::rm(n, d, d), &v, View::rm_t(n, d, d), 1.0, par);
        let e = t.elapsed().as_secs_f64();
        println!("full V V^T: {:.3} s, {:.1} GFLOP/s", e, 2.0 * (n * n * d) as f64 / e / 1e9);
    }
    let cfg = InfluenceConfig {
        dim: d,
        classes: 1,
        normalize: Normalize::Scale,
        route: if route == "gram" { RouteChoice::Gram } else { RouteChoice::Scatter },
        precision: Precision::F32,
        frobenius: false,
        block,
        memory_limit: None,
    };
    let mut e = f64::MAX;
    let mut r = None;
    for _ in 0..2 {
        let mut run = InfluenceRun::new(cfg.clone(), None, par).unwrap();
        let t = Instant::now();
        r = Some(run.add_class(0, Pixels::U8(&px), n).unwrap());
        e = e.min(t.elapsed().as_secs_f64());
    }
    let r = r.unwrap();
    println!("add_class: {:.3} s, madds {:.3e}, {:.1} GFLOP/s (block {})", e, r.info.madds, 2.0 * r.info.madds / e / 1e9, r.info.block);
}
