/**
 * The web page (web-dist/, built by Vite from ts/web) in Debian's Chromium, served as static
 * files without cross-origin isolation. The page's numbers are checked against the Node API on
 * the wasm backend (the same wasm build: results are bit-identical) and, with a tolerance,
 * against the native addon.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load, type Benignfit } from '../../ts/index.node.js';
import { pngSize } from '../../ts/plot/png.js';
import { runCell, type CellResult } from '../../ts/sweep/cell.js';
import { meanGrid } from '../../ts/sweep/figure.js';
import { InProcessExecutor, runSweep } from '../../ts/sweep/run.js';
import { cells, resolveSweep } from '../../ts/sweep/spec.js';
import { demoSettings, settingsHash, sweepConfig, type Settings } from '../../ts/web/settings.js';
import { DATA_SHOWN, TRAIN_SHOWN } from '../../ts/web/form.js';
import { fields } from '../../ts/schema.js';
import { downloadOf, launch, repo, serve, type Browser } from './helpers.js';

const SHOTS = process.env.BENIGNFIT_SCREENSHOTS === '1';
const shotDir = SHOTS ? join(repo, 'docs', 'img') : mkdtempSync(join(tmpdir(), 'bf-shots-'));

/** A sweep small enough for a test: 2 x 2 cells, a few hundred SGD steps each. */
function small(): Settings {
  const s = demoSettings();
  s.data = { ...s.data, classes: 3, dim: 40, perClass: 8, testPerClass: 20, seed: 3 };
  s.train = { ...s.train, width: 8, lr: 0.2, optimizer: 'sgd', epochs: 4, batchSize: 2, seed: 1 };
  s.x = { param: 'data.featureNorm', from: 0.05, to: 3, count: 2, scale: 'log', values: '' };
  s.y = { param: 'data.gamma', from: 1, to: 50, count: 2, scale: 'log', values: '' };
  s.seeds = 1;
  s.curvePoints = 4;
  return s;
}

/** A sweep that runs long enough to be cancelled in the middle. */
function long(): Settings {
  const s = demoSettings();
  // Seconds per cell even with the fast batch-1 kernels (90,000 SGD steps at d = 1000), so that
  // Cancel always finds cells in the middle of their training.
  s.data = { ...s.data, classes: 3, dim: 1000, perClass: 100, testPerClass: 50 };
  s.train = { ...s.train, width: 50, epochs: 300, batchSize: 1 };
  s.x = { ...s.x, count: 6 };
  s.y = { ...s.y!, count: 6 };
  return s;
}

let site: { url: string; close: () => Promise<void> };
let br: Browser;
let wasm: Benignfit;
let native: Benignfit;

beforeAll(async () => {
  site = await serve(join(repo, 'web-dist'));
  br = await launch();
  wasm = await load({ backend: 'wasm' });
  native = await load({ backend: 'native' });
});

afterAll(async () => {
  await br?.close();
  await site?.close();
  if (!SHOTS) rmSync(shotDir, { recursive: true, force: true });
});

async function open(page: Page, view: string, s?: Settings): Promise<void> {
  // A fresh document each time (a hash change alone would not reload).
  await page.goto('about:blank');
  await page.goto(`${site.url}#${view}${s ? `&${settingsHash(s)}` : ''}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
}

async function state(page: Page, sel: string, states: string[], timeout = 120_000): Promise<string> {
  await page.waitForFunction(([q, ok]) => ok.includes(document.querySelector(q)?.getAttribute('data-state') ?? ''), [sel, states] as const, { timeout });
  return (await page.getAttribute(sel, 'data-state'))!;
}

/** The heatmap's cells as { row, col, value } (value null for cells not finished). */
async function heatCells(page: Page): Promise<{ row: number; col: number; value: number | null }[]> {
  return page.$$eval('#heatmap rect.cell', (rs) =>
    rs.map((r) => ({
      row: Number(r.getAttribute('data-row')),
      col: Number(r.getAttribute('data-col')),
      value: r.hasAttribute('data-value') ? Number(r.getAttribute('data-value')) : null,
    })),
  );
}

/**
 * A screenshot of the current view: the viewport from the top of the page, or (`full`) the whole
 * page at the viewport's width (the 390 px views stack the form above the results).
 */
async function shot(page: Page, name: string, full = false): Promise<void> {
  mkdirSync(shotDir, { recursive: true });
  const file = join(shotDir, `web-${name}.png`);
  await page.mouse.move(1, 1);
  await page.evaluate(() => {
    window.scrollTo(0, 0);
    document.querySelectorAll('aside').forEach((a) => (a.scrollTop = 0));
  });
  const png = await page.screenshot({ path: file, fullPage: full });
  expect(pngSize(new Uint8Array(png))?.width).toBe(page.viewportSize()!.width);
}

/** The page is no wider than the viewport (no horizontal scrolling of the document). */
async function noOverflow(page: Page, what: string): Promise<void> {
  const [doc, body, view] = await page.evaluate(() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]);
  expect(Math.max(doc, body), `${what}: document width <= viewport width`).toBeLessThanOrEqual(view);
}

/** The element is shown, has a size and lies within the page's width. */
async function visible(page: Page, sel: string, what: string): Promise<void> {
  const box = await page.evaluate((q) => {
    const e = document.querySelector(q);
    if (!e) return null;
    const r = e.getBoundingClientRect();
    const st = getComputedStyle(e);
    return {
      w: r.width,
      h: r.height,
      left: r.left + window.scrollX,
      right: r.right + window.scrollX,
      hidden: st.visibility === 'hidden' || st.display === 'none',
      view: window.innerWidth,
    };
  }, sel);
  expect(box, `${what}: ${sel} exists`).not.toBeNull();
  expect(box!.hidden, `${what}: ${sel} shown`).toBe(false);
  expect(box!.w, `${what}: ${sel} has a width`).toBeGreaterThan(100);
  expect(box!.h, `${what}: ${sel} has a height`).toBeGreaterThan(100);
  expect(box!.left, `${what}: ${sel} starts on the page`).toBeGreaterThanOrEqual(0);
  expect(box!.right, `${what}: ${sel} ends on the page`).toBeLessThanOrEqual(box!.view + 0.5);
}

/** Numbers in the view's tables stay on one line (no "4.340e-" / "9"). */
async function numbersOnOneLine(page: Page, view: string): Promise<number> {
  const bad = await page.evaluate((v) => {
    const out: string[] = [];
    let n = 0;
    for (const td of document.querySelectorAll(`#view-${v} table.data td`)) {
      const t = td.textContent ?? '';
      if (!/^[>= ]*-?[0-9.]+(e-?[0-9]+)?( s)?$/.test(t.trim())) continue;
      n++;
      const r = document.createRange();
      r.selectNodeContents(td);
      const lines = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
      if (lines.size > 1) out.push(t);
    }
    return { out, n };
  }, view);
  expect(bad.out, `${view}: numbers wrapped inside`).toEqual([]);
  return bad.n;
}

/** The heatmap's legend entries are drawn as the lines they name (stroke, width, dash, halo). */
async function legendMatches(page: Page, sel: string): Promise<string[]> {
  return page.$eval(sel, (svg) => {
    const st = (e: Element | null) => e && ['stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity'].map((a) => e.getAttribute(a)).join('|');
    const labels: string[] = [];
    for (const sw of svg.querySelectorAll('.legend .swatch')) {
      const l = sw.getAttribute('data-label')!;
      const line = [...svg.querySelectorAll('.overlay')].find((o) => o.getAttribute('data-label') === l) ?? null;
      const halo = [...svg.querySelectorAll('.overlay-halo')].find((o) => o.getAttribute('data-label') === l) ?? null;
      const swHalo = [...svg.querySelectorAll('.legend .swatch-halo')].find((o) => o.getAttribute('data-label') === l) ?? null;
      if (!line || st(line) !== st(sw) || st(halo) !== st(swHalo)) throw new Error(`legend entry "${l}" is not drawn as its line: ${st(sw)} / ${st(line)}`);
      labels.push(l);
    }
    return labels;
  });
}

describe('the web page in Chromium', () => {
  it('loads from static files without cross-origin isolation and reports the wasm backend', async () => {
    const { page, errors } = br;
    await open(page, 'phase');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(await page.textContent('#backend-info')).toMatch(/on wasm .*simd128.*no SharedArrayBuffer needed/);
    // The default settings are the demo's 8 x 8 grid.
    expect(await page.textContent('#cell-count')).toMatch(/8 x 8 cells = 64 trainings/);
    // A bad value is refused before anything runs, naming the field as the library does.
    await page.fill('#view-phase input[name="data-classes"]', '1');
    await page.waitForFunction(() => document.querySelector('#phase-error')?.textContent !== '');
    expect(await page.textContent('#phase-error')).toMatch(/\[E_INVALID\] data\.classes: got 1, expected an integer from 2 to 1000/);
    await page.click('#run-sweep');
    expect(await page.getAttribute('#phase-status', 'data-state')).toBe('idle');
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('the form follows the core\'s declaration: bounds and help from the schema, every other field under "more fields", the core\'s words for a bad one', async () => {
    const { page, errors } = br;
    await open(page, 'phase');
    const classes = await page.$eval('#view-phase input[name="data-classes"]', (e) => [(e as HTMLInputElement).min, (e as HTMLInputElement).max]);
    expect(classes).toEqual(['2', '1000']);
    // Every field of the data and train sections the form does not show has an input here.
    const shown = { data: DATA_SHOWN, train: TRAIN_SHOWN };
    for (const sec of ['data', 'train'] as const) {
      const names = await page.$$eval(`#${sec}-extra [data-path]`, (es) => es.map((e) => e.getAttribute('data-path')));
      const want = fields(sec)
        .map((f) => f.name)
        .filter((n) => !shown[sec].includes(n))
        .map((n) => `extra.${sec}.${n}`);
      expect(want.length).toBeGreaterThan(0);
      expect(names).toEqual(want);
    }
    await page.click('#view-phase details.more-fields summary');
    await page.fill('#view-phase input[name="extra-data-baseEigenvalue"]', '0');
    await page.waitForFunction(() => document.querySelector('#phase-error')?.textContent !== '');
    expect(await page.textContent('#phase-error')).toMatch(/data\.baseEigenvalue: got 0, expected a finite number > 0/);
    await page.fill('#view-phase input[name="extra-data-baseEigenvalue"]', '');
    await page.waitForFunction(() => document.querySelector('#phase-error')?.textContent === '');
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('runs a small sweep: every heatmap cell equals the Node API on wasm, the downloads hold the rows', async () => {
    const { page, errors } = br;
    const s = small();
    await open(page, 'phase', s);
    await page.click('#run-sweep');
    expect(await state(page, '#phase-status', ['done', 'error'])).toBe('done');
    // The final figure (with the fit) is drawn after the last cell.
    await page.waitForFunction(() => document.querySelectorAll('#heatmap rect.cell[data-value]').length === 4);

    const config = sweepConfig(s);
    const resolved = resolveSweep(config);
    const ref = await runSweep(new InProcessExecutor(wasm), config);
    const want = meanGrid(resolved, ref.results);
    const got = await heatCells(page);
    expect(got.length).toBe(4);
    for (const c of got) expect(c.value, `cell row ${c.row} col ${c.col}`).toBe(want[c.row][c.col]);
    // The theory's boundaries (SNR = C1, Gamma = C2) are drawn over the featureNorm-gamma plane.
    expect(await page.$$eval('#heatmap polyline.overlay', (p) => p.length)).toBeGreaterThanOrEqual(1);

    // results.json: every row equal to the Node API's (wasm), and within round-off of native.
    const json = JSON.parse((await downloadOf(page, '#dl-json')).bytes.toString('utf8')) as {
      rows: CellResult[];
      config: unknown;
      backend: string;
      finished: number;
    };
    expect(json.backend).toBe('wasm');
    expect(json.finished).toBe(4);
    expect(json.config).toEqual(JSON.parse(JSON.stringify(config)));
    const byIndex = new Map(ref.results.map((r) => [r.index, r]));
    for (const r of json.rows) {
      const w = byIndex.get(r.index)!;
      expect(r.testAcc).toBe(w.testAcc);
      expect(r.trainLoss).toBe(w.trainLoss);
      expect(r.longTailed).toEqual(w.longTailed);
    }
    // The training curves of a cell equal a lone training of its config in Node.
    const lone = await runCell(wasm, cells(resolved)[3], { keepHistory: true });
    expect(lone.history!.length).toBeGreaterThanOrEqual(4);
    expect(json.rows.find((r) => r.index === 3)!.history).toEqual(lone.history);
    const nat = await runSweep(new InProcessExecutor(native), config);
    for (const r of nat.results) {
      const b = json.rows.find((x) => x.index === r.index)!;
      expect(Math.abs(b.trainLoss! - r.trainLoss!)).toBeLessThanOrEqual(1e-4 * Math.max(1, r.trainLoss!));
    }
    // results.csv: a header naming the axes and one line per cell.
    const csv = (await downloadOf(page, '#dl-csv')).bytes.toString('utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^index,data\.featureNorm,data\.gamma,seed,testAcc/);
    expect(csv.length).toBe(5);
    // The figure as SVG and PNG.
    expect((await downloadOf(page, '#dl-svg')).bytes.toString('utf8')).toMatch(/^<svg[\s\S]*class="cell"/);
    const png = (await downloadOf(page, '#dl-png')).bytes;
    expect(pngSize(new Uint8Array(png))!.width).toBeGreaterThan(600);

    // A click on a cell shows its row and its three training-curve charts.
    await page.click('#heatmap rect.cell[data-row="1"][data-col="1"]');
    await page.waitForSelector('#cell-charts svg');
    expect(await page.$$eval('#cell-charts svg', (v) => v.length)).toBe(3);
    expect(await page.$$eval('#cell-charts polyline.series', (v) => v.length)).toBeGreaterThanOrEqual(6);
    const acc = await page.textContent('#cell-table tbody td:nth-child(2)');
    const cell = ref.results.find((r) => r.xi === 1 && r.yi === 1)!;
    expect(Number(acc)).toBeCloseTo(cell.testAcc!, 3);
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('cancels a running sweep: running cells stop, finished cells are kept, nothing runs afterwards', async () => {
    const { page, errors } = br;
    await open(page, 'phase', long());
    await page.click('#run-sweep');
    // Wait until the workers are training (a running cell reports progress).
    await page.waitForSelector('#running-cells li', { timeout: 60_000 });
    await page.click('#cancel-sweep');
    expect(await state(page, '#phase-status', ['cancelled', 'error', 'done'], 60_000)).toBe('cancelled');
    const text = (await page.textContent('#phase-status'))!;
    const m = /cancelled: (\d+) of (\d+) cells finished \(kept\); (\d+) running cells? stopped, the workers are idle/.exec(text);
    expect(m, text).not.toBeNull();
    const [done, total, stopped] = [Number(m![1]), Number(m![2]), Number(m![3])];
    expect(total).toBe(36);
    expect(done).toBeLessThan(total);
    // The cells that were training when Cancel was pressed were stopped in the middle (each
    // takes seconds), not run to their end.
    expect(stopped).toBeGreaterThanOrEqual(1);
    expect(await page.isEnabled('#run-sweep')).toBe(true);
    // Nothing more arrives: the heatmap keeps `done` finished cells.
    await page.waitForTimeout(1500);
    expect((await heatCells(page)).filter((c) => c.value !== null).length).toBeLessThanOrEqual(done);
    expect(await page.textContent('#phase-status')).toBe(text);
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('scores a generated IDX dataset opened from disk: the scores equal the Node API on wasm', async () => {
    const { page, errors } = br;
    // 3 classes of 6 x 6 images (one class with a constant pixel), labels in a gzipped file.
    const n = 45;
    const [h, w] = [6, 6];
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) / (1 << 24);
    };
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 3);
    const pixels = Uint8Array.from({ length: n * h * w }, (_, k) => (labels[Math.floor(k / (h * w))] === 2 && k % (h * w) === 0 ? 7 : Math.floor(rnd() * 256)));
    const idx = (magic: number, dims: number[], data: Uint8Array) => {
      const b = Buffer.alloc(4 + 4 * dims.length + data.length);
      b.writeUInt32BE(magic, 0);
      dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
      Buffer.from(data).copy(b, 4 + 4 * dims.length);
      return b;
    };
    const dir = mkdtempSync(join(tmpdir(), 'bf-idx-'));
    const imgFile = join(dir, 'tiny-images-idx3-ubyte');
    const lblFile = join(dir, 'tiny-labels-idx1-ubyte.gz');
    writeFileSync(imgFile, idx(0x803, [n, h, w], pixels));
    writeFileSync(lblFile, gzipSync(idx(0x801, [n], labels)));
    try {
      await open(page, 'influence');
      await page.click('#tab-influence');
      await page.setInputFiles('#influence-files', [imgFile, lblFile]);
      await page.click('#influence-run');
      expect(await state(page, '#influence-status', ['done', 'error'])).toBe('done');
      const csv = (await downloadOf(page, '#dl-scores-csv')).bytes.toString('utf8').trim().split('\n');
      expect(csv[0]).toBe('index,label,score');
      const got = csv.slice(1).map((l) => l.split(',').map(Number));
      const set = { n, height: h, width: w, channels: 1, layout: 'hwc' as const, pixels, labels, classes: 3, classNames: null, sources: [] };
      const ref = await wasm.influence(set);
      const nat = await native.influence(set);
      expect(got.length).toBe(n);
      let scale = 0;
      for (const s of nat.scores) scale = Math.max(scale, Math.abs(s));
      got.forEach(([i, l, s], k) => {
        expect(i).toBe(k);
        expect(l).toBe(labels[i]);
        expect(s).toBe(ref.scores[i]);
        // f32 products: native (AVX) and wasm (simd128) agree to f32 round-off of the largest score.
        expect(Math.abs(s - nat.scores[i])).toBeLessThanOrEqual(3e-5 * scale);
      });
      // Figure 6: a 3 x 3 matrix, cell values tr(S_i S_j) as the Node API computes them.
      const f6 = await page.$$eval('#figure6 rect.cell', (rs) =>
        rs.map((r) => [Number(r.getAttribute('data-row')), Number(r.getAttribute('data-col')), Number(r.getAttribute('data-value'))]),
      );
      expect(f6.length).toBe(9);
      for (const [i, j, v] of f6) expect(v).toBe(ref.frobenius!.frobSq[i][j]);
      // Figure 5: both grids show each class's extremes; the table has one row per class.
      expect(await page.$$eval('#grid-top g.tile', (t) => t.length)).toBe(3 * 10 + 10);
      expect(await page.$$eval('#influence-table tbody tr', (t) => t.length)).toBe(3);
      // Another grid size redraws Figure 5 from the same scores: the 3 highest of class 0 are its top scores.
      await page.fill('#influence-grid', '3');
      await page.dispatchEvent('#influence-grid', 'change');
      await page.waitForFunction(() => document.querySelectorAll('#grid-top g.tile').length === 3 * 3 + 3);
      const tips = await page.$$eval('#grid-top g.tile title', (t) => t.slice(0, 3).map((x) => Number(/^#(\d+)/.exec(x.textContent!)![1])));
      const class0 = [...Array(n).keys()].filter((i) => labels[i] === 0).sort((a, b) => ref.scores[b] - ref.scores[a] || a - b);
      expect(tips).toEqual(class0.slice(0, 3));
      const npy = (await downloadOf(page, '#dl-scores-npy')).bytes;
      expect(npy.subarray(1, 6).toString('latin1')).toBe('NUMPY');
      // Without Figure 6 the classes run in Web Workers (one wasm instance each): the scores of one
      // instance without it (bytes then take the exact integer Gram route: other bits than with it).
      await page.uncheck('#influence-frobenius');
      await page.fill('#influence-workers', '3');
      await page.click('#influence-run');
      expect(await state(page, '#influence-status', ['done', 'error'])).toBe('done');
      expect(await page.textContent('#influence-summary')).toMatch(/on wasm in 3 Web Workers/);
      expect(await page.textContent('#figure6')).toMatch(/Not computed/);
      const par = (await downloadOf(page, '#dl-scores-csv')).bytes.toString('utf8').trim().split('\n');
      const one = await wasm.influence(set, { frobenius: false });
      expect(par.slice(1).map((l) => Number(l.split(',')[2]))).toEqual([...one.scores]);
      await page.check('#influence-frobenius');
      // A truncated images file: an error naming the file and what it should hold.
      const cut = join(dir, 'cut-images-idx3-ubyte');
      writeFileSync(cut, idx(0x803, [n, h, w], pixels).subarray(0, 100));
      await page.setInputFiles('#influence-files', [cut, lblFile]);
      await page.click('#influence-run');
      expect(await state(page, '#influence-status', ['done', 'error'])).toBe('error');
      expect(await page.textContent('#influence-status')).toMatch(
        /cut-images-idx3-ubyte: truncated: shape \[45, 6, 6\] of ubyte needs 1636 bytes, the file has 100/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('the Theory view follows the settings live and agrees with the Node API', async () => {
    const { page, errors } = br;
    const s = small();
    await open(page, 'theory', s);
    expect(await state(page, '#theory-status', ['done', 'error'])).toBe('done');
    const ref = wasm.theory(sweepConfig(s).data, { width: s.train.width, lr: s.train.lr, steps: 4 * Math.ceil(24 / 2), ls: [0.5, 1, 2, 4] });
    const phases = await page.$$eval('#theory-phases li', (l) => l.map((x) => x.getAttribute('data-phase')));
    expect(phases).toEqual(ref.phase);
    // A weak feature and homogeneous noise: no class is benign; a strong feature: all are, by Statement 2(a).
    await page.fill('#view-theory input[name="data-featureNorm"]', '0.01');
    await page.waitForFunction(() => [...document.querySelectorAll('#theory-phases li')].every((l) => l.getAttribute('data-phase') !== 'benign-explicit'));
    await page.fill('#view-theory input[name="data-featureNorm"]', '20');
    await page.waitForFunction(() => document.querySelector('#theory-table tbody td:nth-child(3)')?.textContent === '20');
    expect(await page.$$eval('#theory-phases li', (l) => l.map((x) => x.getAttribute('data-phase')))).toEqual([
      'benign-explicit',
      'benign-explicit',
      'benign-explicit',
    ]);
    const snr = await page.$$eval('#theory-table tbody tr td:nth-child(4)', (t) => t.map((x) => Number(x.textContent)));
    const ref2 = wasm.theory({ ...sweepConfig(s).data, featureNorm: 20 }, { width: s.train.width, lr: s.train.lr, steps: 4 * Math.ceil(24 / 2) });
    snr.forEach((v, k) => expect(v).toBeCloseTo(ref2.snr[k]!, -Math.floor(Math.log10(ref2.snr[k]!)) + 2));
    // The phase diagram's form shows the same (shared) value.
    expect(await page.inputValue('#view-phase input[name="data-featureNorm"]')).toBe('20');
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('each view at 390, 1024, 1280 and 1920 px: no horizontal overflow, its main figure visible, numbers on one line; screenshots at 1280 x 800 and 390 x 844', async () => {
    const { page, errors } = br;
    // With BENIGNFIT_SCREENSHOTS=1 the docs' screenshots: the demo diagram (64 cells, a few
    // seconds on two cores); otherwise the small sweep.
    const s = SHOTS ? demoSettings() : small();
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(page, 'phase', s);
    await page.click('#run-sweep');
    expect(await state(page, '#phase-status', ['done', 'error'], 900_000)).toBe('done');
    const n = s.x.count * s.y!.count;
    await page.waitForFunction((k) => document.querySelectorAll('#heatmap rect.cell[data-value]').length === k, n);
    // The boundary lines' legend (below the map) matches the lines.
    expect((await legendMatches(page, '#heatmap svg')).join('; ')).toMatch(/SNR = C1/);
    // A note about the fit names the file that holds it, as a link that downloads it.
    await page.waitForSelector('#figure-notes a.download-link');
    expect(await page.textContent('#figure-notes')).toMatch(/the fit is in results\.json/);
    expect((await downloadOf(page, '#figure-notes a.download-link')).name).toMatch(/-results\.json$/);
    // A cell between the phases: its curves show memorisation and feature learning competing.
    await page.click(`#heatmap rect.cell[data-row="${Math.floor(s.y!.count / 4)}"][data-col="${Math.floor((2 * s.x.count) / 3)}"]`);
    await page.waitForSelector('#cell-charts svg');
    await page.click('#tab-influence');
    await page.click('#influence-sample');
    expect(await state(page, '#influence-status', ['done', 'error'])).toBe('done');
    expect(await page.textContent('#influence-summary')).toMatch(/500 images of 28 x 28 in 10 classes/);
    await page.click('#tab-theory');
    // Noise with a class-specific direction (Gamma = 10): Statement 2(b), benign by implicit features.
    await page.fill('#view-theory input[name="data-gamma"]', '10');
    await page.waitForFunction(() => document.querySelector('#theory-phases li')?.getAttribute('data-phase') === 'benign-implicit');
    expect(await state(page, '#theory-status', ['done', 'error'])).toBe('done');

    const FIGURE = { phase: '#heatmap svg', influence: '#figure6 svg', theory: '#theory-map svg' } as const;
    for (const [w, h] of [
      [1280, 800],
      [390, 844],
      [1024, 768],
      [1920, 1080],
    ]) {
      await page.setViewportSize({ width: w, height: h });
      for (const view of ['phase', 'influence', 'theory'] as const) {
        await page.click(`#tab-${view}`);
        await page.waitForTimeout(50);
        await noOverflow(page, `${view} at ${w} px`);
        await visible(page, FIGURE[view], `${view} at ${w} px`);
        if (view !== 'phase') expect(await numbersOnOneLine(page, view)).toBeGreaterThan(10);
        if (w === 1280) await shot(page, view);
        if (w === 390) await shot(page, `${view}-390`, true);
      }
      // At 390 px the form comes first, the results below it.
      if (w === 390) {
        const [form, results] = await page.evaluate(() =>
          ['#view-theory aside', '#view-theory .results'].map((q) => document.querySelector(q)!.getBoundingClientRect().top),
        );
        expect(form).toBeLessThan(results);
      }
    }
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it("presets show their cells and a time estimate before Run; every select's options fit; the docs are links", async () => {
    const { page, errors } = br;
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(page, 'phase');
    // Every option's text fits its select (measured with the select's font, less its arrow), in
    // every view, at 1280 and 390 px.
    for (const w of [1280, 390]) {
      await page.setViewportSize({ width: w, height: 800 });
      for (const view of ['phase', 'influence', 'theory']) {
        await page.click(`#tab-${view}`);
        const cut = await page.$$eval(`#view-${view} select`, (sels) => {
          const ctx = document.createElement('canvas').getContext('2d')!;
          return sels.flatMap((sel) => {
            const s = sel as HTMLSelectElement;
            if (!s.offsetParent) return [];
            ctx.font = getComputedStyle(s).font;
            return [...s.options]
              .filter((o) => ctx.measureText(o.text).width > s.clientWidth - 28)
              .map((o) => `${s.name}: ${o.text} (${Math.round(ctx.measureText(o.text).width)} px in ${s.clientWidth})`);
          });
        });
        expect(cut, `${view} at ${w} px`).toEqual([]);
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.click('#tab-phase');
    await page.selectOption('#preset', 'fig3a-full');
    expect(await page.textContent('#preset-info')).toMatch(
      /^Figure 3a, full, 3 seeds: 12 x 12 cells x 3 seeds = 432 trainings · about [\d.]+ (min|h) on \d+ workers? \(from docs\/presets-measured\.json\)$/,
    );
    expect(await page.textContent('#preset option[value="fig3a-full"]')).toMatch(/\(432 cells\)/);
    await page.click('#load-preset');
    expect(await page.textContent('#cell-count')).toMatch(/432 trainings · about/);
    // The Theory view links docs/theory.md in the repository of Cargo.toml.
    const repoUrl = /^\s*repository\s*=\s*"([^"]+)"/m.exec(readFileSync(join(repo, 'Cargo.toml'), 'utf8'))![1];
    await page.click('#tab-theory');
    expect(await page.getAttribute('#view-theory a.doc-link', 'href')).toBe(`${repoUrl.replace(/\/+$/, '')}/blob/main/docs/theory.md`);
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('Theory sliders: log scales within their bounds, the phase and its map follow live', async () => {
    const { page, errors } = br;
    const s = small();
    s.data.featureNorm = 0.01;
    await open(page, 'theory', s);
    expect(await state(page, '#theory-status', ['done', 'error'])).toBe('done');
    expect(await page.$$eval('#theory-sliders .bound', (b) => b.map((x) => x.textContent))).toEqual(['1e-4', '100', '1', '10000', '2', '2000']);
    const slide = (name: string, pos: number) =>
      page.$eval(
        `#slider-${name}`,
        (e, p) => {
          const i = e as HTMLInputElement;
          i.value = String(p);
          i.dispatchEvent(new Event('input', { bubbles: true }));
        },
        pos,
      );
    // Gamma: the middle of a log slider from 1 to 1e4 is 100.
    await slide('gamma', 500);
    expect(await page.inputValue('#view-theory input[name="data-gamma"]')).toBe('100');
    await page.waitForFunction(() => [...document.querySelectorAll('#theory-phases li')].every((l) => l.getAttribute('data-phase') === 'benign-implicit'));
    const marker = () => page.$eval('#theory-map circle.marker', (c) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))]);
    await page.waitForFunction(() => /Gamma = 100\)/.test(document.querySelector('#theory-map circle.marker')?.getAttribute('data-label') ?? ''));
    const [, y100] = await marker();
    // Gamma back to 1 (homogeneous noise), ||u|| up to 100: benign by the feature, 2(a).
    await slide('gamma', 0);
    await slide('featureNorm', 1000);
    expect(await page.inputValue('#view-theory input[name="data-featureNorm"]')).toBe('100');
    await page.waitForFunction(() => [...document.querySelectorAll('#theory-phases li')].every((l) => l.getAttribute('data-phase') === 'benign-explicit'));
    await page.waitForFunction(() =>
      /\|\|u\|\| = 100, Gamma = 1\)/.test(document.querySelector('#theory-map circle.marker')?.getAttribute('data-label') ?? ''),
    );
    const [x, y1] = await marker();
    expect(y1).toBeGreaterThan(y100);
    // The marker sits in a region of the phase the table reports.
    const region = await page.$$eval(
      '#theory-map rect.region',
      (rs, [cx, cy]) => {
        const hit = rs.find((r) => {
          const [a, b, w, h] = ['x', 'y', 'width', 'height'].map((k) => Number(r.getAttribute(k)));
          return cx >= a && cx <= a + w && cy >= b && cy <= b + h;
        });
        return hit?.getAttribute('data-phase');
      },
      [x - 1, y1 - 1],
    );
    expect(region).toBe('benign-explicit');
    expect(errors, errors.join('\n')).toEqual([]);
  });
});
