use benignfit_core::{api, perf};
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use crate::guard;

/// `C = A B` on buffers allocated once; JavaScript times `run` (the GEMM peak of the benchmarks).
#[napi]
pub struct GemmBench {
    inner: perf::GemmBench,
}

#[napi]
impl GemmBench {
    #[napi(constructor)]
    pub fn new(env: Env, m: u32, n: u32, k: u32, dtype: String, threads: u32) -> napi::Result<Self> {
        let inner = guard(&env, || perf::GemmBench::new(m as usize, n as usize, k as usize, &dtype, threads as usize))?;
        Ok(GemmBench { inner })
    }

    /// Run the product `reps` times; returns one element of C.
    #[napi]
    pub fn run(&mut self, reps: u32) -> f64 {
        self.inner.run(reps as usize)
    }

    #[napi]
    pub fn flops(&self) -> f64 {
        self.inner.flops()
    }

    #[napi]
    pub fn threads(&self) -> u32 {
        self.inner.threads() as u32
    }
}

/// Boundary probe: an array in (borrowed, no copy), a number out.
#[napi]
pub fn boundary_in(x: Float32Array) -> f64 {
    perf::checksum(&x)
}

/// Boundary probe: a number in, an array of `len` values out (the Vec is handed over, no copy).
#[napi]
pub fn boundary_out(env: Env, len: u32) -> napi::Result<Float32Array> {
    guard(&env, || perf::filled(len as usize)).map(Float32Array::new)
}

/// Boundary probe reference: the array made and dropped in the core, a number out.
#[napi]
pub fn boundary_make(env: Env, len: u32) -> napi::Result<f64> {
    guard(&env, || perf::made(len as usize))
}

/// `8 * iters` dependent additions (JavaScript times it: the clock of the core). Returns how many.
#[napi]
pub fn clock_probe(iters: u32) -> f64 {
    perf::clock_probe(iters as u64) as f64
}

/// What the kernels run with (JSON).
#[napi]
pub fn kernel_info() -> String {
    api::to_json(&perf::kernel_info())
}
