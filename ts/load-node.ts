/**
 * Backend loader for Node: the native addon first, the wasm package if the addon cannot load.
 * `load({ backend })` or BENIGNFIT_BACKEND=native|wasm forces one. When nothing loads, one error
 * says what to do, with every failed attempt as its cause.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Benignfit, type BenignfitOptions } from './api.js';
import { BenignfitError } from './errors.js';
import type { BackendName, RawBackend } from './types.js';

const pkgRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

export interface LoadOptions extends BenignfitOptions {
  /** 'native' | 'wasm' forces one backend; 'auto' (default) tries native, then wasm. */
  backend?: BackendName | 'auto';
}

function info(dir: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(join(pkgRoot, dir, 'build-info.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function nativeFile(): string {
  const dir = join(pkgRoot, 'native');
  const triple = `${process.platform}-${process.arch}`;
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.node')) : [];
  const mine = files.find((f) => f.includes(triple));
  if (!mine) {
    throw new Error(
      files.length
        ? `no native addon for ${triple} in ${dir} (found ${files.join(', ')})`
        : `no native addon in ${dir} (not built: run \`npm run build:native\`)`,
    );
  }
  return join(dir, mine);
}

export function loadNativeRaw(): RawBackend {
  return require(nativeFile()) as RawBackend;
}

let wasmInstances = 0;
export async function loadWasmRaw(): Promise<RawBackend> {
  const js = join(pkgRoot, 'wasm', 'benignfit_wasm.js');
  const bin = join(pkgRoot, 'wasm', 'benignfit_wasm_bg.wasm');
  if (!existsSync(js) || !existsSync(bin)) throw new Error(`no wasm package in ${join(pkgRoot, 'wasm')} (not built: run \`npm run build:wasm\`)`);
  // A fresh module record per instance, so a trapped instance can be replaced.
  const url = pathToFileURL(js).href + (wasmInstances++ ? `?instance=${wasmInstances}` : '');
  const mod = (await import(url)) as RawBackend & { initSync: (o: { module: BufferSource }) => unknown };
  mod.initSync({ module: readFileSync(bin) });
  return mod;
}

function wanted(opts: LoadOptions): BackendName | 'auto' {
  const env = (typeof process !== 'undefined' ? process.env.BENIGNFIT_BACKEND : undefined)?.trim();
  const w = opts.backend ?? (env ? (env as BackendName) : 'auto');
  if (w !== 'auto' && w !== 'native' && w !== 'wasm') {
    throw new BenignfitError('E_INVALID', `backend: got ${JSON.stringify(w)}, expected "native", "wasm" or "auto" (option backend or BENIGNFIT_BACKEND)`, { field: 'backend' });
  }
  return w;
}

/** Load a backend (native in Node by default, wasm as fallback). */
export async function load(opts: LoadOptions = {}): Promise<Benignfit> {
  const w = wanted(opts);
  const attempts: Error[] = [];
  if (w === 'auto' || w === 'native') {
    try {
      return new Benignfit('native', loadNativeRaw(), { ...opts, buildInfo: info('native') });
    } catch (e) {
      attempts.push(new Error(`native: ${(e as Error).message}`, { cause: e }));
    }
  }
  if (w === 'auto' || w === 'wasm') {
    try {
      return new Benignfit('wasm', await loadWasmRaw(), { ...opts, buildInfo: info('wasm'), reload: loadWasmRaw });
    } catch (e) {
      attempts.push(new Error(`wasm: ${(e as Error).message}`, { cause: e }));
    }
  }
  throw new BenignfitError(
    'E_NO_BACKEND',
    `no benignfit backend could be loaded${w === 'auto' ? '' : ` (forced: ${w})`}. ` +
      'Build them with `npm run build` in the benignfit folder (or reinstall the package); ' +
      'BENIGNFIT_BACKEND=native|wasm forces one. Attempts:\n' +
      attempts.map((a) => `  - ${a.message}`).join('\n'),
    { cause: new AggregateError(attempts, 'every backend failed to load') },
  );
}
