//! Helpers of every area: the thread policy [`Par`] (re-exported as `linalg::Par`), loops over the
//! rows of a buffer, in parallel where allowed, and dot products in f64. Results never depend on
//! the number of threads. Depends on nothing else in the crate.
//!
//! The two dot products sum in different orders, and each caller's bits depend on its order:
//! [`dot_serial_f64`] is one running sum (the data model, the theory, the Haar frames);
//! [`dot_lanes8_f64`] is eight interleaved partial sums (the influence scores, where one add
//! chain was the bottleneck). Do not swap one for the other.

/// How many threads a kernel may use. `Seq` on wasm and inside sweep workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Par {
    Seq,
    Threads(usize),
}

impl Par {
    /// All the machine's cores on native builds with the `parallel` feature; one thread otherwise.
    pub fn auto() -> Par {
        #[cfg(feature = "parallel")]
        {
            let n = rayon::current_num_threads();
            if n > 1 {
                Par::Threads(n)
            } else {
                Par::Seq
            }
        }
        #[cfg(not(feature = "parallel"))]
        {
            Par::Seq
        }
    }

    pub fn from_threads(threads: usize) -> Par {
        if threads == 0 {
            Par::auto()
        } else if threads == 1 {
            Par::Seq
        } else {
            Par::Threads(threads)
        }
    }

    pub fn gemm(self) -> gemm::Parallelism {
        match self {
            Par::Seq => gemm::Parallelism::None,
            #[cfg(feature = "parallel")]
            Par::Threads(n) => gemm::Parallelism::Rayon(n),
            #[cfg(not(feature = "parallel"))]
            Par::Threads(_) => gemm::Parallelism::None,
        }
    }

    pub fn faer(self) -> faer::Par {
        match self {
            Par::Seq => faer::Par::Seq,
            #[cfg(feature = "parallel")]
            Par::Threads(n) => faer::Par::rayon(n),
            #[cfg(not(feature = "parallel"))]
            Par::Threads(_) => faer::Par::Seq,
        }
    }
}

/// Run `f` over the rows of `buf` (row length `w`), in parallel where allowed. Results do not
/// depend on the number of threads: each row's arithmetic is independent.
pub fn par_rows<T: Send, F>(buf: &mut [T], w: usize, par: Par, f: F)
where
    F: Fn((usize, &mut [T])) + Sync + Send,
{
    if w == 0 {
        return;
    }
    #[cfg(feature = "parallel")]
    if let Par::Threads(_) = par {
        use rayon::prelude::*;
        buf.par_chunks_mut(w).enumerate().for_each(f);
        return;
    }
    let _ = par;
    buf.chunks_mut(w).enumerate().for_each(f);
}

/// Run `f(first_row, rows)` over chunks of `rows` rows (row length `w`) of `buf`, in parallel
/// where allowed. Each row's arithmetic is independent, so results do not depend on threads.
pub fn par_row_chunks<T: Send, F>(buf: &mut [T], w: usize, rows: usize, par: Par, f: F)
where
    F: Fn(usize, &mut [T]) + Sync + Send,
{
    if w == 0 || buf.is_empty() {
        return;
    }
    let step = w * rows.max(1);
    #[cfg(feature = "parallel")]
    if let Par::Threads(_) = par {
        use rayon::prelude::*;
        buf.par_chunks_mut(step).enumerate().for_each(|(c, chunk)| f(c * rows.max(1), chunk));
        return;
    }
    let _ = par;
    buf.chunks_mut(step).enumerate().for_each(|(c, chunk)| f(c * rows.max(1), chunk));
}

/// sum_i a_i b_i in f64 as one running sum, left to right.
pub fn dot_serial_f64(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// sum_i a_i b_i in f64, in eight interleaved partial sums added in a fixed order: the same
/// result on every machine and thread count, and not bound by the latency of one f64 add chain
/// (a single running sum cost about as much as the GEMM's share of the quadratic forms).
pub fn dot_lanes8_f64<T: Copy + Into<f64>>(a: &[T], b: &[T]) -> f64 {
    let f = |v: T| -> f64 { v.into() };
    let mut acc = [0.0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += f(x[l]) * f(y[l]);
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| f(*x) * f(*y)).sum();
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}
