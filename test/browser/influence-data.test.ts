/**
 * The Influence view with anyone's data (issue 17 item 1): a picked folder of PNGs with one
 * subfolder per class, a .npy feature matrix with CSV labels, and a CSV table, read in the page's
 * worker; the scores equal the Node API's on wasm (the same build: bit-identical).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy, load, readData, type Benignfit } from '../../ts/index.node.js';
import { downloadOf, launch, repo, serve, type Browser } from './helpers.js';

let site: { url: string; close: () => Promise<void> };
let br: Browser;
let wasm: Benignfit;

beforeAll(async () => {
  site = await serve(join(repo, 'web-dist'));
  br = await launch();
  wasm = await load({ backend: 'wasm' });
});

afterAll(async () => {
  await br?.close();
  await site?.close();
});

async function openInfluence(page: Page): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${site.url}#influence`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  await page.click('#tab-influence');
}

async function finish(page: Page): Promise<string> {
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('#influence-status')?.getAttribute('data-state') ?? ''), undefined, {
    timeout: 60_000,
  });
  return (await page.getAttribute('#influence-status', 'data-state'))!;
}

async function scores(page: Page): Promise<string[][]> {
  const csv = (await downloadOf(page, '#dl-scores-csv')).bytes.toString('utf8').trim().split('\n');
  return csv.map((l) => l.split(','));
}

describe('influence view: data from disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bf-web-data-'));
  let seed = 99;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) / (1 << 24);
  };

  it('a picked folder of PNGs (one subfolder per class) scores as the Node API reads it', async () => {
    const { page, errors } = br;
    const folder = join(dir, 'pets');
    const names = ['cat', 'dog', 'owl'];
    for (const [c, nm] of names.entries()) {
      mkdirSync(join(folder, nm), { recursive: true });
      for (let i = 0; i < 4; i++) {
        const px = Uint8Array.from({ length: 5 * 6 }, () => Math.floor(rnd() * (100 + 50 * c)));
        writeFileSync(join(folder, nm, `${i}.png`), encodePng({ width: 6, height: 5, data: px, channels: 1, depth: 8 }));
      }
    }
    writeFileSync(join(folder, 'dog', 'README.txt'), 'not an image');
    const want = await wasm.influence(readData(folder, undefined));
    await openInfluence(page);
    await page.setInputFiles('#influence-folder', folder);
    await page.click('#influence-run');
    expect(await finish(page), (await page.textContent('#influence-status'))!).toBe('done');
    expect(await page.textContent('#influence-summary')).toMatch(/12 images of 5 x 6 in 3 classes \(pets; 1 files that are not PNG or JPEG skipped\)/);
    const rows = await scores(page);
    expect(rows[0]).toEqual(['index', 'label', 'score', 'file']);
    rows.slice(1).forEach(([i, l, s, f], k) => {
      expect([Number(i), Number(l), Number(s)]).toEqual([k, want.labels[k], want.scores[k]]);
      expect(f).toBe(`${names[want.labels[k]]}/${k % 4}.png`);
    });
    expect(await page.$$eval('#grid-top svg', (s) => s.length)).toBe(1);
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('a .npy feature matrix with CSV labels, and a CSV table: the same scores as the Node API, no grids', async () => {
    const { page, errors } = br;
    const [n, d] = [18, 4];
    const x = Float64Array.from({ length: n * d }, () => (rnd() - 0.5) * 3);
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    writeFileSync(join(dir, 'emb.npy'), encodeNpy(x, [n, d]));
    writeFileSync(join(dir, 'emb-labels.csv'), `label\n${labels.join('\n')}\n`);
    writeFileSync(join(dir, 'table.csv'), `y,a,b,c,d\n${labels.map((l, i) => `${l},${[...x.subarray(i * d, (i + 1) * d)].join(',')}`).join('\n')}\n`);
    const want = await wasm.influence(readData(join(dir, 'emb.npy'), join(dir, 'emb-labels.csv')));
    await openInfluence(page);
    await page.setInputFiles('#influence-files', [join(dir, 'emb.npy'), join(dir, 'emb-labels.csv')]);
    await page.click('#influence-run');
    expect(await finish(page), (await page.textContent('#influence-status'))!).toBe('done');
    expect(await page.textContent('#influence-summary')).toMatch(/18 feature vectors of 4 in 3 classes/);
    const rows = await scores(page);
    rows.slice(1).forEach(([, , s], k) => expect(Number(s)).toBe(want.scores[k]));
    expect(await page.isDisabled('#dl-grid_top-svg')).toBe(true);
    // Dropped files (not a folder) take the same path.
    const npyB64 = readFileSync(join(dir, 'emb.npy')).toString('base64');
    const csvText = readFileSync(join(dir, 'emb-labels.csv'), 'utf8');
    await page.evaluate(
      ([b64, text]) => {
        const dt = new DataTransfer();
        dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'emb.npy'));
        dt.items.add(new File([text], 'emb-labels.csv'));
        document.querySelector('#influence-drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      [npyB64, csvText] as const,
    );
    expect(await page.textContent('#influence-chosen')).toMatch(/2 files: emb\.npy, emb-labels\.csv/);
    await page.click('#influence-run');
    expect(await finish(page), (await page.textContent('#influence-status'))!).toBe('done');
    (await scores(page)).slice(1).forEach(([, , s], k) => expect(Number(s)).toBe(want.scores[k]));
    // The same features as a table, its label column named in the form.
    await page.setInputFiles('#influence-files', [join(dir, 'table.csv')]);
    await page.fill('#influence-label-column', 'y');
    await page.click('#influence-run');
    expect(await finish(page), (await page.textContent('#influence-status'))!).toBe('done');
    (await scores(page)).slice(1).forEach(([, , s], k) => expect(Number(s)).toBe(want.scores[k]));
    // A wrong label column is an error that names the file and the column.
    await page.fill('#influence-label-column', 'nope');
    await page.click('#influence-run');
    expect(await finish(page)).toBe('error');
    expect(await page.textContent('#influence-status')).toMatch(/table\.csv: no column named "nope"/);
    expect(errors, errors.join('\n')).toEqual([]);
  });
});
