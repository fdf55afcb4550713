import { describe, expect, it } from 'vitest';
import { BenignfitError } from '../ts/index.node.js';
import { kernelInfo, measureBoundary, measureClock, measureGemm } from '../ts/perf.js';
import { BACKENDS, backend, maxRelDiff } from './helpers.js';

/** The fill of the core's GEMM benchmark buffers (crates/core/src/perf.rs), recomputed here. */
const fill = (i: number, salt: number) => ((i * 2654435761 + salt) % 1024) / 1024 - 0.5;

describe.each(BACKENDS)('machine measurements on %s', (name) => {
  it('the GEMM benchmark computes the product it times', async () => {
    const bf = await backend(name);
    for (const [dtype, m, n, k] of [
      ['f32', 3, 4, 5],
      ['f64', 3, 4, 5],
      ['f32block', 5, 4, 5],
    ] as const) {
      const g = bf.call((r) => new r.GemmBench(m, n, k, dtype, 1));
      // C[0,0] = sum_l A[0,l] B[l,0] with A = fill(., 1) (m x k) and B = fill(., 2) (k x n).
      let want = 0;
      for (let l = 0; l < k; l++) want += fill(l, 1) * fill(l * n, 2);
      expect(Math.abs(g.run(2) - want)).toBeLessThan(dtype === 'f64' ? 1e-12 : 1e-5);
      expect(g.flops()).toBe(2 * m * n * k);
      g.free?.();
      const r = measureGemm(bf, { m, n, k, dtype, threads: 1, minSeconds: 0.01 });
      expect(r.gflops).toBeGreaterThan(0);
      expect(Number.isFinite(r.gflops)).toBe(true);
      expect(r.reps).toBeGreaterThanOrEqual(3);
      expect(r.threads).toBe(1);
    }
  });

  it('the boundary probes carry every value across', async () => {
    const bf = await backend(name);
    const len = 5000;
    const x = Float32Array.from({ length: len }, (_, i) => (i * 7) % 1000);
    let sum = 0;
    for (const v of x) sum += v;
    expect(bf.call((r) => r.boundaryIn(x))).toBe(sum);
    const y = bf.call((r) => r.boundaryOut(len));
    expect(y).toBeInstanceOf(Float32Array);
    expect(y.length).toBe(len);
    for (let i = 0; i < len; i++) if (y[i] !== (i & 1023)) throw new Error(`value ${i}: ${y[i]}`);
    expect(bf.call((r) => r.boundaryMake(len))).toBe((len - 1) & 1023);
    const b = measureBoundary(bf, { bytes: 4096, minSeconds: 0.01 });
    for (const v of [b.inSeconds, b.outSeconds, b.makeSeconds, b.jsSeconds, b.jsAllocSeconds]) expect(v).toBeGreaterThan(0);
  });

  it('refuses bad sizes, naming the field', async () => {
    const bf = await backend(name);
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(BenignfitError);
        expect((e as BenignfitError).code).toBe('E_INVALID');
        return (e as BenignfitError).field;
      }
      throw new Error('no error');
    };
    expect(field(() => measureGemm(bf, { m: 0, n: 4, k: 4 }))).toBe('gemm.m');
    expect(field(() => measureGemm(bf, { m: 4, n: 4, k: 4, dtype: 'f16' as 'f32' }))).toBe('gemm.dtype');
    expect(field(() => measureGemm(bf, { m: 4, n: 4, k: 4, minSeconds: -1 }))).toBe('gemm.minSeconds');
    expect(field(() => measureGemm(bf, { m: 4, n: 4, k: 4, extra: 1 } as never))).toBe('gemm.extra');
    expect(field(() => measureBoundary(bf, { bytes: 6 }))).toBe('boundary.bytes');
    // The core checks again (a caller going around the typed API).
    expect(field(() => bf.call((r) => new r.GemmBench(0, 4, 4, 'f32', 1)))).toBe('m');
    expect(field(() => bf.call((r) => new r.GemmBench(4, 4, 5, 'f32block', 1)))).toBe('k');
  });

  it('says which instruction set the kernels use, and measures the clock where it can', async () => {
    const bf = await backend(name);
    const info = kernelInfo(bf);
    if (name === 'wasm') {
      expect(info.isa).toBe('simd128');
      expect(info.threads).toBe(1);
      expect(measureClock(bf, 0.01)).toBeNull();
    } else {
      expect(['avx512f', 'avx2', 'plain']).toContain(info.isa);
      expect(info.gemmAvx512).toBe(true);
      const ghz = measureClock(bf, 0.01);
      if (process.arch === 'x64') expect(ghz).toBeGreaterThan(0);
      else expect(ghz).toBeNull();
    }
  });
});

describe('the fast SGD path', () => {
  it('gives the same training on both backends (batch 1 and 3)', async () => {
    if (BACKENDS.length < 2) return;
    const [a, b] = await Promise.all(BACKENDS.map((n) => backend(n)));
    const data = { classes: 3, dim: 40, perClass: 20, testPerClass: 5, gamma: 4, featureNorm: 1.5, seed: 3 };
    for (const batchSize of [1, 3]) {
      const opts = { width: 6, lr: 0.2, epochs: 3, batchSize, init: { sigma0: 0.2 }, route: 'gram' as const, seed: 5 };
      const ra = await a.train(a.generate(data), opts);
      const rb = await b.train(b.generate(data), opts);
      expect(ra.summary.steps).toBe(3 * Math.ceil(60 / batchSize));
      // Same kernels and order of operations; only the setup products (G, Z0) round differently.
      expect(maxRelDiff(ra.weights, rb.weights, 1e-3)).toBeLessThan(1e-4);
      expect(maxRelDiff(ra.lossCurve, rb.lossCurve, 1e-3)).toBeLessThan(1e-4);
      const spe = Math.ceil(60 / batchSize);
      const mean = (v: Float64Array) => v.reduce((s, x) => s + x, 0) / v.length;
      expect(mean(ra.lossCurve.subarray(2 * spe))).toBeLessThan(mean(ra.lossCurve.subarray(0, spe)));
    }
  });
});

describe.each(BACKENDS)('measureSpeedup on %s', (name) => {
  it('times the same cells on each worker count, and refuses a bad list naming the field', async () => {
    const { measureSpeedup } = await import('../ts/sweep/speedup.js');
    const { InProcessExecutor } = await import('../ts/sweep/run.js');
    const bf = await backend(name);
    const config = {
      data: { classes: 2, dim: 40, perClass: 5, testPerClass: 5 },
      train: { width: 4, lr: 0.1, steps: 3 },
      sweep: { x: { param: 'data.gamma', values: [1, 10] }, seeds: 1 },
    };
    const points = await measureSpeedup(() => new InProcessExecutor(bf), config, [1, 1]);
    expect(points.map((p) => [p.workers, p.cells, p.failed])).toEqual([
      [1, 2, 0],
      [1, 2, 0],
    ]);
    expect(points[0].speedup).toBe(1);
    expect(points[1].speedup).toBeCloseTo(points[0].seconds / points[1].seconds, 12);
    for (const bad of [[], [0], [1.5], 'two']) {
      const e = await measureSpeedup(() => new InProcessExecutor(bf), config, bad as never).catch((x) => x);
      expect(e).toBeInstanceOf(BenignfitError);
      expect(e.field).toBe('workerCounts');
    }
  });
});
