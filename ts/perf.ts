/**
 * Measurements of the machine, for benchmarks: the GEMM throughput every "fraction of peak" refers
 * to (through the same gemm path the kernels use), the cost of moving arrays across the binding
 * boundary, and what the kernels run with. Synchronous: they block for about `minSeconds`.
 * Not part of the main entries: `import { measureGemm, kernelInfo } from 'benignfit/perf'` (the
 * package's `./perf` export; bench/groups use it).
 */
import type { Benignfit } from './api.js';
import { invalid } from './errors.js';

export interface GemmBenchInput {
  /** C = A B with A m x k and B k x n (row-major); each from 1 to 16384. */
  m: number;
  n: number;
  k: number;
  /** f32block: the f32 product through the training kernels' block gather (k = m, one thread). Default f32. */
  dtype?: 'f32' | 'f64' | 'f32block';
  /** 0 = all cores (native, the default), 1 = one. The wasm build always uses one. */
  threads?: number;
  /** Keep measuring for at least this long (best of three batches is reported); default 0.5 s. */
  minSeconds?: number;
}

export interface BoundaryBenchInput {
  /** Size of the array moved across the boundary, in bytes (a multiple of 4 from 4 to 2^30; default 4 MiB). */
  bytes?: number;
  /** Default 0.3 s. */
  minSeconds?: number;
}

// The arguments of these measurements (not a config section: they are the benchmarks' own knobs).
function int(field: string, v: unknown, lo: number, hi: number, multiple = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi || v % multiple !== 0) {
    throw invalid(field, v, multiple > 1 ? `a multiple of ${multiple} from ${lo} to ${hi}` : `an integer from ${lo} to ${hi}`);
  }
  return v;
}
function secs(field: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0 && v <= 600)) throw invalid(field, v, 'a number of seconds > 0 and <= 600');
  return v;
}
function only(prefix: string, o: object, keys: string[]): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k)) throw invalid(`${prefix}.${k}`, (o as Record<string, unknown>)[k], `no unknown keys (known: ${keys.join(', ')})`);
}
function gemmOptions(i: GemmBenchInput) {
  only('gemm', i ?? {}, ['m', 'n', 'k', 'dtype', 'threads', 'minSeconds']);
  const dtype = i.dtype ?? 'f32';
  if (!['f32', 'f64', 'f32block'].includes(dtype)) throw invalid('gemm.dtype', dtype, '"f32", "f64" or "f32block"');
  return {
    m: int('gemm.m', i.m, 1, 16384),
    n: int('gemm.n', i.n, 1, 16384),
    k: int('gemm.k', i.k, 1, 16384),
    dtype,
    threads: int('gemm.threads', i.threads ?? 0, 0, 1024),
    minSeconds: secs('gemm.minSeconds', i.minSeconds ?? 0.5),
  };
}
function boundaryOptions(i: BoundaryBenchInput) {
  only('boundary', i ?? {}, ['bytes', 'minSeconds']);
  return { bytes: int('boundary.bytes', i.bytes ?? 4 << 20, 4, 1 << 30, 4), minSeconds: secs('boundary.minSeconds', i.minSeconds ?? 0.3) };
}

export interface GemmMeasurement {
  m: number;
  n: number;
  k: number;
  dtype: 'f32' | 'f64' | 'f32block';
  /** Threads the product used. */
  threads: number;
  /** Seconds per product (best batch). */
  seconds: number;
  gflops: number;
  /** Products timed in all. */
  reps: number;
  backend: string;
}

/** Time `f(reps)` in batches of growing size until `minSeconds` is spent; best seconds per rep. */
export function timeBest(f: (reps: number) => void, minSeconds: number): { seconds: number; reps: number } {
  let reps = 1;
  let total = 0;
  let best = Infinity;
  let batches = 0;
  const t0 = performance.now();
  while (batches < 3 || (performance.now() - t0) / 1000 < minSeconds) {
    const a = performance.now();
    f(reps);
    const dt = (performance.now() - a) / 1000;
    total += reps;
    batches++;
    best = Math.min(best, dt / reps);
    if (dt < minSeconds / 8) reps = Math.min(reps * 2, 1 << 20);
  }
  return { seconds: best, reps: total };
}

/** GEMM throughput of this machine through the core's gemm path (the benchmarks' peak). */
export function measureGemm(bf: Benignfit, input: GemmBenchInput): GemmMeasurement {
  const o = gemmOptions(input);
  const g = bf.call((r) => new r.GemmBench(o.m, o.n, o.k, o.dtype, o.threads));
  try {
    g.run(1);
    const { seconds, reps } = timeBest((n) => g.run(n), o.minSeconds);
    return { m: o.m, n: o.n, k: o.k, dtype: o.dtype, threads: g.threads(), seconds, gflops: g.flops() / seconds / 1e9, reps, backend: bf.backend };
  } finally {
    g.free?.();
  }
}

export interface BoundaryMeasurement {
  bytes: number;
  /** Seconds to pass an array in and read it once in the core. */
  inSeconds: number;
  /** Seconds to get an array of that size out of the core (made there). */
  outSeconds: number;
  /** Seconds to make (and drop) the array in the core without returning it: outSeconds minus
   * this is the cost of the way out. */
  makeSeconds: number;
  /** A plain JS loop reading the array once (the cost of the reading alone, for reference). */
  jsSeconds: number;
  /** Allocating an array of that size in JS and touching each page (fresh memory, for reference). */
  jsAllocSeconds: number;
  backend: string;
}

/** The cost of moving one array across the JS/core boundary, each way, on its own. */
export function measureBoundary(bf: Benignfit, input: BoundaryBenchInput = {}): BoundaryMeasurement {
  const o = boundaryOptions(input);
  const len = o.bytes / 4;
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = i & 1023;
  let sink = 0;
  const inT = timeBest((n) => {
    for (let i = 0; i < n; i++) sink += bf.call((r) => r.boundaryIn(x));
  }, o.minSeconds);
  const outT = timeBest((n) => {
    for (let i = 0; i < n; i++) sink += bf.call((r) => r.boundaryOut(len))[len - 1];
  }, o.minSeconds);
  const makeT = timeBest((n) => {
    for (let i = 0; i < n; i++) sink += bf.call((r) => r.boundaryMake(len));
  }, o.minSeconds);
  const jsT = timeBest((n) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < len; j++) s += x[j];
      sink += s;
    }
  }, o.minSeconds);
  const allocT = timeBest((n) => {
    for (let i = 0; i < n; i++) {
      const a = new Float32Array(len);
      for (let j = 0; j < len; j += 1024) a[j] = j;
      sink += a[len - 1];
    }
  }, o.minSeconds);
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return {
    bytes: o.bytes,
    inSeconds: inT.seconds,
    outSeconds: outT.seconds,
    makeSeconds: makeT.seconds,
    jsSeconds: jsT.seconds,
    jsAllocSeconds: allocT.seconds,
    backend: bf.backend,
  };
}

/**
 * The clock the core runs at, in GHz, from a timed chain of dependent integer additions (one per
 * cycle), turbo included; null where it cannot be measured (wasm, non-x86).
 */
export function measureClock(bf: Benignfit, minSeconds = 0.2): number | null {
  const iters = 1 << 20;
  if (bf.call((r) => r.clockProbe(1)) === 0) return null;
  const { seconds } = timeBest((n) => {
    for (let i = 0; i < n; i++) bf.call((r) => r.clockProbe(iters));
  }, minSeconds);
  return (8 * iters) / seconds / 1e9;
}

/** What the kernels run with (the core's `KernelInfo`, generated). */
export type { KernelInfo } from './generated/config.js';
import type { KernelInfo } from './generated/config.js';

/** What the kernels of this backend run with. */
export function kernelInfo(bf: Benignfit): KernelInfo {
  return JSON.parse(bf.call((r) => r.kernelInfo())) as KernelInfo;
}
