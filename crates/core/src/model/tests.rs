//! The forward pass against a plain f64 computation of eq. 1, and `evaluate` against the path it
//! replaces (predict, then the softmax loss and accuracy that ts/api.ts computed).

use super::*;
use crate::rng::{Purpose, Stream};

fn draws(len: usize, salt: u64) -> Vec<f32> {
    let mut s = Stream::new(salt, Purpose::FreshNoise, 0);
    (0..len).map(|_| s.normal() as f32).collect()
}

/// F_k(W, x) of eq. 1 with plain f64 loops.
fn reference_logits(w: &[f32], k: usize, m: usize, d: usize, x: &[f32]) -> Vec<f64> {
    let n = x.len() / (2 * d);
    let mut f = vec![0.0; n * k];
    for i in 0..n {
        for c in 0..k {
            let mut s = 0.0f64;
            for r in 0..m {
                let wr = &w[(c * m + r) * d..(c * m + r + 1) * d];
                for p in 0..2 {
                    let xp = &x[(2 * i + p) * d..(2 * i + p + 1) * d];
                    let a: f64 = wr.iter().zip(xp).map(|(&a, &b)| a as f64 * b as f64).sum();
                    s += a.max(0.0);
                }
            }
            f[i * k + c] = s / m as f64;
        }
    }
    f
}

#[test]
fn both_precisions_match_a_plain_forward_pass() {
    let (k, m, d, n) = (3, 5, 16, 40);
    let w = draws(k * m * d, 1);
    let x = draws(n * 2 * d, 2);
    let want = reference_logits(&w, k, m, d, &x);
    let f32_path = predict(&w, k, m, d, &x, Par::Seq).unwrap();
    let w64 = in_f64::widen(&w);
    let f64_path = in_f64::outputs(&in_f64::activations(&w64, k * m, d, &x, n, Par::Seq), n, k, m);
    for i in 0..n * k {
        assert!((f32_path[i] - want[i]).abs() <= 1e-5 * (1.0 + want[i].abs()), "f32 logit {i}: {} vs {}", f32_path[i], want[i]);
        assert!((f64_path[i] - want[i]).abs() <= 1e-12 * (1.0 + want[i].abs()), "f64 logit {i}: {} vs {}", f64_path[i], want[i]);
    }
}

#[test]
fn evaluate_is_predict_then_the_softmax_loss_and_accuracy() {
    let (k, m, d, n) = (4, 3, 10, 60);
    let w = draws(k * m * d, 3);
    let x = draws(n * 2 * d, 4);
    let y: Vec<i32> = (0..n).map(|i| ((i * 7) % k) as i32).collect();
    let e = evaluate(&w, k, m, d, &x, &y, Par::Seq).unwrap();
    // The existing path, bit for bit.
    let f = predict(&w, k, m, d, &x, Par::Seq).unwrap();
    let (loss, acc, per) = score(&f, &y, k);
    assert_eq!(e, Evaluation { loss, acc, acc_per_class: per.clone() });
    assert_eq!(crate::api::evaluate(&w, k, m, d, &x, &y, 2).unwrap(), e);
    // What ts/api.ts `evaluate` computed from the logits: log-sum-exp minus F_y, ties are errors.
    let (mut l, mut ok, mut pc) = (0.0, 0usize, vec![(0usize, 0usize); k]);
    for i in 0..n {
        let row = &f[i * k..(i + 1) * k];
        let c = y[i] as usize;
        let mx = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let s: f64 = row.iter().map(|v| (v - mx).exp()).sum();
        l += mx + s.ln() - row[c];
        let good = (0..k).all(|j| j == c || row[j] < row[c]);
        ok += good as usize;
        pc[c].0 += good as usize;
        pc[c].1 += 1;
    }
    assert!((e.loss - l / n as f64).abs() <= 1e-12 * (1.0 + e.loss.abs()));
    assert_eq!(e.acc, ok as f64 / n as f64);
    let want: Vec<Option<f64>> = pc.iter().map(|&(a, b)| if b == 0 { None } else { Some(a as f64 / b as f64) }).collect();
    assert_eq!(e.acc_per_class, want);
}

#[test]
fn evaluate_refuses_bad_labels_and_shapes() {
    let (k, m, d) = (2, 2, 3);
    let w = vec![0.5f32; k * m * d];
    let x = vec![1.0f32; 2 * 2 * d];
    let e = evaluate(&w, k, m, d, &x, &[0, 2], Par::Seq).unwrap_err();
    assert!(e.to_string().contains("y[1]"), "{e}");
    let e = evaluate(&w, k, m, d, &x, &[0], Par::Seq).unwrap_err();
    assert!(e.to_string().contains("evaluate"), "{e}");
    let e = evaluate(&w[1..], k, m, d, &x, &[0, 1], Par::Seq).unwrap_err();
    assert!(e.to_string().contains("weights"), "{e}");
}
