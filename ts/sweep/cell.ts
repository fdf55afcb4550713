/** Running one sweep cell on a backend: generate its data, train, and summarise it as a row. */
import type { Benignfit } from '../api.js';
import { BenignfitError } from '../errors.js';
import { snrAndGamma } from '../ratios.js';
import type { EvalRecord, LongTailedAcc, TrainProgress } from '../types.js';
import type { AxisValue, Cell } from './spec.js';

/** One finished cell (a row of results.jsonl). */
export interface CellResult {
  index: number;
  xi: number;
  yi: number;
  seed: number;
  x: AxisValue;
  y: AxisValue | null;
  testAcc: number | null;
  trainAcc: number | null;
  trainLoss: number | null;
  testAccPerClass: (number | null)[] | null;
  /** Accuracy on the L-long-tailed test subsets (Definition 1). */
  longTailed: LongTailedAcc[];
  /** SNR_k of Theorem 1 (per class, with the class sizes). */
  snr: number[];
  /** Gamma_{k,j} of Theorem 1 (K x K, null on the diagonal), and min_j Gamma_{k,j} per class. */
  gamma: (number | null)[][];
  gammaMin: number[];
  /** Test examples per class (for error counts). */
  testCountPerClass: number[];
  steps: number;
  seconds: number;
  backend: string;
  /** Set when the cell failed (e.g. E_DIVERGED); its metrics are then null. */
  error?: { code: string; message: string };
  /** Metrics recorded during training (only when train.evalEvery > 0). */
  history?: EvalRecord[];
}

export async function runCell(bf: Benignfit, cell: Cell, opts: { signal?: AbortSignal; onProgress?: (p: TrainProgress) => void; keepHistory?: boolean } = {}): Promise<CellResult> {
  const t0 = performance.now();
  const base = { index: cell.index, xi: cell.xi, yi: cell.yi, seed: cell.seed, x: cell.x, y: cell.y, backend: bf.backend };
  let snr: number[] = [];
  let gammaMin: number[] = [];
  let gamma: (number | null)[][] = [];
  let testCountPerClass: number[] = [];
  try {
    const ds = bf.generate(cell.data);
    ({ snr, gammaMin } = snrAndGamma(ds.model!));
    gamma = ds.model!.gammaSized;
    testCountPerClass = ds.model!.testClassSizes;
    const r = await bf.train(ds, cell.train, { signal: opts.signal, onProgress: opts.onProgress });
    if (r.aborted) throw new BenignfitError('E_ABORTED', 'the sweep was cancelled');
    const f = r.summary.finalMetrics;
    return {
      ...base,
      testAcc: f.testAcc,
      trainAcc: f.trainAcc,
      trainLoss: f.trainLoss,
      testAccPerClass: f.testAccPerClass,
      longTailed: f.longTailed,
      snr,
      gamma,
      gammaMin,
      testCountPerClass,
      steps: r.summary.steps,
      seconds: (performance.now() - t0) / 1000,
      ...(opts.keepHistory ? { history: r.history } : {}),
    };
  } catch (e) {
    if (e instanceof BenignfitError && (e.code === 'E_ABORTED' || e.code === 'E_PANIC' || e.code === 'E_NO_BACKEND')) throw e;
    const err = e instanceof BenignfitError ? e : new BenignfitError('E_INTERNAL', String((e as Error)?.message ?? e));
    return {
      ...base,
      testAcc: null,
      trainAcc: null,
      trainLoss: null,
      testAccPerClass: null,
      longTailed: [],
      snr,
      gamma,
      gammaMin,
      testCountPerClass,
      steps: 0,
      seconds: (performance.now() - t0) / 1000,
      error: { code: err.code, message: err.message },
    };
  }
}
