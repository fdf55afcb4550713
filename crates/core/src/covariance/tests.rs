use super::*;
use crate::rng::{Purpose, Stream};

fn cfg(d: usize, k: usize, route: RouteChoice, precision: Precision) -> InfluenceConfig {
    InfluenceConfig { dim: d, classes: k, normalize: Normalize::Scale, route, precision, frobenius: true, block: 0, memory_limit: None }
}

/// Bytes with a class-dependent structure and a few constant pixels.
fn bytes(n: usize, d: usize, seed: u64) -> Vec<u8> {
    let mut s = Stream::new(seed, Purpose::Misc, 0);
    (0..n * d).map(|i| if i % d < 2 { 7 } else { (s.below(256) as f64 * ((i % d) as f64 / d as f64)) as u8 }).collect()
}

fn scale(d: &[u8]) -> Vec<f64> {
    d.iter().map(|&b| b as f64 / 255.0).collect()
}

/// |got - want| <= tol * (the size of the terms the closed form subtracts).
fn close(got: &[f64], want: &[f64], tol: f64) {
    let scale = want.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * scale, "score {i}: {g} vs brute force {w} (scale {scale})");
    }
}

#[test]
fn closed_form_matches_brute_force_on_both_routes_and_precisions() {
    // n > d (scatter is natural) and n < d (Gram is natural); every route forced each time,
    // several block widths so partial blocks are exercised; 150 images span three of the
    // exact scatter's 64-image transpose blocks.
    for &(n, d) in &[(40usize, 9usize), (13, 30), (5, 5), (150, 12)] {
        let b = bytes(n, d, n as u64);
        let want = brute_force_scores(&scale(&b), n, d);
        for route in [RouteChoice::Scatter, RouteChoice::Gram, RouteChoice::Auto] {
            for (prec, tol) in [(Precision::F64, 1e-10), (Precision::F32, 2e-5)] {
                for block in [0, 1, 4, 7] {
                    let mut c = cfg(d, 1, route, prec);
                    c.block = block;
                    let mut run = InfluenceRun::new(c, None, Par::Threads(2)).unwrap();
                    let r = run.add_class(0, Pixels::U8(&b), n).unwrap();
                    close(&r.scores, &want, tol);
                }
            }
        }
    }
}

#[test]
fn exact_byte_gram_route_matches_brute_force_to_f64_round_off() {
    // frobenius off + bytes + scale + Gram: the integer products, exact up to f64 round-off.
    for &(n, d) in &[(40usize, 9usize), (13, 30), (70, 200)] {
        let b = bytes(n, d, 3 + n as u64);
        let want = brute_force_scores(&scale(&b), n, d);
        for block in [0, 5, 16] {
            let mut c = cfg(d, 1, RouteChoice::Gram, Precision::F32);
            c.frobenius = false;
            c.block = block;
            for par in [Par::Seq, Par::Threads(2)] {
                let r = InfluenceRun::new(c.clone(), None, par).unwrap().add_class(0, Pixels::U8(&b), n).unwrap();
                close(&r.scores, &want, 1e-11);
            }
        }
    }
}

#[test]
fn normalisations_match_brute_force_on_transformed_rows() {
    let (n, d) = (30, 12);
    let b = bytes(n, d, 5);
    let x = scale(&b);
    // unit
    let mut u = x.clone();
    for i in 0..n {
        let nr = u[i * d..(i + 1) * d].iter().map(|v| v * v).sum::<f64>().sqrt();
        u[i * d..(i + 1) * d].iter_mut().for_each(|v| *v /= nr);
    }
    let mut c = cfg(d, 1, RouteChoice::Auto, Precision::F64);
    c.normalize = Normalize::Unit;
    let r = InfluenceRun::new(c.clone(), None, Par::Seq).unwrap().add_class(0, Pixels::U8(&b), n).unwrap();
    close(&r.scores, &brute_force_scores(&u, n, d), 1e-10);
    // standardize
    let sd = pixel_std(Pixels::U8(&b), n, d, Par::Threads(2)).unwrap();
    let st: Vec<f64> = x.iter().enumerate().map(|(i, v)| if sd[i % d] > 0.0 { v / sd[i % d] } else { 0.0 }).collect();
    c.normalize = Normalize::Standardize;
    let r = InfluenceRun::new(c, Some(&sd), Par::Seq).unwrap().add_class(0, Pixels::U8(&b), n).unwrap();
    close(&r.scores, &brute_force_scores(&st, n, d), 1e-10);
    assert_eq!(sd[0], 0.0);
}

#[test]
fn figure6_matrix_and_gamma_match_direct_covariances() {
    let (d, k) = (6, 3);
    let sizes = [20usize, 9, 31];
    let classes: Vec<Vec<u8>> = sizes.iter().enumerate().map(|(c, &n)| bytes(n, d, 100 + c as u64)).collect();
    let cov = |b: &[u8], n: usize| -> Vec<f64> {
        let x = scale(b);
        let mean: Vec<f64> = (0..d).map(|j| (0..n).map(|i| x[i * d + j]).sum::<f64>() / n as f64).collect();
        let mut s = vec![0.0; d * d];
        for i in 0..n {
            for a in 0..d {
                for bb in 0..d {
                    s[a * d + bb] += (x[i * d + a] - mean[a]) * (x[i * d + bb] - mean[bb]) / (n as f64 - 1.0);
                }
            }
        }
        s
    };
    for route in [RouteChoice::Scatter, RouteChoice::Gram] {
        let mut run = InfluenceRun::new(cfg(d, k, route, Precision::F32), None, Par::Seq).unwrap();
        for c in [2, 0, 1] {
            run.add_class(c, Pixels::U8(&classes[c]), sizes[c]).unwrap();
        }
        let f = run.frobenius().unwrap();
        let s: Vec<Vec<f64>> = (0..k).map(|c| cov(&classes[c], sizes[c])).collect();
        for a in 0..k {
            for b in 0..k {
                let want: f64 = s[a].iter().zip(&s[b]).map(|(x, y)| x * y).sum();
                assert!((f.frob_sq[a][b] - want).abs() < 1e-5 * want.abs(), "{a},{b}: {} vs {want}", f.frob_sq[a][b]);
                if a != b {
                    let g = sizes[a] as f64 * f.frob_sq[a][a] / (sizes[b] as f64 * f.frob_sq[a][b]);
                    assert!((f.gamma[a][b].unwrap() - g).abs() < 1e-12 * g);
                }
            }
            assert!(f.gamma[a][a].is_none());
        }
    }
}

#[test]
fn results_do_not_depend_on_threads_and_sum_identity_holds() {
    let (n, d) = (300, 40);
    let b = bytes(n, d, 9);
    let mut out = Vec::new();
    for par in [Par::Seq, Par::Threads(2), Par::Threads(3)] {
        for route in [RouteChoice::Scatter, RouteChoice::Gram] {
            let mut c = cfg(d, 1, route, Precision::F32);
            c.frobenius = false;
            let r = InfluenceRun::new(c, None, par).unwrap().add_class(0, Pixels::U8(&b), n).unwrap();
            out.push((route, r.scores));
        }
    }
    for (route, s) in &out[2..] {
        let base = if *route == RouteChoice::Scatter { &out[0].1 } else { &out[1].1 };
        assert_eq!(s, base);
    }
}

#[test]
fn large_odd_byte_classes_agree_across_paths_and_threads() {
    // 1101 images (odd, several 512-row column-sum ranges, several quadratic-form tiles and
    // 64-image transpose tiles) x 23 pixels (odd): the exact byte scatter route on 1-3
    // threads against the float pixels' f64 route (its own mean and centring).
    let (n, d) = (1101, 23);
    let b = bytes(n, d, 21);
    let f: Vec<f32> = b.iter().map(|&v| v as f32 / 255.0).collect();
    let want = InfluenceRun::new(cfg(d, 1, RouteChoice::Scatter, Precision::F64), None, Par::Seq).unwrap().add_class(0, Pixels::F32(&f), n).unwrap().scores;
    let mut first: Option<Vec<f64>> = None;
    for par in [Par::Seq, Par::Threads(2), Par::Threads(3)] {
        let mut c = cfg(d, 1, RouteChoice::Scatter, Precision::F32);
        c.frobenius = false;
        let got = InfluenceRun::new(c, None, par).unwrap().add_class(0, Pixels::U8(&b), n).unwrap().scores;
        close(&got, &want, 2e-5);
        match &first {
            Some(f) => assert_eq!(&got, f),
            None => first = Some(got),
        }
    }
}

#[test]
fn rows_picked_from_a_whole_set_match_rows_given() {
    let (total, d) = (200, 10);
    let all = bytes(total, d, 31);
    let rows: Vec<u32> = (0..total as u32).filter(|i| i % 3 == 1).rev().collect();
    let own: Vec<u8> = rows.iter().flat_map(|&i| all[i as usize * d..(i as usize + 1) * d].to_vec()).collect();
    let c = cfg(d, 1, RouteChoice::Auto, Precision::F32);
    let want = InfluenceRun::new(c.clone(), None, Par::Seq).unwrap().add_class(0, Pixels::U8(&own), rows.len()).unwrap().scores;
    let got = InfluenceRun::new(c.clone(), None, Par::Threads(2)).unwrap().add_class_rows(0, Pixels::U8(&all), total, &rows).unwrap().scores;
    assert_eq!(got, want);
    let mut run = InfluenceRun::new(c, None, Par::Seq).unwrap();
    assert!(run.add_class_rows(0, Pixels::U8(&all), total, &[1, 200]).unwrap_err().to_string().contains("rows (class 0)"));
    assert!(run.add_class_rows(0, Pixels::U8(&all[1..]), total, &[1, 2, 3]).unwrap_err().to_string().contains("images"));
}

#[test]
fn auto_route_follows_the_flop_count() {
    let d = 20;
    let small = bytes(10, d, 1);
    let big = bytes(200, d, 2);
    let mut c = cfg(d, 2, RouteChoice::Auto, Precision::F32);
    c.frobenius = false;
    let mut run = InfluenceRun::new(c, None, Par::Seq).unwrap();
    assert_eq!(run.add_class(0, Pixels::U8(&small), 10).unwrap().info.route, Route::Gram);
    assert_eq!(run.add_class(1, Pixels::U8(&big), 200).unwrap().info.route, Route::Scatter);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let c = cfg(4, 2, RouteChoice::Auto, Precision::F32);
    let mut run = InfluenceRun::new(c.clone(), None, Par::Seq).unwrap();
    assert_eq!(run.add_class(0, Pixels::U8(&[1; 7]), 2).unwrap_err().code(), "E_INVALID");
    assert_eq!(run.add_class(0, Pixels::U8(&[1; 11]), 3).unwrap_err().code(), "E_INVALID");
    assert_eq!(run.add_class(5, Pixels::U8(&[1; 12]), 3).unwrap_err().code(), "E_INVALID");
    assert_eq!(run.add_class(0, Pixels::F32(&[f32::NAN; 12]), 3).unwrap_err().field(), Some("images"));
    // Identical images: zero covariance, zero scores.
    let r = run.add_class(0, Pixels::U8(&[3; 12]), 3).unwrap();
    assert_eq!(r.scores, vec![0.0; 3]);
    assert_eq!(run.add_class(0, Pixels::U8(&[3; 12]), 3).unwrap_err().code(), "E_INVALID");
    assert!(run.frobenius().is_err());
    let mut big = c.clone();
    big.dim = 1 << 20;
    assert_eq!(InfluenceRun::new(big, None, Par::Seq).err().unwrap().code(), "E_TOO_LARGE");
    let mut st = c.clone();
    st.normalize = Normalize::Standardize;
    assert!(InfluenceRun::new(st.clone(), None, Par::Seq).is_err());
    assert!(InfluenceRun::new(st, Some(&[1.0, 2.0]), Par::Seq).is_err());
    assert!(pixel_std(Pixels::U8(&[1, 2, 3]), 2, 2, Par::Seq).is_err());
}

#[test]
fn figure6_combined_from_scatters_of_other_instances_is_bit_identical() {
    // Three classes scored one per instance (as the browser's Web Workers do), their scatters
    // handed to a fourth instance: the same Figure 6 summary, to the bit, as one instance.
    let (d, k) = (11, 3);
    let sets: Vec<(Vec<u8>, usize)> = (0..k).map(|c| (bytes(20 + 5 * c, d, 40 + c as u64), 20 + 5 * c)).collect();
    let mut one = InfluenceRun::new(cfg(d, k, RouteChoice::Auto, Precision::F32), None, Par::Seq).unwrap();
    for (c, (b, n)) in sets.iter().enumerate() {
        one.add_class(c, Pixels::U8(b), *n).unwrap();
    }
    let mut combined = InfluenceRun::new(cfg(d, k, RouteChoice::Auto, Precision::F32), None, Par::Seq).unwrap();
    for (c, (b, n)) in sets.iter().enumerate() {
        let mut own = InfluenceRun::new(cfg(d, k, RouteChoice::Auto, Precision::F32), None, Par::Seq).unwrap();
        own.add_class(c, Pixels::U8(b), *n).unwrap();
        let s = own.take_scatter(c).unwrap();
        assert!(own.take_scatter(c).is_err(), "taken once");
        combined.set_scatter(c, *n, s).unwrap();
    }
    let json = |r: &InfluenceRun| serde_json::to_string(&r.frobenius().unwrap()).unwrap();
    assert_eq!(json(&combined), json(&one));
    // A class given twice, a wrong length, and Figure 6 off are refused.
    assert!(combined.set_scatter(0, 20, vec![0.0; d * d]).is_err());
    let mut c = InfluenceRun::new(cfg(d, k, RouteChoice::Auto, Precision::F32), None, Par::Seq).unwrap();
    assert!(c.set_scatter(0, 20, vec![0.0; d]).is_err());
    let mut off = cfg(d, k, RouteChoice::Auto, Precision::F32);
    off.frobenius = false;
    assert!(InfluenceRun::new(off, None, Par::Seq).unwrap().set_scatter(0, 20, vec![0.0; d * d]).is_err());
}

#[test]
fn influence_job_gives_the_scores_and_matrix_of_class_by_class_runs() {
    // Labels interleaved over 4 classes of unequal size; the job (holding the set, whole classes
    // per call) against one InfluenceRun given each class's rows in order, bits compared.
    let (n, d, k) = (61, 9, 4);
    let b = bytes(n, d, 77);
    let labels: Vec<i32> = (0..n).map(|i| ((i * 7) % 11 % k) as i32).collect();
    let members = class_members(&labels, None).unwrap();
    assert_eq!(members.len(), k);
    for standardize in [false, true] {
        let mut c = cfg(d, 0, RouteChoice::Auto, Precision::F32);
        if standardize {
            c.normalize = Normalize::Standardize;
        }
        let mut job = InfluenceJob::new(c.clone(), Some(&b), None, &labels, Par::Threads(2)).unwrap();
        assert_eq!(job.next_class(), Some((0, members[0].len())));
        assert_eq!(job.frobenius().unwrap_err().field(), Some("influence job"), "no matrix before every class is scored");
        // A budget of 1 image scores exactly one class per call; the progress counts images.
        let p = crate::job::Job::advance(&mut job, 1).unwrap();
        assert_eq!((p.done as usize, p.total as usize, p.finished), (members[0].len(), n, false));
        assert_eq!(job.classes_from(0).len(), 1);
        // A budget of the whole set finishes it in one call.
        let p = crate::job::Job::advance(&mut job, n).unwrap();
        assert!(p.finished && p.done as usize == n && job.next_class().is_none());
        assert_eq!(job.classes_from(1).iter().map(|i| i.class).collect::<Vec<_>>(), vec![1, 2, 3]);

        c.classes = k;
        let sd = standardize.then(|| pixel_std(Pixels::U8(&b), n, d, Par::Seq).unwrap());
        let mut one = InfluenceRun::new(c, sd.as_deref(), Par::Seq).unwrap();
        let mut want = vec![0.0; n];
        for (cl, rows) in members.iter().enumerate() {
            let r = one.add_class_rows(cl, Pixels::U8(&b), n, rows).unwrap();
            rows.iter().zip(&r.scores).for_each(|(&i, &s)| want[i as usize] = s);
        }
        assert_eq!(job.scores(), &want[..]);
        let json = |f: FrobeniusSummary| serde_json::to_string(&f).unwrap();
        assert_eq!(json(job.frobenius().unwrap()), json(one.frobenius().unwrap()));
    }
}

#[test]
fn class_members_refuses_what_eq10_cannot_score() {
    let field = |r: Result<Vec<Vec<u32>>>| r.unwrap_err().field().map(str::to_string);
    assert_eq!(field(class_members(&[], None)), Some("labels".into()));
    assert_eq!(field(class_members(&[0, 0, 0, -1], None)), Some("labels[3]".into()));
    // A label of 1e9 names the label, not an allocation.
    assert_eq!(field(class_members(&[0, 0, 0, 1_000_000_000, 1, 1], None)), Some("labels[3]".into()));
    assert_eq!(field(class_members(&[0, 0, 0, 1, 1, 1], Some(1))), Some("influence.classes".into()));
    assert_eq!(field(class_members(&[0, 0, 0, 1, 1, 1], Some(3))), Some("influence.classes".into()));
    assert_eq!(field(class_members(&[0, 0, 0, 2, 2, 2, 2, 2, 2], None)), Some("labels (class 1)".into()));
    assert_eq!(class_members(&[1, 0, 1, 0, 1, 0], None).unwrap(), vec![vec![1, 3, 5], vec![0, 2, 4]]);
    let b = bytes(6, 3, 1);
    assert!(InfluenceJob::new(cfg(3, 0, RouteChoice::Auto, Precision::F32), Some(&b[..17]), None, &[0, 0, 0, 1, 1, 1], Par::Seq).is_err());
}
