import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { plot, readMnist } from '../ts/index.node.js';
import { BACKENDS, backend, idx } from './helpers.js';

describe.each(BACKENDS)('benignfit influence (CLI) on %s', (name) => {
  it('writes scores in file order, the Figure 6 CSV and heatmap, the grids and the summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-influence-cli-'));
    const n = 45;
    const labels = Uint8Array.from({ length: n }, (_, i) => (i * 7) % 3);
    let s = 3;
    const px = Uint8Array.from({ length: n * 64 }, (_, k) => {
      s = (s * 1103515245 + 12345) >>> 0;
      return (s >>> 24) * (k % 64 > 8 ? 1 : 0);
    });
    writeFileSync(join(dir, 'img.gz'), gzipSync(idx(0x08, [n, 8, 8], px)));
    writeFileSync(join(dir, 'lab'), idx(0x08, [n], labels));
    const out = join(dir, 'out');
    execFileSync(
      'node',
      ['dist/cli/main.js', 'influence', '--images', join(dir, 'img.gz'), '--labels', join(dir, 'lab'), '--out', out, '--backend', name, '--grid', '4'],
      { stdio: 'pipe' },
    );
    const csv = readFileSync(join(out, 'scores.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('index,label,score');
    expect(csv.length).toBe(n + 1);
    const want = await (await backend(name)).influence(readMnist(join(dir, 'img.gz'), join(dir, 'lab')));
    csv.slice(1).forEach((line, i) => {
      const [ix, lab, sc] = line.split(',');
      expect([+ix, +lab]).toEqual([i, labels[i]]);
      expect(+sc).toBe(want.scores[i]);
    });
    const fro = readFileSync(join(out, 'frobenius.csv'), 'utf8').trim().split('\n');
    expect(fro[0]).toBe('class,0,1,2');
    fro.slice(1).forEach((row, i) => expect(row.split(',').map(Number)).toEqual([i, ...want.frobenius!.frobSq[i]]));
    for (const f of ['frobenius.png', 'grid_top.png', 'grid_bottom.png']) expect(plot.pngSize(new Uint8Array(readFileSync(join(out, f))))).not.toBeNull();
    expect(readFileSync(join(out, 'frobenius.svg'), 'utf8').match(/class="cell"/g)!.length).toBe(9);
    // 3 classes + the overall row, 4 images each.
    expect(readFileSync(join(out, 'grid_top.svg'), 'utf8').match(/<image /g)!.length).toBe(16);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.backend).toBe(name);
    expect(summary.config.influence.normalize).toBe('scale');
    expect(summary.files.every((f: string) => existsSync(join(out, f)))).toBe(true);
  });

  it('a truncated image file is an error naming the file, exit code 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-influence-cli-'));
    writeFileSync(join(dir, 'img'), idx(0x08, [10, 4, 4], new Uint8Array(100)));
    writeFileSync(join(dir, 'lab'), idx(0x08, [10], new Uint8Array(10)));
    let err: { status: number; stderr: Buffer } | null = null;
    try {
      execFileSync(
        'node',
        ['dist/cli/main.js', 'influence', '--images', join(dir, 'img'), '--labels', join(dir, 'lab'), '--out', join(dir, 'o'), '--backend', name],
        { stdio: 'pipe' },
      );
    } catch (e) {
      err = e as { status: number; stderr: Buffer };
    }
    expect(err!.status).toBe(2);
    expect(err!.stderr.toString()).toMatch(/E_FORMAT.*img: truncated: shape \[10, 4, 4\] of ubyte needs 176 bytes, the file has 116/);
  });
});
