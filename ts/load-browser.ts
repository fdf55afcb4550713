/**
 * Backend loader for browsers and bundlers: the wasm package, fetched next to this module
 * (bundlers such as Vite resolve the `new URL(..., import.meta.url)` in the glue code).
 */
import { Benignfit, type BenignfitOptions } from './api.js';
import { BenignfitError } from './errors.js';
import type { BackendName, RawBackend } from './types.js';

export interface LoadOptions extends BenignfitOptions {
  backend?: BackendName | 'auto';
  /** Where to fetch the .wasm from, or its bytes (default: next to the glue code). */
  wasm?: string | URL | BufferSource | WebAssembly.Module;
}

let n = 0;
async function loadWasmRaw(source?: LoadOptions['wasm']): Promise<RawBackend> {
  const mod = (await import('../wasm/benignfit_wasm.js')) as unknown as RawBackend & {
    default: (o?: { module_or_path?: unknown }) => Promise<unknown>;
  };
  void n++;
  await mod.default(source === undefined ? undefined : { module_or_path: source });
  return mod;
}

export async function load(opts: LoadOptions = {}): Promise<Benignfit> {
  if (opts.backend === 'native') {
    throw new BenignfitError('E_NO_BACKEND', 'backend "native" is only available in Node; browsers use "wasm"');
  }
  try {
    return new Benignfit('wasm', await loadWasmRaw(opts.wasm), { ...opts, reload: () => loadWasmRaw(opts.wasm) });
  } catch (e) {
    if (e instanceof BenignfitError) throw e;
    throw new BenignfitError(
      'E_NO_BACKEND',
      `the benignfit wasm backend could not be loaded: ${(e as Error).message}. Serve benignfit_wasm_bg.wasm next to benignfit_wasm.js (bundlers do this), or pass its URL or bytes as the wasm option.`,
      { cause: e },
    );
  }
}
