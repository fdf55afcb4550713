/**
 * The web page (ts/web): `npm run web` serves it (Vite dev server), `npm run build:web` writes the
 * static site to web-dist/. Relative base, so the site works from any folder of any static
 * server; no cross-origin isolation needed (no SharedArrayBuffer). Needs the wasm build (wasm/).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./ts/web'),
  base: './',
  publicDir: here('./ts/web/public'),
  // Workers import the wasm glue with a dynamic import: ES module workers (all current browsers).
  worker: { format: 'es' },
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
