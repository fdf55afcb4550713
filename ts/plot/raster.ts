/**
 * SVG -> PNG with resvg (compiled to WebAssembly: @resvg/resvg-wasm), identical in Node and in
 * browsers. Text is drawn with the fonts given at initialisation (DejaVu Sans from the
 * dejavu-fonts-ttf package in Node: see raster-node.ts), never with system fonts, so a figure
 * renders the same everywhere.
 *
 * Browser: `await initRasterizer({ wasm: urlOrBytes, fonts: [ttfBytes] })` once, then
 * `svgToPng(svg)`.
 */
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { BenignfitError } from '../errors.js';
import { FONT } from './svg.js';

export interface RasterizerInit {
  /** index_bg.wasm of @resvg/resvg-wasm: URL, bytes, a Response or a compiled module. */
  wasm: Parameters<typeof initWasm>[0];
  /** TTF/OTF font files (the first is the default family). */
  fonts: Uint8Array[];
}

let fonts: Uint8Array[] | null = null;
let initialising: Promise<void> | null = null;

export function rasterizerReady(): boolean {
  return fonts !== null;
}

/** Load the resvg wasm module and the fonts (once; later calls only replace the fonts). */
export async function initRasterizer(init: RasterizerInit): Promise<void> {
  if (!initialising) {
    initialising = initWasm(init.wasm).catch((e: unknown) => {
      initialising = null;
      throw new BenignfitError('E_NO_BACKEND', `the SVG rasteriser (resvg wasm) could not be loaded: ${(e as Error).message}`, { cause: e });
    });
  }
  await initialising;
  if (!init.fonts.length) throw new BenignfitError('E_INVALID', 'fonts: got none, expected at least one TTF font (e.g. DejaVuSans.ttf)', { field: 'fonts' });
  fonts = init.fonts;
}

export interface RasterOptions {
  /** Scale factor (default 2 for crisp figures). */
  zoom?: number;
  background?: string;
}

/** Render SVG text to PNG bytes. Call initRasterizer first (Node: ensureRasterizer()). */
export function svgToPng(svg: string, opts: RasterOptions = {}): Uint8Array {
  if (!fonts) throw new BenignfitError('E_INTERNAL', 'svgToPng: the rasteriser is not initialised (await initRasterizer(...) or, in Node, ensureRasterizer())');
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: opts.zoom ?? 2 },
    background: opts.background ?? '#ffffff',
    font: { fontBuffers: fonts, defaultFontFamily: FONT, sansSerifFamily: FONT },
  });
  try {
    const img = r.render();
    try {
      return img.asPng();
    } finally {
      img.free();
    }
  } finally {
    r.free();
  }
}
