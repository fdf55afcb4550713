/**
 * The sweep's figure: a heatmap of the mean test accuracy over seeds, log axes where a range spans
 * decades, and the theory's boundaries drawn over it when the axes are two of the §5.1 model's
 * parameters (feature strength, Gamma, class size): SNR = C1 and Gamma = C2 with the given (default)
 * constants, and — when the results allow a fit — where the 2(a) and 2(b) bounds with fitted c1, c2
 * reach a 10% error.
 */
import type { Benignfit } from '../api.js';
import { heatmapSvg, type Overlay } from '../plot/heatmap.js';
import type { BoundaryReport, FitReport } from '../theory.js';
import type { CellResult } from './cell.js';
import type { AxisValue, ResolvedAxis, ResolvedSweep } from './spec.js';

const PLANE_PARAMS = ['data.featureNorm', 'data.gamma', 'data.perClass'] as const;
type PlaneParam = (typeof PLANE_PARAMS)[number];
const PLANES: Record<string, 'featureNorm-gamma' | 'featureNorm-perClass' | 'gamma-perClass'> = {
  'data.featureNorm|data.gamma': 'featureNorm-gamma',
  'data.featureNorm|data.perClass': 'featureNorm-perClass',
  'data.gamma|data.perClass': 'gamma-perClass',
};

export interface SweepFigure {
  svg: string;
  /** Mean test accuracy per (y, x) cell (rows: y values). */
  z: (number | null)[][];
  boundaries: BoundaryReport | null;
  fit: FitReport | null;
  notes: string[];
}

function numeric(a: ResolvedAxis): number[] | null {
  return a.values.every((v) => typeof v === 'number') ? (a.values as number[]) : null;
}

function label(v: AxisValue): string {
  return Array.isArray(v) ? v.join(',') : String(v);
}

/** Dense values spanning an axis (for smooth boundary curves). */
function dense(vals: number[], log: boolean, n = 120): number[] {
  const [a, b] = [Math.min(...vals), Math.max(...vals)];
  if (a === b) return [a];
  return Array.from({ length: n }, (_, i) => (log ? Math.exp(Math.log(a) + ((Math.log(b) - Math.log(a)) * i) / (n - 1)) : a + ((b - a) * i) / (n - 1)));
}

/** Mean test accuracy over seeds of every (x, y) cell. */
export function meanGrid(resolved: ResolvedSweep, rows: CellResult[]): (number | null)[][] {
  const ny = resolved.y ? resolved.y.values.length : 1;
  const nx = resolved.x.values.length;
  const sum = Array.from({ length: ny }, () => new Array<number>(nx).fill(0));
  const cnt = Array.from({ length: ny }, () => new Array<number>(nx).fill(0));
  for (const r of rows) {
    if (r.testAcc === null || r.yi >= ny || r.xi >= nx) continue;
    sum[r.yi][r.xi] += r.testAcc;
    cnt[r.yi][r.xi]++;
  }
  return sum.map((row, i) => row.map((s, j) => (cnt[i][j] ? s / cnt[i][j] : null)));
}

/**
 * Build the figure (the backend computes the theory's boundaries and fits c1, c2). `fit: false`
 * skips the fit (a page redrawing the figure after every finished cell fits once, at the end).
 * `fitFile` names the file the notes send a reader to for the fit (theory.json beside the CLI's
 * heatmap; the page offers results.json).
 */
export function sweepFigure(bf: Benignfit, resolved: ResolvedSweep, rows: CellResult[], opts: { fit?: boolean; fitFile?: string } = {}): SweepFigure {
  const z = meanGrid(resolved, rows);
  const notes: string[] = [];
  const xs = numeric(resolved.x);
  const ys = resolved.y ? numeric(resolved.y) : null;
  const seeds = resolved.sweep.seeds;
  let boundaries: BoundaryReport | null = null;
  let fit: FitReport | null = null;
  const overlays: Overlay[] = [];
  const data = resolved.data as Record<string, unknown>;
  const xp = resolved.x.param as PlaneParam;
  const yp = resolved.y?.param as PlaneParam | undefined;
  const key = yp && (PLANES[`${xp}|${yp}`] ? `${xp}|${yp}` : PLANES[`${yp}|${xp}`] ? `${yp}|${xp}` : null);
  const sectionOk =
    (data.model ?? 'heterogeneous') === 'heterogeneous' && typeof (data.perClass ?? 100) === 'number' && typeof (data.featureNorm ?? 1) === 'number';
  if (xs && ys && key && sectionOk) {
    const swapped = !PLANES[`${xp}|${yp}`];
    const plane = PLANES[key];
    const [pa, pb] = key.split('|');
    const aVals = swapped ? ys : xs;
    const bVals = swapped ? xs : ys;
    const aLog = (swapped ? resolved.y!.log : resolved.x.log) as boolean;
    const bLog = (swapped ? resolved.x.log : resolved.y!.log) as boolean;
    const fixed: Record<string, number> = {};
    for (const p of PLANE_PARAMS)
      if (p !== pa && p !== pb) {
        const name = p.slice(5);
        if (typeof data[name] === 'number') fixed[name] = data[name] as number;
      }
    if (fixed.gamma === undefined && plane === 'featureNorm-perClass') fixed.gamma = 1;
    try {
      const rowsForFit = rows.filter((r) => r.testAccPerClass && r.snr.length);
      if (opts.fit !== false && rowsForFit.length >= 4) {
        fit = bf.fitConstants(rowsForFit as never, { bootstrap: 200 });
      }
    } catch (e) {
      notes.push(`fit of c1, c2 skipped: ${(e as Error).message}`);
    }
    // Draw fitted lines only for fits with enough informative cells and an interval.
    const usable = (r: FitReport['c1'] | undefined) => (r?.estimate && r.ci && r.points >= 8 ? r.estimate : null);
    const c1 = usable(fit?.c1);
    const c2 = usable(fit?.c2);
    if (fit && (!c1 || !c2))
      notes.push(
        `fitted ${[!c1 && 'c1', !c2 && 'c2'].filter(Boolean).join(' and ')} not drawn: too few informative cells (${fit.c1.points} and ${fit.c2.points} points; the fit is in ${opts.fitFile ?? 'theory.json'})`,
      );
    try {
      boundaries = bf.phaseBoundaries({
        plane,
        x: dense(aVals, aLog),
        y: dense(bVals, bLog),
        classes: typeof data.classes === 'number' ? data.classes : 5,
        dim: typeof data.dim === 'number' ? data.dim : 1000,
        ...(typeof data.baseEigenvalue === 'number' ? { baseEigenvalue: data.baseEigenvalue } : {}),
        ...fixed,
        constants: { ...(c1 ? { c1 } : {}), ...(c2 ? { c2 } : {}) },
        levels: c1 || c2 ? [0.1] : [],
      });
      const want: Record<string, { color: string; dash: boolean; label?: string }> = {
        '2a': { color: '#ffffff', dash: false },
        '2b': { color: '#ff7f0e', dash: false },
        ...(c1 ? { '2a@0.1': { color: '#ffffff', dash: true, label: `2(a) bound = 10% (fitted c1 = ${c1.toPrecision(2)})` } } : {}),
        ...(c2 ? { '2b@0.1': { color: '#ff7f0e', dash: true, label: `2(b) bound = 10% at L = 1 (fitted c2 = ${c2.toPrecision(2)})` } } : {}),
      };
      // The plotted range, widened by a rounding error (a line's ends sit on the range's ends).
      const range = (v: number[]) => {
        const [lo, hi] = [Math.min(...v), Math.max(...v)];
        const eps = 1e-9 * Math.max(hi - lo, Math.abs(hi), Math.abs(lo));
        return [lo - eps, hi + eps];
      };
      const [xMin, xMax] = range(xs);
      const [yMin, yMax] = range(ys);
      for (const c of boundaries.curves) {
        const w = want[c.id];
        if (!w) continue;
        const pts = c.points.map(([a, b]) => (swapped ? [b, a] : [a, b]) as [number, number]);
        // A boundary that does not cross the plotted range (e.g. Gamma = C2 when Gamma is fixed
        // below C2, or SNR = C1 at a feature strength far below the grid) gets no line and no
        // legend entry.
        const inside = ([x, y]: [number, number]) => Number.isFinite(x) && Number.isFinite(y) && x >= xMin && x <= xMax && y >= yMin && y <= yMax;
        if (pts.filter(inside).length < 2) continue;
        overlays.push({ kind: 'polyline', points: pts, label: w.label ?? c.label, color: w.color, dash: w.dash });
      }
    } catch (e) {
      notes.push(`theory boundaries skipped: ${(e as Error).message}`);
    }
  } else {
    notes.push('no theory boundaries: they are drawn when the two axes are two of data.featureNorm, data.gamma, data.perClass of the heterogeneous model');
  }
  const title = resolved.sweep.title ?? `test accuracy${seeds > 1 ? ` (mean of ${seeds} seeds)` : ''}`;
  const svg = heatmapSvg({
    z,
    x: xs
      ? { label: resolved.x.label, values: xs, scale: resolved.x.log ? 'log' : 'linear' }
      : { label: resolved.x.label, categories: resolved.x.values.map(label) },
    y: resolved.y
      ? ys
        ? { label: resolved.y.label, values: ys, scale: resolved.y.log ? 'log' : 'linear' }
        : { label: resolved.y.label, categories: resolved.y.values.map(label) }
      : { label: '', categories: ['test accuracy'] },
    title: seeds > 1 && resolved.sweep.title ? `${title} (mean of ${seeds} seeds)` : title,
    colorbar: { label: 'test accuracy', min: 0, max: 1 },
    annotate: resolved.x.values.length <= 14 && (resolved.y?.values.length ?? 1) <= 14 ? (v: number) => v.toFixed(2) : false,
    overlays,
    legend: 'below',
  });
  return { svg, z, boundaries, fit, notes };
}
