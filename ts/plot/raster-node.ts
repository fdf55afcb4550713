/** Node: initialise the rasteriser from the installed packages (no network, no system fonts). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { initRasterizer, rasterizerReady } from './raster.js';

const require = createRequire(import.meta.url);

export async function ensureRasterizer(): Promise<void> {
  if (rasterizerReady()) return;
  const wasm = readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm'));
  const fontDir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  const fonts = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => new Uint8Array(readFileSync(join(fontDir, f))));
  await initRasterizer({ wasm, fonts });
}
