/**
 * Kill and resume (issue 16, the result store's promise): a sweep, a grouped sweep (an axis over
 * train.*, trained in groups) and a `reproduce fig7` run are each stopped at 10 seeded points
 * (SIGKILL or SIGTERM, at a seeded time or just after a seeded number of saved rows), resumed
 * each time with the same command, and finally run to the end. The rows then equal an
 * uninterrupted run's (all but the wall time), none lost, none twice; no kill leaves a bad line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../ts/npy.js';
import { readJsonl } from '../ts/sweep/store.js';
import { BACKENDS, idx, rng } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'bf-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CLI = 'dist/cli/main.js';

type Row = Record<string, unknown> & { seconds: number };

function lines(out: string): { rows: Row[]; bad: number; torn: boolean } {
  const r = readJsonl<Row>(join(out, 'results.jsonl'));
  return { rows: r.rows, bad: r.bad.length, torn: r.torn };
}

/** What a kill found: how many rows were saved before and after it, and how the process ended. */
interface Kill {
  how: string;
  before: number;
  after: number;
  exit: string;
}

/**
 * Stop `args` at `points` seeded moments, resuming each time, then run it to the end. Returns the
 * kills (for the failure message) and checks the folder after each kill.
 */
async function killChain(args: string[], out: string, key: (r: Row) => string, total: number, seed: number, points = 10): Promise<Kill[]> {
  const next = rng(seed);
  const kills: Kill[] = [];
  for (let k = 0; k < points; k++) {
    const before = existsSync(join(out, 'results.jsonl')) ? lines(out).rows.length : 0;
    if (before >= total) break;
    const sig = next() < 0.7 ? 'SIGKILL' : 'SIGTERM';
    const byRows = next() < 0.6;
    const want = before + 1 + Math.floor(next() * 3);
    // Time-based kills land within 300 ms of the start (node's own start included), so a fast run
    // (fig7's 54 rows natively) still meets all ten kills before it is done.
    const delay = Math.floor(next() * (byRows ? 40 : 300));
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
    const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(signal ?? String(code))));
    let done = false;
    void exited.then(() => (done = true));
    const t0 = Date.now();
    if (byRows) {
      // Just after the want-th row is saved (mid-way through the next cells).
      while (!done && Date.now() - t0 < 60_000 && !(existsSync(join(out, 'results.jsonl')) && lines(out).rows.length >= want))
        await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, delay));
    if (!done) child.kill(sig);
    const exit = await exited;
    const after = lines(out);
    kills.push({ how: `${sig} ${byRows ? `after row ${want}` : 'at'} +${delay} ms`, before, after: after.rows.length, exit });
    // A kill never leaves a bad line, a row twice, or fewer rows than before.
    expect(after.bad, JSON.stringify(kills)).toBe(0);
    expect(new Set(after.rows.map(key)).size, JSON.stringify(kills)).toBe(after.rows.length);
    expect(after.rows.length).toBeGreaterThanOrEqual(before);
    // A SIGTERM that found the run going saved and exited 143 (or found it starting, or done).
    if (sig === 'SIGTERM') expect(['143', 'SIGTERM', '0']).toContain(exit);
    else expect(['SIGKILL', '0']).toContain(exit);
  }
  const end = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  expect(end.status, end.stderr).toBe(0);
  return kills;
}

/** Run `args` to the end in the background (the uninterrupted reference, alongside the kills). */
function reference(args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

/** Rows without their wall time, by key. */
const strip = (rows: Row[], key: (r: Row) => string) =>
  new Map(
    rows.map((r) => {
      const { seconds, ...rest } = r;
      void seconds;
      return [key(r), rest];
    }),
  );

function compare(out: string, ref: string, key: (r: Row) => string, total: number, kills: Kill[]): void {
  const got = lines(out);
  const want = lines(ref);
  expect(want.rows.length).toBe(total);
  // None lost, none twice: one line per row in results.jsonl.
  expect(got.rows.length, JSON.stringify(kills)).toBe(total);
  expect(got.bad).toBe(0);
  expect(new Set(got.rows.map(key)).size).toBe(total);
  expect(strip(got.rows, key)).toEqual(strip(want.rows, key));
  // The CSV is the same table, row for row (but the times).
  const csv = (d: string) => readFileSync(join(d, 'results.csv'), 'utf8').trim().split('\n');
  expect(csv(out).length).toBe(total + 1);
  // At least 10 kills, most of which found the run going (some rows before, more after).
  expect(kills.length).toBeGreaterThanOrEqual(10);
  expect(kills.filter((k) => k.exit !== '0').length).toBeGreaterThanOrEqual(8);
}

const cellKey = (r: Row) => String(r.index);
const data = { classes: 3, dim: 100, perClass: 20, testPerClass: 6 };
const backendOf = (i: number) => BACKENDS[Math.min(i, BACKENDS.length - 1)];

describe('kill and resume at 10 seeded points', () => {
  it(`a sweep (cell by cell) on ${backendOf(0)}`, async () => {
    const file = join(root, 'sweep.json');
    writeFileSync(
      file,
      JSON.stringify({ data, train: { steps: 2500, width: 16 }, sweep: { x: { param: 'data.gamma', values: { from: 1, to: 40, count: 20 } }, seeds: 2 } }),
    );
    const args = (out: string) => ['sweep', '--config', file, '--out', out, '--workers', '2', '--backend', backendOf(0)];
    const ref = join(root, 'sweep-ref');
    const refDone = reference(args(ref));
    const out = join(root, 'sweep-killed');
    const kills = await killChain(args(out), out, cellKey, 40, 16);
    expect(await refDone).toBe(0);
    compare(out, ref, cellKey, 40, kills);
  });

  it(`a grouped sweep (train.lr x train.width, trained in groups) on ${backendOf(1)}`, async () => {
    const file = join(root, 'group.json');
    writeFileSync(
      file,
      JSON.stringify({
        data,
        train: { steps: 1500, width: 16 },
        sweep: { x: { param: 'train.lr', values: { from: 0.01, to: 0.5, count: 12 } }, y: { param: 'train.width', values: [4, 8] }, seeds: 2 },
      }),
    );
    const args = (out: string) => ['sweep', '--config', file, '--out', out, '--workers', '1', '--backend', backendOf(1)];
    const ref = join(root, 'group-ref');
    const refDone = reference(args(ref));
    const out = join(root, 'group-killed');
    const kills = await killChain(args(out), out, cellKey, 48, 9);
    expect(await refDone).toBe(0);
    compare(out, ref, cellKey, 48, kills);
  });

  it(`reproduce fig7 (remove and retrain, tiny) on ${backendOf(0)}`, async () => {
    // LeNet-5 reads 28x28 images: 4 classes (a bright corner square), 240 training and 40 test images.
    const images = (n: number, s: number) => {
      const r = rng(s);
      const px = new Uint8Array(n * 784);
      const labels = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const k = i % 4;
        labels[i] = k;
        const [r0, c0] = [
          [3, 3],
          [3, 19],
          [19, 3],
          [19, 19],
        ][k];
        for (let y = 0; y < 28; y++)
          for (let x = 0; x < 28; x++)
            px[i * 784 + y * 28 + x] = Math.min(255, (y >= r0 && y < r0 + 6 && x >= c0 && x < c0 + 6 ? 180 : 0) + Math.floor(60 * r()));
      }
      return { px, labels };
    };
    const files: string[] = [];
    for (const [name, n, s] of [
      ['train', 240, 1],
      ['test', 40, 2],
    ] as const) {
      const { px, labels } = images(n, s);
      writeFileSync(join(root, `${name}-images`), idx(0x08, [n, 28, 28], px));
      writeFileSync(join(root, `${name}-labels`), idx(0x08, [n], labels));
      files.push(join(root, `${name}-images`), join(root, `${name}-labels`));
    }
    const args = (out: string) => [
      'reproduce',
      'fig7',
      '--images',
      files[0],
      '--labels',
      files[1],
      '--test-images',
      files[2],
      '--test-labels',
      files[3],
      '--out',
      out,
      '--epochs',
      '2',
      '--fractions',
      '0,0.25,0.5',
      '--seeds',
      '6',
      '--set',
      'classifier.batchSize=16',
      '--backend',
      backendOf(0),
    ];
    const key = (r: Row) => `${r.removed}|${r.fraction}|${r.seed}`;
    const ref = join(root, 'fig7-ref');
    const refDone = reference(args(ref));
    const out = join(root, 'fig7-killed');
    const kills = await killChain(args(out), out, key, 54, 7);
    expect(await refDone).toBe(0);
    compare(out, ref, key, 54, kills);
    // The folder is one run's: influence may not replace its ranking, and a replaced scores.npy is refused.
    const inf = spawnSync(process.execPath, [CLI, 'influence', '--normalize', 'unit', '--images', files[0], '--labels', files[1], '--out', out], {
      encoding: 'utf8',
    });
    expect(inf.status).toBe(2);
    expect(inf.stderr).toMatch(/holds a Figure 7 run \(config\.json\); influence would overwrite its scores\.npy/);
    writeFileSync(
      join(out, 'scores.npy'),
      encodeNpy(
        new Float64Array(240).map((_, i) => i),
        [240],
      ),
    );
    const again = spawnSync(process.execPath, [CLI, ...args(out)], { encoding: 'utf8' });
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/scores\.npy is not the ranking this run started with/);
  });
});
