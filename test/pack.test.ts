/**
 * benignfit as a dependency: `npm pack`, install the tarball into a scratch project, then
 * (1) import it in Node and generate a dataset on the native addon and on wasm, and
 * (2) build a page with Vite that imports it (browser condition: the wasm build) and check the
 *     bundle carries the .wasm; the browser suite (test/browser) runs such a page in Chromium.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..');
let scratch = '';

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'bf-pack-'));
  const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch, '--silent'], { cwd: repo, encoding: 'utf8' }).trim().split('\n').pop()!;
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', type: 'module', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', join(scratch, tgz)], { cwd: scratch, stdio: 'pipe' });
}, 300_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('the packed package carries both backends and its types', () => {
    const root = join(scratch, 'node_modules', 'benignfit');
    expect(readdirSync(join(root, 'native')).some((f) => f.endsWith('.node'))).toBe(true);
    expect(existsSync(join(root, 'wasm', 'benignfit_wasm_bg.wasm'))).toBe(true);
    expect(existsSync(join(root, 'dist', 'index.node.d.ts'))).toBe(true);
    expect(existsSync(join(root, 'native', 'build-info.json'))).toBe(true);
    expect(existsSync(join(root, 'node_modules'))).toBe(false);
  });

  it.each(['native', 'wasm'])('another project imports it in Node and generates a dataset (%s)', (backend) => {
    const script = `import { load } from 'benignfit';
      const bf = await load();
      const d = bf.generate({ classes: 3, dim: 30, perClass: 4, gamma: 5, seed: 1 });
      console.log(JSON.stringify({ backend: bf.backend, n: d.nTrain, gamma: d.model.gamma[0][1], first: d.trainX[0] }));`;
    writeFileSync(join(scratch, 'use.mjs'), script);
    const out = JSON.parse(execFileSync(process.execPath, ['use.mjs'], { cwd: scratch, env: { ...process.env, BENIGNFIT_BACKEND: backend }, encoding: 'utf8' }));
    expect(out.backend).toBe(backend);
    expect(out.n).toBe(12);
    expect(out.gamma).toBeCloseTo(5, 10);
    return out;
  });

  it('the CLI of the installed package runs (npx benignfit)', () => {
    const out = execFileSync('npx', ['--no-install', 'benignfit', 'generate', '--out', 'g', '--classes', '2', '--dim', '8', '--per-class', '3', '--no-noise-factors'], { cwd: scratch, encoding: 'utf8' });
    expect(out).toMatch(/generated 6 training/);
    expect(existsSync(join(scratch, 'g', 'train_x.npy'))).toBe(true);
  });

  it('a Vite-built page bundles the wasm build', () => {
    const web = join(scratch, 'web');
    mkdirSync(web, { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><html><body><pre id="out">loading</pre><script type="module" src="./main.js"></script></body></html>');
    writeFileSync(
      join(web, 'main.js'),
      `import { load } from 'benignfit';
       const bf = await load();
       const d = bf.generate({ classes: 3, dim: 30, perClass: 4, gamma: 5, seed: 1 });
       document.getElementById('out').textContent = JSON.stringify({ backend: bf.backend, n: d.nTrain, first: d.trainX[0] });`,
    );
    execFileSync(process.execPath, [join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', web, '--outDir', join(web, 'dist'), '--logLevel', 'error'], { cwd: scratch, stdio: 'pipe' });
    const assets = readdirSync(join(web, 'dist', 'assets'));
    expect(assets.some((f) => f.endsWith('.wasm'))).toBe(true);
    const js = assets.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(web, 'dist', 'assets', f), 'utf8')).join('\n');
    // The browser build must not pull in Node's native loader.
    expect(js).not.toMatch(/benignfit\.linux-x64-gnu\.node|node:worker_threads/);
  });
});
