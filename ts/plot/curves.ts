/**
 * The training curves of one run, from its evaluation records (EvalRecord: every evalEvery steps
 * and at the end): loss, accuracies (with the long-tailed subsets) and feature learning against
 * noise memorisation. The web page draws the three charts of a clicked cell; `benignfit train`
 * writes them side by side as curves.svg / curves.png. No DOM, no node: imports.
 */
import type { EvalRecord } from '../types.js';
import { lineChartSvg, type LineChartOptions, type Series } from './lines.js';
import { esc, svgDoc } from './svg.js';

const LT_COLORS = ['#2ca02c', '#9467bd', '#8c564b'];

function mean(a: number[] | null): number | null {
  return a?.length ? a.reduce((p, q) => p + q, 0) / a.length : null;
}

/** The three charts' options (loss; accuracy; feature learning vs noise memorisation). */
export function trainingCurveCharts(h: EvalRecord[], size: { width?: number; height?: number } = {}): LineChartOptions[] {
  const x = h.map((r) => r.step);
  const xl = { label: 'training step', min: 0 };
  const dims = { width: size.width ?? 520, height: size.height ?? 320 };
  const loss: Series[] = [{ label: 'training loss', x, y: h.map((r) => r.trainLoss) }];
  if (h.some((r) => r.testLoss !== null)) loss.push({ label: 'test loss', x, y: h.map((r) => r.testLoss) });
  const ls = [...new Set(h.flatMap((r) => r.longTailed.map((l) => l.L)))];
  const acc: Series[] = [{ label: 'training accuracy', x, y: h.map((r) => r.trainAcc) }];
  if (h.some((r) => r.testAcc !== null)) acc.push({ label: 'test accuracy', x, y: h.map((r) => r.testAcc) });
  acc.push(
    ...ls.map((L, i) => ({
      label: `long-tailed test accuracy (L = ${L})`,
      x,
      y: h.map((r) => r.longTailed.find((l) => l.L === L)?.acc ?? null),
      dash: true,
      color: LT_COLORS[i % LT_COLORS.length],
    })),
  );
  const fl: Series[] = [
    { label: 'feature learning: mean_k max_r <w_k,r, u_k>', x, y: h.map((r) => mean(r.featureLearning)) },
    { label: 'noise memorisation: mean_i max_r <w_y_i,r, xi_i>', x, y: h.map((r) => r.noiseMemorization?.mean ?? null) },
  ];
  return [
    { series: loss, x: xl, y: { label: 'cross-entropy loss', min: 0 }, title: 'Loss', ...dims },
    { series: acc, x: xl, y: { label: 'accuracy', min: 0, max: 1 }, title: 'Accuracy', ...dims },
    { series: fl, x: xl, y: { label: 'inner product' }, title: 'Feature learning vs noise memorisation', ...dims },
  ];
}

/** The three charts as separate SVG documents (the page shows them in a responsive grid). */
export function trainingCurveSvgs(h: EvalRecord[], size: { width?: number; height?: number } = {}): string[] {
  return trainingCurveCharts(h, size).map(lineChartSvg);
}

/** The three charts side by side in one SVG document, with an optional title above them. */
export function trainingCurvesSvg(h: EvalRecord[], opts: { title?: string; width?: number; height?: number } = {}): string {
  const charts = trainingCurveSvgs(h, opts);
  const sizes = charts.map((c) => {
    const m = /<svg [^>]*width="([\d.]+)" height="([\d.]+)"/.exec(c)!;
    return { w: Number(m[1]), h: Number(m[2]) };
  });
  const top = opts.title ? 36 : 0;
  const W = sizes.reduce((a, s) => a + s.w, 0);
  const H = top + Math.max(...sizes.map((s) => s.h));
  let x = 0;
  const body: string[] = [];
  if (opts.title) body.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="17" font-weight="bold">${esc(opts.title)}</text>`);
  charts.forEach((c, i) => {
    // Nested <svg> elements, each placed at its offset (resvg and browsers both honour x / y).
    body.push(c.replace(/^<svg /, `<svg x="${x}" y="${top}" `).trimEnd());
    x += sizes[i].w;
  });
  return svgDoc(W, H, body);
}
