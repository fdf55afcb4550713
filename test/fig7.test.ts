import { describe, expect, it } from 'vitest';
import {
  compareFig7,
  fig7Csv,
  fig7Curve,
  fig7Drops,
  fig7SummaryCsv,
  fig7Svg,
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

describe('named scores: summaries, paired drops and the figure (issue 17 item 3a)', () => {
  const row = (score: string, removed: Fig7Row['removed'], fraction: number, seed: number, testAcc: number): Fig7Row => ({
    score,
    removed,
    fraction,
    seed,
    testAcc,
    trainSize: 10,
    seconds: 1,
  });
  const rows: Fig7Row[] = [];
  for (const seed of [0, 1, 2]) {
    const base = 0.9 + 0.01 * seed;
    for (const [score, removed] of [
      ['eq10', 'high'],
      ['eq10', 'low'],
      ['el2n', 'high'],
      ['el2n', 'low'],
      ['random', 'random'],
    ] as const)
      rows.push(row(score, removed, 0, seed, base));
    rows.push(row('eq10', 'high', 0.5, seed, base - 0.05));
    rows.push(row('eq10', 'low', 0.5, seed, base - 0.02 - 0.001 * seed));
    rows.push(row('el2n', 'high', 0.5, seed, base - 0.1));
    rows.push(row('el2n', 'low', 0.5, seed, base - 0.01));
    rows.push(row('random', 'random', 0.5, seed, base - 0.03));
  }

  it('names curves by score, summarises per curve, and pairs any two curves by seed', () => {
    expect(fig7Curve({ removed: 'high' })).toBe('high');
    expect(fig7Curve({ score: 'el2n', removed: 'low' })).toBe('el2n:low');
    expect(fig7Curve({ score: 'random', removed: 'random' })).toBe('random');
    const pts = summarizeFig7(rows);
    expect(pts.map((p) => `${fig7Curve(p)}@${p.fraction}`)).toEqual([
      'eq10:high@0',
      'eq10:high@0.5',
      'eq10:low@0',
      'eq10:low@0.5',
      'el2n:high@0',
      'el2n:high@0.5',
      'el2n:low@0',
      'el2n:low@0.5',
      'random@0',
      'random@0.5',
    ]);
    expect(pts.find((p) => fig7Curve(p) === 'el2n:high' && p.fraction === 0.5)!.mean).toBeCloseTo(0.81, 12);
    // low - high of EL2N: 0.09 for every seed (sd 0); eq10: 0.03 - 0.001 * seed.
    const d = compareFig7(rows, 'el2n:low', 'el2n:high').find((x) => x.fraction === 0.5)!;
    expect(d).toMatchObject({ a: 'el2n:low', b: 'el2n:high', n: 3 });
    expect(d.mean).toBeCloseTo(0.09, 12);
    const e = compareFig7(rows, 'eq10:low', 'eq10:high').find((x) => x.fraction === 0.5)!;
    expect(e.mean).toBeCloseTo(0.029, 12);
    expect(e.sd).toBeCloseTo(0.001, 12);
    expect(e.ciHigh! - e.mean).toBeCloseTo((4.302652729 * 0.001) / Math.sqrt(3), 9);
    expect(compareFig7(rows, 'random', 'eq10:high').find((x) => x.fraction === 0.5)!.mean).toBeCloseTo(0.02, 12);
    // Drops: the same seed's accuracy with everything minus with the removal.
    const drops = fig7Drops(rows);
    expect(drops.map((x) => x.curve)).toEqual(['eq10:high', 'eq10:low', 'el2n:high', 'el2n:low', 'random']);
    expect(drops.find((x) => x.curve === 'el2n:high')).toMatchObject({ score: 'el2n', removed: 'high', fraction: 0.5, n: 3, sd: 0 });
    expect(drops.find((x) => x.curve === 'el2n:high')!.mean).toBeCloseTo(0.1, 12);
    expect(drops.find((x) => x.curve === 'eq10:low')!.mean).toBeCloseTo(0.021, 12);
    // results.csv and summary.csv get a score column; parse keeps it.
    const csv = fig7Csv(rows);
    expect(csv.split('\n')[0]).toBe('score,removed,fraction,seed,testAcc,trainSize,seconds');
    expect(parseFig7Csv(csv)).toEqual(rows);
    expect(fig7SummaryCsv(pts).split('\n')[0]).toBe('score,removed,fraction,n,mean,sd,ciLow,ciHigh');
  });

  it('draws one line per score and kind: a colour per score, solid highest, dashed lowest, the control grey; legend below the axes', () => {
    const svg = fig7Svg(summarizeFig7(rows));
    expect(svg.match(/class="series"/g)!.length).toBe(5);
    expect(svg.match(/class="band"/g)!.length).toBe(5);
    for (const l of ['eq10: highest removed', 'eq10: lowest removed', 'el2n: highest removed', 'el2n: lowest removed', 'random images removed (control)'])
      expect(svg).toContain(l);
    // The legend is outside the data: below the x axis title, which is below the plot area.
    const legendY = Number(/<g class="legend">[\s\S]*?y="([\d.]+)"/.exec(svg)![1]);
    const xTitleY = Number(/<text[^>]*y="([\d.]+)"[^>]*>training images removed/.exec(svg)![1]);
    expect(legendY).toBeGreaterThan(xTitleY);
  });
});

describe.each(BACKENDS)('remove and retrain by several scores on %s', (name) => {
  const train = cornerSquares(200, 1);
  const eq = Float64Array.from(train.labels, (k, i) => 3 - k + 1e-3 * (i % 7));
  // A second score that ranks class 1 highest and class 2 lowest.
  const other = Float64Array.from(train.labels, (k, i) => [1, 3, 0, 2][k] + 1e-3 * (i % 5));
  const test = cornerSquares(40, 2, 0);
  const classifier = { epochs: 2, batchSize: 20, lr: 0.02 };

  it('each score gets its high and low removal with the same seeds; a score equals the single-ranking run; resumes', async () => {
    const bf = await backend(name);
    const points: Fig7Row[][] = [];
    const rows = await removeAndRetrain(
      bf,
      { train, test, scores: { eq10: eq, other }, fractions: [0, 0.25], seeds: [0, 1], classifier },
      { onPoint: (r) => points.push(r) },
    );
    // Per seed: one training at fraction 0 (5 rows), then 5 curves at 0.25.
    expect(points.map((p) => p.length)).toEqual([5, 1, 1, 1, 1, 1, 5, 1, 1, 1, 1, 1]);
    expect(rows.length).toBe(20);
    expect(new Set(rows.map((r) => fig7Curve(r)))).toEqual(new Set(['eq10:high', 'eq10:low', 'other:high', 'other:low', 'random']));
    const at = (curve: string, f: number, seed: number) => rows.find((r) => fig7Curve(r) === curve && r.fraction === f && r.seed === seed)!;
    // "other" high took away class 1 (50 images): the test set of class 0 is still learnt.
    expect(at('other:high', 0.25, 0).testAcc).toBeGreaterThan(0.9);
    expect(at('eq10:high', 0.25, 0).testAcc).toBe(0);
    // The eq10 curves and the control equal a run of the single ranking with the same seeds.
    const single = await removeAndRetrain(bf, { train, test, scores: eq, fractions: [0, 0.25], seeds: [0, 1], classifier });
    for (const r of single) {
      const curve = r.removed === 'random' ? 'random' : `eq10:${r.removed}`;
      expect(at(curve, r.fraction, r.seed).testAcc).toBe(r.testAcc);
      expect(r.score).toBeUndefined();
    }
    // Resume: the finished rows are not retrained; one missing row is.
    const partial = rows.filter((r) => !(fig7Curve(r) === 'other:low' && r.fraction === 0.25 && r.seed === 1));
    const made: Fig7Row[] = [];
    const again = await removeAndRetrain(
      bf,
      { train, test, scores: { eq10: eq, other }, fractions: [0, 0.25], seeds: [0, 1], classifier, done: partial },
      { onPoint: (r) => made.push(...r) },
    );
    expect(made.map((r) => `${fig7Curve(r)}@${r.fraction}/${r.seed}`)).toEqual(['other:low@0.25/1']);
    expect(again.map(({ seconds: _s, ...r }) => r)).toEqual(rows.map(({ seconds: _s, ...r }) => r));
    // Without the control; and a score may not be called "random".
    const noControl = await removeAndRetrain(bf, { train, test, scores: { other }, fractions: [0.25], seeds: [0], removed: ['high', 'low'], classifier });
    expect(noControl.map((r) => fig7Curve(r))).toEqual(['other:high', 'other:low']);
    await expect(removeAndRetrain(bf, { train, test, scores: { random: eq } })).rejects.toMatchObject({ field: 'scores.random' });
    await expect(removeAndRetrain(bf, { train, test, scores: { other: other.subarray(1) } })).rejects.toMatchObject({ field: 'scores.other' });
  });
});
