import { describe, expect, it } from 'vitest';
import { BenignfitError } from '../ts/index.node.js';
import { BACKENDS, backend, dot, maxRelDiff, symEig } from './helpers.js';

/** Noise patch of sample i (the patch that is not the feature). */
function noiseOf(x: Float32Array, pos: Uint8Array, i: number, d: number): Float32Array {
  return x.subarray(i * 2 * d + (1 - pos[i]) * d, i * 2 * d + (2 - pos[i]) * d);
}

describe.each(BACKENDS)('generate on %s', (name) => {
  it('puts u_y in the feature patch, noise orthogonal to every feature, positions uniform', async () => {
    const bf = await backend(name);
    const ds = bf.generate({ classes: 4, dim: 64, perClass: 300, testPerClass: 50, featureNorm: [0.5, 1, 2, 3], gamma: 7, seed: 3 });
    const d = ds.dim;
    expect(ds.nTrain).toBe(1200);
    expect(ds.nTest).toBe(200);
    const counts = [0, 0, 0, 0];
    let pos1 = 0;
    for (let i = 0; i < ds.nTrain; i++) {
      const y = ds.trainY[i];
      counts[y]++;
      pos1 += ds.trainPos[i];
      const feat = ds.trainX.subarray(i * 2 * d + ds.trainPos[i] * d, i * 2 * d + (ds.trainPos[i] + 1) * d);
      for (let j = 0; j < d; j++) expect(feat[j]).toBe(ds.features[y * d + j]);
      const xi = noiseOf(ds.trainX, ds.trainPos, i, d);
      const nx = Math.sqrt(dot(xi, xi));
      for (let k = 0; k < 4; k++) {
        const nu = Math.sqrt(dot(ds.features, ds.features, k * d, k * d, d));
        expect(Math.abs(dot(xi, ds.features, 0, k * d, d))).toBeLessThan(1e-5 * nx * nu);
      }
    }
    expect(counts).toEqual([300, 300, 300, 300]);
    // Binomial(1200, 1/2): 5 standard deviations is about 87.
    expect(Math.abs(pos1 - 600)).toBeLessThan(87);
    for (let k = 0; k < 4; k++) {
      expect(Math.sqrt(dot(ds.features, ds.features, k * d, k * d, d))).toBeCloseTo([0.5, 1, 2, 3][k], 5);
      for (let j = 0; j < k; j++) expect(Math.abs(dot(ds.features, ds.features, k * d, j * d, d))).toBeLessThan(1e-6);
    }
    expect(ds.model!.featureNorms.map((v) => +v.toFixed(6))).toEqual([0.5, 1, 2, 3]);
  });

  it('the §5.1 construction is exact: singular values 0.5 but one, zero on feature directions, Gamma hit', async () => {
    const bf = await backend(name);
    const K = 3;
    const d = 16;
    const gamma = 25;
    const ds = bf.generate({ classes: K, dim: d, perClass: 2, testPerClass: 0, gamma, seed: 11 }, { includeNoiseFactors: true });
    const A = ds.noiseFactors!;
    const lambda = ds.model!.lambda!;
    for (let k = 0; k < K; k++) {
      const a = A.subarray(k * d * d, (k + 1) * d * d);
      // Singular values of A_k: eigenvalues of A_k^T A_k, square-rooted.
      const ata = new Float64Array(d * d);
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) {
          let s = 0;
          for (let l = 0; l < d; l++) s += a[l * d + i] * a[l * d + j];
          ata[i * d + j] = s;
        }
      const sv = symEig(ata, d).map((v) => Math.sqrt(Math.max(v, 0)));
      const want = [lambda[k], ...Array(d - K - 1).fill(0.5), ...Array(K).fill(0)].sort((x, y) => y - x);
      sv.forEach((s, i) => expect(Math.abs(s - want[i])).toBeLessThan(1e-5));
      // u_j^T A_k = 0.
      for (let j = 0; j < K; j++)
        for (let c = 0; c < d; c++) {
          let s = 0;
          for (let r = 0; r < d; r++) s += ds.features[j * d + r] * a[r * d + c];
          expect(Math.abs(s)).toBeLessThan(1e-6);
        }
    }
    // ||A_k^T A_j||_F^2 from the dense factors against the exact description, and the ratio.
    const frob = (k: number, j: number) => {
      let s = 0;
      for (let r = 0; r < d; r++)
        for (let c = 0; c < d; c++) {
          let v = 0;
          for (let l = 0; l < d; l++) v += A[k * d * d + l * d + r] * A[j * d * d + l * d + c];
          s += v * v;
        }
      return s;
    };
    for (let k = 0; k < K; k++)
      for (let j = 0; j < K; j++) {
        expect(Math.abs(frob(k, j) - ds.model!.frobSq[k][j]) / ds.model!.frobSq[k][j]).toBeLessThan(1e-5);
        if (j !== k) expect(ds.model!.gamma[k][j]).toBeCloseTo(gamma, 8);
      }
  });

  it.each(['gaussian', 'uniform', 'rademacher'] as const)(
    'empirical noise covariance approaches A_k A_k^T (%s), and reaches the requested Gamma',
    async (noise) => {
      const bf = await backend(name);
      const K = 2;
      const d = 10;
      const n = 30000;
      const gamma = 4;
      const ds = bf.generate({ classes: K, dim: d, perClass: n, testPerClass: 0, gamma, noise, seed: 5 }, { includeNoiseFactors: true });
      const A = ds.noiseFactors!;
      const cov = [new Float64Array(d * d), new Float64Array(d * d)];
      for (let i = 0; i < ds.nTrain; i++) {
        const xi = noiseOf(ds.trainX, ds.trainPos, i, d);
        const c = cov[ds.trainY[i]];
        for (let r = 0; r < d; r++) for (let s = 0; s < d; s++) c[r * d + s] += xi[r] * xi[s];
      }
      for (let k = 0; k < K; k++) {
        cov[k].forEach((_, i) => (cov[k][i] /= n));
        for (let r = 0; r < d; r++)
          for (let s = 0; s < d; s++) {
            let want = 0;
            for (let l = 0; l < d; l++) want += A[k * d * d + r * d + l] * A[k * d * d + s * d + l];
            // Standard error of a covariance entry is about sqrt(2/n) * scale; scale <= lambda^2.
            expect(Math.abs(cov[k][r * d + s] - want)).toBeLessThan(6 * Math.sqrt(2 / n) * ds.model!.lambda![k] ** 2 + 1e-3);
          }
      }
      // tr(S_k S_j) estimates ||A_k^T A_j||_F^2: the empirical ratio approaches gamma.
      const tr = (a: Float64Array, b: Float64Array) => dot(a, b);
      const emp = tr(cov[0], cov[0]) / tr(cov[0], cov[1]);
      expect(Math.abs(emp - gamma) / gamma).toBeLessThan(0.05);
    },
  );

  it('same seed gives the same data; another seed other data', async () => {
    const bf = await backend(name);
    const a = bf.generate({ dim: 50, perClass: 20, seed: 9, gamma: 3 });
    const b = bf.generate({ dim: 50, perClass: 20, seed: 9, gamma: 3 });
    const c = bf.generate({ dim: 50, perClass: 20, seed: 10, gamma: 3 });
    expect(a.trainX).toEqual(b.trainX);
    expect(a.testY).toEqual(b.testY);
    expect(maxRelDiff(a.trainX, c.trainX)).toBeGreaterThan(0.1);
  });

  it('homogeneous model: Gamma = 1 and every noise eigenvalue 1', async () => {
    const bf = await backend(name);
    const ds = bf.generate({ classes: 2, dim: 12, perClass: 2, model: 'homogeneous', seed: 1 }, { includeNoiseFactors: true });
    expect(ds.model!.gamma[0][1]).toBeCloseTo(1, 12);
    expect(ds.model!.frobSq[0][0]).toBeCloseTo(10, 10);
  });

  it('spectra model: A_k has the given eigenvalues', async () => {
    const bf = await backend(name);
    const d = 9;
    const spectra = [
      [1, 1, 1, 1, 1, 1, 2],
      [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
    ];
    const ds = bf.generate({ classes: 2, dim: d, perClass: 3, model: { spectra }, seed: 2 }, { includeNoiseFactors: true });
    for (let k = 0; k < 2; k++) {
      const a = Float64Array.from(ds.noiseFactors!.subarray(k * d * d, (k + 1) * d * d));
      const ev = symEig(a, d);
      const want = [...spectra[k], 0, 0].sort((x, y) => y - x);
      ev.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5));
    }
  });

  it('explicit model: user A_k and features are used, and checked', async () => {
    const bf = await backend(name);
    const d = 6;
    const K = 2;
    const features = new Float32Array(K * d);
    features[0] = 2; // u_0 = 2 e_0
    features[d + 1] = 1; // u_1 = e_1
    const A = new Float32Array(K * d * d);
    for (let i = 2; i < d; i++) {
      A[i * d + i] = 0.5;
      A[d * d + i * d + i] = i === 2 ? 3 : 0.5;
    }
    const ds = bf.generate({ classes: K, dim: d, perClass: 50, model: 'explicit', seed: 4 }, { features, noiseFactors: A });
    for (let i = 0; i < ds.nTrain; i++) {
      const xi = noiseOf(ds.trainX, ds.trainPos, i, d);
      expect(xi[0]).toBe(0);
      expect(xi[1]).toBe(0);
    }
    expect(ds.model!.frobSq[1][1]).toBeCloseTo(3 * 0.5 ** 4 + 81, 4);
    const bad = A.slice();
    bad[0] = 1; // A_0 now maps along u_0
    expect(() => bf.generate({ classes: K, dim: d, perClass: 5, model: 'explicit' }, { features, noiseFactors: bad })).toThrow(/noiseFactors\[0\].*u_0\^T A_0/);
  });

  const badCases: [string, Record<string, unknown>, RegExp][] = [
    ['data.classes', { classes: 1 }, /data\.classes: got 1, expected an integer from 2 to 1000/],
    ['data.classes', { classes: 2.5 }, /data\.classes: got 2\.5/],
    ['data.dim', { dim: 6, classes: 5 }, /data\.dim: got 6, expected an integer >= 2 \* classes = 10/],
    ['data.perClass', { perClass: 0 }, /data\.perClass: got 0, expected an integer from 1 to 2\^32 - 1, or an array of integers from 1 to 2\^32 - 1/],
    ['data.perClass', { perClass: [1, 2] }, /data\.perClass: got \[1,2\], expected one entry per class \(classes = 5\)/],
    ['data.featureNorm', { featureNorm: -1 }, /data\.featureNorm: got -1, expected a finite number >= 0/],
    ['data.featureNorm', { featureNorm: Number.NaN }, /data\.featureNorm: got NaN/],
    ['data.gamma', { gamma: 0.5 }, /data\.gamma: got 0\.5, expected a finite number >= 1/],
    ['data.gamma', { gamma: Infinity }, /data\.gamma: got Infinity/],
    // Data that would not be finite in float32 are refused by the config field, not by trainX later.
    ['data.gamma', { gamma: 1e80 }, /data\.gamma: got 1e\+80, expected a ratio that keeps the data finite in float32/],
    ['data.noise', { noise: 'laplace' }, /data\.noise: got "laplace", expected one of "gaussian", "uniform", "rademacher"/],
    ['data.model', { model: 'weird' }, /data\.model: got "weird"/],
    ['data.seed', { seed: -1 }, /data\.seed: got -1/],
    ['data.lambda', { lambda: [1, 2, 3, 4, 5], gamma: 2 }, /data\.lambda: .*either lambda or gamma/],
    ['data.color', { color: 'red' }, /data\.color: got "red", expected no unknown keys/],
  ];
  it.each(badCases)('refuses bad %s with an error naming field, value and expectation', async (field, cfg, re) => {
    const bf = await backend(name);
    let err: unknown;
    try {
      bf.generate(cfg as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BenignfitError);
    expect((err as BenignfitError).code).toBe('E_INVALID');
    expect((err as BenignfitError).field).toBe(field);
    expect((err as Error).message).toMatch(re);
  });

  it('refuses a size that would not fit in memory, saying how much it needs', async () => {
    const bf = await backend(name);
    expect(() => bf.generate({ perClass: 50_000_000, dim: 1000 })).toThrow(/would need [\d.]+ TiB of memory/);
    // The refusal names the field that asked for the memory and the limit that would allow it.
    expect(() => bf.generate({ perClass: 50_000_000, dim: 1000 })).toThrow(
      expect.objectContaining({
        code: 'E_TOO_LARGE',
        field: 'data.perClass',
        message: expect.stringMatching(/^data\.perClass: .* \(lower data\.perClass, or raise data\.memoryLimit\)$/),
      }),
    );
    expect(() => bf.generate({ perClass: 1, testPerClass: 50_000_000, dim: 1000 })).toThrow(expect.objectContaining({ field: 'data.testPerClass' }));
  });
});

describe('native and wasm agree', () => {
  it.runIf(BACKENDS.includes('native') && BACKENDS.includes('wasm'))('the same seed gives the same dataset on both backends', async () => {
    const [n, w] = await Promise.all([backend('native'), backend('wasm')]);
    for (const cfg of [
      { seed: 42, gamma: 30, featureNorm: 0.3 },
      { seed: 7, classes: 3, dim: 200, noise: 'uniform' as const, perClass: [10, 50, 100] },
      { seed: 8, classes: 2, dim: 100, noise: 'rademacher' as const, model: 'homogeneous' as const },
    ]) {
      const a = n.generate(cfg);
      const b = w.generate(cfg);
      // Same draws, same arithmetic order: bit-identical.
      expect(Buffer.from(a.trainX.buffer).equals(Buffer.from(b.trainX.buffer))).toBe(true);
      expect(Buffer.from(a.testX.buffer).equals(Buffer.from(b.testX.buffer))).toBe(true);
      expect(a.trainY).toEqual(b.trainY);
      expect(a.trainPos).toEqual(b.trainPos);
      expect(a.model).toEqual(b.model);
    }
    // Spectra use GEMMs whose SIMD paths differ between targets: equal within 1e-6 relative.
    const spectra = [Array.from({ length: 28 }, (_, i) => 0.1 + i / 28), Array(28).fill(0.7)];
    const a = n.generate({ classes: 2, dim: 30, model: { spectra }, seed: 3 });
    const b = w.generate({ classes: 2, dim: 30, model: { spectra }, seed: 3 });
    expect(maxRelDiff(a.trainX, b.trainX, 1e-3)).toBeLessThan(1e-5);
  });

  it.runIf(BACKENDS.includes('native') && BACKENDS.includes('wasm'))('errors from the core carry the same code on both backends', async () => {
    const codes: string[] = [];
    for (const name of ['native', 'wasm'] as const) {
      const bf = await backend(name);
      try {
        bf.generate({ classes: 2, dim: 4, model: 'explicit' }, { features: new Float32Array(8).fill(1), noiseFactors: new Float32Array(32) });
      } catch (e) {
        codes.push(`${(e as BenignfitError).code}:${(e as BenignfitError).field}`);
      }
    }
    expect(codes).toEqual(['E_INVALID:features[1]', 'E_INVALID:features[1]']);
  });
});
