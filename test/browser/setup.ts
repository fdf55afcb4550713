/**
 * Global setup of the browser suite: Chromium must be there (scripts/setup.sh installs Debian's
 * package), and web-dist/ must be built from the current sources (rebuilt when any source of the
 * page — ts/, wasm/, the Vite config — is newer than the last build).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { CHROMIUM, repo } from './helpers.js';

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const e of readdirSync(path)) t = Math.max(t, newest(join(path, e)));
  return t;
}

export default async function setup(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's Chromium (sudo apt-get install -y chromium, or npm run setup), or set BENIGNFIT_CHROMIUM to a Chromium binary`,
    );
  }
  if (!existsSync(join(repo, 'wasm', 'benignfit_wasm_bg.wasm'))) throw new Error('wasm/ is not built: run `npm run build:wasm` first');
  const stamp = join(repo, 'web-dist', 'index.html');
  const sources = Math.max(newest(join(repo, 'ts')), newest(join(repo, 'wasm')), newest(join(repo, 'vite.web.config.ts')));
  if (!existsSync(stamp) || statSync(stamp).mtimeMs < sources) {
    console.error('[browser tests] building the site (web-dist/)');
    await build({ configFile: join(repo, 'vite.web.config.ts'), logLevel: 'warn' });
  }
}
