/**
 * Figure 3 (§5.1): test accuracy against feature strength ||u|| (0.001-3.8) and the noise
 * correlation ratio Gamma (1-1400), 100 examples per class; 3a with Gaussian noise, 3b with
 * uniform noise. Config: `fig3Preset`. Protocol: a sweep (ts/sweep/run.ts, one training per cell
 * and seed). Plot: the sweep's heatmap with the theory's boundaries over it (ts/sweep/figure.ts).
 */
import { gridOf, logAxis, PAPER_DATA, PAPER_TRAIN, type SweepPreset } from './setup.js';

export function fig3Preset(panel: 'a' | 'b', quick: boolean): SweepPreset {
  const g = gridOf(quick);
  const noise = panel === 'a' ? 'gaussian' : 'uniform';
  return {
    description: `Figure 3${panel}: test accuracy against feature strength ||u|| (0.001-3.8) and noise correlation ratio Gamma (1-1400), ${noise} noise, 100 examples per class`,
    data: { ...PAPER_DATA, noise },
    train: PAPER_TRAIN,
    sweep: {
      title: `Figure 3${panel} (${noise} noise): test accuracy`,
      x: { param: 'data.featureNorm', values: logAxis(g, 0.001, 3.8), label: 'feature strength ||u||' },
      y: { param: 'data.gamma', values: logAxis(g, 1, 1400), label: 'noise correlation ratio Gamma' },
      seeds: g.seeds,
    },
  };
}
