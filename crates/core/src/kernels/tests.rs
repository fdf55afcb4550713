use super::*;

fn data(len: usize, salt: u64) -> Vec<f32> {
    (0..len).map(|i| ((((i as u64 + salt) * 2654435761) % 1000) as f32 / 500.0) - 1.0).collect()
}

#[test]
fn gather_rows_matches_a_plain_f64_product() {
    let (r, cols) = (37, 29);
    let b = data(r * cols, 1);
    let g = data(r * r, 2);
    let base = data(r * cols, 3);
    let rows = [30u32, 2, 17];
    // Rows 5 and 11 of b are "not live": make them zero so the reference agrees.
    let mut b = b;
    for q in [5usize, 11] {
        b[q * cols..(q + 1) * cols].iter_mut().for_each(|v| *v = 0.0);
    }
    let live: Vec<u32> = (0..r as u32).filter(|&q| q != 5 && q != 11).collect();
    for nr in 1..=3 {
        let mut out = vec![f32::NAN; nr * cols];
        gather_rows(&mut out, &base, &g, &b, cols, r, &rows[..nr], &live);
        for j in 0..nr {
            let p = rows[j] as usize;
            for c in 0..cols {
                let want = base[p * cols + c] as f64 + (0..r).map(|q| g[p * r + q] as f64 * b[q * cols + c] as f64).sum::<f64>();
                assert!((out[j * cols + c] as f64 - want).abs() < 1e-5, "row {j} col {c}");
            }
        }
    }
}

#[test]
fn gather_block_gives_the_bits_of_gather_rows() {
    for (r, cols) in [(37usize, 29usize), (50, 64), (9, 100), (70, 7)] {
        let b = data(r * cols, 11);
        let g = data(r * r, 12);
        let base = data(r * cols, 13);
        let live: Vec<u32> = (0..r as u32).filter(|q| q % 5 != 3).collect();
        for nr in [1usize, 2, 3, 4, 5, 9] {
            let rows: Vec<u32> = (0..nr as u32).map(|j| (j * 7 + 1) % r as u32).collect();
            let mut want = vec![0.0f32; nr * cols];
            gather_rows(&mut want, &base, &g, &b, cols, r, &rows, &live);
            for isa in [Isa::Plain, Isa::Avx2, Isa::Avx512] {
                let before = isa_now_and_set(isa);
                let mut got = vec![f32::NAN; nr * cols];
                gather_block(&mut got, &base, &g, &b, cols, r, &rows, &live, &mut Vec::new());
                set_isa(before);
                assert_eq!(got, want, "r {r} cols {cols} rows {nr} {isa:?}");
            }
        }
    }
}

fn isa_now_and_set(i: Isa) -> Isa {
    let before = isa();
    set_isa(i);
    before
}

#[test]
fn every_instruction_set_gives_bit_identical_results() {
    let (r, cols, k, m) = (41, 60, 3, 20);
    let b = data(r * cols, 4);
    let g = data(r * r, 5);
    let base = data(r * cols, 6);
    let live: Vec<u32> = (0..r as u32).collect();
    let run = || {
        let mut out = vec![0.0f32; 2 * cols];
        gather_rows(&mut out, &base, &g, &b, cols, r, &[3, 40], &live);
        let mut sums = vec![0.0f32; 2 * k];
        let ok = relu_sums(&out, k, m, &mut sums);
        let mut c = data(cols, 7);
        let mut delta = vec![0.0f32; cols];
        masked_update(&mut c, &out[..cols], &[0.5, -0.25, 0.125], m, &mut delta);
        (out, sums, ok, c, delta)
    };
    let before = isa();
    let want = {
        set_isa(Isa::Plain);
        run()
    };
    for i in [Isa::Avx2, Isa::Avx512] {
        set_isa(i);
        let got = run();
        assert_eq!(got.0, want.0, "{i:?} gather");
        assert_eq!(got.1, want.1, "{i:?} sums");
        assert_eq!(got.3, want.3, "{i:?} update");
        assert_eq!(got.4, want.4, "{i:?} delta");
    }
    set_isa(before);
    assert!(want.2);
}

#[test]
fn relu_sums_flag_non_finite_activations() {
    let mut z = data(2 * 30, 8);
    let mut out = vec![0.0; 2 * 3];
    assert!(relu_sums(&z, 3, 10, &mut out));
    for (p, o) in out.iter().enumerate() {
        let want: f32 = z[p * 10..(p + 1) * 10].iter().map(|v| v.max(0.0)).sum();
        assert!((o - want).abs() < 1e-5);
    }
    z[17] = f32::NAN;
    assert!(!relu_sums(&z, 3, 10, &mut out));
    z[17] = f32::NEG_INFINITY;
    assert!(!relu_sums(&z, 3, 10, &mut out));
}
