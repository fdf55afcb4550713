/**
 * Theorem 1, Condition 1 and the lemmas on both backends, against independent computations:
 * hand-computed cases, plain TypeScript re-computations from the dense factors, brute force.
 */
import { describe, expect, it } from 'vitest';
import { BenignfitError, type Benignfit, type Dataset, type TheoryResult } from '../ts/index.node.js';
import { BACKENDS, backend, dot, symEig, rng } from './helpers.js';

/** A standard Gaussian draw from two uniforms (Box-Muller). */
function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Dense A_k^T A_j (d x d) from the K x d x d factors. */
function ata(A: ArrayLike<number>, d: number, k: number, j: number): Float64Array {
  const p = new Float64Array(d * d);
  for (let r = 0; r < d; r++)
    for (let c = 0; c < d; c++) {
      let s = 0;
      for (let l = 0; l < d; l++) s += A[k * d * d + l * d + r] * A[j * d * d + l * d + c];
      p[r * d + c] = s;
    }
  return p;
}
/** Largest singular value of a square matrix: sqrt of the top eigenvalue of P^T P (Jacobi). */
function opNorm(p: Float64Array, d: number): number {
  const ptp = new Float64Array(d * d);
  for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) for (let l = 0; l < d; l++) ptp[r * d + c] += p[l * d + r] * p[l * d + c];
  return Math.sqrt(Math.max(0, symEig(ptp, d)[0]));
}
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

/** The hand-made explicit model: u_0 = e_0, u_1 = 2 e_1, A_0 = diag(0,0,1,2,0,3), A_1 = diag(0,0,2,1,1,0). */
function handModel(): { features: Float32Array; noiseFactors: Float32Array } {
  const d = 6;
  const features = new Float32Array(2 * d);
  features[0] = 1;
  features[d + 1] = 2;
  const noiseFactors = new Float32Array(2 * d * d);
  [0, 0, 1, 2, 0, 3].forEach((v, i) => (noiseFactors[i * d + i] = v));
  [0, 0, 2, 1, 1, 0].forEach((v, i) => (noiseFactors[d * d + i * d + i] = v));
  return { features, noiseFactors };
}

describe.each(BACKENDS)('theory on %s', (name) => {
  it('a small case computed by hand: norms, ranks, SNR, Gamma, bounds, phases', async () => {
    const bf = await backend(name);
    const r = bf.theory({ classes: 2, dim: 6, perClass: [10, 20], model: 'explicit' }, handModel());
    // Tr: 1 + 4 + 9 = 14, 4 + 1 + 1 = 6. A_0^T A_1 = diag(0,0,2,2,0,0): ||.||_F^2 = 8, op 2.
    expect(r.numerics.method).toBe('numeric');
    expect(r.trace[0]).toBeCloseTo(14, 10);
    expect(r.trace[1]).toBeCloseTo(6, 10);
    expect(r.frobSq[0][1]).toBeCloseTo(8, 10);
    expect(r.frobSq[0][0]).toBeCloseTo(98, 10);
    expect(r.frobSq[1][1]).toBeCloseTo(18, 10);
    expect(r.opNorm[0][1]).toBeCloseTo(2, 8);
    expect(r.opNorm[0][0]).toBeCloseTo(9, 8);
    expect(r.rank).toEqual([3, 3]);
    expect(r.lambdaMaxPlus[0]).toBeCloseTo(3, 10);
    expect(r.lambdaMinPlus[0]).toBeCloseTo(1, 10);
    expect(r.lambdaMaxPlus[1]).toBeCloseTo(2, 10);
    // SNR_0 = 10^2 * 1 / (20 * 8) = 0.625, SNR_1 = 20^2 * 16 / (10 * 8) = 80.
    expect(r.snr[0]).toBeCloseTo(0.625, 10);
    expect(r.snr[1]).toBeCloseTo(80, 8);
    // Gamma_01 = 10 * 98 / (20 * 8) = 6.125, Gamma_10 = 20 * 18 / (10 * 8) = 4.5.
    expect(r.gammaRatio[0][1]).toBeCloseTo(6.125, 10);
    expect(r.gammaRatio[1][0]).toBeCloseTo(4.5, 10);
    expect(r.gammaRatio[0][0]).toBeNull();
    // Defaults C1 = C2 = 2: class 0 only through noise, class 1 through its feature.
    expect(r.phase).toEqual(['benign-implicit', 'benign-explicit']);
    expect(r.bounds.explicit[1].bound).toBeCloseTo(Math.exp(-80), 40);
    const l2 = r.ls.indexOf(2);
    expect(r.bounds.implicit[0].perL[l2].bound).toBeCloseTo(Math.exp(-4 * 6.125), 15);
    // Condition 1(a) first item at its worst pair, recomputed: n = 30, delta = 0.05.
    const a1 = r.conditions.find((c) => c.id === 'a1')!;
    const rhs = (i: number, j: number) => 30 * Math.sqrt(r.frobSq[i][j]) * Math.log((30 * 30) / 0.05);
    const margins = [0, 1].flatMap((i) => [0, 1].map((j) => r.trace[i] / rhs(i, j)));
    expect(a1.margin!).toBeCloseTo(Math.min(...margins), 10);
    expect(a1.holds).toBe(false);
    // Theorem 1's T without logs: n max Tr / (eta eps) dominates here.
    expect(r.iterations.value).toBeCloseTo((30 * 14) / (0.05 * 0.01), 4);
  });

  it('closed forms of the §5.1 construction equal the numerical route on its dense factors, field by field', async () => {
    const bf = await backend(name);
    const cfg = { classes: 3, dim: 48, perClass: [30, 60, 90], featureNorm: [0.5, 1, 2], lambda: [0.9, 2, 0.3], seed: 3 };
    const ds = bf.generate(cfg, { includeNoiseFactors: true });
    const closed = bf.theory(cfg);
    const numeric64 = bf.theory(cfg, { method: 'numeric' });
    const explicit = bf.theory({ ...cfg, lambda: undefined, model: 'explicit' }, { features: ds.features, noiseFactors: ds.noiseFactors });
    expect(closed.numerics.method).toBe('closed-form');
    expect(numeric64.numerics.method).toBe('numeric');
    expect(explicit.numerics.method).toBe('numeric');
    for (const [other, tol] of [
      [numeric64, 1e-9],
      [explicit, 2e-6], // the factors crossed as float32
    ] as [TheoryResult, number][]) {
      for (const f of ['trace', 'lambdaMaxPlus', 'lambdaMinPlus', 'featureNorms'] as const) {
        closed[f].forEach((v, k) => expect(rel(other[f][k], v)).toBeLessThan(tol));
      }
      expect(other.rank).toEqual(closed.rank);
      for (let k = 0; k < 3; k++) {
        expect(rel(other.snr[k]!, closed.snr[k]!)).toBeLessThan(tol * 4);
        for (let j = 0; j < 3; j++) {
          expect(rel(other.frobSq[k][j], closed.frobSq[k][j])).toBeLessThan(tol * 2);
          expect(rel(other.opNorm[k][j], closed.opNorm[k][j])).toBeLessThan(tol * 2);
          if (j !== k) expect(rel(other.gammaRatio[k][j]!, closed.gammaRatio[k][j]!)).toBeLessThan(tol * 4);
        }
      }
      expect(other.phase).toEqual(closed.phase);
      other.conditions.forEach((c, i) => {
        expect(c.id).toBe(closed.conditions[i].id);
        expect(c.holds).toBe(closed.conditions[i].holds);
      });
    }
    // And both against a plain TypeScript computation from the dense factors.
    const d = 48;
    const A = ds.noiseFactors!;
    for (let k = 0; k < 3; k++)
      for (let j = 0; j < 3; j++) {
        const p = ata(A, d, k, j);
        expect(rel(closed.frobSq[k][j], dot(p, p))).toBeLessThan(1e-5);
        expect(rel(closed.opNorm[k][j], opNorm(p, d))).toBeLessThan(1e-5);
      }
  });

  it('Remark 5: the homogeneous model gives Gamma = 1 and SNR_k = n ||u||^4 / (K (d - K)) (Kou et al.)', async () => {
    const bf = await backend(name);
    for (const [K, d, s, u] of [
      [2, 60, 40, 1.1],
      [3, 90, 25, 0.6],
      [2, 60, 200, 1.3],
    ]) {
      const r = bf.theory({ classes: K, dim: d, perClass: s, featureNorm: u, model: 'homogeneous' });
      const n = K * s;
      const want = (n * u ** 4) / (K * (d - K));
      for (let k = 0; k < K; k++) {
        expect(rel(r.snr[k]!, want)).toBeLessThan(1e-10);
        expect(r.trace[k]).toBeCloseTo(d - K, 8);
        for (let j = 0; j < K; j++) if (j !== k) expect(r.gammaRatio[k][j]).toBeCloseTo(1, 12);
        // Kou et al.'s transition: benign iff n ||u||^4 >= C1 K (d - K); harmful iff <= C3 K (d - K).
        expect(r.phase[k]).toBe(want >= 2 ? 'benign-explicit' : want <= 1 ? 'harmful' : 'uncharacterized');
      }
    }
  });

  it('phase boundaries move the right way: class sizes, feature norms, Gamma ("increasing majority hurts minority")', async () => {
    const bf = await backend(name);
    const base = { classes: 3, dim: 120, perClass: [50, 50, 50], featureNorm: 0.5, gamma: 6, seed: 1 };
    const r0 = bf.theory(base);
    const more = bf.theory({ ...base, perClass: [50, 400, 50] });
    for (const k of [0, 2]) {
      expect(more.snr[k]!).toBeLessThan(r0.snr[k]!);
      expect(more.gammaRatio[k][1]!).toBeLessThan(r0.gammaRatio[k][1]!);
      more.bounds.implicit[k].perL.forEach((b, i) => expect(b.bound).toBeGreaterThan(r0.bounds.implicit[k].perL[i].bound));
    }
    // Gamma 6 -> min_j Gamma_kj = 6 * 50 / 400 = 0.75 < C2: the minority loses the implicit regime.
    expect(r0.phase[0]).toBe('benign-implicit');
    expect(more.phase[0]).toBe('harmful');
    // Stronger features raise SNR (by u^4) and reach the explicit regime.
    const strong = bf.theory({ ...base, featureNorm: 2 });
    expect(rel(strong.snr[0]! / r0.snr[0]!, (2 / 0.5) ** 4)).toBeLessThan(1e-10);
    expect(strong.phase).toEqual(['benign-explicit', 'benign-explicit', 'benign-explicit']);
    // Larger Gamma lowers the 2(b) bound; Gamma = 1 with weak features is harmful.
    const g = [1, 2, 10, 100].map((gamma) => bf.theory({ ...base, featureNorm: 0.1, gamma }));
    for (let i = 1; i < g.length; i++) expect(g[i].bounds.implicit[0].perL[1].bound).toBeLessThan(g[i - 1].bounds.implicit[0].perL[1].bound);
    expect(g[0].phase[0]).toBe('harmful');
    expect(g[3].phase[0]).toBe('benign-implicit');
  });

  it('Condition 1 items: every id, margins consistent with both sides, constants are parameters', async () => {
    const bf = await backend(name);
    const r = bf.theory({ dim: 200, perClass: 40, gamma: 3 });
    expect(r.conditions.map((c) => c.id)).toEqual(['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3', 'b4', 'b5', 'c1', 'c2', 'c3']);
    for (const c of r.conditions) {
      if (c.lhs === null || c.rhs === null || c.margin === null) continue;
      const m = c.sense === '>=' ? c.lhs / c.rhs : c.rhs / c.lhs;
      expect(rel(c.margin, m)).toBeLessThan(1e-12);
      expect(c.holds).toBe(c.margin >= 1);
    }
    // b2: n >= C log(m/delta) with n = 200, m = 100: rhs scales with C.
    const b2 = (x: TheoryResult) => x.conditions.find((c) => c.id === 'b2')!;
    const r3 = bf.theory({ dim: 200, perClass: 40, gamma: 3 }, { constants: { C: 3, delta: 0.01 } });
    expect(b2(r).rhs!).toBeCloseTo(Math.log(100 / 0.05), 10);
    expect(b2(r3).rhs!).toBeCloseTo(3 * Math.log(100 / 0.01), 10);
    expect(r3.constants).toMatchObject({ C: 3, delta: 0.01, C1: 2, C2: 2, C3: 1, c1: 1, c2: 1, c3: 0.1, Cprime: 1 });
    // sigma0 of PyTorch's init, and a Gaussian init.
    expect(r.sigma0).toBeCloseTo(1 / Math.sqrt(600), 12);
    expect(bf.theory({ dim: 200 }, { init: { sigma0: 0.02 } }).sigma0).toBe(0.02);
  });

  it('refuses bad options with the field, on this backend as on the other', async () => {
    const bf = await backend(name);
    const cases: [string, () => unknown, RegExp][] = [
      ['theory.constants.C3', () => bf.theory({}, { constants: { C3: 5 } }), /C3: got 5, expected a number <= min\(C1, C2\) = 2/],
      ['theory.constants.C9', () => bf.theory({}, { constants: { C9: 1 } as never }), /no unknown keys/],
      ['theory.ls[1]', () => bf.theory({}, { ls: [1, -1] }), /theory\.ls\[1\]: got -1/],
      ['theory.method', () => bf.theory({ classes: 2, dim: 6, model: 'explicit' }, { ...handModel(), method: 'closed' }), /"auto" or "numeric"/],
      ['data.model', () => bf.theory({ model: 'explicit' }), /features .* noiseFactors/],
      ['theory.width', () => bf.theory({}, { width: 0 }), /theory\.width: got 0/],
    ];
    for (const [field, f, re] of cases) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err, field).toBeInstanceOf(BenignfitError);
      expect((err as BenignfitError).code).toBe('E_INVALID');
      expect((err as BenignfitError).field).toBe(field);
      expect((err as Error).message).toMatch(re);
    }
  });

  it('theoryAsync reports progress unit by unit and honours an AbortSignal', async () => {
    const bf = await backend(name);
    const cfg = { classes: 3, dim: 40, perClass: 20, gamma: 4, seed: 2 };
    const ds = bf.generate(cfg, { includeNoiseFactors: true });
    const arrays = { features: ds.features, noiseFactors: ds.noiseFactors };
    const seen: number[] = [];
    const r = await bf.theoryAsync({ ...cfg, model: 'explicit', gamma: undefined }, null, { ...arrays, onProgress: (p) => seen.push(p.done) });
    // 3 SVDs + 3 Gram matrices + 3 pairs + the report.
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const sync = bf.theory({ ...cfg, model: 'explicit', gamma: undefined }, arrays);
    expect(r.frobSq).toEqual(sync.frobSq);
    expect(r.opNorm).toEqual(sync.opNorm);
    const ac = new AbortController();
    const p = bf.theoryAsync({ ...cfg, model: 'explicit', gamma: undefined }, null, {
      ...arrays,
      signal: ac.signal,
      onProgress: (q) => q.done === 2 && ac.abort(),
    });
    await expect(p).rejects.toMatchObject({ code: 'E_ABORTED' });
  });
});

/** A hand-made "trained run" with small seeded weights, plus brute-force references. */
function makeRun(bf: Benignfit) {
  const cfg = { classes: 2, dim: 16, perClass: [6, 4], testPerClass: 60, gamma: 20, featureNorm: 0.3, seed: 4 };
  const ds = bf.generate(cfg, { includeNoiseFactors: true });
  const m = 5;
  const d = 16;
  const r = rng(11);
  const weightsInit = Float32Array.from({ length: 2 * m * d }, () => 0.2 * gaussian(r));
  const weights = weightsInit.slice();
  // Class k's neurons move along their class's training noise, as GD makes them.
  for (let i = 0; i < ds.nTrain; i++) {
    const c = ds.trainY[i];
    const off = i * 2 * d + (1 - ds.trainPos[i]) * d;
    for (let q = 0; q < m; q++) for (let j = 0; j < d; j++) weights[(c * m + q) * d + j] += 0.5 * (0.5 + r()) * ds.trainX[off + j];
  }
  const logitSums = Float64Array.from({ length: ds.nTrain }, (_, i) => 3 + i * 0.25);
  const kappa = Float64Array.from([1, 1.8, 2.6, 2.2]);
  return {
    cfg,
    ds,
    m,
    d,
    run: {
      weights,
      weightsInit,
      trainX: ds.trainX,
      trainY: ds.trainY,
      trainPos: ds.trainPos,
      logitSums,
      kappa,
      testX: ds.testX,
      testY: ds.testY,
      testPos: ds.testPos,
    },
  };
}

/** F_k(W, x) of eq. 1 for sample i of an n x 2 x d array. */
function forward(w: Float32Array, K: number, m: number, d: number, x: Float32Array, i: number): number[] {
  const f = new Array(K).fill(0);
  for (let k = 0; k < K; k++) for (let q = 0; q < m; q++) for (let p = 0; p < 2; p++) f[k] += Math.max(0, dot(w, x, (k * m + q) * d, i * 2 * d + p * d, d)) / m;
  return f;
}
function argmax(v: number[]): number {
  return v.reduce((b, x, i) => (x > v[b] ? i : b), 0);
}

describe.each(BACKENDS)('lemmas on %s', (name) => {
  it('Lemmas 3, 5, 7, b(S_k) and the long-tailed errors against brute force', async () => {
    const bf = await backend(name);
    const { cfg, ds, m, d, run } = makeRun(bf);
    const res = bf.theoryLemmas(cfg, run, { width: m, steps: 50, freshSamples: 300, ls: [0.25, 0.5, 1] });
    const L = res.lemmas!;
    const A = ds.noiseFactors!;
    const K = 2;
    const y = ds.trainY;
    // b(S_k) of eq. 8.
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let i = 0; i < ds.nTrain; i++) if (y[i] === k) s += run.logitSums[i] ** 2;
      expect(L.b![k]).toBeCloseTo(Math.sqrt(s), 10);
    }
    // Lemma 3: singular values of W_k A_k = sqrt(eig((W A)(W A)^T)).
    for (let k = 0; k < K; k++) {
      const B = new Float64Array(m * d);
      for (let q = 0; q < m; q++)
        for (let c = 0; c < d; c++) for (let l = 0; l < d; l++) B[q * d + c] += run.weights[(k * m + q) * d + l] * A[k * d * d + l * d + c];
      const H = new Float64Array(m * m);
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) H[a * m + b] = dot(B, B, a * d, b * d, d);
      const sv = symEig(H, m).map((v) => Math.sqrt(Math.max(v, 0)));
      sv.forEach((s, i) => expect(Math.abs(L.lemma3[k].singularValues[i] - s)).toBeLessThan(1e-4 * sv[0]));
      expect(L.lemma3[k].rank).toBe(m);
      expect(L.lemma3[k].items[0].holds).toBe(true); // rank 5 >= 0.9 * 5
      expect(L.lemma3[k].items[1].rhs).toBeCloseTo(Math.sqrt(m) * Math.log(50), 10);
    }
    // Lemma 5: own-class vs other-class training noise through class j's neurons.
    for (let j = 0; j < K; j++) {
      let ownMin = Infinity;
      let otherMax = 0;
      for (let i = 0; i < ds.nTrain; i++) {
        let s = 0;
        for (let q = 0; q < m; q++) s += Math.max(0, dot(run.weights, ds.trainX, (j * m + q) * d, i * 2 * d + (1 - ds.trainPos[i]) * d, d));
        if (y[i] === j) ownMin = Math.min(ownMin, s);
        else otherMax = Math.max(otherMax, s);
      }
      expect(L.lemma5[j].ownMin).toBeCloseTo(ownMin, 4);
      expect(L.lemma5[j].otherMax).toBeCloseTo(otherMax, 4);
    }
    // Lemma 7: the trajectory's max, and kappa at the end from the training data.
    expect(L.lemma7.max).toBe(2.6);
    const g = Array.from({ length: ds.nTrain }, (_, i) => {
      const f = forward(run.weights, K, m, d, ds.trainX, i);
      const z = f.reduce((s, v) => s + Math.exp(v), 0);
      return 1 - Math.exp(f[y[i]]) / z;
    });
    expect(rel(L.lemma7.finalKappa!, Math.max(...g) / Math.min(...g))).toBeLessThan(1e-5);
    // Long-tailed test samples (Definition 1) by brute force with the dense A_y.
    const lt = L.longTailed!;
    [0.25, 0.5, 1].forEach((Lv, li) => {
      let count = 0;
      let wrong = 0;
      for (let i = 0; i < ds.nTest; i++) {
        const c = ds.testY[i];
        const off = i * 2 * d + (1 - ds.testPos[i]) * d;
        const v = new Float64Array(d);
        let inner = 0;
        let any = false;
        for (let q = 0; q < m; q++) {
          const s = dot(run.weights, ds.testX, (c * m + q) * d, off, d);
          if (s > 0) {
            any = true;
            inner += s;
            for (let j = 0; j < d; j++) v[j] += run.weights[(c * m + q) * d + j];
          }
        }
        let nrm = 0;
        for (let col = 0; col < d; col++) {
          let s = 0;
          for (let row = 0; row < d; row++) s += A[c * d * d + row * d + col] * v[row];
          nrm += s * s;
        }
        if (!any || inner < Lv * Math.sqrt(nrm)) continue;
        count++;
        if (argmax(forward(run.weights, K, m, d, ds.testX, i)) !== c) wrong++;
      }
      expect(lt[li].count).toBe(count);
      if (count) expect(lt[li].error!).toBeCloseTo(wrong / count, 12);
      else expect(lt[li].error).toBeNull();
      lt[li].perClass.forEach((p, k) => expect(p.bound).toBeCloseTo(res.bounds.implicit[k].perL[li].bound, 14));
    });
    expect(lt[0].count).toBeGreaterThan(0);
    // The standalone long-tailed function gives the same subsets.
    const direct = bf.longTailed(cfg, run.weights, m, { x: ds.testX, y: ds.testY, pos: ds.testPos }, [0.25, 0.5, 1]);
    direct.forEach((l, i) => expect(l.count).toBe(lt[i].count));
    // Lemma 4: fresh draws; the threshold is 0.1 m; counts lie in [0, m].
    for (const l4 of L.lemma4) {
      expect(l4.draws).toBe(300);
      expect(l4.threshold).toBeCloseTo(0.5, 12);
      expect(l4.meanActive).toBeGreaterThan(0);
      expect(l4.meanActive).toBeLessThanOrEqual(m);
    }
    // sigma0 measured from W^(0) (0.2 by construction, 160 entries).
    expect(Math.abs(L.sigma0Measured! - 0.2)).toBeLessThan(0.05);
  });

  it('theoryAsync with a run gives the same lemmas as theoryLemmas', async () => {
    const bf = await backend(name);
    const { cfg, run, m } = makeRun(bf);
    const opts = { width: m, steps: 20, freshSamples: 100 };
    const sync = bf.theoryLemmas(cfg, run, opts);
    const seen: number[] = [];
    const minimal = { weights: run.weights, trainX: run.trainX, trainY: run.trainY, trainPos: run.trainPos };
    const asyncFull = await bf.theoryAsync(cfg, run, { ...opts, onProgress: (p) => seen.push(p.total) });
    expect(seen).toEqual([1]); // closed forms: one unit
    expect(asyncFull.lemmas).toEqual(sync.lemmas);
    const asyncMin = await bf.theoryAsync(cfg, minimal, opts);
    expect(asyncMin.lemmas!.b).toBeNull();
    expect(asyncMin.lemmas!.longTailed).toBeNull();
    expect(asyncMin.lemmas!.lemma3).toEqual(sync.lemmas!.lemma3);
  });

  it('theoryLemmas with optional run arrays left out (absent or null) works, as on the other backend', async () => {
    // Native once refused these ("Failed to create reference from TypedArray on RawRun.weightsInit").
    const bf = await backend(name);
    const { cfg, run, m } = makeRun(bf);
    const minimal = { weights: run.weights, trainX: run.trainX, trainY: run.trainY, trainPos: run.trainPos };
    const opts = { width: m, steps: 20, freshSamples: 100 };
    const a = bf.theoryLemmas(cfg, minimal, opts);
    const b = bf.theoryLemmas(cfg, { ...minimal, weightsInit: null, logitSums: null, kappa: null, testX: null, testY: null, testPos: null }, opts);
    expect(b.lemmas).toEqual(a.lemmas);
    expect(a.lemmas!.b).toBeNull();
    expect(a.lemmas!.sigma0Measured).toBeNull();
    expect(a.lemmas!.lemma3).toEqual(bf.theoryLemmas(cfg, run, opts).lemmas!.lemma3);
  });

  it('a lemma measurement too large for theory.memoryLimit names the field that asked for it', async () => {
    const bf = await backend(name);
    const { cfg, run, m } = makeRun(bf);
    expect(() => bf.theoryLemmas(cfg, run, { width: m, freshSamples: 1_000_000, memoryLimit: 1e6 })).toThrow(
      expect.objectContaining({
        code: 'E_TOO_LARGE',
        field: 'theory.freshSamples',
        message: expect.stringMatching(/^theory\.freshSamples: the lemma measurements .*\(lower theory\.freshSamples, or raise theory\.memoryLimit\)$/),
      }),
    );
    // The numerical route's dense factors are sized by data.dim, under the data section's limit.
    expect(() => bf.theory({ ...cfg, dim: 400, memoryLimit: 1e6 }, { method: 'numeric' })).toThrow(
      expect.objectContaining({ code: 'E_TOO_LARGE', field: 'data.dim', message: expect.stringContaining('raise data.memoryLimit') }),
    );
  });

  it('refuses weights and arrays of the wrong shape, naming them', async () => {
    const bf = await backend(name);
    const { cfg, run } = makeRun(bf);
    expect(() => bf.theoryLemmas(cfg, { ...run, weights: run.weights.subarray(1) }, { width: 5 })).toThrow(
      /weights: got an array of 159 numbers, expected \(classes x width\) x dim/,
    );
    expect(() => bf.theoryLemmas(cfg, { ...run, logitSums: new Float64Array(3) }, { width: 5 })).toThrow(/logitSums: got an array of length 3/);
    expect(() => bf.theoryLemmas(cfg, { ...run, trainY: Int32Array.from(run.trainY, () => 9) }, { width: 5 })).toThrow(/trainY\[0\]: got 9/);
    expect(() => bf.theoryLemmas(cfg, { ...run, weights: new Float64Array(160) as never }, { width: 5 })).toThrow(/weights: .* expected a Float32Array/);
  });
});

describe.each(BACKENDS)('fitting constants and boundaries on %s', (name) => {
  it('recovers c1 and c2 from synthetic sweep rows drawn with known rates, interval covering them', async () => {
    const bf = await backend(name);
    const K = 5;
    const r = rng(3);
    const gammaM = (g: number) => Array.from({ length: K }, (_, a) => Array.from({ length: K }, (_, j) => (a === j ? null : g)));
    const binom = (n: number, p: number) => {
      let e = 0;
      for (let i = 0; i < n; i++) if (r() < p) e++;
      return e;
    };
    const [c1, c2, n] = [0.7, 0.3, 3000];
    const rows = [];
    for (let i = 0; i < 12; i++) {
      const snr = 1 + 0.4 * i;
      const e = binom(n, Math.min(1, (K - 1) * Math.exp(-c1 * snr)));
      rows.push({ snr: Array(K).fill(snr), gamma: gammaM(1.2), testAccPerClass: Array(K).fill(1 - e / n), testPerClass: n, featureNorm: snr });
      const g = 2 + i;
      rows.push({
        snr: Array(K).fill(1e-6),
        gamma: gammaM(g),
        longTailed: [1, 1.5].map((L) => ({ L, count: n, acc: 1 - binom(n, Math.min(1, (K - 1) * Math.exp(-c2 * L * L * g))) / n })),
      });
    }
    const fit = bf.fitConstants(rows, { bootstrap: 300, seed: 1 });
    expect(Math.abs(fit.c1.estimate! - c1)).toBeLessThan(0.07);
    expect(Math.abs(fit.c2.estimate! - c2)).toBeLessThan(0.03);
    expect(fit.c1.ci![0]).toBeLessThanOrEqual(c1);
    expect(fit.c1.ci![1]).toBeGreaterThanOrEqual(c1);
    expect(fit.c2.ci![0]).toBeLessThanOrEqual(c2);
    expect(fit.c2.ci![1]).toBeGreaterThanOrEqual(c2);
    // Noise-free rows: least squares through the origin of -log(err / (K - 1)) on SNR, in closed form.
    const exact = [1, 2, 3, 4].map((s) => ({ snr: Array(K).fill(s), gamma: gammaM(1), testAccPerClass: Array(K).fill(1 - 4 * Math.exp(-0.5 * s)) }));
    const f2 = bf.fitConstants(exact, { maxError: 1, bootstrap: 0 });
    const xs = [1, 2, 3, 4];
    const ys = xs.map((s) => -Math.log((4 * Math.exp(-0.5 * s)) / 4));
    const ols = xs.reduce((a, x, i) => a + x * ys[i], 0) / xs.reduce((a, x) => a + x * x, 0);
    expect(f2.c1.estimate!).toBeCloseTo(ols, 8);
    expect(f2.c1.ci).toBeNull();
  });

  it('phase boundaries in the three planes agree with theory() at the same points', async () => {
    const bf = await backend(name);
    const common = { classes: 5, dim: 300, constants: { C1: 3 } };
    const b = bf.phaseBoundaries({ ...common, plane: 'featureNorm-gamma', x: [0.2, 1, 1.6, 3], y: [1, 1.8, 5, 40], perClass: 100, levels: [0.05] });
    b.y.forEach((g, iy) =>
      b.x.forEach((u, ix) => {
        const t = bf.theory({ classes: 5, dim: 300, perClass: 100, featureNorm: u, gamma: g }, { constants: { C1: 3 } });
        expect(b.phase[iy][ix]).toBe(t.phase[0]);
      }),
    );
    const on = b.curves.find((c) => c.id === '2a')!.points[2];
    const t = bf.theory({ classes: 5, dim: 300, perClass: 100, featureNorm: on[0], gamma: on[1] });
    expect(t.snr[0]).toBeCloseTo(3, 8);
    const lv = b.curves.find((c) => c.id === '2a@0.05')!.points[0];
    expect(bf.theory({ classes: 5, dim: 300, perClass: 100, featureNorm: lv[0], gamma: lv[1] }).bounds.explicit[0].bound).toBeCloseTo(0.05, 8);
    // (u, s): the 2(a) curve needs weaker features for larger classes.
    const us = bf.phaseBoundaries({ ...common, plane: 'featureNorm-perClass', x: [0.5], y: [10, 50, 200], gamma: 1.2 });
    const u = us.curves[0].points.map((p) => p[0]);
    expect(u[0]).toBeGreaterThan(u[1]);
    expect(u[1]).toBeGreaterThan(u[2]);
    // (Gamma, s): Gamma = C2 is a vertical line.
    const gs = bf.phaseBoundaries({ ...common, plane: 'gamma-perClass', x: [1, 10], y: [10, 200], featureNorm: 1e-6 });
    expect(gs.curves.find((c) => c.id === '2b')!.points).toEqual([
      [2, 10],
      [2, 200],
    ]);
    expect(gs.phase.map((row) => row.join())).toEqual(['harmful,benign-implicit', 'harmful,benign-implicit']);
    expect(() => bf.phaseBoundaries({ plane: 'gamma-perClass', x: [1], y: [10] })).toThrow(/boundaries\.featureNorm: got nothing/);
  });
});

describe('native and wasm agree on theory', () => {
  it.runIf(BACKENDS.includes('native') && BACKENDS.includes('wasm'))('the same report from both backends (closed forms and the numerical route)', async () => {
    const [n, w] = await Promise.all([backend('native'), backend('wasm')]);
    const cfg = { classes: 3, dim: 60, perClass: [20, 40, 60], gamma: 8, seed: 5 };
    expect(JSON.stringify(n.theory(cfg))).toBe(JSON.stringify(w.theory(cfg)));
    const ds: Dataset = n.generate(cfg, { includeNoiseFactors: true });
    const ex = { ...cfg, gamma: undefined, model: 'explicit' as const };
    const a = n.theory(ex, { features: ds.features, noiseFactors: ds.noiseFactors });
    const b = w.theory(ex, { features: ds.features, noiseFactors: ds.noiseFactors });
    for (let k = 0; k < 3; k++) for (let j = 0; j < 3; j++) expect(rel(a.opNorm[k][j], b.opNorm[k][j])).toBeLessThan(1e-9);
    expect(a.phase).toEqual(b.phase);
    const { run, cfg: rc } = makeRun(n);
    const la = n.theoryLemmas(rc, run, { width: 5, freshSamples: 200 }).lemmas!;
    const lb = w.theoryLemmas(rc, run, { width: 5, freshSamples: 200 }).lemmas!;
    // Same fresh draws (same seed, same streams) on both backends.
    expect(la.lemma4.map((l) => l.meanActive)).toEqual(lb.lemma4.map((l) => l.meanActive));
    expect(la.longTailed!.map((l) => l.count)).toEqual(lb.longTailed!.map((l) => l.count));
  });
});
