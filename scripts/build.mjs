#!/usr/bin/env node
// Builds everything benignfit ships, in order: the N-API addon (host rustup toolchain), the
// WebAssembly package (the host's wasm32 target and wasm-pack when present, else the offline
// Debian sid toolchain that scripts/wasm-toolchain.sh provisions), and the TypeScript.
// `node scripts/build.mjs [native|wasm|ts]...` builds only the named parts; `node scripts/build.mjs
// clippy-wasm` (`npm run lint:wasm`) builds nothing and runs clippy for wasm32 in the same toolchain. Idempotent: parts whose
// sources did not change since their build-info.json are skipped. Run by `npm run setup` and
// `npm run build`, never at install time (the package has no `prepare` script). The addon goes to
// native/ (this checkout's own build, which the loader tries first); `npm run pack:all` copies it
// into the platform package benignfit-linux-x64-gnu (npm/linux-x64-gnu/).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => console.error(`[benignfit build] ${msg}`);
const parts = process.argv.slice(2);
const want = (p) => parts.length === 0 || parts.includes(p);
// The wasm build's flags; the wasm lint (clippy-wasm) uses the same.
const rustflags = '-C target-feature=+simd128';
const force = process.env.BENIGNFIT_FORCE_BUILD === '1';

function run(cmd, args, opts = {}) {
  say(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root, ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status ?? r.signal}`);
  }
}
function out(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts }).trim();
  } catch {
    return '';
  }
}

// A hash of the Rust sources, so an unchanged source tree is not rebuilt.
function walk(dir, acc = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, acc);
    else acc.push(p);
  }
  return acc;
}
function sourceHash() {
  const h = createHash('sha256');
  const files = [join(root, 'Cargo.toml'), join(root, 'Cargo.lock'), ...walk(join(root, 'crates')).sort()];
  for (const f of files) {
    h.update(relative(root, f));
    h.update(readFileSync(f));
  }
  return h.digest('hex').slice(0, 16);
}
function readInfo(p) {
  try {
    return JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return null;
  }
}
function lockedVersion(name) {
  const lock = readFileSync(join(root, 'Cargo.lock'), 'utf8');
  const m = lock.match(new RegExp(`name = "${name}"\\nversion = "([^"]+)"`));
  return m ? m[1] : null;
}

function buildNative(hash) {
  const info = join(root, 'native', 'build-info.json');
  const prev = readInfo(info);
  const addon = join(root, 'native', 'benignfit.linux-x64-gnu.node');
  if (!force && prev?.sourceHash === hash && existsSync(join(root, 'native', prev.file ?? ''))) {
    say(`native addon up to date (${prev.file}, ${prev.rustc})`);
    return;
  }
  say('building the N-API addon with the host toolchain (release)');
  run('npx', [
    'napi',
    'build',
    '--platform',
    '--release',
    '--manifest-path',
    'crates/node/Cargo.toml',
    '--output-dir',
    'native',
    '--no-js',
    '--dts',
    '../target/napi-types.d.ts',
  ]);
  const file = readdirSync(join(root, 'native')).find((f) => f.endsWith('.node'));
  writeFileSync(
    info,
    `${JSON.stringify(
      {
        artifact: 'native',
        file,
        rustc: out('rustc', ['--version']),
        napiCli: JSON.parse(readFileSync(join(root, 'node_modules/@napi-rs/cli/package.json'), 'utf8')).version,
        napiCrate: lockedVersion('napi'),
        sourceHash: hash,
        builtAt: new Date().toISOString(),
      },
      null,
      2,
    )}\n`,
  );
  void addon;
}

function buildWasm(hash) {
  const outDir = join(root, 'wasm');
  const info = join(outDir, 'build-info.json');
  const prev = readInfo(info);
  if (!force && prev?.sourceHash === hash && existsSync(join(outDir, 'benignfit_wasm_bg.wasm'))) {
    say(`wasm package up to date (${prev.rustc}, wasm-bindgen ${prev.wasmBindgen})`);
    return;
  }
  const locked = lockedVersion('wasm-bindgen');
  const tc = wasmToolchain();
  if (tc === 'host') {
    say('building the wasm package with the host toolchain');
    run('wasm-pack', ['build', 'crates/wasm', '--target', 'web', '--release', '--out-dir', '../../wasm', '--out-name', 'benignfit_wasm', '--no-pack'], {
      env: { ...process.env, RUSTFLAGS: rustflags },
    });
    writeInfo({
      rustc: out('rustc', ['--version']),
      wasmBindgen: out('wasm-bindgen', ['--version']),
      wasmPack: out('wasm-pack', ['--version']),
      toolchain: 'host',
    });
    return;
  }
  const { sid, inRoot, caEnv, slot } = enterRoot(tc);
  // The wasm-bindgen CLI must equal the crate version in Cargo.lock exactly.
  let bindgenBin = 'wasm-bindgen';
  const cli = inRoot('wasm-bindgen --version').split(' ').pop();
  if (cli !== locked) {
    const dir = `/opt/wasm-bindgen-${locked}`;
    if (!inRoot(`test -x ${dir}/bin/wasm-bindgen && echo yes`)) {
      say(`Debian's wasm-bindgen CLI is ${cli} but Cargo.lock has ${locked}: installing wasm-bindgen-cli ${locked} inside the root (once, a few minutes)`);
      run('chroot', [sid, 'sh', '-c', `${caEnv}cargo install wasm-bindgen-cli --version =${locked} --locked --root ${dir}`]);
    }
    bindgenBin = `${dir}/bin/wasm-bindgen`;
  }
  say(`building the wasm package inside ${sid} (wasm-bindgen ${locked})`);
  syncSources(sid, slot);
  rmSync(join(sid, slot, 'out'), { recursive: true, force: true });
  const pathPrefix = bindgenBin === 'wasm-bindgen' ? '' : `PATH=${dirname(bindgenBin)}:$PATH `;
  run('chroot', [
    sid,
    'sh',
    '-c',
    `cd ${slot}/src/crates/wasm && ${caEnv}${pathPrefix}CARGO_TARGET_DIR=${slot}/target RUSTFLAGS='${rustflags}' wasm-pack build --target web --release --mode no-install --no-pack --out-dir ${slot}/out --out-name benignfit_wasm`,
  ]);
  rmSync(outDir, { recursive: true, force: true });
  cpSync(join(sid, slot, 'out'), outDir, { recursive: true });
  writeInfo({
    rustc: inRoot('rustc --version'),
    wasmBindgen: inRoot(`${bindgenBin} --version`),
    wasmPack: inRoot('wasm-pack --version'),
    wasmOpt: inRoot('wasm-opt --version'),
    toolchain: `Debian sid root at ${sid}`,
  });

  function writeInfo(extra) {
    writeFileSync(
      info,
      `${JSON.stringify({ artifact: 'wasm', ...extra, wasmBindgenCrate: locked, rustflags, sourceHash: hash, builtAt: new Date().toISOString() }, null, 2)}\n`,
    );
    say(`wasm package built: ${extra.rustc}, ${extra.wasmBindgen}`);
  }
}

// The WebAssembly toolchain: "host" (rustup's wasm32 target and wasm-pack) or "chroot:<root>"
// (the Debian sid root), as scripts/wasm-toolchain.sh provisions and reports it.
function wasmToolchain() {
  const tc = out('bash', [join(root, 'scripts', 'wasm-toolchain.sh')], { stdio: ['ignore', 'pipe', 'inherit'] })
    .split('\n')
    .pop();
  if (!tc) throw new Error('could not provision a WebAssembly toolchain (see the messages above)');
  return tc;
}

// How commands run inside the sid root: the root, a runner of short queries, the environment that
// lets cargo reach the crate registry, and this checkout's build folder inside the root.
function enterRoot(tc) {
  const sid = tc.slice('chroot:'.length);
  const inRoot = (cmd) => out('chroot', [sid, 'sh', '-c', cmd]);
  // Cargo inside the root reaches the crate registry through the host's network: give it the
  // host's CA bundle (which may hold a proxy's certificate the root's bundle lacks).
  const hostCa = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'].find((f) => existsSync(f));
  let caEnv = '';
  if (hostCa) {
    cpSync(hostCa, join(sid, 'etc', 'ssl', 'certs', 'benignfit-host-ca.crt'));
    caEnv = 'CARGO_HTTP_CAINFO=/etc/ssl/certs/benignfit-host-ca.crt SSL_CERT_FILE=/etc/ssl/certs/benignfit-host-ca.crt ';
  }
  // One build folder per checkout, so worktrees build side by side.
  const slot = `/build/${createHash('sha256').update(root).digest('hex').slice(0, 12)}`;
  return { sid, inRoot, caEnv, slot };
}

// Sync the sources into the root: a file is rewritten only when its content changed (so it gets a
// fresh mtime and cargo rebuilds it, even if it was edited during an earlier build), and files
// that no longer exist are removed.
function syncSources(sid, slot) {
  syncTree(root, join(sid, slot, 'src'), ['Cargo.toml', 'Cargo.lock', 'crates']);
}

// `npm run lint:wasm`: clippy over what the wasm build compiles (the core without its default
// features, so the single-threaded paths; the wasm shim; simd128 on), for wasm32-unknown-unknown,
// with every target of the two crates (lib, tests, benches, examples). Same profile, flags and
// target folder as the wasm build, so its build scripts and proc macros are reused; incremental
// (which the release profile turns off) makes a recheck after an edit about 5 s instead of 14 s.
// Never part of a plain `node scripts/build.mjs`.
function clippyWasm() {
  const args = [
    'clippy',
    '--target',
    'wasm32-unknown-unknown',
    '-p',
    'benignfit-core',
    '-p',
    'benignfit-wasm',
    '--no-default-features',
    '--all-targets',
    '--release',
    '--',
    '-D',
    'warnings',
  ];
  const tc = wasmToolchain();
  if (tc === 'host') {
    say('clippy for wasm32 with the host toolchain');
    run('cargo', args, { env: { ...process.env, RUSTFLAGS: rustflags, CARGO_INCREMENTAL: '1' } });
    return;
  }
  const { sid, inRoot, caEnv, slot } = enterRoot(tc);
  say(`clippy for wasm32 inside ${sid} (${inRoot('cargo clippy --version')})`);
  syncSources(sid, slot);
  // cargo-clippy finds clippy-driver through /proc/self/exe, and the root has no /proc mounted:
  // give the command a private mount namespace with its own /proc, gone when the command ends.
  run('unshare', [
    '--mount',
    '--pid',
    '--fork',
    `--mount-proc=${join(sid, 'proc')}`,
    'chroot',
    sid,
    'sh',
    '-c',
    `cd ${slot}/src && ${caEnv}CARGO_INCREMENTAL=1 CARGO_TARGET_DIR=${slot}/target RUSTFLAGS='${rustflags}' cargo ${args.join(' ')}`,
  ]);
}

function syncTree(from, to, entries) {
  const want = new Set();
  for (const e of entries) {
    const base = join(from, e);
    const files = statSync(base).isDirectory() ? walk(base) : [base];
    for (const f of files) {
      const rel = relative(from, f);
      want.add(rel);
      const dest = join(to, rel);
      const data = readFileSync(f);
      if (existsSync(dest) && readFileSync(dest).equals(data)) continue;
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, data);
    }
  }
  if (existsSync(to)) for (const f of walk(to)) if (!want.has(relative(to, f))) rmSync(f);
}

function buildTs() {
  say('compiling TypeScript (tsc)');
  run('npx', ['tsc', '-p', 'tsconfig.json']);
  // Outputs of sources that no longer exist would otherwise stay in dist/ and be packed.
  const dist = join(root, 'dist');
  if (existsSync(dist)) {
    for (const f of walk(dist)) {
      const m = /^(.*)\.(js|js\.map|d\.ts)$/.exec(relative(dist, f));
      if (m && !existsSync(join(root, 'ts', `${m[1]}.ts`)) && !existsSync(join(root, 'ts', `${m[1]}.d.ts`))) {
        rmSync(f);
        say(`removed ${relative(root, f)} (its source is gone)`);
      }
    }
  }
  // tsc does not emit declaration files it reads: the bindings' generated declarations, which
  // dist/types.d.ts imports, are copied next to it.
  for (const f of readdirSync(join(root, 'ts', 'generated')).filter((f) => f.endsWith('.d.ts'))) {
    cpSync(join(root, 'ts', 'generated', f), join(dist, 'generated', f));
  }
  // The CLI entry must be executable for `npx benignfit`.
  const cli = join(root, 'dist', 'cli', 'main.js');
  if (existsSync(cli)) execFileSync('chmod', ['+x', cli]);
}

const t0 = Date.now();
try {
  if (!existsSync(join(root, 'node_modules', '@napi-rs', 'cli'))) {
    throw new Error('node_modules is missing: run `npm install` first (or `npm run setup`, which installs and builds)');
  }
  const hash = sourceHash();
  if (want('native')) buildNative(hash);
  if (want('wasm')) buildWasm(hash);
  if (want('ts')) buildTs();
  if (parts.includes('clippy-wasm')) clippyWasm();
  say(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  say(`error: ${e.message}`);
  process.exit(1);
}
