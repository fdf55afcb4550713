/**
 * Figure 5 (§5.2): the training images with the highest and the lowest influence scores (eq. 10),
 * per class and overall. Config: `FIG5` (what `reproduce fig5` computes and writes). Protocol:
 * the influence run (ts/influence.ts; the CLI's `influenceWithProgress`). Plot: `gridRows`, drawn
 * by plot/grid.ts; its table is scores.csv (`scoresCsv`). No node: imports: the CLI and the web
 * page share them.
 */
import type { ImageSet } from '../formats/idx.js';
import { extremes, type InfluenceResult } from '../influence.js';
import type { GridRow } from '../plot/grid.js';

/** `reproduce fig5`: the scores without the class matrix; scores.csv/.npy and the two grids. */
export const FIG5 = {
  description: 'Figure 5: the training images with the highest and lowest influence scores (eq. 10), per class',
  influence: { frobenius: false },
  outputs: ['scores', 'grids'] as ('scores' | 'grids')[],
  files: 'scores.npy and summary.json',
};

/** scores.csv: index,label,score in the file's order (full precision), and the file of each row when given. */
export function scoresCsv(r: Pick<InfluenceResult, 'scores' | 'labels'>, files?: string[]): string {
  const lines = [files ? 'index,label,score,file' : 'index,label,score'];
  const q = (f: string) => (/[",\n\r]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f);
  for (let i = 0; i < r.scores.length; i++) lines.push(`${i},${r.labels[i]},${r.scores[i]}${files ? `,${q(files[i])}` : ''}`);
  return `${lines.join('\n')}\n`;
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
