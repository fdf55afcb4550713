/**
 * Figure 6 (§5.2): tr(S_i S_j) between the classes of the training set, the estimate of
 * ||A_i^T A_j||_F^2 (and so of the noise correlation ratio Gamma on real data). Config: `FIG6`
 * (what `reproduce fig6` computes and writes). Protocol: the influence run with `frobenius: true`
 * (ts/influence.ts). Plot: `frobeniusSvg`; its table is frobenius.csv (`frobeniusCsv`). No node:
 * imports: the CLI and the web page share them.
 */
import { heatmapSvg } from '../plot/heatmap.js';

/** `reproduce fig6`: the class matrix (the scores too, as the run gives them); frobenius.csv and the heatmap. */
export const FIG6 = {
  description: 'Figure 6: tr(S_i S_j) between the classes of the training set, the estimate of ||A_i^T A_j||_F^2',
  influence: { frobenius: true },
  outputs: ['frobenius'] as 'frobenius'[],
  files: 'summary.json',
};

/** frobenius.csv: header class,0,1,... then row i: i, tr(S_i S_0), tr(S_i S_1), ... */
export function frobeniusCsv(f: number[][]): string {
  const k = f.length;
  return `${[`class,${Array.from({ length: k }, (_, j) => j).join(',')}`, ...f.map((row, i) => `${i},${row.join(',')}`)].join('\n')}\n`;
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
