/**
 * The paper's figures, one module each: its config (the preset), its protocol (what is computed)
 * and its plot. `benignfit reproduce <figure>` runs them (ts/cli/reproduce.ts). Nothing here imports
 * node: modules, so the browser entry and the web page use the same presets.
 */
import { fig3Preset } from './fig3.js';
import { fig4Preset } from './fig4.js';
import type { SweepPreset } from './setup.js';

export { PAPER_DATA, PAPER_TRAIN, type SweepPreset } from './setup.js';
export { fig2Options, fig2Boundaries, fig2Svg, FIG2_CURVES } from './fig2.js';
export { fig3Preset } from './fig3.js';
export { fig4Preset } from './fig4.js';
export { FIG5, scoresCsv, gridRows } from './fig5.js';
export { FIG6, frobeniusCsv, frobeniusSvg } from './fig6.js';
export * from './fig7.js';

/** Every figure of the paper this package reproduces: its id (the `reproduce` argument), what it is and how it is made. */
export const PAPER_FIGURES = [
  { id: 'fig2', section: 'Remark 4', kind: 'theory', title: "Theorem 1's phases over feature strength and noise correlation ratio" },
  { id: 'fig3a', section: '§5.1', kind: 'sweep', title: 'test accuracy over ||u|| and Gamma, Gaussian noise' },
  { id: 'fig3b', section: '§5.1', kind: 'sweep', title: 'test accuracy over ||u|| and Gamma, uniform noise' },
  { id: 'fig4a', section: '§5.1', kind: 'sweep', title: 'test accuracy over ||u|| and class size, Gamma = 1.2' },
  { id: 'fig4b', section: '§5.1', kind: 'sweep', title: 'test accuracy over Gamma and class size, ||u|| = 1e-6' },
  { id: 'fig5', section: '§5.2', kind: 'influence', title: 'images with the highest and lowest influence scores (eq. 10)' },
  { id: 'fig6', section: '§5.2', kind: 'influence', title: 'tr(S_i S_j) between classes' },
  { id: 'fig7', section: '§5.2', kind: 'retrain', title: 'test accuracy after removing high-, low-scored or random images' },
] as const;
export type PaperFigure = (typeof PAPER_FIGURES)[number]['id'];

/** The phase diagrams of §5.1 (Figures 3 and 4): sweeps, run by `sweep(preset(name, quick))`. */
export const FIGURES = ['fig3a', 'fig3b', 'fig4a', 'fig4b'] as const;
export type FigureName = (typeof FIGURES)[number];

/** The sweep config of a phase diagram: the full grid (12 x 12 cells, 3 seeds) or `quick` (8 x 8, one seed). */
export function preset(name: FigureName, quick: boolean): SweepPreset {
  switch (name) {
    case 'fig3a':
      return fig3Preset('a', quick);
    case 'fig3b':
      return fig3Preset('b', quick);
    case 'fig4a':
      return fig4Preset('a', quick);
    case 'fig4b':
      return fig4Preset('b', quick);
  }
}
