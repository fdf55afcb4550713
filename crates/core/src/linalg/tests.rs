use super::*;

fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
    let mut c = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut s = 0.0f64;
            for l in 0..k {
                s += a[i * k + l] as f64 * b[l * n + j] as f64;
            }
            c[i * n + j] = s as f32;
        }
    }
    c
}

#[test]
fn gemm_matches_naive_including_transposes() {
    let (m, k, n) = (37, 53, 29);
    let a: Vec<f32> = (0..m * k).map(|i| ((i * 7919) % 97) as f32 / 97.0 - 0.5).collect();
    let b: Vec<f32> = (0..k * n).map(|i| ((i * 104729) % 89) as f32 / 89.0 - 0.5).collect();
    let want = naive(&a, &b, m, k, n);
    for par in [Par::Seq, Par::Threads(2)] {
        let mut c = vec![f32::NAN; m * n];
        gemm_f32(&mut c, View::rm(m, n, n), 0.0, &a, View::rm(m, k, k), &b, View::rm(k, n, n), 1.0, par);
        for (x, y) in c.iter().zip(&want) {
            assert!((x - y).abs() < 1e-4);
        }
        // (B^T A^T)^T = A B, using transposed views of the same buffers.
        let mut ct = vec![0.0; m * n];
        gemm_f32(&mut ct, View::rm(n, m, m), 0.0, &b, View::rm_t(k, n, n), &a, View::rm_t(m, k, k), 1.0, par);
        for i in 0..m {
            for j in 0..n {
                assert!((ct[j * m + i] - want[i * n + j]).abs() < 1e-4);
            }
        }
    }
}

#[test]
fn frame_is_orthonormal_and_matches_full_haar_in_distribution_shape() {
    let (d, r) = (50, 6);
    let q = haar_frame(3, d, r);
    for i in 0..r {
        for j in 0..r {
            let p = dot_serial_f64(&q[i * d..(i + 1) * d], &q[j * d..(j + 1) * d]);
            assert!((p - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
        }
    }
    let u = haar_full(3, 20, Par::Seq);
    for i in 0..20 {
        for j in 0..20 {
            let p: f64 = (0..20).map(|l| u[l * 20 + i] * u[l * 20 + j]).sum();
            assert!((p - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
        }
    }
}
