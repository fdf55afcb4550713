use super::*;

/// Rows of a symmetric K-class sweep with errors drawn from the bound's shape with known rates.
fn synthetic(c1: f64, c2: f64, n: usize, seed: u64) -> Vec<FitRow> {
    let k = 5;
    let mut s = Stream::new(seed, Purpose::Misc, 3);
    let mut rows = Vec::new();
    for i in 0..12 {
        for g in [1.0, 1.5] {
            // 2(a) cells: Gamma < C2 = 2, SNR from 1 to 6.
            let snr = 1.0 + 0.45 * i as f64;
            let p = ((k - 1) as f64 * (-c1 * snr).exp()).min(1.0);
            let e = (0..n).filter(|_| s.uniform() < p).count();
            let acc = 1.0 - e as f64 / n as f64;
            rows.push(FitRow {
                snr: vec![Some(snr); k],
                snr_pairs: None,
                gamma: gamma(k, g),
                test_acc_per_class: Some(vec![Some(acc); k]),
                test_count_per_class: Some(crate::data::OneOrMany::One(n)),
                long_tailed: vec![],
            });
        }
        // 2(b) cells: SNR tiny, Gamma from 2 to 13, L = 1 and 1.5.
        let g = 2.0 + i as f64;
        let lts = [1.0, 1.5]
            .iter()
            .map(|&l| {
                let p = ((k - 1) as f64 * (-c2 * l * l * g).exp()).min(1.0);
                let e = (0..n).filter(|_| s.uniform() < p).count();
                LongTailedRow { l, acc: Some(1.0 - e as f64 / n as f64), count: n, acc_per_class: None, count_per_class: None }
            })
            .collect();
        rows.push(FitRow {
            snr: vec![Some(1e-6); k],
            snr_pairs: None,
            gamma: gamma(k, g),
            test_acc_per_class: None,
            test_count_per_class: None,
            long_tailed: lts,
        });
    }
    rows
}

fn gamma(k: usize, g: f64) -> Vec<Vec<Option<f64>>> {
    (0..k).map(|a| (0..k).map(|j| if a == j { None } else { Some(g) }).collect()).collect()
}

#[test]
fn recovers_known_rates_with_a_covering_interval() {
    let (c1, c2) = (0.8, 0.35);
    let r = fit(&synthetic(c1, c2, 4000, 1), &FitOptions::default()).unwrap();
    let e1 = r.c1.estimate.unwrap();
    let e2 = r.c2.estimate.unwrap();
    assert!((e1 - c1).abs() < 0.08, "c1 {e1} {:?}", r.c1.ci);
    assert!((e2 - c2).abs() < 0.04, "c2 {e2} {:?}", r.c2.ci);
    let ci1 = r.c1.ci.unwrap();
    let ci2 = r.c2.ci.unwrap();
    assert!(ci1[0] <= c1 && c1 <= ci1[1], "{ci1:?}");
    assert!(ci2[0] <= c2 && c2 <= ci2[1], "{ci2:?}");
    assert!(ci1[0] < e1 && e1 < ci1[1]);
}

#[test]
fn noiseless_points_give_the_exact_rate_and_match_origin_regression() {
    // err = 4 exp(-c R) exactly: through-origin least squares of -log(err/4) on R gives c.
    let k = 5;
    let c = 0.6;
    let rows: Vec<FitRow> = (1..8)
        .map(|i| {
            let snr = i as f64;
            FitRow {
                snr: vec![Some(snr); k],
                snr_pairs: None,
                gamma: gamma(k, 1.0),
                test_acc_per_class: Some(vec![Some(1.0 - 4.0 * (-c * snr).exp()); k]),
                test_count_per_class: None,
                long_tailed: vec![],
            }
        })
        .collect();
    let opts = FitOptions { max_error: Some(1.0), ..Default::default() };
    let r = fit(&rows, &opts).unwrap();
    assert!((r.c1.estimate.unwrap() - c).abs() < 1e-9, "{:?}", r.c1.estimate);
    assert!(r.c1.residual_rms.unwrap() < 1e-6);
}

#[test]
fn zero_errors_are_corrected_or_dropped_and_counted() {
    let k = 3;
    let row = |acc: f64, n: Option<usize>| FitRow {
        snr: vec![Some(3.0); k],
        snr_pairs: None,
        gamma: gamma(k, 1.0),
        test_acc_per_class: Some(vec![Some(acc); k]),
        test_count_per_class: n.map(crate::data::OneOrMany::One),
        long_tailed: vec![],
    };
    let r = fit(&[row(1.0, Some(200)), row(0.9, Some(200))], &FitOptions::default()).unwrap();
    assert_eq!(r.c1.zero_error_points, 3);
    assert_eq!(r.c1.points, 6);
    // Without counts the zero-error points cannot be logged: dropped.
    let r = fit(&[row(1.0, None), row(0.9, None)], &FitOptions::default()).unwrap();
    assert_eq!(r.c1.points, 3);
    assert_eq!(r.c1.dropped_points, 3);
    assert!(fit(&[], &FitOptions::default()).is_err());
}

#[test]
fn the_fit_as_a_job_gives_the_bits_of_one_call_however_its_resamples_are_split() {
    let rows = synthetic(0.8, 0.4, 2000, 11);
    let opts = FitOptions { bootstrap: 37, seed: 5, ..FitOptions::default() };
    let one = serde_json::to_string(&fit(&rows, &opts).unwrap()).unwrap();
    let mut job = FitJob::new(&rows, &opts).unwrap();
    assert_eq!(job.progress(), (0, 74));
    assert!(job.result().is_err(), "no report before the resamples are drawn");
    let mut calls = 0;
    while !job.finished() {
        let p = crate::job::Job::advance(&mut job, 5).unwrap();
        calls += 1;
        assert_eq!(p.done, (5 * calls).min(74) as u64);
    }
    assert_eq!(calls, 15);
    assert_eq!(serde_json::to_string(&job.result().unwrap()).unwrap(), one);
    // Without a bootstrap the job is finished when made.
    let none = FitJob::new(&rows, &FitOptions { bootstrap: 0, ..opts }).unwrap();
    assert!(none.finished() && none.progress() == (0, 0));
}
