use super::*;

fn lcg(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        })
        .collect()
}

/// im2col and col2im are adjoint: <im2col(x), c> = <x, col2im(c)>, with padding.
#[test]
fn col2im_is_the_adjoint_of_im2col() {
    for &(cin, h, w, k, pad) in &[(2usize, 7usize, 6usize, 3usize, 1usize), (1, 5, 5, 5, 2), (3, 6, 9, 2, 0), (1, 3, 3, 5, 2)] {
        let (ho, wo) = (h + 2 * pad + 1 - k, w + 2 * pad + 1 - k);
        let g = ConvGeom { cin, cout: 1, k, pad, h, w, ho, wo };
        let bs = 3;
        let x = lcg(cin * bs * h * w, 1);
        let c = lcg(g.kdim() * bs * ho * wo, 2);
        let mut cols = vec![f32::NAN; c.len()];
        im2col(&g, bs, &x, &mut cols);
        let mut dx = vec![f32::NAN; x.len()];
        col2im(&g, bs, &c, &mut dx);
        let lhs: f64 = cols.iter().zip(&c).map(|(a, b)| *a as f64 * *b as f64).sum();
        let rhs: f64 = x.iter().zip(&dx).map(|(a, b)| *a as f64 * *b as f64).sum();
        assert!((lhs - rhs).abs() < 1e-4 * (1.0 + lhs.abs()), "{lhs} vs {rhs}");
        // And im2col against the definition, element by element.
        for ci in 0..cin {
            for ki in 0..k {
                for kj in 0..k {
                    for b in 0..bs {
                        for oy in 0..ho {
                            for ox in 0..wo {
                                let (iy, ix) = ((oy + ki) as isize - pad as isize, (ox + kj) as isize - pad as isize);
                                let want = if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                                    0.0
                                } else {
                                    x[(ci * bs + b) * h * w + iy as usize * w + ix as usize]
                                };
                                let r = (ci * k + ki) * k + kj;
                                assert_eq!(cols[r * bs * ho * wo + (b * ho + oy) * wo + ox], want);
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn maxpool_takes_the_first_maximum() {
    let x = [1.0, 3.0, 3.0, 0.0, /* row 2 */ 2.0, 3.0, 1.0, 3.0];
    let mut out = [0.0; 2];
    let mut arg = [0u32; 2];
    maxpool_forward(1, 2, 4, &x, &mut out, &mut arg);
    assert_eq!(out, [3.0, 3.0]);
    assert_eq!(arg, [1, 2]);
}
