/** Running sweep cells on a backend: generate their data, train, and summarise each as a row. */
import type { Benignfit } from '../api.js';
import { BenignfitError } from '../errors.js';
import { snrAndGamma } from '../ratios.js';
import type { EvalRecord, LongTailedAcc, TrainProgress, TrainResult } from '../types.js';
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
  /** Wall time of the cell (a cell trained in a group of n cells on the same data: the group's time / n). */
  seconds: number;
  backend: string;
  /** Set when the cell failed (e.g. E_DIVERGED); its metrics are then null. */
  error?: { code: string; message: string };
  /** Metrics recorded during training (only when train.evalEvery > 0). */
  history?: EvalRecord[];
}

type CellOptions = { signal?: AbortSignal; onProgress?: (p: TrainProgress) => void; keepHistory?: boolean };

/** One cell on its own (runCells of one). */
export async function runCell(bf: Benignfit, cell: Cell, opts: CellOptions = {}): Promise<CellResult> {
  return (await runCells(bf, [cell], opts))[0];
}

/** What every cell of a unit shares: its data's Theorem 1 ratios (filled once the data exist). */
interface Shared {
  snr: number[];
  gamma: (number | null)[][];
  gammaMin: number[];
  testCountPerClass: number[];
}

/**
 * Run cells that share their data config (one data set, then one TrainerGroup: Benignfit.trainGroup,
 * the same bits as each cell alone). One cell is an ordinary training. Results come in the cells'
 * order; a cell whose training fails (e.g. E_DIVERGED) gets its error, the others go on.
 */
export async function runCells(bf: Benignfit, cells: Cell[], opts: CellOptions = {}): Promise<CellResult[]> {
  const t0 = performance.now();
  const shared: Shared = { snr: [], gamma: [], gammaMin: [], testCountPerClass: [] };
  try {
    const ds = bf.generate(cells[0].data);
    ({ snr: shared.snr, gammaMin: shared.gammaMin } = snrAndGamma(ds.model!));
    shared.gamma = ds.model!.gammaSized;
    shared.testCountPerClass = ds.model!.testClassSizes;
    if (cells.length === 1) {
      const r = await bf.train(ds, cells[0].train, { signal: opts.signal, onProgress: opts.onProgress });
      if (r.aborted) throw new BenignfitError('E_ABORTED', 'the sweep was cancelled');
      return [finished(cells[0], bf, shared, r, t0, 1, opts.keepHistory)];
    }
    const g = await bf.trainGroup(
      ds,
      cells.map((c) => c.train),
      { signal: opts.signal },
    );
    if (g.aborted) throw new BenignfitError('E_ABORTED', 'the sweep was cancelled');
    return cells.map((c, i) =>
      g.results[i] ? finished(c, bf, shared, g.results[i]!, t0, cells.length, opts.keepHistory) : failed(c, bf, shared, g.errors[i]!, t0, cells.length),
    );
  } catch (e) {
    if (e instanceof BenignfitError && (e.code === 'E_ABORTED' || e.code === 'E_PANIC' || e.code === 'E_NO_BACKEND')) throw e;
    const err = e instanceof BenignfitError ? e : new BenignfitError('E_INTERNAL', String((e as Error)?.message ?? e));
    return cells.map((c) => failed(c, bf, shared, err, t0, cells.length));
  }
}

function base(cell: Cell, bf: Benignfit) {
  return { index: cell.index, xi: cell.xi, yi: cell.yi, seed: cell.seed, x: cell.x, y: cell.y, backend: bf.backend };
}

function finished(cell: Cell, bf: Benignfit, s: Shared, r: TrainResult, t0: number, share: number, keepHistory?: boolean): CellResult {
  const f = r.summary.finalMetrics;
  return {
    ...base(cell, bf),
    testAcc: f.testAcc,
    trainAcc: f.trainAcc,
    trainLoss: f.trainLoss,
    testAccPerClass: f.testAccPerClass,
    longTailed: f.longTailed,
    ...s,
    steps: r.summary.steps,
    seconds: (performance.now() - t0) / 1000 / share,
    ...(keepHistory ? { history: r.history } : {}),
  };
}

function failed(cell: Cell, bf: Benignfit, s: Shared, err: BenignfitError, t0: number, share: number): CellResult {
  return {
    ...base(cell, bf),
    testAcc: null,
    trainAcc: null,
    trainLoss: null,
    testAccPerClass: null,
    longTailed: [],
    ...s,
    steps: 0,
    seconds: (performance.now() - t0) / 1000 / share,
    error: { code: err.code, message: err.message },
  };
}
