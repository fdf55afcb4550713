/**
 * The paper's figures as sweep configs (§5.1: K = 5, d = 1000, m = 100, eta = 0.05, PyTorch's
 * default initialisation, 20 epochs). How "20 epochs" is read — mini-batch SGD with batch size 1 —
 * was chosen by measuring both readings; see docs/presets.md.
 */
import type { SweepConfigInput } from './spec.js';

export const FIGURES = ['fig3a', 'fig3b', 'fig4a', 'fig4b'] as const;
export type FigureName = (typeof FIGURES)[number];

/** §5.1's training: 20 epochs of SGD with batch size 1 at eta = 0.05, m = 100, PyTorch init. */
export const PAPER_TRAIN = { width: 100, lr: 0.05, epochs: 20, batchSize: 1, init: 'pytorch' as const, longTailedL: [1, 2] };
export const PAPER_DATA = { classes: 5, dim: 1000, perClass: 100, testPerClass: 200, noise: 'gaussian' as const, model: 'heterogeneous' as const };

interface Grid {
  n: number;
  seeds: number;
}
const FULL: Grid = { n: 12, seeds: 3 };
const QUICK: Grid = { n: 8, seeds: 1 };

export function preset(name: FigureName, quick: boolean): SweepConfigInput & { description: string } {
  const g = quick ? QUICK : FULL;
  const log = (from: number, to: number, count = g.n) => ({ from, to, count, scale: 'log' as const });
  const sizes = quick ? [10, 50, 100, 150, 200].slice(0, g.n) : [10, 20, 30, 40, 60, 80, 100, 120, 140, 160, 180, 200];
  switch (name) {
    case 'fig3a':
    case 'fig3b': {
      const noise = name === 'fig3a' ? 'gaussian' : 'uniform';
      return {
        description: `Figure 3${name.at(-1)}: test accuracy against feature strength ||u|| (0.001-3.8) and noise correlation ratio Gamma (1-1400), ${noise} noise, 100 examples per class`,
        data: { ...PAPER_DATA, noise },
        train: PAPER_TRAIN,
        sweep: {
          title: `Figure 3${name.at(-1)} (${noise} noise): test accuracy`,
          x: { param: 'data.featureNorm', values: log(0.001, 3.8), label: 'feature strength ||u||' },
          y: { param: 'data.gamma', values: log(1, 1400), label: 'noise correlation ratio Gamma' },
          seeds: g.seeds,
        },
      };
    }
    case 'fig4a':
      return {
        description: 'Figure 4a: test accuracy against feature strength ||u|| (0.01-4) and class size |S_k| (10-200), Gamma = 1.2, Gaussian noise',
        data: { ...PAPER_DATA, gamma: 1.2 },
        train: PAPER_TRAIN,
        sweep: {
          title: 'Figure 4a (Gamma = 1.2): test accuracy',
          x: { param: 'data.featureNorm', values: log(0.01, 4), label: 'feature strength ||u||' },
          y: { param: 'data.perClass', values: sizes, label: 'class size |S_k|' },
          seeds: g.seeds,
        },
      };
    case 'fig4b':
      return {
        description:
          'Figure 4b: test accuracy against noise correlation ratio Gamma (1-800) and class size |S_k| (10-200), feature strength 1e-6, Gaussian noise',
        data: { ...PAPER_DATA, featureNorm: 1e-6 },
        train: PAPER_TRAIN,
        sweep: {
          title: 'Figure 4b (||u|| = 1e-6): test accuracy',
          x: { param: 'data.gamma', values: log(1, 800), label: 'noise correlation ratio Gamma' },
          y: { param: 'data.perClass', values: sizes, label: 'class size |S_k|' },
          seeds: g.seeds,
        },
      };
  }
}
