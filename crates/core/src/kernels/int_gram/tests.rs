use super::*;
use crate::linalg::Par;

#[test]
fn panel_products_are_exact() {
    let (n, dk) = (37, 29);
    let x: Vec<u8> = (0..n * dk).map(|i| ((i * 7919 + 13) % 256) as u8).collect();
    let p = pack(n, dk, Par::Threads(2), |i0, h, out| out.copy_from_slice(&x[i0 * dk..(i0 + h) * dk]));
    for (ib, h) in [(0usize, 7usize), (7, 13), (20, 17)] {
        let ie = ib + h;
        let nb = ie.div_ceil(NR);
        for par in [Par::Seq, Par::Threads(2)] {
            let mut out = vec![-1i32; nb * h * NR];
            panel(&p, ib, h, ie, &mut out, par);
            for i in 0..h {
                for j in 0..ie {
                    let want: i32 = (0..dk).map(|k| x[(ib + i) * dk + k] as i32 * x[j * dk + k] as i32).sum();
                    assert_eq!(out[(j / NR) * h * NR + i * NR + j % NR], want);
                }
            }
        }
    }
    // The portable kernel gives the same.
    let a: [&[u32]; MR] = std::array::from_fn(|r| &p.rows[r * p.kp..(r + 1) * p.kp]);
    let mut t1 = vec![0i32; MR * NR];
    let mut t2 = vec![0i32; MR * NR];
    kernel_scalar(&a, MR, p.kp, &p.blocks[..p.kp * NR], &mut t1);
    kernel(&p.rows, p.kp, 0, MR, 0, p.kp, &p.blocks[..p.kp * NR], &mut t2);
    assert_eq!(t1, t2);
}
