/**
 * benignfit as a dependency, from the tarballs `npm run pack:all` writes (the main package and the
 * platform package benignfit-linux-x64-gnu, napi-rs's layout), installed into a scratch project:
 * - what the tarballs hold: no binary in the main package and under 2.5 MB, LICENSE, repository,
 *   no install-time scripts, source maps whose sources ship, an exports map with types per condition;
 * - Node runs the native addon from the platform package (import, require, sweep in worker threads,
 *   the CLI); with the platform package removed it runs wasm and says why once, and forcing native
 *   gives advice that fits an installed package; environment reads that throw (Deno) do not break it;
 * - every name the README and docs import exists in the entry they import it from;
 * - tsc type-checks a browser bundle (moduleResolution bundler, conditions browser) and a Node
 *   project against their own declarations;
 * - a page built by Vite bundles the wasm build (the browser suite, test/browser, runs one in Chromium).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..');
const PLATFORM = 'benignfit-linux-x64-gnu';
const MAX_MAIN = 2.5 * 1024 * 1024;
const NOTE = /^benignfit: running on the wasm backend/gm;

interface Packed {
  name: string;
  version: string;
  file: string;
  size: number;
  unpackedSize: number;
  files: string[];
}

let scratch = '';
let app = '';
let main: Packed;
let platform: Packed;
/** The fields of a package.json these tests read. */
interface PackageJson {
  license?: string;
  version: string;
  repository: { type: string; url: string };
  scripts?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  engines?: Record<string, string>;
  exports: Record<string, Record<string, { types: string; default: string }>>;
}
const pkgJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
const installed = (name = 'benignfit') => join(app, 'node_modules', name);

/** Run a script in the scratch project; stdout is one JSON line. */
function node(file: string, code: string, env: Record<string, string | undefined> = {}) {
  writeFileSync(join(app, file), code);
  const r = spawnSync(process.execPath, [file], {
    cwd: app,
    encoding: 'utf8',
    env: { ...process.env, BENIGNFIT_BACKEND: undefined, BENIGNFIT_QUIET: undefined, ...env },
  });
  if (r.status !== 0) throw new Error(`${file} exited with ${r.status}:\n${r.stderr}`);
  return { out: JSON.parse(r.stdout.trim().split('\n').pop()!), stderr: r.stderr };
}

const TINY = {
  data: { classes: 2, dim: 16, perClass: 3, testPerClass: 4, seed: 1 },
  train: { width: 2, steps: 5 },
  sweep: { x: { param: 'data.gamma', values: [1, 4, 16] } },
};

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'bf-pack-'));
  const out = join(scratch, 'tarballs');
  const manifest = JSON.parse(
    execFileSync(process.execPath, [join(repo, 'scripts', 'pack-all.mjs'), '--no-build', '--out', out, '--json'], {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as Packed[];
  main = manifest.find((p) => p.name === 'benignfit')!;
  platform = manifest.find((p) => p.name === PLATFORM)!;
  app = join(scratch, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', type: 'module', private: true }));
  // Both tarballs, as npm would fetch them on linux-x64 (the dependencies of benignfit come from the npm cache).
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', main.file, platform.file], { cwd: app, stdio: 'pipe' });
}, 300_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('npm run pack:all', () => {
  it('writes the main package without a binary, under 2.5 MB, with LICENSE, repository and no install-time scripts', () => {
    expect(main.size).toBeLessThan(MAX_MAIN);
    expect(main.files.filter((f) => f.endsWith('.node'))).toEqual([]);
    for (const f of [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/index.node.js',
      'dist/index.browser.js',
      'wasm/benignfit_wasm_bg.wasm',
      'wasm/build-info.json',
    ])
      expect(main.files).toContain(f);
    const pj = pkgJson(installed());
    expect(pj.license).toBe('MIT');
    expect(readFileSync(join(installed(), 'LICENSE'), 'utf8')).toMatch(/^MIT License[\s\S]*Permission is hereby granted, free of charge/);
    const cargoRepo = /^repository\s*=\s*"([^"]+)"/m.exec(readFileSync(join(repo, 'Cargo.toml'), 'utf8'))![1];
    expect(pj.repository).toEqual({ type: 'git', url: cargoRepo });
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pj.scripts?.[s]).toBeUndefined();
    expect(pj.optionalDependencies).toEqual({ [PLATFORM]: pj.version });
    // require(esm) is unflagged from 20.19 and 22.12: the engines range says so.
    expect(pj.engines).toEqual({ node: '^20.19.0 || >=22.12.0' });
    expect(existsSync(join(installed(), 'node_modules'))).toBe(false);
  });

  it('writes the platform package: the addon and what built it, for linux x64 glibc, same version', () => {
    expect(platform.files.sort()).toEqual(['LICENSE', 'README.md', 'benignfit.linux-x64-gnu.node', 'build-info.json', 'package.json']);
    expect(platform.version).toBe(main.version);
    const pj = pkgJson(installed(PLATFORM));
    expect(pj).toMatchObject({ name: PLATFORM, os: ['linux'], cpu: ['x64'], libc: ['glibc'], main: 'benignfit.linux-x64-gnu.node', license: 'MIT' });
    expect(pj.repository.url).toBe(pkgJson(installed()).repository.url);
    expect(JSON.parse(readFileSync(join(installed(PLATFORM), 'build-info.json'), 'utf8')).artifact).toBe('native');
    // The folder in the repository says the same as what was packed.
    expect(pkgJson(join(repo, 'npm', 'linux-x64-gnu'))).toEqual(pj);
  });

  it('ships the sources of every source map', () => {
    const files = new Set(main.files);
    const maps = main.files.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const m of maps) {
      const map = JSON.parse(readFileSync(join(installed(), m), 'utf8')) as { sources: string[]; sourceRoot?: string };
      for (const s of map.sources) {
        const p = normalize(join(dirname(m), map.sourceRoot ?? '', s));
        if (!files.has(p)) missing.push(`${m} -> ${s}`);
      }
    }
    expect(missing).toEqual([]);
    // Every map a .js file names is in the package.
    for (const js of main.files.filter((f) => f.endsWith('.js') && f.startsWith('dist/'))) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(installed(), js), 'utf8'))?.[1];
      if (url) expect(files.has(normalize(join(dirname(js), url))), `${js} -> ${url}`).toBe(true);
    }
  });

  it('gives every condition of the exports map its own types', () => {
    const exp = pkgJson(installed()).exports['.'];
    expect(Object.keys(exp)).toEqual(['browser', 'node', 'default']);
    expect(exp.node).toEqual({ types: './dist/index.node.d.ts', default: './dist/index.node.js' });
    expect(exp.browser).toEqual({ types: './dist/index.browser.d.ts', default: './dist/index.browser.js' });
    expect(exp.default).toEqual(exp.browser);
    // The machine measurements of bench/ have their own subpath, outside the main entries.
    const perf = pkgJson(installed()).exports['./perf'];
    expect(perf).toEqual({ types: './dist/perf.d.ts', default: './dist/perf.js' });
    for (const c of [...Object.values(exp), perf] as { types: string; default: string }[]) {
      expect(existsSync(join(installed(), c.types))).toBe(true);
      expect(existsSync(join(installed(), c.default))).toBe(true);
    }
  });
});

describe('the installed package in Node', () => {
  it('loads the native addon from the platform package, by import and by require', () => {
    const { out, stderr } = node(
      'native.mjs',
      `import { load } from 'benignfit';
       const bf = await load();
       const d = bf.generate({ classes: 3, dim: 30, perClass: 4, gamma: 5, seed: 1 });
       console.log(JSON.stringify({ backend: bf.backend, note: bf.backendNote, info: bf.buildInfo, n: d.nTrain, gamma: d.model.gamma[0][1] }));`,
    );
    expect(out).toMatchObject({ backend: 'native', note: null, n: 12 });
    expect(out.info).toMatchObject({ artifact: 'native', file: 'benignfit.linux-x64-gnu.node' });
    expect(out.gamma).toBeCloseTo(5, 10);
    expect(stderr).not.toMatch(NOTE);
    const cjs = node('native.cjs', `require('benignfit').load().then((bf) => console.log(JSON.stringify({ backend: bf.backend })));`);
    expect(cjs.out.backend).toBe('native');
  });

  it('runs a sweep in worker threads (sweep, preset and the other names the README shows)', () => {
    const { out, stderr } = node(
      'sweep.mjs',
      `import { sweep, preset, FIGURES, measureSpeedup, NodeWorkerExecutor } from 'benignfit';
       const seen = [];
       const run = await sweep(${JSON.stringify(TINY)}, { workers: 2, onProgress: (p) => seen.push(p.done) });
       const fig = preset('fig3a', true);
       console.log(JSON.stringify({ cells: run.results.length, errors: run.results.filter((r) => r.error).length, seen, figures: FIGURES, quick: fig.sweep.seeds, speedup: typeof measureSpeedup, ex: typeof NodeWorkerExecutor }));`,
    );
    expect(out).toMatchObject({ cells: 3, errors: 0, figures: ['fig3a', 'fig3b', 'fig4a', 'fig4b'], speedup: 'function', ex: 'function' });
    expect(out.seen.at(-1)).toBe(3);
    expect(stderr).not.toMatch(NOTE);
  });

  it('the CLI runs (npx benignfit)', () => {
    const out = execFileSync(
      'npx',
      ['--no-install', 'benignfit', 'generate', '--out', 'g', '--classes', '2', '--dim', '8', '--per-class', '3', '--no-noise-factors'],
      { cwd: app, encoding: 'utf8' },
    );
    expect(out).toMatch(/generated 6 training/);
    expect(existsSync(join(app, 'g', 'train_x.npy'))).toBe(true);
  });

  it('exports every name the README and docs import, from the entry they import it from', () => {
    const nodeOnly = new Set([
      'readMnist',
      'readIdx',
      'readCifar',
      'readBytes',
      'ensureRasterizer',
      'writeSweepFigure',
      'NodeWorkerExecutor',
      'platformKey',
      'PLATFORM_PACKAGES',
      // Readers of files by path (ts/formats/node.ts); the browser reads File objects instead.
      'readData',
      'readTable',
      'readImageFolder',
    ]);
    const docs = [
      'README.md',
      ...readdirSync(join(repo, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const wanted: { name: string; from: string; doc: string }[] = [];
    for (const doc of docs) {
      for (const m of readFileSync(join(repo, doc), 'utf8').matchAll(/import\s*\{([^}]*)\}\s*from\s*'(benignfit(?:\/wasm)?)'/g)) {
        for (const part of m[1].split(',')) {
          const name = part
            .trim()
            .replace(/^type\s+/, '')
            .split(/\s+as\s+/)[0];
          if (name && !/^type\s/.test(part.trim())) wanted.push({ name, from: m[2], doc });
        }
      }
    }
    expect(wanted.map((w) => w.name)).toEqual(expect.arrayContaining(['load', 'sweep']));
    const { out } = node(
      'names.mjs',
      `console.log(JSON.stringify({ node: Object.keys(await import('benignfit')), browser: Object.keys(await import('benignfit/wasm')), perf: Object.keys(await import('benignfit/perf')) }));`,
    );
    const missing: string[] = [];
    for (const w of wanted) {
      const entries = w.from === 'benignfit/wasm' ? ['browser'] : nodeOnly.has(w.name) ? ['node'] : ['node', 'browser'];
      for (const e of entries) if (!(out[e] as string[]).includes(w.name)) missing.push(`${w.doc}: ${w.name} (${e} entry)`);
    }
    expect(missing).toEqual([]);
    // The perf probes are only in benignfit/perf.
    const probes = ['measureGemm', 'measureBoundary', 'measureClock', 'kernelInfo', 'timeBest'];
    expect(out.perf).toEqual(expect.arrayContaining(probes));
    for (const e of ['node', 'browser'])
      expect(
        (out[e] as string[]).filter((n) => probes.includes(n)),
        e,
      ).toEqual([]);
    // The Node entry has everything the browser entry has, but the Web Worker executors.
    const browserOnly = new Set(['BrowserWorkerExecutor', 'BrowserInfluenceExecutor', 'defaultWorkers']);
    expect((out.browser as string[]).filter((n) => !browserOnly.has(n) && !(out.node as string[]).includes(n))).toEqual([]);
  });

  it('type-checks a browser bundle and a Node project against their own declarations (tsc)', () => {
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    const base = { target: 'es2022', strict: true, noEmit: true, skipLibCheck: true };
    writeFileSync(
      join(app, 'browser.ts'),
      `import { load, sweep, BrowserWorkerExecutor, preset } from 'benignfit';
       // @ts-expect-error Node only: not in the browser condition's declarations
       import { readMnist } from 'benignfit';
       const bf = await load();
       const run = await sweep(preset('fig3a', true), { workers: 2, onCellProgress: (p) => p.loss, onProgress: (p) => p.done });
       const n: number = run.results.length;
       export const used = [bf.backend, n, BrowserWorkerExecutor, readMnist];`,
    );
    writeFileSync(
      join(app, 'tsconfig.browser.json'),
      JSON.stringify({
        compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler', customConditions: ['browser'], lib: ['es2022', 'dom'], types: [] },
        files: ['browser.ts'],
      }),
    );
    writeFileSync(
      join(app, 'node.mts'),
      `import { load, sweep, NodeWorkerExecutor, readMnist, preset } from 'benignfit';
       // @ts-expect-error browser only: not in the node condition's declarations
       import { BrowserWorkerExecutor } from 'benignfit';
       const bf = await load({ quiet: true });
       const note: string | null = bf.backendNote;
       const run = await sweep(preset('fig3a', true), { workers: 2, threadsPerWorker: 1, onProgress: (p) => p.done });
       export const used = [note, run.results.length, NodeWorkerExecutor, readMnist, BrowserWorkerExecutor];`,
    );
    writeFileSync(
      join(app, 'tsconfig.node.json'),
      JSON.stringify({
        compilerOptions: {
          ...base,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          lib: ['es2022'],
          types: ['node'],
          typeRoots: [join(repo, 'node_modules', '@types')],
        },
        files: ['node.mts'],
      }),
    );
    for (const p of ['tsconfig.browser.json', 'tsconfig.node.json']) {
      const r = spawnSync(process.execPath, [tsc, '-p', p], { cwd: app, encoding: 'utf8' });
      expect(r.stdout + r.stderr, p).toBe('');
      expect(r.status, p).toBe(0);
    }
  });

  it('a Vite-built page bundles the wasm build, not the Node loader', () => {
    const web = join(app, 'web');
    mkdirSync(web, { recursive: true });
    writeFileSync(
      join(web, 'index.html'),
      '<!doctype html><html><body><pre id="out">loading</pre><script type="module" src="./main.js"></script></body></html>',
    );
    writeFileSync(
      join(web, 'main.js'),
      `import { load } from 'benignfit';
       const bf = await load();
       const d = bf.generate({ classes: 3, dim: 30, perClass: 4, gamma: 5, seed: 1 });
       document.getElementById('out').textContent = JSON.stringify({ backend: bf.backend, n: d.nTrain, first: d.trainX[0] });`,
    );
    execFileSync(process.execPath, [join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', web, '--outDir', join(web, 'dist'), '--logLevel', 'error'], {
      cwd: app,
      stdio: 'pipe',
    });
    const assets = readdirSync(join(web, 'dist', 'assets'));
    expect(assets.some((f) => f.endsWith('.wasm'))).toBe(true);
    const js = assets
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(web, 'dist', 'assets', f), 'utf8'))
      .join('\n');
    expect(js).not.toMatch(/benignfit\.linux-x64-gnu\.node|benignfit-linux-x64-gnu|node:worker_threads/);
  });

  it('says why when the addon is there but does not load, or when no addon is published for the platform', () => {
    const probe = (pre: string) =>
      node(
        'probe.mjs',
        `${pre}
         const { load } = await import('benignfit');
         const bf = await load({ quiet: true });
         let forced = null;
         try { await load({ backend: 'native' }); } catch (e) { forced = e.message; }
         console.log(JSON.stringify({ backend: bf.backend, note: bf.backendNote, forced }));`,
      ).out;
    const other = probe(`Object.defineProperty(process, 'arch', { value: 'riscv64' });`);
    expect(other.backend).toBe('wasm');
    expect(other.note).toMatch(/no native addon is published for linux-riscv64-gnu \(only for linux-x64-gnu\)\. BENIGNFIT_BACKEND=wasm/);
    expect(other.forced).toMatch(/Please use the wasm backend/);
    const addon = join(installed(PLATFORM), 'benignfit.linux-x64-gnu.node');
    const good = readFileSync(addon);
    writeFileSync(addon, 'not an addon');
    try {
      const broken = probe('');
      expect(broken.backend).toBe('wasm');
      expect(broken.note).toMatch(/benignfit-linux-x64-gnu did not load \(.*\)\. To use native, reinstall benignfit-linux-x64-gnu/);
      expect(broken.note).not.toMatch(/\n/);
    } finally {
      writeFileSync(addon, good);
    }
  });

  // Last: it removes the platform package, as an install with --omit=optional (or a failed optional install) leaves it.
  it('without the platform package, runs wasm and says why once; forcing native gives advice that fits an installed package', () => {
    rmSync(installed(PLATFORM), { recursive: true, force: true });
    const script = `import { load, sweep } from 'benignfit';
       const a = await load();
       const b = await load();
       const run = await sweep(${JSON.stringify(TINY)}, { workers: 2 });
       let forced = null;
       try { await load({ backend: 'native' }); } catch (e) { forced = { code: e.code, message: e.message }; }
       console.log(JSON.stringify({ backend: a.backend, note: a.backendNote, same: a.backendNote === b.backendNote, cells: run.results.filter((r) => !r.error).length, forced }));`;
    const { out, stderr } = node('fallback.mjs', script);
    expect(out.backend).toBe('wasm');
    expect(out.cells).toBe(3);
    expect(out.same).toBe(true);
    expect(out.note).not.toMatch(/\n/);
    expect(out.note).toMatch(/the optional dependency benignfit-linux-x64-gnu is not installed/);
    expect(out.note).toMatch(/npm install --include=optional/);
    expect(out.note).not.toMatch(/build:native/);
    // Once per process, though load() ran twice and two sweep workers fell back too.
    expect(stderr.match(NOTE)?.length).toBe(1);
    expect(stderr).toContain(out.note);
    expect(out.forced.code).toBe('E_NO_BACKEND');
    expect(out.forced.message).toMatch(/install the optional dependency benignfit-linux-x64-gnu \(npm install --include=optional/);
    expect(out.forced.message).toMatch(/use the wasm backend/);
    expect(out.forced.message).not.toMatch(/build:native|npm run build/);

    const quiet = node('fallback.mjs', script, { BENIGNFIT_QUIET: '1' });
    expect(quiet.out.note).toBe(out.note);
    expect(quiet.stderr).not.toMatch(NOTE);
    const chosen = node('fallback.mjs', script, { BENIGNFIT_BACKEND: 'wasm' });
    expect(chosen.out.note).toBeNull();
    expect(chosen.stderr).not.toMatch(NOTE);
  });

  it('loads when the environment cannot be read (Deno without --allow-env throws on process.env)', () => {
    const { out } = node(
      'noenv.mjs',
      `// Deno without --allow-env: every read of its variables throws (Node's own reads still work here).
       const env = process.env;
       const deny = (k) => { if (String(k).startsWith('BENIGNFIT')) throw new Error('NotCapable: Requires env access to "' + String(k) + '", run again with the --allow-env flag'); };
       process.env = new Proxy(env, { get: (t, k) => (deny(k), t[k]), has: (t, k) => (deny(k), k in t) });
       let denied = false;
       try { process.env.BENIGNFIT_BACKEND; } catch { denied = true; }
       if (!denied) throw new Error('the proxy does not deny');
       const { load } = await import('benignfit');
       const bf = await load({ quiet: true });
       console.log(JSON.stringify({ backend: bf.backend, n: bf.generate({ classes: 2, dim: 8, perClass: 2, seed: 1 }).nTrain }));`,
    );
    expect(out).toEqual({ backend: 'wasm', n: 4 });
  });
});
