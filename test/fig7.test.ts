import { describe, expect, it } from 'vitest';
import {
  fig7Csv,
  parseFig7Csv,
  rankByScore,
  removeAndRetrain,
  removedCount,
  summarizeFig7,
  tQuantile,
  type Fig7Row,
  type TensorSet,
} from '../ts/index.node.js';
import { BACKENDS, backend } from './helpers.js';

/** Class k (of 4): a bright 6x6 square at one corner of a noisy 28x28 image. */
function cornerSquares(n: number, seed: number, only?: number): TensorSet {
  let a = seed >>> 0;
  const r = () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 4294967296;
  };
  const images = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = only ?? i % 4;
    labels[i] = k;
    const [r0, c0] = [
      [3, 3],
      [3, 19],
      [19, 3],
      [19, 19],
    ][k];
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) {
        const on = y >= r0 && y < r0 + 6 && x >= c0 && x < c0 + 6;
        images[i * 784 + y * 28 + x] = (on ? 1 : 0) + 0.3 * (r() - 0.5);
      }
  }
  return { images, labels, shape: [1, 28, 28] };
}

describe('ranking and summaries', () => {
  it('ranks by score (ties by index) and rounds the removed count', () => {
    const s = [0.5, 2, -1, 2, 0];
    expect(Array.from(rankByScore(s, 'high'))).toEqual([1, 3, 0, 4, 2]);
    expect(Array.from(rankByScore(s, 'low'))).toEqual([2, 4, 0, 1, 3]);
    expect(removedCount(60000, 0.1)).toBe(6000);
    expect(removedCount(5, 0.5)).toBe(3);
    expect(removedCount(7, 0)).toBe(0);
  });

  it('summarises seeds to a mean and a Student-t 95% interval', () => {
    // t(0.975; 2) = 4.303 and t(0.975; 4) = 2.776 (printed tables).
    expect(tQuantile(0.975, 2)).toBeCloseTo(4.303, 3);
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.776, 3);
    const row = (removed: Fig7Row['removed'], fraction: number, seed: number, testAcc: number): Fig7Row => ({
      removed,
      fraction,
      seed,
      testAcc,
      trainSize: 10,
      seconds: 1,
    });
    const pts = summarizeFig7([
      row('low', 0.1, 0, 0.9),
      row('high', 0.1, 0, 0.8),
      row('low', 0.1, 1, 0.92),
      row('low', 0.1, 2, 0.94),
      row('random', 0, 0, 0.97),
    ]);
    expect(pts.map((p) => `${p.removed}@${p.fraction}`)).toEqual(['high@0.1', 'low@0.1', 'random@0']);
    const low = pts[1];
    expect(low.n).toBe(3);
    expect(low.mean).toBeCloseTo(0.92, 12);
    expect(low.sd).toBeCloseTo(0.02, 12);
    const half = (4.302652729 * 0.02) / Math.sqrt(3);
    expect(low.ciLow).toBeCloseTo(0.92 - half, 8);
    expect(low.ciHigh).toBeCloseTo(0.92 + half, 8);
    expect(pts[0]).toMatchObject({ n: 1, mean: 0.8, sd: null, ciLow: null, ciHigh: null });
  });

  it('writes and reads results.csv', () => {
    const rows: Fig7Row[] = [
      { removed: 'high', fraction: 0.1, seed: 2, testAcc: 0.9812, trainSize: 54000, seconds: 12.5 },
      { removed: 'random', fraction: 0, seed: 0, testAcc: 0.99, trainSize: 60000, seconds: 13 },
    ];
    const csv = fig7Csv(rows);
    expect(csv.split('\n')[0]).toBe('removed,fraction,seed,testAcc,trainSize,seconds');
    expect(parseFig7Csv(csv)).toEqual(rows);
    expect(() => parseFig7Csv('removed,fraction,seed,testAcc,trainSize,seconds\nmiddle,0.1,0,0.5,1,1\n')).toThrow(/line 2/);
  });
});

describe.each(BACKENDS)('remove and retrain on %s', (name) => {
  // 200 training images, 50 per class; class 0 has the highest scores, class 3 the lowest.
  const train = cornerSquares(200, 1);
  const scores = Float64Array.from(train.labels, (k, i) => 3 - k + 1e-3 * (i % 7));
  // Test images of class 0 only: they are learnt only if class 0 stays in the training set.
  const test = cornerSquares(40, 2, 0);
  const classifier = { epochs: 4, batchSize: 20, lr: 0.02 };

  it('removing the highest scores removes those images (and the control removes random ones)', async () => {
    const bf = await backend(name);
    const points: Fig7Row[][] = [];
    const rows = await removeAndRetrain(bf, { train, test, scores, fractions: [0, 0.25], seeds: [0], classifier }, { onPoint: (r) => points.push(r) });
    // Fraction 0 is trained once and reported for each kind.
    expect(points.map((p) => p.length)).toEqual([3, 1, 1, 1]);
    expect(rows.map((r) => `${r.removed}@${r.fraction}`)).toEqual(['high@0', 'low@0', 'random@0', 'high@0.25', 'low@0.25', 'random@0.25']);
    const acc = Object.fromEntries(rows.map((r) => [`${r.removed}@${r.fraction}`, r.testAcc]));
    expect(rows.filter((r) => r.fraction === 0.25).every((r) => r.trainSize === 150)).toBe(true);
    expect(acc['high@0']).toBe(acc['low@0']);
    expect(acc['high@0']).toBeGreaterThan(0.9);
    // "high" took away all 50 images of class 0: none of its test images can be recognised.
    expect(acc['high@0.25']).toBe(0);
    // "low" took away class 3 instead.
    expect(acc['low@0.25']).toBeGreaterThan(0.9);
    // The control keeps most of class 0.
    expect(acc['random@0.25']).toBeGreaterThan(0.5);
  });

  it('resumes: rows already done are not retrained', async () => {
    const bf = await backend(name);
    const first = await removeAndRetrain(bf, { train, test, scores, fractions: [0, 0.1], seeds: [3], removed: ['high', 'random'], classifier });
    let trained = 0;
    const again = await removeAndRetrain(
      bf,
      { train, test, scores, fractions: [0, 0.1], seeds: [3], removed: ['high', 'random'], classifier, done: first },
      { onPoint: () => trained++ },
    );
    expect(trained).toBe(0);
    expect(again).toEqual(first);
    // With one row missing, only that one is trained, and it comes out the same (same seed).
    const partial = first.filter((r) => !(r.removed === 'random' && r.fraction === 0.1));
    const made: Fig7Row[] = [];
    const third = await removeAndRetrain(
      bf,
      { train, test, scores, fractions: [0, 0.1], seeds: [3], removed: ['high', 'random'], classifier, done: partial },
      { onPoint: (r) => made.push(...r) },
    );
    expect(made.map((r) => `${r.removed}@${r.fraction}`)).toEqual(['random@0.1']);
    expect(made[0].testAcc).toBe(first.find((r) => r.removed === 'random' && r.fraction === 0.1)!.testAcc);
    expect(third.map((r) => r.testAcc)).toEqual(first.map((r) => r.testAcc));
  });

  it('refuses scores of the wrong length, bad fractions and unknown kinds', async () => {
    const bf = await backend(name);
    await expect(removeAndRetrain(bf, { train, test, scores: scores.subarray(1) })).rejects.toMatchObject({ code: 'E_INVALID', field: 'scores' });
    const nan = scores.slice();
    nan[4] = NaN;
    await expect(removeAndRetrain(bf, { train, test, scores: nan })).rejects.toMatchObject({ field: 'scores[4]' });
    await expect(removeAndRetrain(bf, { train, test, scores, fractions: [0, 1] })).rejects.toMatchObject({ field: 'fractions[1]' });
    await expect(removeAndRetrain(bf, { train, test, scores, removed: ['middle' as 'high'] })).rejects.toMatchObject({ field: 'removed[0]' });
    await expect(removeAndRetrain(bf, { train, test, scores, classifier: { lr: 0 } })).rejects.toMatchObject({ field: 'classifier.lr' });
  });
});
