use super::*;

#[test]
fn gemm_bench_computes_the_product_and_refuses_bad_sizes() {
    for dtype in ["f32", "f64", "f32block"] {
        let (m, k) = if dtype == "f32block" { (5, 5) } else { (3, 5) };
        let mut g = GemmBench::new(m, 4, k, dtype, 1).unwrap();
        let c0 = g.run(2);
        // C[0,0] = sum_l A[0,l] B[l,0], from the same fill.
        let f = |i: usize, salt: usize| (((i * 2654435761 + salt) % 1024) as f64 / 1024.0) - 0.5;
        let want: f64 = (0..5).map(|l| f(l, 1) * f(l * 4, 2)).sum();
        assert!((c0 - want).abs() < 1e-5, "{dtype}: {c0} vs {want}");
        assert_eq!(g.flops(), (2 * m * 4 * k) as f64);
    }
    assert_eq!(GemmBench::new(0, 4, 5, "f32", 1).err().unwrap().field(), Some("m"));
    assert_eq!(GemmBench::new(3, 4, 5, "f16", 1).err().unwrap().field(), Some("dtype"));
    assert_eq!(GemmBench::new(3, 4, 99999, "f32", 1).err().unwrap().field(), Some("k"));
}

#[test]
fn boundary_probes() {
    let x: Vec<f32> = (0..1001).map(|i| i as f32 * 0.5).collect();
    assert_eq!(checksum(&x), (0..1001).map(|i| i as f64 * 0.5).sum::<f64>());
    let y = filled(2050).unwrap();
    assert_eq!(y.len(), 2050);
    assert_eq!(y[1025], 1.0);
    assert_eq!(filled(usize::MAX / 8).err().unwrap().code(), "E_TOO_LARGE");
    assert_eq!(made(2050).unwrap(), 1.0);
    #[cfg(target_arch = "x86_64")]
    assert_eq!(clock_probe(1000), 8000);
}
