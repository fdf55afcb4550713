/**
 * The web page (ts/web): `npm run web` serves it (Vite dev server), `npm run build:web` writes the
 * static site to web-dist/. Relative base, so the site works from any folder of any static
 * server; no cross-origin isolation needed (no SharedArrayBuffer). Needs the wasm build (wasm/).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The repository URL of Cargo.toml's [workspace.package]: the page links the docs there. */
function repositoryUrl(): string {
  const m = /^\s*repository\s*=\s*"([^"]+)"/m.exec(readFileSync(here('./Cargo.toml'), 'utf8'));
  if (!m) throw new Error('Cargo.toml: no `repository = "..."` in [workspace.package] (the page links the docs there)');
  return m[1].replace(/\/+$/, '');
}

export default defineConfig({
  root: here('./ts/web'),
  base: './',
  publicDir: here('./ts/web/public'),
  // Workers import the wasm glue with a dynamic import: ES module workers (all current browsers).
  worker: { format: 'es' },
  define: { __BENIGNFIT_REPOSITORY__: JSON.stringify(repositoryUrl()) },
  build: {
    outDir: here('./web-dist'),
    emptyOutDir: true,
    target: 'es2022',
    // The wasm and the font are fetched as files, never inlined as base64.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
  },
  server: { port: 5173, strictPort: false },
  preview: { port: 4173 },
});
