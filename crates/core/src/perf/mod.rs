//! Measurements of the machine for the benchmark suite (`npm run bench`): GEMM throughput through
//! the same path the kernels use (the "peak" that every row's fraction refers to), and probes of
//! the cost of moving arrays across the binding boundary. Timing happens in the caller (wasm has
//! no clock here); these only do the work.

use schemars::JsonSchema;
use serde::Serialize;

use crate::error::{check_alloc, Error, Result, DEFAULT_MEMORY_LIMIT};
use crate::kernels;
use crate::linalg::{self, Par, View};

/// Largest side accepted by [`GemmBench`].
pub const GEMM_BENCH_MAX_SIDE: usize = 16384;

enum Bufs {
    F32 {
        a: Vec<f32>,
        b: Vec<f32>,
        c: Vec<f32>,
    },
    /// The same f32 product through the training kernels' block gather (for comparison).
    Block {
        a: Vec<f32>,
        b: Vec<f32>,
        c: Vec<f32>,
        base: Vec<f32>,
        rows: Vec<u32>,
        live: Vec<u32>,
        scratch: Vec<f32>,
    },
    F64 {
        a: Vec<f64>,
        b: Vec<f64>,
        c: Vec<f64>,
    },
}

/// `C = A B` (row-major m x k times k x n), repeated on buffers allocated once.
pub struct GemmBench {
    m: usize,
    n: usize,
    k: usize,
    par: Par,
    bufs: Bufs,
}

impl GemmBench {
    /// `dtype` is "f32", "f64", or "f32block" (f32 through [`kernels::gather_block`], one thread,
    /// needs k = m); `threads` 0 = all cores, 1 = one.
    pub fn new(m: usize, n: usize, k: usize, dtype: &str, threads: usize) -> Result<GemmBench> {
        for (field, v) in [("m", m), ("n", n), ("k", k)] {
            if v == 0 || v > GEMM_BENCH_MAX_SIDE {
                return Err(Error::invalid(field, v, format!("an integer from 1 to {GEMM_BENCH_MAX_SIDE}")));
            }
        }
        let width = match dtype {
            "f32" | "f32block" => 4,
            "f64" => 8,
            other => return Err(Error::invalid("dtype", format!("{other:?}"), "\"f32\", \"f64\" or \"f32block\"")),
        };
        if dtype == "f32block" && k != m {
            return Err(Error::invalid("k", k, format!("k = m = {m} for \"f32block\" (a square G times Coef^T)")));
        }
        check_alloc(&format!("GEMM benchmark buffers ({m} x {k}, {k} x {n}, {m} x {n})"), (m * k + k * n + m * n) as u128, width, DEFAULT_MEMORY_LIMIT)?;
        // Values in [-0.5, 0.5) so repeated products stay finite and denormal-free.
        let fill = |len: usize, salt: usize| (0..len).map(move |i| (((i * 2654435761 + salt) % 1024) as f64 / 1024.0) - 0.5);
        let bufs = if dtype == "f32block" {
            Bufs::Block {
                a: fill(m * k, 1).map(|v| v as f32).collect(),
                b: fill(k * n, 2).map(|v| v as f32).collect(),
                c: vec![0.0; m * n],
                base: vec![0.0; m * n],
                rows: (0..m as u32).collect(),
                live: (0..k as u32).collect(),
                scratch: Vec::new(),
            }
        } else if width == 4 {
            Bufs::F32 { a: fill(m * k, 1).map(|v| v as f32).collect(), b: fill(k * n, 2).map(|v| v as f32).collect(), c: vec![0.0; m * n] }
        } else {
            Bufs::F64 { a: fill(m * k, 1).collect(), b: fill(k * n, 2).collect(), c: vec![0.0; m * n] }
        };
        Ok(GemmBench { m, n, k, par: Par::from_threads(threads), bufs })
    }

    /// FLOPs of one product (2 m n k).
    pub fn flops(&self) -> f64 {
        2.0 * self.m as f64 * self.n as f64 * self.k as f64
    }

    /// Threads the product may use.
    pub fn threads(&self) -> usize {
        if let Bufs::Block { .. } = self.bufs {
            return 1;
        }
        match self.par {
            Par::Seq => 1,
            Par::Threads(t) => t,
        }
    }

    /// Run the product `reps` times; returns one element of C (so the work is observable).
    pub fn run(&mut self, reps: usize) -> f64 {
        let (m, n, k, par) = (self.m, self.n, self.k, self.par);
        match &mut self.bufs {
            Bufs::F32 { a, b, c } => {
                for _ in 0..reps {
                    linalg::gemm_f32(c, View::rm(m, n, n), 0.0, a, View::rm(m, k, k), b, View::rm(k, n, n), 1.0, par);
                }
                c[0] as f64
            }
            Bufs::Block { a, b, c, base, rows, live, scratch } => {
                for _ in 0..reps {
                    kernels::gather_block(c, base, a, b, n, k, rows, live, scratch);
                }
                c[0] as f64
            }
            Bufs::F64 { a, b, c } => {
                for _ in 0..reps {
                    linalg::gemm_f64(c, View::rm(m, n, n), 0.0, a, View::rm(m, k, k), b, View::rm(k, n, n), 1.0, par);
                }
                c[0]
            }
        }
    }
}

/// Boundary probe "in": a cheap function of every element (so an input copy, if any, is the cost).
pub fn checksum(x: &[f32]) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut it = x.chunks_exact(4);
    for c in it.by_ref() {
        for l in 0..4 {
            acc[l] += c[l] as f64;
        }
    }
    acc.iter().sum::<f64>() + it.remainder().iter().map(|&v| v as f64).sum::<f64>()
}

/// Boundary probe "out": an array of `len` values made in the core (so the output copy, if any,
/// is the cost).
pub fn filled(len: usize) -> Result<Vec<f32>> {
    check_alloc("boundary probe output", len as u128, 4, DEFAULT_MEMORY_LIMIT)?;
    Ok((0..len).map(|i| (i & 1023) as f32).collect())
}

/// Boundary probe reference: the same array made and dropped in the core, nothing crossing.
pub fn made(len: usize) -> Result<f64> {
    let v = filled(len)?;
    Ok(v.last().copied().unwrap_or(0.0) as f64)
}

/// Clock probe: a chain of `8 * iters` dependent integer additions (one per cycle on every x86
/// core of the last twenty years), so `8 * iters / seconds` is the clock the core runs at, turbo
/// included. Returns the number of additions (0 where there is no such probe: not x86-64).
pub fn clock_probe(iters: u64) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        let mut x: u64 = 0;
        let mut n = iters.max(1);
        // SAFETY: register-only arithmetic and a loop on `n`; no memory, no stack.
        unsafe {
            std::arch::asm!(
                "2:",
                "add {x}, 1",
                "add {x}, 1",
                "add {x}, 1",
                "add {x}, 1",
                "add {x}, 1",
                "add {x}, 1",
                "add {x}, 1",
                "add {x}, 1",
                "dec {n}",
                "jnz 2b",
                x = inout(reg) x,
                n = inout(reg) n,
                options(nomem, nostack),
            );
        }
        let _ = n;
        x
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = iters;
        0
    }
}

/// What the kernels run with on this build and machine.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KernelInfo {
    /// Instruction set of the training kernels (avx512f, avx2, plain, simd128).
    pub isa: &'static str,
    /// Whether the gemm crate was built with its AVX-512 kernels (used when the CPU has them).
    pub gemm_avx512: bool,
    /// Threads the kernels may use.
    pub threads: usize,
}

pub fn kernel_info() -> KernelInfo {
    KernelInfo {
        isa: kernels::isa().name(),
        gemm_avx512: cfg!(feature = "avx512"),
        threads: match Par::auto() {
            Par::Seq => 1,
            Par::Threads(t) => t,
        },
    }
}

#[cfg(test)]
mod tests;
