/**
 * Figure 2 (Remark 4): Theorem 1's phases over the plane of feature strength ||u|| (the
 * horizontal dimension, Statement 2(a)) and the noise correlation ratio Gamma (the vertical one,
 * Statement 2(b)): benign (explicit or implicit), harmful (Statement 3), and the band between
 * them that the theorem leaves uncharacterised. The paper draws it as an illustration; here it is
 * computed for §5.1's model (K = 5, d = 1000, |S_k| = 100) over Figure 3's ranges, closed forms
 * only (milliseconds, no training). Config: `fig2Options`. Protocol: `fig2Boundaries` (the core's
 * `phaseBoundaries`). Plot: `fig2Svg`. The CLI: `benignfit reproduce fig2`.
 */
import type { Benignfit } from '../api.js';
import type { BoundaryOptionsInput } from '../config.js';
import type { BoundaryReport } from '../theory.js';
import { phaseMapSvg, type PhaseName } from '../plot/phasemap.js';
import { PAPER_DATA } from './setup.js';

/** `count` log-spaced points from `lo` to `hi` (6 significant digits). */
function logspace(lo: number, hi: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => +Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (count - 1)).toPrecision(6));
}

/** The boundaries config of Figure 2: the plane of Figure 3 (||u|| 0.001-3.8, Gamma 1-1400) at §5.1's K, d and |S_k|. */
export function fig2Options(constants: BoundaryOptionsInput['constants'] = {}): BoundaryOptionsInput {
  return {
    plane: 'featureNorm-gamma',
    x: logspace(0.001, 3.8, 49),
    y: logspace(1, 1400, 41),
    classes: PAPER_DATA.classes,
    dim: PAPER_DATA.dim,
    perClass: PAPER_DATA.perClass,
    constants,
  };
}

/** Figure 2's phases and boundaries (SNR = C1, Gamma = C2, the harmful edges) from the core. */
export function fig2Boundaries(bf: Benignfit, options: BoundaryOptionsInput = fig2Options()): BoundaryReport {
  return bf.phaseBoundaries(options);
}

/** How each boundary of the report is drawn: 2(a) white, 2(b) orange, Statement 3's edges dashed. */
export const FIG2_CURVES: Record<string, { color: string; dash: boolean }> = {
  '2a': { color: '#ffffff', dash: false },
  '2b': { color: '#ff7f0e', dash: false },
  '3-snr': { color: '#444444', dash: true },
  '3-gamma': { color: '#8c564b', dash: true },
};

/** Figure 2 as a map: each grid point coloured by its phase, the boundaries over it, the legend below. */
export function fig2Svg(b: BoundaryReport, o: { title?: string; point?: { x: number; y: number; label: string } } = {}): string {
  const [x0, x1, y0, y1] = [b.x[0], b.x[b.x.length - 1], b.y[0], b.y[b.y.length - 1]];
  const inRange = ([x, y]: [number, number]) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
  return phaseMapSvg({
    x: { label: 'feature strength ||u||', values: b.x, scale: 'log' },
    y: { label: 'noise correlation ratio Gamma', values: b.y, scale: 'log' },
    phase: b.phase as PhaseName[][],
    curves: b.curves
      .filter((c) => FIG2_CURVES[c.id] && c.points.filter(inRange).length >= 2)
      .map((c) => ({ label: c.label, points: c.points, ...FIG2_CURVES[c.id] })),
    ...(o.point ? { point: o.point } : {}),
    title: o.title ?? 'Figure 2: the phases of Theorem 1 (§5.1, |S_k| = 100)',
  });
}
