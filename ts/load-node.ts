/**
 * Backend loader for Node. `load()` tries, in order:
 *   1. the addon built in this checkout (native/, written by `npm run build:native`; the published
 *      package does not ship it, so this only exists in a clone of the repository, where it must win
 *      over an older published binary),
 *   2. the platform package (napi-rs layout: `benignfit-linux-x64-gnu`, an optional dependency of
 *      benignfit that npm installs only on that platform),
 *   3. the wasm build that ships in the main package.
 * `load({ backend })` or BENIGNFIT_BACKEND=native|wasm forces one. When Node falls back to wasm,
 * `bf.backendNote` says why in one line, also printed once to stderr (not with `quiet: true` or
 * BENIGNFIT_QUIET=1, nor from worker threads). When nothing loads, one error says what to do, with
 * every failed attempt as its cause.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { Benignfit, type BenignfitOptions } from './api.js';
import { setConfigCoreLoader } from './config.js';
import { BenignfitError } from './errors.js';
import type { BackendName, RawBackend } from './types.js';

const pkgRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

export interface LoadOptions extends BenignfitOptions {
  /** 'native' | 'wasm' forces one backend; 'auto' (default) tries native, then wasm. */
  backend?: BackendName | 'auto';
  /** Do not print the note on stderr when Node falls back to wasm (`bf.backendNote` still has it). Also BENIGNFIT_QUIET=1. */
  quiet?: boolean;
}

/**
 * An environment variable, or undefined when it cannot be read: Deno without --allow-env throws on
 * any access to process.env, and browsers have no process.
 */
export function readEnv(name: string): string | undefined {
  try {
    if (typeof process === 'undefined') return undefined;
    const v = process.env[name];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The platform packages published next to benignfit (napi-rs's names); other platforms use wasm. */
export const PLATFORM_PACKAGES: Readonly<Record<string, string>> = {
  'linux-x64-gnu': 'benignfit-linux-x64-gnu',
};

function isMusl(): boolean {
  try {
    if (existsSync('/usr/bin/ldd') && readFileSync('/usr/bin/ldd', 'utf8').includes('musl')) return true;
  } catch {
    /* unreadable: ask the process report */
  }
  try {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    return !!header && !header.glibcVersionRuntime;
  } catch {
    return false;
  }
}

/** This machine in napi-rs's words: linux-x64-gnu, linux-x64-musl, darwin-arm64, win32-x64-msvc, ... */
export function platformKey(): string {
  const base = `${process.platform}-${process.arch}`;
  if (process.platform === 'linux') return `${base}-${isMusl() ? 'musl' : 'gnu'}`;
  if (process.platform === 'win32') return `${base}-msvc`;
  return base;
}

/** Inside a clone of the repository (where `npm run build:native` can work), not an installed package. */
function inCheckout(): boolean {
  return existsSync(join(pkgRoot, 'crates', 'node', 'Cargo.toml'));
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

interface NativeFound {
  raw: RawBackend;
  buildInfo: Record<string, unknown> | null;
}

/** Why the native addon did not load: what was tried, and what would fix it. */
interface NativeMiss {
  /** Each attempt's failure, for the error's cause. */
  attempts: Error[];
  /** Why, in one clause (e.g. "the optional dependency benignfit-linux-x64-gnu is not installed"). */
  reason: string;
  /** How to get native, in one clause fitted to an installed package or a checkout; null: no way on this platform. */
  fix: string | null;
}

const USE_WASM = "use the wasm backend (BENIGNFIT_BACKEND=wasm or load({ backend: 'wasm' }))";

let nativeCache: NativeFound | NativeMiss | null = null;

function missing(e: unknown, name: string): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === 'MODULE_NOT_FOUND' && typeof err.message === 'string' && err.message.includes(name);
}

function tryNative(): NativeFound | NativeMiss {
  const key = platformKey();
  const pkg = PLATFORM_PACKAGES[key];
  const attempts: Error[] = [];
  const checkout = inCheckout();
  // 1. The checkout's own build.
  const local = join(pkgRoot, 'native', `benignfit.${key}.node`);
  if (existsSync(local)) {
    try {
      return { raw: require(local) as RawBackend, buildInfo: readJson(join(pkgRoot, 'native', 'build-info.json')) };
    } catch (e) {
      attempts.push(new Error(`${local}: ${(e as Error).message}`, { cause: e }));
    }
  } else if (checkout) {
    attempts.push(new Error(`${local} is not built`));
  }
  // 2. The platform package.
  let pkgState: 'none' | 'missing' | 'broken' = 'none';
  if (pkg) {
    try {
      const main = require.resolve(pkg);
      try {
        return { raw: require(main) as RawBackend, buildInfo: readJson(join(dirname(main), 'build-info.json')) };
      } catch (e) {
        pkgState = 'broken';
        attempts.push(new Error(`${pkg} (${main}): ${(e as Error).message}`, { cause: e }));
      }
    } catch (e) {
      pkgState = missing(e, pkg) ? 'missing' : 'broken';
      attempts.push(new Error(pkgState === 'missing' ? `${pkg} is not installed` : `${pkg}: ${(e as Error).message}`, { cause: e }));
    }
  }
  if (checkout) {
    return { attempts, reason: firstLine(attempts[0]?.message) || `no native addon for ${key}`, fix: `build it with \`npm run build:native\` in ${pkgRoot}` };
  }
  if (!pkg) {
    const reason = `no native addon is published for ${key} (only for ${Object.keys(PLATFORM_PACKAGES).join(', ')})`;
    return { attempts: [new Error(reason), ...attempts], reason, fix: null };
  }
  return pkgState === 'missing'
    ? {
        attempts,
        reason: `the optional dependency ${pkg} is not installed`,
        fix: `install the optional dependency ${pkg} (npm install --include=optional, or npm install ${pkg})`,
      }
    : { attempts, reason: `${pkg} did not load (${firstLine(attempts.at(-1)?.message)})`, fix: `reinstall ${pkg} (npm install ${pkg})` };
}

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0];
}

function native(): NativeFound | NativeMiss {
  if (!nativeCache || !('raw' in nativeCache)) nativeCache = tryNative();
  return nativeCache;
}

// Configs resolve in the core before any load(): the native addon is found on first use.
setConfigCoreLoader(() => loadNativeRaw());

/** The native binding (throws with the reason and advice when it does not load). */
export function loadNativeRaw(): RawBackend {
  const n = native();
  if ('raw' in n) return n.raw;
  throw new Error(`${n.reason}: ${n.fix ? `${n.fix}, or ` : ''}${USE_WASM}`, { cause: new AggregateError(n.attempts, 'the native addon did not load') });
}

/**
 * Whether `load()` in this process would fall back to wasm, and why: the one-line note it would
 * give (null when the native addon loads, or when `backend` is not 'auto').
 */
export function fallbackNote(opts: Pick<LoadOptions, 'backend'> = {}): string | null {
  if (wanted(opts) !== 'auto') return null;
  const n = native();
  return 'raw' in n ? null : noteFor(n);
}

function noteFor(n: NativeMiss): string {
  return `benignfit: running on the wasm backend (slower) because the native addon did not load: ${n.reason}.${n.fix ? ` To use native, ${n.fix}.` : ''} BENIGNFIT_BACKEND=wasm (or BENIGNFIT_QUIET=1) silences this note.`;
}

let noted = false;
/** Print a fallback note once per process (main thread only), unless quiet. @internal */
export function printNote(note: string | null, quiet?: boolean): void {
  if (!note || noted || quiet || !isMainThread) return;
  const q = readEnv('BENIGNFIT_QUIET');
  if (q && q !== '0' && q !== 'false') return;
  noted = true;
  try {
    process.stderr.write(`${note}\n`);
  } catch {
    /* no stderr */
  }
}

let wasmInstances = 0;
export async function loadWasmRaw(): Promise<RawBackend> {
  const js = join(pkgRoot, 'wasm', 'benignfit_wasm.js');
  const bin = join(pkgRoot, 'wasm', 'benignfit_wasm_bg.wasm');
  if (!existsSync(js) || !existsSync(bin)) {
    throw new Error(
      `no wasm package in ${join(pkgRoot, 'wasm')} (${inCheckout() ? 'not built: run `npm run build:wasm`' : 'the installed benignfit is incomplete: reinstall it'})`,
    );
  }
  // A fresh module record per instance, so a trapped instance can be replaced.
  const url = pathToFileURL(js).href + (wasmInstances++ ? `?instance=${wasmInstances}` : '');
  const mod = (await import(url)) as RawBackend & { initSync: (o: { module: BufferSource }) => unknown };
  mod.initSync({ module: readFileSync(bin) });
  return mod;
}

function wanted(opts: Pick<LoadOptions, 'backend'>): BackendName | 'auto' {
  const env = readEnv('BENIGNFIT_BACKEND')?.trim();
  const w = opts.backend ?? (env ? (env as BackendName) : 'auto');
  if (w !== 'auto' && w !== 'native' && w !== 'wasm') {
    throw new BenignfitError('E_INVALID', `backend: got ${JSON.stringify(w)}, expected "native", "wasm" or "auto" (option backend or BENIGNFIT_BACKEND)`, {
      field: 'backend',
    });
  }
  return w;
}

/** Load a backend (native in Node by default, wasm as fallback). */
export async function load(opts: LoadOptions = {}): Promise<Benignfit> {
  const w = wanted(opts);
  const { backend: _b, quiet, ...rest } = opts;
  let miss: NativeMiss | null = null;
  if (w === 'auto' || w === 'native') {
    const n = native();
    if ('raw' in n) return new Benignfit('native', n.raw, { ...rest, buildInfo: n.buildInfo });
    miss = n;
  }
  let wasmError: Error | null = null;
  if (w === 'auto' || w === 'wasm') {
    try {
      const raw = await loadWasmRaw();
      const backendNote = miss ? noteFor(miss) : null;
      printNote(backendNote, quiet);
      return new Benignfit('wasm', raw, { ...rest, buildInfo: readJson(join(pkgRoot, 'wasm', 'build-info.json')), backendNote, reload: loadWasmRaw });
    } catch (e) {
      wasmError = new Error(`wasm: ${(e as Error).message}`, { cause: e });
    }
  }
  const attempts = [...(miss?.attempts.map((a) => new Error(`native: ${a.message}`, { cause: a })) ?? []), ...(wasmError ? [wasmError] : [])];
  const head =
    w === 'native'
      ? `the native backend could not be loaded (forced by ${opts.backend ? 'the backend option' : 'BENIGNFIT_BACKEND'}): ${miss!.reason}. ${miss!.fix ? `To fix it, ${miss!.fix}, or ${USE_WASM}.` : `Please ${USE_WASM}.`}`
      : w === 'wasm'
        ? `the wasm backend could not be loaded (forced by ${opts.backend ? 'the backend option' : 'BENIGNFIT_BACKEND'}).`
        : `no benignfit backend could be loaded: ${miss!.reason}, and the wasm build did not load either. ${inCheckout() ? 'Build them with `npm run build` in the benignfit folder.' : 'Reinstall benignfit (npm install --include=optional benignfit).'}`;
  throw new BenignfitError('E_NO_BACKEND', `${head} Attempts:\n${attempts.map((a) => `  - ${firstLine(a.message)}`).join('\n')}`, {
    cause: new AggregateError(attempts, 'every backend failed to load'),
  });
}
