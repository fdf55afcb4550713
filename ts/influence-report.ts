/**
 * What the influence computation gives a reader: scores.csv, frobenius.csv, the Figure 6 heatmap
 * and the rows of the Figure 5 grids. No node: imports: the CLI and the web page share them.
 */
import type { ImageSet } from './formats/idx.js';
import { extremes, type InfluenceResult } from './influence.js';
import type { GridRow } from './plot/grid.js';
import { heatmapSvg } from './plot/heatmap.js';

/** scores.csv: index,label,score in the file's order (full precision), and the file of each row when given. */
export function scoresCsv(r: Pick<InfluenceResult, 'scores' | 'labels'>, files?: string[]): string {
  const lines = [files ? 'index,label,score,file' : 'index,label,score'];
  const q = (f: string) => (/[",\n\r]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f);
  for (let i = 0; i < r.scores.length; i++) lines.push(`${i},${r.labels[i]},${r.scores[i]}${files ? `,${q(files[i])}` : ''}`);
  return `${lines.join('\n')}\n`;
}

/** frobenius.csv: header class,0,1,... then row i: i, tr(S_i S_0), tr(S_i S_1), ... */
export function frobeniusCsv(f: number[][]): string {
  const k = f.length;
  return `${[`class,${Array.from({ length: k }, (_, j) => j).join(',')}`, ...f.map((row, i) => `${i},${row.join(',')}`)].join('\n')}\n`;
}

/** Rows of a Figure 5 grid: per class the `count` highest (or lowest), then the overall ones. */
export function gridRows(set: ImageSet, r: InfluenceResult, which: 'top' | 'bottom', count: number): GridRow[] {
  const d = set.height * set.width * set.channels;
  const name = (c: number) => set.classNames?.[c] ?? String(c);
  const tile = (i: number) => ({ pixels: set.pixels.subarray(i * d, (i + 1) * d), label: name(r.labels[i]), score: r.scores[i], index: i });
  const rows: GridRow[] = [];
  for (let c = 0; c < r.classes; c++) rows.push({ title: `class ${name(c)}`, tiles: extremes(r.scores, count, which, r.labels, c).map(tile) });
  rows.push({ title: 'all classes', tiles: extremes(r.scores, count, which).map(tile) });
  return rows;
}

/** Figure 6: tr(S_i S_j) as an annotated heatmap, classes named. */
export function frobeniusSvg(frobSq: number[][], names: string[]): string {
  const k = frobSq.length;
  return heatmapSvg({
    z: frobSq,
    x: { label: 'class j', categories: names },
    y: { label: 'class i', categories: names },
    title: 'tr(S_i S_j), the estimate of ||A_i^T A_j||_F^2',
    colorbar: { label: 'tr(S_i S_j)' },
    annotate: true,
    width: 560 + 24 * Math.max(0, k - 10),
    height: 500 + 24 * Math.max(0, k - 10),
  });
}
