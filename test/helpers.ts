/**
 * Test helpers: the backends every backend-facing suite runs against (BENIGNFIT_TEST_BACKENDS,
 * default "native,wasm"), and small independent numerical routines (no benignfit code).
 */
import { load, type Benignfit, type BackendName } from '../ts/index.node.js';

export const BACKENDS: BackendName[] = (process.env.BENIGNFIT_TEST_BACKENDS ?? 'native,wasm')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean) as BackendName[];

const cache = new Map<string, Promise<Benignfit>>();
export function backend(name: BackendName): Promise<Benignfit> {
  if (!cache.has(name)) cache.set(name, load({ backend: name }));
  return cache.get(name)!;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>, ao = 0, bo = 0, n = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[ao + i] * b[bo + i];
  return s;
}

/** Eigenvalues of a symmetric n x n matrix (row-major) by cyclic Jacobi rotations. */
export function symEig(m: ArrayLike<number>, n: number): number[] {
  const a = Float64Array.from(m as ArrayLike<number>);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]).sort((x, y) => y - x);
}

/** Largest relative difference max |a - b| / max(|b|, floor). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
  return worst;
}

/** An IDX file: magic 0 0 `type` ndim, big-endian dimensions, then the data (type 0x08 = uint8). */
export function idx(type: number, shape: number[], data: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * shape.length);
  head[2] = type;
  head[3] = shape.length;
  shape.forEach((s, i) => new DataView(head.buffer).setUint32(4 + 4 * i, s, false));
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), independent of benignfit's streams. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded linear congruential generator in [0, 1) (independent of the core's streams). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** ||S||_F^2 of a set of rows, S = 1/(m-1) sum (x - mean)(x - mean)^T, recomputed from scratch in f64 (Gram identity). */
export function frobCov(rows: Float64Array[]): number {
  const m = rows.length;
  const d = rows[0].length;
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j] / m;
  const v = rows.map((r) => r.map((x, j) => x - mean[j]));
  let s = 0;
  for (let a = 0; a < m; a++)
    for (let b = 0; b < m; b++) {
      let g = 0;
      for (let j = 0; j < d; j++) g += v[a][j] * v[b][j];
      s += g * g;
    }
  return s / ((m - 1) * (m - 1));
}
