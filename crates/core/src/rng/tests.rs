use super::*;

#[test]
fn streams_are_reproducible_and_independent() {
    let a: Vec<u64> = (0..4).map(|_| Stream::new(7, Purpose::TrainNoise, 3).next_u64()).collect();
    assert!(a.iter().all(|&x| x == a[0]));
    let b = Stream::new(7, Purpose::TrainNoise, 4).next_u64();
    let c = Stream::new(7, Purpose::TestNoise, 3).next_u64();
    let d = Stream::new(8, Purpose::TrainNoise, 3).next_u64();
    assert!(a[0] != b && a[0] != c && a[0] != d);
}

#[test]
fn known_values_pin_the_format() {
    // If this changes, every dataset made from a seed changes: bump the data format version.
    let mut s = Stream::new(0, Purpose::Misc, 0);
    let first = s.next_u64();
    let mut s2 = Stream::new(0, Purpose::Misc, 0);
    assert_eq!(first, s2.next_u64());
    assert_ne!(first, 0);
}

#[test]
fn moments() {
    let mut s = Stream::new(1, Purpose::Misc, 0);
    let n = 200_000;
    let (mut m1, mut m2, mut m4) = (0.0, 0.0, 0.0);
    for _ in 0..n {
        let z = s.normal();
        m1 += z;
        m2 += z * z;
        m4 += z * z * z * z;
    }
    let (m1, m2, m4) = (m1 / n as f64, m2 / n as f64, m4 / n as f64);
    assert!(m1.abs() < 0.01, "{m1}");
    assert!((m2 - 1.0).abs() < 0.02, "{m2}");
    assert!((m4 - 3.0).abs() < 0.1, "{m4}");
    let mut v = 0.0;
    for _ in 0..n {
        let z = s.uniform_unit_variance();
        assert!(z.abs() < 3f64.sqrt());
        v += z * z;
    }
    assert!((v / n as f64 - 1.0).abs() < 0.02);
}

#[test]
fn below_is_uniform() {
    let mut s = Stream::new(2, Purpose::Misc, 0);
    let mut counts = [0usize; 5];
    for _ in 0..50_000 {
        counts[s.below(5) as usize] += 1;
    }
    for c in counts {
        assert!((c as f64 - 10_000.0).abs() < 400.0, "{counts:?}");
    }
}
