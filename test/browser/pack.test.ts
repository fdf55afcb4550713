/**
 * benignfit as a dependency of someone else's page: `npm pack`, install the tarball into a scratch
 * project, build a page that imports it with Vite's defaults (the "browser" condition: the wasm
 * build), and run it in Chromium: the wasm backend loads, and `sweep` runs cells in Web Workers
 * bundled from the package (cells that share their data as groups), and `influence` scores classes
 * in its own Web Workers, with the same numbers as the Node API on wasm.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load } from '../../ts/index.node.js';
import { InProcessExecutor, runSweep } from '../../ts/sweep/run.js';
import type { SweepConfigInput } from '../../ts/sweep/spec.js';
import { launch, repo, serve } from './helpers.js';

const CONFIG: SweepConfigInput = {
  data: { classes: 3, dim: 30, perClass: 6, testPerClass: 10, seed: 2 },
  train: { width: 4, steps: 30 },
  sweep: { x: { param: 'data.featureNorm', values: [0.1, 2] }, y: { param: 'data.gamma', values: [1, 20] } },
};

/** An axis over a training field: the cells share their data and train as groups in the workers. */
const GROUPED: SweepConfigInput = {
  data: { classes: 3, dim: 30, perClass: 6, testPerClass: 10, seed: 3 },
  train: { width: 3, steps: 20 },
  sweep: { x: { param: 'train.lr', values: [0.05, 0.1, 0.2, 0.4, 0.8] } },
};

/** A small influence set (plain arrays: floats, 3 classes of 8 images of 5 values). */
const INFLUENCE_DATA = {
  pixels: Array.from({ length: 24 * 5 }, (_, k) => ((k * 7919) % 97) / 13 + (k % 5) * Math.floor(k / 40)),
  labels: Array.from({ length: 24 }, (_, i) => i % 3),
  dim: 5,
};

let scratch = '';

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'bf-webpack-'));
  const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch, '--silent'], { cwd: repo, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!;
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', type: 'module', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', join(scratch, tgz)], { cwd: scratch, stdio: 'pipe' });
  const web = join(scratch, 'web');
  mkdirSync(web);
  writeFileSync(
    join(web, 'index.html'),
    '<!doctype html><html><head><link rel="icon" href="data:,"></head><body><pre id="out">loading</pre><script type="module" src="./main.js"></script></body></html>',
  );
  writeFileSync(
    join(web, 'main.js'),
    `import { load, sweep } from 'benignfit';
     const out = document.getElementById('out');
     try {
       const bf = await load();
       const run = await sweep(${JSON.stringify(CONFIG)}, { workers: 2 });
       const grouped = await sweep(${JSON.stringify(GROUPED)}, { workers: 2 });
       const rows = (rs) => rs.map((r) => [r.index, r.testAcc, r.trainLoss]);
       // eq. 10 in the package's influence Web Workers.
       const D = ${JSON.stringify(INFLUENCE_DATA)};
       const inf = await bf.influence({ pixels: Float32Array.from(D.pixels), labels: D.labels, dim: D.dim }, { frobenius: false, workers: 2 });
       out.textContent = JSON.stringify({ backend: bf.backend, isolated: crossOriginIsolated, cells: rows(run.results), grouped: rows(grouped.results),
         influence: { workers: inf.workers, scores: [...inf.scores] } });
     } catch (e) {
       out.textContent = 'error: ' + e.message;
     }
     out.dataset.done = '1';`,
  );
  // Vite's defaults: no worker or wasm settings in the consumer's project.
  execFileSync(process.execPath, [join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', web, '--outDir', join(web, 'dist'), '--logLevel', 'error'], {
    cwd: scratch,
    stdio: 'pipe',
  });
}, 300_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the installed package in a Vite-built page', () => {
  it('runs a sweep and influence scores in Web Workers in Chromium, equal to the Node API on wasm', async () => {
    const site = await serve(join(scratch, 'web', 'dist'));
    const br = await launch();
    try {
      await br.page.goto(site.url);
      await br.page.waitForSelector('#out[data-done]', { timeout: 120_000 });
      const text = (await br.page.textContent('#out'))!;
      expect(text).not.toMatch(/^error/);
      const got = JSON.parse(text) as {
        backend: string;
        isolated: boolean;
        cells: [number, number, number][];
        grouped: [number, number, number][];
        influence: { workers: number; scores: number[] };
      };
      expect(got.backend).toBe('wasm');
      expect(got.isolated).toBe(false);
      const ref = await runSweep(new InProcessExecutor(await load({ backend: 'wasm' })), CONFIG);
      expect(got.cells.length).toBe(4);
      for (const [i, acc, loss] of got.cells) {
        const r = ref.results.find((c) => c.index === i)!;
        expect(acc).toBe(r.testAcc);
        expect(loss).toBe(r.trainLoss);
      }
      // The train.lr sweep ran as groups in the workers; the same rows as cell by cell in Node.
      const one = await runSweep(new InProcessExecutor(await load({ backend: 'wasm' }), { group: false }), GROUPED);
      expect(got.grouped.length).toBe(5);
      for (const [i, acc, loss] of got.grouped) {
        const r = one.results.find((c) => c.index === i)!;
        expect(acc).toBe(r.testAcc);
        expect(loss).toBe(r.trainLoss);
      }
      // The influence scores of 2 Web Workers: the bits of one instance in Node.
      const inf = await (await load({ backend: 'wasm' })).influence(
        { pixels: Float32Array.from(INFLUENCE_DATA.pixels), labels: INFLUENCE_DATA.labels, dim: INFLUENCE_DATA.dim },
        { frobenius: false },
      );
      expect(got.influence.workers).toBe(2);
      expect(got.influence.scores).toEqual([...inf.scores]);
      expect(br.errors, br.errors.join('\n')).toEqual([]);
    } finally {
      await br.close();
      await site.close();
    }
  });
});
