/**
 * A heatmap as SVG: cells placed in data coordinates (so overlays drawn in data coordinates line
 * up), x and y axes with their own values on a linear or log scale (or categories), a colour bar
 * with its label (linear or log), axis labels, a title, optional cell annotations, and overlays
 * (vertical / horizontal lines and polylines in data coordinates) with a legend. Used for
 * Figure 6 and by the sweeps (phase diagrams with the theory's boundaries drawn on them).
 */
import { colorAt, rgbHex, textOn, type ColormapName } from './colormap.js';
import { esc, n2, svgDoc, text } from './svg.js';
import { linearTicks, logTicks, tickLabel } from './ticks.js';

export type Scale = 'linear' | 'log';

export interface HeatmapAxis {
  /** Axis title. */
  label: string;
  /** Numeric cell centres (increasing), one per column (x) or row (y)... */
  values?: number[];
  /** ...or category names, one per cell (cells are then at 0, 1, 2, ...). */
  categories?: string[];
  /** For numeric values (default linear). */
  scale?: Scale;
}

export type Overlay =
  | { kind: 'vline'; x: number; label?: string; color?: string; dash?: boolean }
  | { kind: 'hline'; y: number; label?: string; color?: string; dash?: boolean }
  | { kind: 'polyline'; points: [number, number][]; label?: string; color?: string; dash?: boolean };

export interface HeatmapOptions {
  /** z[row][col]: row i is y cell i, column j is x cell j; null / NaN cells are drawn grey. */
  z: (number | null)[][];
  x: HeatmapAxis;
  y: HeatmapAxis;
  title?: string;
  colorbar?: { label?: string; scale?: Scale; min?: number; max?: number; colormap?: ColormapName };
  /** true: each cell's value (3 significant digits); or a formatter. */
  annotate?: boolean | ((v: number) => string);
  overlays?: Overlay[];
  /**
   * The overlays' legend always sits outside the data, below the x axis ('inside' is kept for old
   * callers and draws it below too, never over the cells).
   */
  legend?: 'inside' | 'below';
  /** Draw y from top to bottom in row order (matrix style, default for categorical y). */
  yDown?: boolean;
  width?: number;
  height?: number;
}

interface AxisMap {
  /** Cell edges in the axis's coordinate. */
  edges: number[];
  toPx: (v: number) => number;
  ticks: { at: number; label: string }[];
}

/** Edges around cell centres: midpoints (geometric ones on a log scale), ends extrapolated. */
export function cellEdges(values: number[], scale: Scale): number[] {
  const n = values.length;
  const f = scale === 'log' ? Math.log10 : (v: number) => v;
  const inv = scale === 'log' ? (v: number) => 10 ** v : (v: number) => v;
  const t = values.map(f);
  if (n === 1) return [inv(t[0] - 0.5), inv(t[0] + 0.5)];
  const e = [t[0] - (t[1] - t[0]) / 2];
  for (let i = 0; i + 1 < n; i++) e.push((t[i] + t[i + 1]) / 2);
  e.push(t[n - 1] + (t[n - 1] - t[n - 2]) / 2);
  return e.map(inv);
}

function axisMap(a: HeatmapAxis, count: number, p0: number, p1: number, which: 'x' | 'y'): AxisMap {
  if (a.values && a.values.length !== count) throw new Error(`heatmap: ${which}.values has ${a.values.length} entries, expected ${count} (one per cell)`);
  if (a.categories && a.categories.length !== count) throw new Error(`heatmap: ${which}.categories has ${a.categories.length} entries, expected ${count}`);
  if (!a.values) {
    const edges = Array.from({ length: count + 1 }, (_, i) => i - 0.5);
    const toPx = (v: number) => p0 + ((v + 0.5) / count) * (p1 - p0);
    const labels = a.categories ?? Array.from({ length: count }, (_, i) => String(i));
    return { edges, toPx, ticks: labels.map((label, i) => ({ at: i, label })) };
  }
  const scale = a.scale ?? 'linear';
  if (scale === 'log' && a.values.some((v) => !(v > 0))) throw new Error(`heatmap: ${which} axis on a log scale needs values > 0`);
  const edges = cellEdges(a.values, scale);
  const f = scale === 'log' ? Math.log10 : (v: number) => v;
  const [lo, hi] = [f(edges[0]), f(edges[edges.length - 1])];
  const toPx = (v: number) => p0 + ((f(v) - lo) / (hi - lo || 1)) * (p1 - p0);
  const tv = scale === 'log' ? logTicks(edges[0], edges[edges.length - 1]) : linearTicks(edges[0], edges[edges.length - 1]);
  return { edges, toPx, ticks: tv.map((at) => ({ at, label: tickLabel(at) })) };
}

const PALETTE = ['#e41a1c', '#ffffff', '#ff7f00', '#f781bf', '#a65628', '#00ffff'];

/** Counter for ids that must be unique when several figures share one HTML document. */
let figureCount = 0;

/** Relative luminance in [0, 255] of a #rrggbb colour (other colours count as dark). */
function luminance(color: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return 0;
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => parseInt(h, 16));
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** The halo under a line: black under light colours, white under dark ones. */
export function haloColor(color: string): string {
  return luminance(color) > 140 ? '#000000' : '#ffffff';
}

function lineStyle(color: string, dash?: boolean): string {
  return `stroke="${esc(color)}" stroke-width="2.5" fill="none"${dash ? ' stroke-dasharray="7 4"' : ''}`;
}

function haloStyle(color: string, dash?: boolean): string {
  return `stroke="${haloColor(color)}" stroke-opacity="0.75" stroke-width="5" fill="none"${dash ? ' stroke-dasharray="7 4"' : ''}`;
}

/** Render the heatmap; returns the SVG text. */
export function heatmapSvg(o: HeatmapOptions): string {
  const rows = o.z.length;
  const cols = rows ? o.z[0].length : 0;
  if (!rows || !cols || o.z.some((r) => r.length !== cols)) throw new Error('heatmap: z must be a non-empty rectangular array');
  const labelledCount = (o.overlays ?? []).filter((g) => g.label).length;
  const below = labelledCount > 0;
  const legendH = below ? 14 + labelledCount * 18 : 0;
  const W = o.width ?? 640;
  const H = (o.height ?? 520) + legendH;
  const left = 84;
  const right = 130;
  const top = o.title ? 44 : 18;
  const bottom = 64 + legendH;
  const px0 = left;
  const px1 = W - right;
  const yDown = o.yDown ?? !o.y.values;
  const py0 = yDown ? top : H - bottom;
  const py1 = yDown ? H - bottom : top;
  const xm = axisMap(o.x, cols, px0, px1, 'x');
  const ym = axisMap(o.y, rows, py0, py1, 'y');

  const vals = o.z.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const cb = o.colorbar ?? {};
  const cscale = cb.scale ?? 'linear';
  const pos = vals.filter((v) => v > 0);
  let zmin = cb.min ?? (cscale === 'log' ? Math.min(...pos) : Math.min(...vals));
  let zmax = cb.max ?? (cscale === 'log' ? Math.max(...pos) : Math.max(...vals));
  if (!Number.isFinite(zmin) || !Number.isFinite(zmax)) [zmin, zmax] = cscale === 'log' ? [1, 10] : [0, 1];
  if (zmin === zmax) [zmin, zmax] = cscale === 'log' ? [zmin / 2, zmax * 2] : [zmin - 0.5, zmax + 0.5];
  const cf = cscale === 'log' ? (v: number) => Math.log10(v) : (v: number) => v;
  const tOf = (v: number) => (cscale === 'log' && !(v > 0) ? 0 : (cf(v) - cf(zmin)) / (cf(zmax) - cf(zmin)));
  const cmap = cb.colormap ?? 'viridis';

  const body: string[] = [];
  if (o.title) body.push(text(W / 2 - (right - left) / 2, 26, o.title, { 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 'bold' }));
  // Cells.
  const cells: string[] = [];
  const notes: string[] = [];
  const fmt = typeof o.annotate === 'function' ? o.annotate : (v: number) => tickLabel(+v.toPrecision(3));
  // The longest value sets the font size (DejaVu Sans digits are about 0.62 em wide).
  const longest = o.annotate ? Math.max(1, ...vals.map((v) => fmt(v).length)) : 1;
  for (let i = 0; i < rows; i++) {
    const ya = ym.toPx(ym.edges[i]);
    const yb = ym.toPx(ym.edges[i + 1]);
    for (let j = 0; j < cols; j++) {
      const xa = xm.toPx(xm.edges[j]);
      const xb = xm.toPx(xm.edges[j + 1]);
      const v = o.z[i][j];
      const ok = v !== null && Number.isFinite(v);
      const rgb = ok ? colorAt(tOf(v), cmap) : ([200, 200, 200] as [number, number, number]);
      // data-row / data-col / data-value: pages find a cell (clicks, tests) without geometry.
      cells.push(
        `<rect class="cell" data-row="${i}" data-col="${j}"${ok ? ` data-value="${v}"` : ''} x="${n2(Math.min(xa, xb))}" y="${n2(Math.min(ya, yb))}" width="${n2(Math.abs(xb - xa))}" height="${n2(Math.abs(yb - ya))}" fill="${rgbHex(rgb)}"/>`,
      );
      if (o.annotate && ok) {
        // A halo of the cell's own colour keeps the value readable where a boundary line crosses it.
        notes.push(
          text((xa + xb) / 2, (ya + yb) / 2 + 4, fmt(v), {
            class: 'value',
            'text-anchor': 'middle',
            'font-size': Math.max(7, Math.min(12, Math.abs(xb - xa) / (0.62 * longest + 1), Math.abs(yb - ya) / 2)),
            fill: textOn(rgb),
            stroke: rgbHex(rgb),
            'stroke-width': 3,
            'stroke-linejoin': 'round',
            'paint-order': 'stroke',
          }),
        );
      }
    }
  }
  body.push(`<g shape-rendering="crispEdges">${cells.join('')}</g>`);
  // Frame and ticks.
  const [fy0, fy1] = [Math.min(py0, py1), Math.max(py0, py1)];
  body.push(`<rect x="${px0}" y="${n2(fy0)}" width="${n2(px1 - px0)}" height="${n2(fy1 - fy0)}" fill="none" stroke="#000000"/>`);
  for (const t of xm.ticks) {
    const x = xm.toPx(t.at);
    if (x < px0 - 0.5 || x > px1 + 0.5) continue;
    body.push(`<line x1="${n2(x)}" y1="${n2(fy1)}" x2="${n2(x)}" y2="${n2(fy1 + 5)}" stroke="#000000"/>`);
    body.push(text(x, fy1 + 18, t.label, { 'text-anchor': 'middle', 'font-size': 11, class: 'xtick' }));
  }
  for (const t of ym.ticks) {
    const y = ym.toPx(t.at);
    if (y < fy0 - 0.5 || y > fy1 + 0.5) continue;
    body.push(`<line x1="${px0 - 5}" y1="${n2(y)}" x2="${px0}" y2="${n2(y)}" stroke="#000000"/>`);
    body.push(text(px0 - 8, y + 4, t.label, { 'text-anchor': 'end', 'font-size': 11, class: 'ytick' }));
  }
  body.push(text((px0 + px1) / 2, H - 18 - legendH, o.x.label, { 'text-anchor': 'middle', 'font-size': 13 }));
  body.push(
    `<text x="18" y="${n2((fy0 + fy1) / 2)}" text-anchor="middle" font-size="13" transform="rotate(-90 18 ${n2((fy0 + fy1) / 2)})">${esc(o.y.label)}</text>`,
  );

  // Overlays, clipped to the plot area, each over a contrasting halo (a white line reads on the
  // light cells, its dark outline on the dark ones); the cell values are drawn above them.
  const ov = o.overlays ?? [];
  const clip = `plotarea-${++figureCount}`;
  if (ov.length) {
    body.push(`<defs><clipPath id="${clip}"><rect x="${px0}" y="${n2(fy0)}" width="${n2(px1 - px0)}" height="${n2(fy1 - fy0)}"/></clipPath></defs>`);
    const lines: string[] = [];
    ov.forEach((g, k) => {
      const color = g.color ?? PALETTE[k % PALETTE.length];
      const lab = g.label ? ` data-label="${esc(g.label)}"` : '';
      const shape = (cls: string, st: string) => {
        if (g.kind === 'vline') {
          const x = xm.toPx(g.x);
          return `<line class="${cls}"${lab} x1="${n2(x)}" y1="${n2(fy0)}" x2="${n2(x)}" y2="${n2(fy1)}" ${st}/>`;
        }
        if (g.kind === 'hline') {
          const y = ym.toPx(g.y);
          return `<line class="${cls}"${lab} x1="${px0}" y1="${n2(y)}" x2="${px1}" y2="${n2(y)}" ${st}/>`;
        }
        const pts = g.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => `${n2(xm.toPx(x))},${n2(ym.toPx(y))}`);
        return pts.length >= 2 ? `<polyline class="${cls}"${lab} points="${pts.join(' ')}" ${st}/>` : '';
      };
      lines.push(shape('overlay-halo', haloStyle(color, g.dash)), shape('overlay', lineStyle(color, g.dash)));
    });
    body.push(`<g clip-path="url(#${clip})">${lines.join('')}</g>`);
  }
  body.push(...notes);
  const labelled = ov.map((g, k) => ({ g, k })).filter(({ g }) => g.label);
  if (labelled.length) {
    // Below the x axis title, outside the data; each swatch is drawn exactly as its line on the map.
    const lw = 12 + Math.max(...labelled.map(({ g }) => g.label!.length)) * 7 + 42;
    const lh = 8 + labelled.length * 18;
    const lx = px0;
    const ly = H - legendH + 2;
    body.push(`<g class="legend"><rect x="${n2(lx)}" y="${n2(ly)}" width="${n2(Math.min(lw, W - lx - 4))}" height="${lh}" fill="#ffffff" stroke="#888888"/>`);
    labelled.forEach(({ g, k }, r) => {
      const y = ly + 15 + r * 18;
      const color = g.color ?? PALETTE[k % PALETTE.length];
      const seg = (cls: string, st: string) =>
        `<line class="${cls}" data-label="${esc(g.label!)}" x1="${n2(lx + 8)}" y1="${n2(y - 4)}" x2="${n2(lx + 36)}" y2="${n2(y - 4)}" ${st}/>`;
      body.push(seg('swatch-halo', haloStyle(color, g.dash)), seg('swatch', lineStyle(color, g.dash)));
      body.push(text(lx + 42, y, g.label!, { 'font-size': 11 }));
    });
    body.push('</g>');
  }

  // Colour bar: 64 strips, ticks on its scale.
  const bx = px1 + 24;
  const bw = 16;
  const strips: string[] = [];
  const N = 64;
  for (let s = 0; s < N; s++) {
    const y = fy1 - ((s + 1) / N) * (fy1 - fy0);
    strips.push(`<rect x="${bx}" y="${n2(y)}" width="${bw}" height="${n2((fy1 - fy0) / N + 0.5)}" fill="${rgbHex(colorAt((s + 0.5) / N, cmap))}"/>`);
  }
  body.push(`<g class="colorbar" shape-rendering="crispEdges">${strips.join('')}</g>`);
  body.push(`<rect x="${bx}" y="${n2(fy0)}" width="${bw}" height="${n2(fy1 - fy0)}" fill="none" stroke="#000000"/>`);
  const cticks = cscale === 'log' ? logTicks(zmin, zmax, 6) : linearTicks(zmin, zmax, 5);
  for (const t of cticks) {
    const tt = tOf(t);
    if (tt < -1e-9 || tt > 1 + 1e-9) continue;
    const y = fy1 - tt * (fy1 - fy0);
    body.push(`<line x1="${bx + bw}" y1="${n2(y)}" x2="${bx + bw + 4}" y2="${n2(y)}" stroke="#000000"/>`);
    body.push(text(bx + bw + 7, y + 4, tickLabel(t), { 'font-size': 10, class: 'ctick' }));
  }
  if (cb.label) {
    const cx = W - 14;
    const cy = (fy0 + fy1) / 2;
    body.push(`<text x="${n2(cx)}" y="${n2(cy)}" text-anchor="middle" font-size="12" transform="rotate(-90 ${n2(cx)} ${n2(cy)})">${esc(cb.label)}</text>`);
  }
  return svgDoc(W, H, body);
}
