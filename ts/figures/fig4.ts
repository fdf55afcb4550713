/**
 * Figure 4 (§5.1): the effect of the class size |S_k| (10-200). 4a: against feature strength
 * ||u|| (0.01-4) at Gamma = 1.2 (Statement 2(a): larger classes need weaker features); 4b:
 * against Gamma (1-800) at ||u|| = 1e-6 (Statement 2(b): roughly constant in class size). Config:
 * `fig4Preset`. Protocol: a sweep (ts/sweep/run.ts). Plot: the sweep's heatmap with the theory's
 * boundaries (ts/sweep/figure.ts).
 */
import { classSizes, gridOf, logAxis, PAPER_DATA, PAPER_TRAIN, type SweepPreset } from './setup.js';

export function fig4Preset(panel: 'a' | 'b', quick: boolean): SweepPreset {
  const g = gridOf(quick);
  const sizes = classSizes(quick, g);
  if (panel === 'a') {
    return {
      description: 'Figure 4a: test accuracy against feature strength ||u|| (0.01-4) and class size |S_k| (10-200), Gamma = 1.2, Gaussian noise',
      data: { ...PAPER_DATA, gamma: 1.2 },
      train: PAPER_TRAIN,
      sweep: {
        title: 'Figure 4a (Gamma = 1.2): test accuracy',
        x: { param: 'data.featureNorm', values: logAxis(g, 0.01, 4), label: 'feature strength ||u||' },
        y: { param: 'data.perClass', values: sizes, label: 'class size |S_k|' },
        seeds: g.seeds,
      },
    };
  }
  return {
    description: 'Figure 4b: test accuracy against noise correlation ratio Gamma (1-800) and class size |S_k| (10-200), feature strength 1e-6, Gaussian noise',
    data: { ...PAPER_DATA, featureNorm: 1e-6 },
    train: PAPER_TRAIN,
    sweep: {
      title: 'Figure 4b (||u|| = 1e-6): test accuracy',
      x: { param: 'data.gamma', values: logAxis(g, 1, 800), label: 'noise correlation ratio Gamma' },
      y: { param: 'data.perClass', values: sizes, label: 'class size |S_k|' },
      seeds: g.seeds,
    },
  };
}
