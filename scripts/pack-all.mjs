#!/usr/bin/env node
// Packs what `npm publish` would publish, in napi-rs's per-platform layout: the main package
// (TypeScript, wasm build, no native binary) and one package per platform in npm/<platform>/
// (today linux-x64-gnu: the addon that `npm run build:native` writes to native/). The main package
// lists the platform packages as optionalDependencies, so npm installs only the one that fits.
//
//   npm run pack:all [-- --out DIR] [--no-build] [--json]
//
// --out: where the tarballs go (default pack/). --no-build: pack what is built (default: run
// scripts/build.mjs first, which skips the parts whose sources did not change). --json: print a
// manifest (name, version, file, packed and unpacked size, file list) on stdout.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => console.error(`[benignfit pack] ${msg}`);
/** The main package must stay small: the binaries live in the platform packages. */
const MAX_MAIN_BYTES = 2.5 * 1024 * 1024;

const args = process.argv.slice(2);
const flag = (f) => args.includes(f);
const outIdx = args.indexOf('--out');
const outDir = resolve(outIdx >= 0 ? (args[outIdx + 1] ?? '') : join(root, 'pack'));
const readJson = (f) => JSON.parse(readFileSync(f, 'utf8'));

function npmPack(dir) {
  const out = execFileSync('npm', ['pack', dir, '--pack-destination', outDir, '--ignore-scripts', '--json'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [m] = JSON.parse(out);
  return { name: m.name, version: m.version, file: join(outDir, m.filename), size: m.size, unpackedSize: m.unpackedSize, files: m.files.map((f) => f.path) };
}

const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`;

try {
  if (!flag('--no-build')) {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) throw new Error('the build failed (see above)');
  }
  for (const f of ['dist/index.node.js', 'dist/index.browser.js', 'wasm/benignfit_wasm_bg.wasm']) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  const main = readJson(join(root, 'package.json'));
  const optional = main.optionalDependencies ?? {};
  const platforms = readdirSync(join(root, 'npm'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, 'npm', e.name, 'package.json')))
    .map((e) => ({ dir: join(root, 'npm', e.name), pkg: readJson(join(root, 'npm', e.name, 'package.json')) }));
  // One version for all: the loader of benignfit X loads benignfit-<platform> X.
  for (const { dir, pkg } of platforms) {
    if (pkg.version !== main.version) throw new Error(`${dir}/package.json has version ${pkg.version}, benignfit ${main.version}: make them equal`);
    if (optional[pkg.name] !== main.version)
      throw new Error(`package.json's optionalDependencies must list "${pkg.name}": "${main.version}" (has ${JSON.stringify(optional[pkg.name])})`);
  }
  for (const name of Object.keys(optional)) {
    if (!platforms.some((p) => p.pkg.name === name)) throw new Error(`optionalDependencies lists ${name}, which has no folder in npm/`);
  }

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const packed = [];
  for (const { dir, pkg } of platforms) {
    const bin = join(root, 'native', pkg.main);
    if (!existsSync(bin)) {
      // This machine's addon must be there; another platform's is built on that platform (CI).
      const host = pkg.os.includes(process.platform) && pkg.cpu.includes(process.arch);
      if (host) throw new Error(`${pkg.name}: ${bin} is missing: run \`npm run build:native\` first`);
      say(`${pkg.name}: skipped (${pkg.main} is built on ${pkg.os.join('/')} ${pkg.cpu.join('/')}, not here)`);
      continue;
    }
    // A staging copy: the folder in the repository holds only package.json and README.md.
    const stage = join(outDir, '.stage', pkg.name);
    mkdirSync(stage, { recursive: true });
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    copyFileSync(join(dir, 'README.md'), join(stage, 'README.md'));
    copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));
    copyFileSync(bin, join(stage, pkg.main));
    if (existsSync(join(root, 'native', 'build-info.json'))) copyFileSync(join(root, 'native', 'build-info.json'), join(stage, 'build-info.json'));
    packed.push(npmPack(stage));
  }
  rmSync(join(outDir, '.stage'), { recursive: true, force: true });
  const m = npmPack(root);
  if (m.files.some((f) => f.endsWith('.node'))) throw new Error('the main package carries a .node binary; it belongs in a platform package');
  if (m.size > MAX_MAIN_BYTES) throw new Error(`the main package is ${mb(m.size)} packed, over the ${mb(MAX_MAIN_BYTES)} limit`);
  packed.unshift(m);
  for (const p of packed) say(`${p.file}: ${mb(p.size)} packed, ${mb(p.unpackedSize)} unpacked, ${p.files.length} files`);
  if (flag('--json')) process.stdout.write(`${JSON.stringify(packed, null, 2)}\n`);
} catch (e) {
  say(`error: ${e.message}`);
  process.exit(1);
}
