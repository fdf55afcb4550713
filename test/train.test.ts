import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BenignfitError, decodeNpy } from '../ts/index.node.js';
import { BACKENDS, backend, maxRelDiff } from './helpers.js';
import { refAccuracy, refGD } from './reference.js';

const small = { classes: 3, dim: 20, perClass: 6, testPerClass: 10, gamma: 5, featureNorm: 1.2, seed: 2 };
const opts = { width: 4, lr: 0.8, steps: 6, init: { sigma0: 0.3 }, seed: 1 };

describe.each(BACKENDS)('train on %s', (name) => {
  it.each(['gram', 'direct'] as const)('matches a plain f64 reference of eq. 4 step by step (%s route)', async (route) => {
    const bf = await backend(name);
    const ds = bf.generate(small);
    for (const withStructure of [true, false]) {
      const data = withStructure ? ds : { ...ds, trainPos: undefined, features: undefined };
      const r = await bf.train(data, { ...opts, route });
      expect(r.summary.route).toBe(route);
      expect(r.summary.structure).toBe(withStructure ? 'feature-noise' : 'general');
      const ref = refGD(r.weightsInit, 3, 4, 20, ds.trainX, ds.trainY, opts.lr, opts.steps);
      const scale = Math.max(...Array.from(ref.w, Math.abs));
      for (let j = 0; j < ref.w.length; j++) expect(Math.abs(r.weights[j] - ref.w[j])).toBeLessThan(2e-5 * scale);
      ref.losses.forEach((l, t) => expect(Math.abs(r.lossCurve[t] - l)).toBeLessThan(1e-5));
      expect(r.summary.finalMetrics.trainAcc).toBeCloseTo(refAccuracy(ref.w, 3, 4, 20, ds.trainX, ds.trainY), 10);
      expect(r.summary.finalMetrics.testAcc!).toBeCloseTo(refAccuracy(ref.w, 3, 4, 20, ds.testX, ds.testY), 10);
    }
  });

  it('the same seed gives the same weights; SGD with batch n equals full-batch GD', async () => {
    const bf = await backend(name);
    const ds = bf.generate(small);
    const a = await bf.train(ds, { ...opts, steps: 10 });
    const b = await bf.train(ds, { ...opts, steps: 10 });
    expect(Buffer.from(a.weights.buffer).equals(Buffer.from(b.weights.buffer))).toBe(true);
    const c = await bf.train(ds, { ...opts, steps: undefined, epochs: 10, batchSize: ds.nTrain });
    expect(Buffer.from(a.weights.buffer).equals(Buffer.from(c.weights.buffer))).toBe(true);
    const d = await bf.train(ds, { ...opts, seed: 2, steps: 10 });
    expect(maxRelDiff(a.weights, d.weights)).toBeGreaterThan(0.01);
    // Mini-batches actually change the trajectory.
    const e = await bf.train(ds, { ...opts, steps: undefined, epochs: 3, batchSize: 4 });
    expect(e.summary.steps).toBe(3 * Math.ceil(ds.nTrain / 4));
    expect(maxRelDiff(a.weights, e.weights)).toBeGreaterThan(1e-3);
  });

  it('records metrics every evalEvery steps, per-example logit sums and kappa', async () => {
    const bf = await backend(name);
    const ds = bf.generate(small);
    const evals: number[] = [];
    const r = await bf.train(ds, { ...opts, steps: 9, evalEvery: 3 }, { onEval: (e) => evals.push(e.step) });
    expect(evals).toEqual([3, 6, 9]);
    expect(r.history.map((h) => h.step)).toEqual([3, 6, 9]);
    expect(r.logitSums.length).toBe(ds.nTrain);
    // Each term 1 - logit_y lies in (0, 1): the sum over 9 steps lies in (0, 9).
    for (const g of r.logitSums) expect(g > 0 && g < 9).toBe(true);
    expect(r.kappaCurve.length).toBe(9);
    for (const h of r.history) {
      expect(h.featureLearning!.length).toBe(3);
      expect(h.noiseMemorization!.max).toBeGreaterThanOrEqual(h.noiseMemorization!.mean);
      expect(h.testAccPerClass!.length).toBe(3);
    }
    // evaluate() on the final weights: the recorded metrics (training evaluates on f32 logits,
    // evaluate on predict's f64 logits, so the losses agree to f32 round-off), and exactly a plain
    // softmax cross-entropy over predict's logits.
    const shape = { classes: 3, width: 4, dim: 20 };
    const ev = bf.evaluate(r.weights, ds.testX, ds.testY, shape);
    expect(ev.acc).toBe(r.summary.finalMetrics.testAcc!);
    expect(ev.loss).toBeCloseTo(r.summary.finalMetrics.testLoss!, 6);
    const f = bf.predict(r.weights, ds.testX, shape);
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < ds.testY.length; i++) {
      const row = Array.from(f.subarray(i * 3, i * 3 + 3));
      const c = ds.testY[i];
      const mx = Math.max(...row);
      loss += mx + Math.log(row.reduce((s, v) => s + Math.exp(v - mx), 0)) - row[c];
      correct += +row.every((v, j) => j === c || v < row[c]);
    }
    expect(ev.loss).toBeCloseTo(loss / ds.testY.length, 12);
    expect(ev.acc).toBe(correct / ds.testY.length);
    expect(ev.accPerClass.length).toBe(3);
    expect(() => bf.evaluate(r.weights, ds.testX, ds.testY.subarray(1), shape)).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
  });

  it('refuses a training too large for memoryLimit, naming the field that asked for it', async () => {
    const bf = await backend(name);
    const ds = bf.generate(small);
    await expect(bf.train(ds, { ...opts, width: 2000, memoryLimit: 1e6 })).rejects.toMatchObject({
      code: 'E_TOO_LARGE',
      field: 'train.width',
      message: expect.stringMatching(/^train\.width: training \(K\*m = 6000 neurons.*\(lower train\.width, or raise train\.memoryLimit\)$/),
    });
  });

  it('stops at targetLoss', async () => {
    const bf = await backend(name);
    const ds = bf.generate(small);
    const r = await bf.train(ds, { ...opts, steps: 100_000, targetLoss: 0.5 });
    expect(r.summary.steps).toBeLessThan(100_000);
    expect(r.lossCurve[r.lossCurve.length - 1]).toBeLessThanOrEqual(0.5);
    expect(r.summary.stopReason).toMatch(/targetLoss/);
  });

  it('reports progress and stops on an AbortSignal with the work so far', async () => {
    const bf = await backend(name);
    const ds = bf.generate({ ...small, dim: 200, perClass: 50 });
    const ac = new AbortController();
    let calls = 0;
    const r = await bf.train(
      ds,
      { ...opts, steps: 1_000_000 },
      {
        signal: ac.signal,
        onProgress: (p) => {
          calls++;
          expect(p.totalSteps).toBe(1_000_000);
          if (p.step > 0) ac.abort();
        },
      },
    );
    expect(calls).toBeGreaterThan(0);
    expect(r.aborted).toBe(true);
    expect(r.summary.steps).toBeGreaterThan(0);
    expect(r.summary.steps).toBeLessThan(1_000_000);
    expect(r.weights.length).toBe(3 * 4 * 200);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['train.width', { width: 0 }, /train\.width: got 0, expected an integer from 1/],
    ['train.lr', { lr: 0 }, /train\.lr: got 0, expected a finite number > 0/],
    ['train.lr', { lr: -0.1 }, /train\.lr: got -0\.1/],
    ['train.init', { init: 'xavier' }, /train\.init: got "xavier", expected "pytorch", or \{"sigma0": finite number > 0\}/],
    ['train.init.sigma0', { init: { sigma0: -1 } }, /train\.init\.sigma0: got -1/],
    ['train.batchSize', { batchSize: 0 }, /train\.batchSize: got 0/],
    ['train.steps', { steps: 5, epochs: 5 }, /either steps or epochs/],
    ['train.momentum', { momentum: 0.9 }, /train\.momentum: got 0\.9, expected no unknown keys/],
  ];
  it.each(bad)('refuses %s', async (field, o, re) => {
    const bf = await backend(name);
    const ds = bf.generate(small);
    const err = await bf.train(ds, o as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BenignfitError);
    expect((err as BenignfitError).field).toBe(field);
    expect((err as Error).message).toMatch(re);
  });

  it('refuses non-finite data and shapes that disagree, naming them', async () => {
    const bf = await backend(name);
    const ds = bf.generate(small);
    const x = ds.trainX.slice();
    x[33] = Number.NaN;
    const e1 = (await bf.train({ ...ds, trainX: x }, opts).catch((e: unknown) => e)) as BenignfitError;
    expect(e1.code).toBe('E_INVALID');
    expect(e1.field).toBe('trainX[33]');
    expect(e1.message).toMatch(/trainX\[33\]: got NaN, expected a finite number/);
    const e2 = (await bf.train({ ...ds, trainX: ds.trainX.subarray(0, 100) }, opts).catch((e: unknown) => e)) as BenignfitError;
    expect(e2.code).toBe('E_SHAPE');
    const y = ds.trainY.slice();
    y[0] = 7;
    const e3 = (await bf.train({ ...ds, trainY: y }, opts).catch((e: unknown) => e)) as BenignfitError;
    expect(e3.field).toBe('trainY[0]');
    // An optional array of another class is named on both backends (native said E_INTERNAL, found by npm run fuzz).
    for (const [field, bad] of [
      ['trainPos', new Float32Array(ds.nTrain)],
      ['testX', new Float64Array(4)],
      ['testY', new Float32Array(2)],
      ['testPos', new Int32Array(2)],
      ['features', new Uint8Array(3)],
    ] as const) {
      const e = (await bf.train({ ...ds, [field]: bad }, opts).catch((err: unknown) => err)) as BenignfitError;
      expect(e.code, field).toBe('E_INVALID');
      expect(e.field).toBe(field);
    }
  });

  it('a loss that becomes NaN or Inf stops training with an error naming the step', async () => {
    const bf = await backend(name);
    const ds = bf.generate(small);
    const e = (await bf.train(ds, { ...opts, lr: 1e300 }).catch((err: unknown) => err)) as BenignfitError;
    expect(e).toBeInstanceOf(BenignfitError);
    expect(e.code).toBe('E_DIVERGED');
    expect(e.message).toMatch(/diverged at step \d+: the loss became (NaN|inf).*smaller learning rate/);
  });
});

describe('native and wasm agree on training', () => {
  it.runIf(BACKENDS.includes('native') && BACKENDS.includes('wasm'))('same seed, same weights within 1e-4 relative after 30 steps', async () => {
    const [n, w] = await Promise.all([backend('native'), backend('wasm')]);
    const cfg = { classes: 4, dim: 300, perClass: 30, testPerClass: 20, gamma: 8, featureNorm: 0.7, seed: 5 };
    const dn = n.generate(cfg);
    const dw = w.generate(cfg);
    for (const o of [
      { width: 16, lr: 0.5, steps: 30, seed: 3 },
      { width: 16, lr: 0.5, epochs: 3, batchSize: 16, seed: 3, route: 'direct' as const },
    ]) {
      const a = await n.train(dn, o);
      const b = await w.train(dw, o);
      expect(Buffer.from(a.weightsInit.buffer).equals(Buffer.from(b.weightsInit.buffer))).toBe(true);
      const scale = Math.max(...Array.from(a.weights, Math.abs));
      let worst = 0;
      for (let j = 0; j < a.weights.length; j++) worst = Math.max(worst, Math.abs(a.weights[j] - b.weights[j]) / scale);
      expect(worst).toBeLessThan(1e-4);
      for (let t = 0; t < a.lossCurve.length; t++) expect(Math.abs(a.lossCurve[t] - b.lossCurve[t])).toBeLessThan(1e-5);
      expect(a.summary.finalMetrics.testAcc).toBe(b.summary.finalMetrics.testAcc);
    }
  });
});

describe('CLI train', () => {
  it.each(BACKENDS)('an independent replay of eq. 4 from the written files reproduces weights_final.npy (%s)', (name) => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-train-'));
    try {
      execFileSync(
        process.execPath,
        [
          'dist/cli/main.js',
          'train',
          '--out',
          dir,
          '--backend',
          name,
          '--classes',
          '3',
          '--dim',
          '16',
          '--per-class',
          '5',
          '--test-per-class',
          '8',
          '--gamma',
          '3',
          '--width',
          '3',
          '--lr',
          '0.7',
          '--steps',
          '5',
          '--init',
          'sigma0=0.4',
          '--no-noise-factors',
          '--no-plot',
        ],
        { stdio: 'pipe' },
      );
      const npy = (f: string) => decodeNpy(readFileSync(join(dir, f)), f);
      const w0 = npy('weights_init.npy');
      const wf = npy('weights_final.npy');
      expect(w0.shape).toEqual([9, 16]);
      const x = npy('train_x.npy');
      expect(x.shape).toEqual([15, 2, 16]);
      const y = npy('train_y.npy').data as Int32Array;
      const ref = refGD(w0.data as Float32Array, 3, 3, 16, x.data as Float32Array, y, 0.7, 5);
      const scale = Math.max(...Array.from(ref.w, Math.abs));
      (wf.data as Float32Array).forEach((v, j) => expect(Math.abs(v - ref.w[j])).toBeLessThan(2e-5 * scale));
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      expect(summary.steps).toBe(5);
      expect(summary.backend).toBe(name);
      expect(summary.config.train.lr).toBe(0.7);
      expect(summary.trainAcc).toBeCloseTo(refAccuracy(wf.data as Float32Array, 3, 3, 16, x.data as Float32Array, y), 12);
      const tx = npy('test_x.npy').data as Float32Array;
      const ty = npy('test_y.npy').data as Int32Array;
      expect(summary.testAcc).toBeCloseTo(refAccuracy(wf.data as Float32Array, 3, 3, 16, tx, ty), 12);
      expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').length).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(BACKENDS)('long-tailed test subsets during training on %s', (name) => {
  it('reports Definition 1 subsets for each L, equal to the theory module on the final weights', async () => {
    const bf = await backend(name);
    const ds = bf.generate({ classes: 3, dim: 120, perClass: 30, testPerClass: 200, gamma: 30, featureNorm: 0.05, seed: 4 });
    const r = await bf.train(ds, { width: 12, lr: 0.5, epochs: 5, batchSize: 1, longTailedL: [0.5, 1, 2] });
    const lt = r.summary.finalMetrics.longTailed;
    expect(lt.map((l) => l.L)).toEqual([0.5, 1, 2]);
    // Larger L: a subset of the smaller L's subset.
    expect(lt[0].count).toBeGreaterThanOrEqual(lt[1].count);
    expect(lt[1].count).toBeGreaterThanOrEqual(lt[2].count);
    expect(lt[0].count).toBeGreaterThan(0);
    expect(lt[0].count).toBeLessThanOrEqual(ds.nTest);
    const direct = bf.longTailed(ds, r.weights, 12, { x: ds.testX, y: ds.testY, pos: ds.testPos }, [0.5, 1, 2]);
    expect(direct.map((l) => [l.count, l.correct])).toEqual(lt.map((l) => [l.count, l.correct]));
    // Without the data config (arrays only) there is no model to define the subsets.
    const r2 = await bf.train({ ...ds, config: null }, { width: 12, lr: 0.5, steps: 3 });
    expect(r2.summary.finalMetrics.longTailed).toEqual([]);
  });
});
