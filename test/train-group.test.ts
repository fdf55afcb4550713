import { describe, expect, it } from 'vitest';
import type { TrainResult } from '../ts/index.node.js';
import { BACKENDS, backend } from './helpers.js';

const data = { classes: 3, dim: 40, perClass: 12, testPerClass: 10, gamma: 5, featureNorm: 1.2, seed: 4 };
const base = { steps: 7, evalEvery: 3, longTailedL: [0.5] };

const bits = (a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const same = (a: TrainResult, b: TrainResult) => {
  expect(bits(a.weights)).toBe(bits(b.weights));
  expect(bits(a.lossCurve)).toBe(bits(b.lossCurve));
  expect(bits(a.logitSums)).toBe(bits(b.logitSums));
  expect(a.history).toEqual(b.history);
  expect(a.summary).toEqual(b.summary);
};

describe.each(BACKENDS)('trainGroup on %s', (name) => {
  it('gives every config the bits it gets alone: lr, init, width, seed, SGD and the direct route', async () => {
    const bf = await backend(name);
    const ds = bf.generate(data);
    const configs = [
      { ...base, width: 4, lr: 0.1, seed: 1 },
      { ...base, width: 6, lr: 0.5, seed: 2 },
      { ...base, width: 4, lr: 0.1, seed: 3, init: { sigma0: 0.05 } },
      { ...base, width: 3, lr: 0.2, seed: 1, steps: undefined, epochs: 2, batchSize: 1 },
      { ...base, width: 5, lr: 0.2, seed: 1, route: 'direct' as const },
    ];
    const progress: number[] = [];
    const g = await bf.trainGroup(ds, configs, { onProgress: (p) => progress.push(p.step) });
    expect(g.errors).toEqual(configs.map(() => null));
    expect(g.aborted).toBe(false);
    expect(progress.at(-1)).toBe(4 * 7 + 2 * ds.nTrain);
    for (let i = 0; i < configs.length; i++) same(g.results[i]!, await bf.train(ds, configs[i]));
    // Different configs did train differently.
    expect(bits(g.results[0]!.weights)).not.toBe(bits(g.results[2]!.weights));
  });

  it('a diverging member fails alone; a bad config names its index', async () => {
    const bf = await backend(name);
    const ds = bf.generate(data);
    const g = await bf.trainGroup(ds, [
      { ...base, width: 4, lr: 0.1 },
      { ...base, width: 4, lr: 1e300 },
    ]);
    expect(g.errors[0]).toBeNull();
    expect(g.results[1]).toBeNull();
    expect(g.errors[1]!.code).toBe('E_DIVERGED');
    same(g.results[0]!, await bf.train(ds, { ...base, width: 4, lr: 0.1 }));
    await expect(bf.trainGroup(ds, [{ lr: 0.1 }, { lr: -1 }])).rejects.toMatchObject({ code: 'E_INVALID', field: 'train[1].lr' });
    await expect(bf.trainGroup(ds, [])).rejects.toMatchObject({ code: 'E_INVALID', field: 'train' });
  });

  it('an abort stops every member and returns the work so far', async () => {
    const bf = await backend(name);
    const ds = bf.generate(data);
    const ac = new AbortController();
    const g = await bf.trainGroup(
      ds,
      [
        { width: 4, steps: 100_000 },
        { width: 4, steps: 100_000, seed: 2 },
      ],
      {
        signal: ac.signal,
        onProgress: (p) => p.step > 0 && ac.abort(),
      },
    );
    expect(g.aborted).toBe(true);
    for (const r of g.results) {
      expect(r!.aborted).toBe(true);
      expect(r!.summary.steps).toBeGreaterThan(0);
      expect(r!.summary.steps).toBeLessThan(100_000);
    }
  });
});
