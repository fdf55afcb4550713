/**
 * Theorem 1's phase over a plane of the §5.1 model (e.g. feature strength ||u|| x noise ratio
 * Gamma, both on log scales): each grid point coloured by its phase, the theory's boundaries
 * (SNR = C1, Gamma = C2, ...) drawn over it, a marker at the current setting, and a legend below
 * the plot (outside the data) whose swatches are drawn as the regions, lines and marker are. Used
 * by the web page's Theory view (it follows the sliders live).
 */
import { cellEdges, haloColor, type Scale } from './heatmap.js';
import { esc, n2, svgDoc, text } from './svg.js';
import { linearTicks, logTicks, tickLabel } from './ticks.js';

export type PhaseName = 'benign-explicit' | 'benign-implicit' | 'harmful' | 'uncharacterized';

export const PHASE_COLORS: Record<PhaseName, string> = {
  'benign-explicit': '#9fd89f',
  'benign-implicit': '#a9c8ec',
  harmful: '#f0a3a3',
  uncharacterized: '#e2e2e2',
};

export const PHASE_LABELS: Record<PhaseName, string> = {
  'benign-explicit': 'benign, explicit (2(a))',
  'benign-implicit': 'benign, implicit (2(b))',
  harmful: 'harmful (3)',
  uncharacterized: 'not characterised',
};

export interface PhaseMapOptions {
  x: { label: string; values: number[]; scale?: Scale };
  y: { label: string; values: number[]; scale?: Scale };
  /** phase[iy][ix]. */
  phase: PhaseName[][];
  curves?: { label: string; points: [number, number][]; color?: string; dash?: boolean }[];
  /** The current setting (drawn as a marker; clamped to the frame with an arrow-less note when outside). */
  point?: { x: number; y: number; label: string };
  title?: string;
  width?: number;
  height?: number;
}

const CURVE_COLORS = ['#ffffff', '#ff7f0e', '#444444', '#8c564b'];

export function phaseMapSvg(o: PhaseMapOptions): string {
  const nx = o.x.values.length;
  const ny = o.y.values.length;
  if (!nx || !ny || o.phase.length !== ny || o.phase.some((r) => r.length !== nx))
    throw new Error('phaseMap: phase must be y.values.length rows of x.values.length entries');
  const present = [...new Set(o.phase.flat())].sort((a, b) => Object.keys(PHASE_COLORS).indexOf(a) - Object.keys(PHASE_COLORS).indexOf(b));
  const curves = (o.curves ?? []).filter((c) => c.points.length >= 2);
  const entries = present.length + curves.length + (o.point ? 1 : 0);
  const W = o.width ?? 560;
  const left = 70;
  const right = 16;
  const top = o.title ? 40 : 14;
  const colW = (W - 24) / 2;
  const legendH = 12 + Math.ceil(entries / 2) * 18;
  const H = (o.height ?? 400) + legendH;
  const bottom = 52 + legendH;
  const [px0, px1, py0, py1] = [left, W - right, H - bottom, top];
  const axis = (a: PhaseMapOptions['x'], p0: number, p1: number) => {
    const scale = a.scale ?? 'linear';
    const f = scale === 'log' ? Math.log10 : (v: number) => v;
    const edges = cellEdges(a.values, scale);
    const [lo, hi] = [f(edges[0]), f(edges[edges.length - 1])];
    const toPx = (v: number) => p0 + ((f(v) - lo) / (hi - lo || 1)) * (p1 - p0);
    const ticks = scale === 'log' ? logTicks(edges[0], edges[edges.length - 1], 7) : linearTicks(edges[0], edges[edges.length - 1], 6);
    return { edges, toPx, ticks, lo: edges[0], hi: edges[edges.length - 1] };
  };
  const X = axis(o.x, px0, px1);
  const Y = axis(o.y, py0, py1);
  const body: string[] = [];
  if (o.title) body.push(text(W / 2, 24, o.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }));
  const cells: string[] = [];
  for (let i = 0; i < ny; i++) {
    const [ya, yb] = [Y.toPx(Y.edges[i]), Y.toPx(Y.edges[i + 1])];
    for (let j = 0; j < nx; j++) {
      const [xa, xb] = [X.toPx(X.edges[j]), X.toPx(X.edges[j + 1])];
      const p = o.phase[i][j];
      cells.push(
        `<rect class="region" data-phase="${p}" x="${n2(Math.min(xa, xb))}" y="${n2(Math.min(ya, yb))}" width="${n2(Math.abs(xb - xa) + 0.3)}" height="${n2(Math.abs(yb - ya) + 0.3)}" fill="${PHASE_COLORS[p] ?? '#ffffff'}"/>`,
      );
    }
  }
  body.push(`<g shape-rendering="crispEdges">${cells.join('')}</g>`);
  const clip = `phasemap-${++mapCount}`;
  body.push(`<defs><clipPath id="${clip}"><rect x="${px0}" y="${py1}" width="${px1 - px0}" height="${py0 - py1}"/></clipPath></defs>`);
  const lines: string[] = [];
  const style = (c: { color?: string; dash?: boolean }, k: number) => {
    const color = c.color ?? CURVE_COLORS[k % CURVE_COLORS.length];
    const dash = c.dash ? ' stroke-dasharray="7 4"' : '';
    return {
      halo: `stroke="${haloColor(color)}" stroke-opacity="0.75" stroke-width="5" fill="none"${dash}`,
      line: `stroke="${esc(color)}" stroke-width="2.5" fill="none"${dash}`,
    };
  };
  curves.forEach((c, k) => {
    const pts = c.points
      .filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y))
      .map(([x, y]) => `${n2(X.toPx(x))},${n2(Y.toPx(y))}`)
      .join(' ');
    const st = style(c, k);
    lines.push(
      `<polyline class="overlay-halo" data-label="${esc(c.label)}" points="${pts}" ${st.halo}/>`,
      `<polyline class="overlay" data-label="${esc(c.label)}" points="${pts}" ${st.line}/>`,
    );
  });
  body.push(`<g clip-path="url(#${clip})">${lines.join('')}</g>`);
  if (o.point) {
    const inside = o.point.x >= X.lo && o.point.x <= X.hi && o.point.y >= Y.lo && o.point.y <= Y.hi;
    const cx = Math.min(px1, Math.max(px0, X.toPx(Math.min(X.hi, Math.max(X.lo, o.point.x)))));
    const cy = Math.min(py0, Math.max(py1, Y.toPx(Math.min(Y.hi, Math.max(Y.lo, o.point.y)))));
    body.push(
      `<circle class="marker" data-label="${esc(o.point.label)}" data-inside="${inside}" cx="${n2(cx)}" cy="${n2(cy)}" r="6" fill="#d62728" stroke="#000000" stroke-width="1.5"${inside ? '' : ' fill-opacity="0.35"'}/>`,
    );
  }
  body.push(`<rect x="${px0}" y="${py1}" width="${px1 - px0}" height="${py0 - py1}" fill="none" stroke="#000000"/>`);
  for (const t of X.ticks) {
    const x = X.toPx(t);
    if (x < px0 - 0.5 || x > px1 + 0.5) continue;
    body.push(
      `<line x1="${n2(x)}" y1="${py0}" x2="${n2(x)}" y2="${py0 + 5}" stroke="#000000"/>`,
      text(x, py0 + 18, tickLabel(t), { 'text-anchor': 'middle', 'font-size': 11 }),
    );
  }
  for (const t of Y.ticks) {
    const y = Y.toPx(t);
    if (y < py1 - 0.5 || y > py0 + 0.5) continue;
    body.push(
      `<line x1="${px0 - 5}" y1="${n2(y)}" x2="${px0}" y2="${n2(y)}" stroke="#000000"/>`,
      text(px0 - 8, y + 4, tickLabel(t), { 'text-anchor': 'end', 'font-size': 11 }),
    );
  }
  body.push(text((px0 + px1) / 2, py0 + 38, o.x.label, { 'text-anchor': 'middle', 'font-size': 13 }));
  body.push(
    `<text x="16" y="${n2((py0 + py1) / 2)}" text-anchor="middle" font-size="13" transform="rotate(-90 16 ${n2((py0 + py1) / 2)})">${esc(o.y.label)}</text>`,
  );
  // Legend: two columns below the plot; swatches drawn as the regions, lines and marker are.
  const leg: string[] = [];
  let k = 0;
  const at = () => {
    const x = 12 + (k % 2) * colW;
    const y = H - legendH + 14 + Math.floor(k / 2) * 18;
    k++;
    return { x, y };
  };
  for (const p of present) {
    const { x, y } = at();
    leg.push(
      `<rect class="swatch-region" data-phase="${p}" x="${n2(x)}" y="${n2(y - 10)}" width="26" height="12" fill="${PHASE_COLORS[p]}" stroke="#888888"/>`,
      text(x + 32, y, PHASE_LABELS[p], { 'font-size': 11 }),
    );
  }
  curves.forEach((c, i) => {
    const { x, y } = at();
    const st = style(c, i);
    leg.push(
      `<line class="swatch-halo" data-label="${esc(c.label)}" x1="${n2(x)}" y1="${n2(y - 4)}" x2="${n2(x + 26)}" y2="${n2(y - 4)}" ${st.halo}/>`,
      `<line class="swatch" data-label="${esc(c.label)}" x1="${n2(x)}" y1="${n2(y - 4)}" x2="${n2(x + 26)}" y2="${n2(y - 4)}" ${st.line}/>`,
      text(x + 32, y, c.label, { 'font-size': 11 }),
    );
  });
  if (o.point) {
    const { x, y } = at();
    leg.push(
      `<circle class="swatch-marker" cx="${n2(x + 13)}" cy="${n2(y - 4)}" r="6" fill="#d62728" stroke="#000000" stroke-width="1.5"/>`,
      text(x + 32, y, o.point.label, { 'font-size': 11 }),
    );
  }
  body.push(`<g class="legend">${leg.join('')}</g>`);
  return svgDoc(W, H, body);
}

let mapCount = 0;
