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
mod tests;
