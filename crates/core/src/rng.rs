//! Platform-independent random streams.
//!
//! Every draw in benignfit comes from ChaCha8 (rand_chacha): a counter-based generator whose
//! output depends only on (key, stream, position), never on the platform, the SIMD width or the
//! number of threads. A [`Stream`] is keyed by the user's seed and selects its 64-bit ChaCha stream
//! from a (purpose, index) pair, so independent quantities (the orthogonal frame, the noise of
//! sample i, the initial weights, the SGD shuffles) never share draws and can be made in any order
//! or in parallel. Conversions to floats use only exact arithmetic and the `libm` crate (the same
//! code on native and wasm), so the same seed gives bit-identical draws on both backends.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a stream is used for. The numeric values are part of the data format: changing one
/// changes every dataset generated from a seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    Frame = 1,
    TrainLabels = 2,
    TestLabels = 3,
    TrainNoise = 4,
    TestNoise = 5,
    TrainPosition = 6,
    TestPosition = 7,
    Init = 8,
    Shuffle = 9,
    FreshNoise = 10,
    Misc = 11,
    /// Initial weights of the image classifiers (cnn.rs), one stream per layer.
    ClassifierInit = 12,
    /// The per-epoch order of the classifiers' mini-batches, one stream per epoch.
    ClassifierShuffle = 13,
    /// The random removal order of the §5.2 remove-and-retrain control.
    ClassifierRemoval = 14,
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub struct Stream {
    rng: ChaCha8Rng,
    spare: Option<f64>,
}

impl Stream {
    pub fn new(seed: u64, purpose: Purpose, index: u64) -> Self {
        let mut key = [0u8; 32];
        let mut s = seed;
        for chunk in key.chunks_mut(8) {
            s = splitmix64(s);
            chunk.copy_from_slice(&s.to_le_bytes());
        }
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(splitmix64((purpose as u64) << 40 ^ index));
        Stream { rng, spare: None }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// Uniform on [0, 1) with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [0, n) without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }

    /// Standard normal by the Marsaglia polar method (exact arithmetic + libm only).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let f = libm::sqrt(-2.0 * libm::log(s) / s);
                self.spare = Some(v * f);
                return u * f;
            }
        }
    }

    /// Uniform on (-sqrt 3, sqrt 3): variance 1.
    #[inline]
    pub fn uniform_unit_variance(&mut self) -> f64 {
        (2.0 * self.uniform() - 1.0) * libm::sqrt(3.0)
    }

    #[inline]
    pub fn rademacher(&mut self) -> f64 {
        if self.next_u64() >> 63 == 0 {
            -1.0
        } else {
            1.0
        }
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
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
}
