/**
 * Figure 5: grids of images with their label and score under each (named: "label 7",
 * "score 0.0123", and a caption saying what the score is), one row per section (e.g.
 * one per class, then the overall extremes). Tiles are embedded as PNG (nearest-neighbour
 * upscaled), text is SVG, and svgToPng renders the whole grid.
 */
import { base64, encodePng, upscale } from './png.js';
import { esc, n2, svgDoc, text } from './svg.js';

export interface ImageGeometry {
  width: number;
  height: number;
  /** 1 (grey) or 3 (colour). */
  channels: number;
  /** 'hwc' interleaved, or 'chw' planes (CIFAR). */
  layout: 'hwc' | 'chw';
}

export interface GridTile {
  /** One image's bytes in the given geometry. */
  pixels: Uint8Array;
  label: string;
  score: number;
  /** Index in the dataset (shown as a tooltip in the SVG). */
  index?: number;
}

export interface GridRow {
  title: string;
  tiles: GridTile[];
}

/** One image as interleaved bytes (grey or RGB). */
export function toInterleaved(pixels: Uint8Array, g: ImageGeometry): Uint8Array {
  if (g.channels === 1 || g.layout === 'hwc') return pixels;
  const plane = g.width * g.height;
  const out = new Uint8Array(plane * g.channels);
  for (let p = 0; p < plane; p++) for (let c = 0; c < g.channels; c++) out[p * g.channels + c] = pixels[c * plane + p];
  return out;
}

export function scoreLabel(s: number): string {
  if (!Number.isFinite(s)) return String(s);
  const a = Math.abs(s);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return s.toExponential(2);
  return a >= 100 ? String(Math.round(s)) : s.toPrecision(3);
}

/** The grid as SVG (tiles as embedded PNGs). */
export function imageGridSvg(rows: GridRow[], g: ImageGeometry, opts: { title?: string; zoom?: number; scoreName?: string } = {}): string {
  const zoom = opts.zoom ?? Math.max(1, Math.round(84 / Math.max(g.width, g.height)));
  const tw = g.width * zoom;
  const th = g.height * zoom;
  const gap = 8;
  // Wide enough for "score -1.23e-5" at 10 px.
  const cell = Math.max(tw, 92);
  const textH = 30;
  // Room for the longest row title (about 7.5 px a character at 13 px DejaVu Sans).
  const left = Math.max(60, Math.ceil(20 + 7.5 * Math.max(0, ...rows.map((r) => r.title.length))));
  const top = opts.title ? 58 : 30;
  const cols = Math.max(1, ...rows.map((r) => r.tiles.length));
  const caption = `Under each image: its label, and its score (${opts.scoreName ?? 'the influence score of eq. 10'}).`;
  // Room for the caption (about 6.8 px a character at 12 px).
  const W = Math.max(left + cols * (cell + gap) + gap, Math.ceil(left + 6.8 * caption.length + 12));
  const H = top + rows.length * (th + textH + gap) + gap;
  const body: string[] = [];
  if (opts.title) body.push(text(W / 2, 26, opts.title, { 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 'bold' }));
  body.push(text(left, top - 10, caption, { 'font-size': 12, fill: '#333333', class: 'caption' }));
  rows.forEach((row, r) => {
    const y = top + r * (th + textH + gap);
    body.push(text(left - 10, y + th / 2 + 5, row.title, { 'text-anchor': 'end', 'font-size': 13 }));
    row.tiles.forEach((t, c) => {
      const x = left + c * (cell + gap) + (cell - tw) / 2;
      const png = encodePng(upscale(toInterleaved(t.pixels, g), g.width, g.height, g.channels, zoom), tw, th, g.channels === 3 ? 3 : 1);
      const tip = t.index !== undefined ? `<title>${esc(`#${t.index} ${t.label} ${t.score}`)}</title>` : '';
      body.push(`<g class="tile">${tip}<image x="${n2(x)}" y="${n2(y)}" width="${tw}" height="${th}" href="data:image/png;base64,${base64(png)}"/>`);
      body.push(`<rect x="${n2(x)}" y="${n2(y)}" width="${tw}" height="${th}" fill="none" stroke="#888888"/>`);
      const cx = left + c * (cell + gap) + cell / 2;
      body.push(text(cx, y + th + 12, `label ${t.label}`, { 'text-anchor': 'middle', 'font-size': 10, class: 'label' }));
      body.push(`${text(cx, y + th + 24, `score ${scoreLabel(t.score)}`, { 'text-anchor': 'middle', 'font-size': 10, fill: '#333333', class: 'score' })}</g>`);
    });
  });
  return svgDoc(W, H, body);
}
