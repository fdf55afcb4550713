/**
 * A line chart as SVG: several series over a numeric x axis (linear or log), optional error bars or
 * bands (e.g. 95% intervals), a legend, axis labels and a title. Used for Figure 7 (accuracy
 * against the removed fraction) and for training curves.
 */
import { esc, n2, svgDoc, text } from './svg.js';
import { linearTicks, logTicks, tickLabel } from './ticks.js';
import type { Scale } from './heatmap.js';

export interface Series {
  label: string;
  x: number[];
  y: (number | null)[];
  /** Lower and upper ends of an interval around each y (drawn as a band, or bars with `bars`). */
  lo?: (number | null)[];
  hi?: (number | null)[];
  color?: string;
  dash?: boolean;
  /** Draw the interval as error bars instead of a band. */
  bars?: boolean;
  /** Mark the points. */
  markers?: boolean;
}

export interface LineChartOptions {
  series: Series[];
  x: { label: string; scale?: Scale; min?: number; max?: number };
  y: { label: string; scale?: Scale; min?: number; max?: number };
  title?: string;
  width?: number;
  height?: number;
  /**
   * The legend sits below the x axis, outside the data, in as many columns as fit ('none': no
   * legend). The corner names of older callers are accepted and mean the same: a legend never
   * covers a curve.
   */
  legend?: 'below' | 'top-right' | 'bottom-right' | 'bottom-left' | 'top-left' | 'none';
}

/** Counter for clip-path ids (several charts can share one HTML document). */
let chartCount = 0;

/** Legend entries laid out in rows of equal-width columns across `width` px. */
function legendLayout(labels: string[], width: number): { cols: number; colW: number; rows: number } {
  const colW = 44 + Math.max(0, ...labels.map((l) => l.length)) * 6.4;
  const cols = Math.max(1, Math.min(labels.length, Math.floor(width / colW)));
  return { cols, colW: Math.max(colW, width / cols), rows: Math.ceil(labels.length / cols) };
}

export const LINE_COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function range(vals: number[], scale: Scale, min?: number, max?: number): [number, number] {
  const v = vals.filter((a) => Number.isFinite(a) && (scale === 'linear' || a > 0));
  let lo = min ?? (v.length ? Math.min(...v) : 0);
  let hi = max ?? (v.length ? Math.max(...v) : 1);
  if (lo === hi) [lo, hi] = scale === 'log' ? [lo / 2, hi * 2] : [lo - 0.5, hi + 0.5];
  if (scale === 'linear' && min === undefined && max === undefined) {
    const pad = (hi - lo) * 0.04;
    [lo, hi] = [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/** Render a line chart to an SVG document. */
export function lineChartSvg(o: LineChartOptions): string {
  const W = o.width ?? 640;
  const left = 70;
  const right = 20;
  const showLegend = o.legend !== 'none' && o.series.length > 0;
  const lay = legendLayout(
    o.series.map((s) => s.label),
    W - left - right + 40,
  );
  const legendH = showLegend ? 10 + lay.rows * 17 : 0;
  const H = (o.height ?? 420) + legendH;
  const top = o.title ? 44 : 20;
  const bottom = 56 + legendH;
  const [px0, px1, py0, py1] = [left, W - right, H - bottom, top];
  const xs = o.series.flatMap((s) => s.x);
  const ys = o.series.flatMap((s) => [...s.y, ...(s.lo ?? []), ...(s.hi ?? [])]).filter((v): v is number => v !== null);
  const xsc = o.x.scale ?? 'linear';
  const ysc = o.y.scale ?? 'linear';
  const [x0, x1] = range(xs, xsc, o.x.min, o.x.max);
  const [y0, y1] = range(ys, ysc, o.y.min, o.y.max);
  const fx = xsc === 'log' ? Math.log10 : (v: number) => v;
  const fy = ysc === 'log' ? Math.log10 : (v: number) => v;
  const X = (v: number) => px0 + ((fx(v) - fx(x0)) / (fx(x1) - fx(x0))) * (px1 - px0);
  const Y = (v: number) => py0 + ((fy(v) - fy(y0)) / (fy(y1) - fy(y0))) * (py1 - py0);
  const ok = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v) && (ysc === 'linear' || v > 0);
  const body: string[] = [];
  if (o.title) body.push(text(W / 2, 26, o.title, { 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 'bold' }));
  // Grid and ticks.
  const xt = xsc === 'log' ? logTicks(x0, x1, 8) : linearTicks(x0, x1, 6);
  const yt = ysc === 'log' ? logTicks(y0, y1, 8) : linearTicks(y0, y1, 6);
  for (const t of xt) {
    const x = X(t);
    if (x < px0 - 0.5 || x > px1 + 0.5) continue;
    body.push(`<line x1="${n2(x)}" y1="${py1}" x2="${n2(x)}" y2="${py0}" stroke="#e5e5e5"/>`);
    body.push(`<line x1="${n2(x)}" y1="${py0}" x2="${n2(x)}" y2="${py0 + 5}" stroke="#000000"/>`);
    body.push(text(x, py0 + 18, tickLabel(t), { 'text-anchor': 'middle', 'font-size': 11, class: 'xtick' }));
  }
  for (const t of yt) {
    const y = Y(t);
    if (y < py1 - 0.5 || y > py0 + 0.5) continue;
    body.push(`<line x1="${px0}" y1="${n2(y)}" x2="${px1}" y2="${n2(y)}" stroke="#e5e5e5"/>`);
    body.push(`<line x1="${px0 - 5}" y1="${n2(y)}" x2="${px0}" y2="${n2(y)}" stroke="#000000"/>`);
    body.push(text(px0 - 8, y + 4, tickLabel(t), { 'text-anchor': 'end', 'font-size': 11, class: 'ytick' }));
  }
  body.push(`<rect x="${px0}" y="${py1}" width="${px1 - px0}" height="${py0 - py1}" fill="none" stroke="#000000"/>`);
  body.push(text((px0 + px1) / 2, H - 16 - legendH, o.x.label, { 'text-anchor': 'middle', 'font-size': 13 }));
  body.push(
    `<text x="18" y="${n2((py0 + py1) / 2)}" text-anchor="middle" font-size="13" transform="rotate(-90 18 ${n2((py0 + py1) / 2)})">${esc(o.y.label)}</text>`,
  );
  // Series, clipped to the plot.
  const clip = `lineplot-${++chartCount}`;
  body.push(`<defs><clipPath id="${clip}"><rect x="${px0}" y="${py1}" width="${px1 - px0}" height="${py0 - py1}"/></clipPath></defs>`);
  const g: string[] = [];
  o.series.forEach((s, k) => {
    const color = s.color ?? LINE_COLORS[k % LINE_COLORS.length];
    const idx = s.x.map((_, i) => i).filter((i) => Number.isFinite(s.x[i]) && ok(s.y[i]));
    if (s.lo && s.hi) {
      const iv = s.x.map((_, i) => i).filter((i) => ok(s.lo![i]) && ok(s.hi![i]));
      if (s.bars) {
        for (const i of iv) {
          const x = X(s.x[i]);
          g.push(`<line class="errbar" x1="${n2(x)}" y1="${n2(Y(s.lo![i]!))}" x2="${n2(x)}" y2="${n2(Y(s.hi![i]!))}" stroke="${color}" stroke-width="1.5"/>`);
          for (const v of [s.lo![i]!, s.hi![i]!])
            g.push(`<line x1="${n2(x - 4)}" y1="${n2(Y(v))}" x2="${n2(x + 4)}" y2="${n2(Y(v))}" stroke="${color}" stroke-width="1.5"/>`);
        }
      } else if (iv.length >= 2) {
        const upper = iv.map((i) => `${n2(X(s.x[i]))},${n2(Y(s.hi![i]!))}`);
        const lower = iv.map((i) => `${n2(X(s.x[i]))},${n2(Y(s.lo![i]!))}`).reverse();
        g.push(`<polygon class="band" points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.18" stroke="none"/>`);
      }
    }
    if (idx.length >= 2) {
      g.push(
        `<polyline class="series" data-label="${esc(s.label)}" points="${idx.map((i) => `${n2(X(s.x[i]))},${n2(Y(s.y[i]!))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"${s.dash ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
    }
    if (s.markers ?? idx.length <= 30)
      for (const i of idx) g.push(`<circle class="point" cx="${n2(X(s.x[i]))}" cy="${n2(Y(s.y[i]!))}" r="3" fill="${color}"/>`);
  });
  body.push(`<g clip-path="url(#${clip})">${g.join('')}</g>`);
  // Legend: below the x axis title, outside the data; each swatch is drawn as its series is.
  if (showLegend) {
    const lx = left - 40;
    const ly = H - legendH;
    body.push(`<g class="legend">`);
    o.series.forEach((s, k) => {
      const color = s.color ?? LINE_COLORS[k % LINE_COLORS.length];
      const x = lx + (k % lay.cols) * lay.colW;
      const y = ly + 12 + Math.floor(k / lay.cols) * 17;
      body.push(
        `<line class="swatch" data-label="${esc(s.label)}" x1="${n2(x + 4)}" y1="${n2(y - 4)}" x2="${n2(x + 30)}" y2="${n2(y - 4)}" stroke="${color}" stroke-width="2"${s.dash ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
      body.push(text(x + 36, y, s.label, { 'font-size': 11 }));
    });
    body.push('</g>');
  }
  return svgDoc(W, H, body);
}
