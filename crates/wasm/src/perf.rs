use benignfit_core::{api, perf};
use js_sys::Float32Array;
use wasm_bindgen::prelude::*;

use crate::err;

/// `C = A B` on buffers allocated once; JavaScript times `run` (the GEMM peak of the benchmarks).
#[wasm_bindgen]
pub struct GemmBench {
    inner: perf::GemmBench,
}

#[wasm_bindgen]
impl GemmBench {
    #[wasm_bindgen(constructor)]
    pub fn new(m: u32, n: u32, k: u32, dtype: &str, _threads: u32) -> Result<GemmBench, JsValue> {
        let inner = perf::GemmBench::new(m as usize, n as usize, k as usize, dtype, 1).map_err(err)?;
        Ok(GemmBench { inner })
    }

    /// Run the product `reps` times; returns one element of C.
    pub fn run(&mut self, reps: u32) -> f64 {
        self.inner.run(reps as usize)
    }

    pub fn flops(&self) -> f64 {
        self.inner.flops()
    }

    pub fn threads(&self) -> u32 {
        self.inner.threads() as u32
    }
}

/// Boundary probe: an array in (copied into wasm memory), a number out.
#[wasm_bindgen(js_name = boundaryIn)]
pub fn boundary_in(x: &[f32]) -> f64 {
    perf::checksum(x)
}

/// Boundary probe: a number in, an array of `len` values out (copied out of wasm memory).
#[wasm_bindgen(js_name = boundaryOut)]
pub fn boundary_out(len: u32) -> Result<Float32Array, JsValue> {
    perf::filled(len as usize).map(|v| Float32Array::from(&v[..])).map_err(err)
}

/// Boundary probe reference: the array made and dropped in the core, a number out.
#[wasm_bindgen(js_name = boundaryMake)]
pub fn boundary_make(len: u32) -> Result<f64, JsValue> {
    perf::made(len as usize).map_err(err)
}

/// No clock probe in wasm: returns 0.
#[wasm_bindgen(js_name = clockProbe)]
pub fn clock_probe(iters: u32) -> f64 {
    perf::clock_probe(iters as u64) as f64
}

/// What the kernels run with (JSON).
#[wasm_bindgen(js_name = kernelInfo)]
pub fn kernel_info() -> String {
    api::to_json(&perf::kernel_info())
}
