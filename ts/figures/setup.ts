/**
 * §5.1's setting, shared by Figures 2-4 (K = 5, d = 1000, m = 100, eta = 0.05, PyTorch's default
 * initialisation, 20 epochs), and the grids of the phase-diagram presets. How "20 epochs" is read —
 * mini-batch SGD with batch size 1 — was chosen by measuring both readings; see docs/presets.md.
 */
import type { SweepConfigInput } from '../sweep/spec.js';

/** §5.1's training: 20 epochs of SGD with batch size 1 at eta = 0.05, m = 100, PyTorch init. */
export const PAPER_TRAIN = { width: 100, lr: 0.05, epochs: 20, batchSize: 1, init: 'pytorch' as const, longTailedL: [1, 2] };
export const PAPER_DATA = { classes: 5, dim: 1000, perClass: 100, testPerClass: 200, noise: 'gaussian' as const, model: 'heterogeneous' as const };

/** A phase-diagram preset: the sweep config of one figure and a sentence saying what it shows. */
export type SweepPreset = SweepConfigInput & { description: string };

/** Cells per axis and seed replicates of a phase diagram: the full preset and --quick. */
export interface Grid {
  n: number;
  seeds: number;
}
const FULL: Grid = { n: 12, seeds: 3 };
const QUICK: Grid = { n: 8, seeds: 1 };

export function gridOf(quick: boolean): Grid {
  return quick ? QUICK : FULL;
}

/** `count` (default: the grid's) log-spaced values from `from` to `to`, as a sweep axis range. */
export function logAxis(g: Grid, from: number, to: number, count = g.n) {
  return { from, to, count, scale: 'log' as const };
}

/** The class sizes |S_k| of Figure 4's y axis (10-200). */
export function classSizes(quick: boolean, g: Grid): number[] {
  return quick ? [10, 50, 100, 150, 200].slice(0, g.n) : [10, 20, 30, 40, 60, 80, 100, 120, 140, 160, 180, 200];
}
