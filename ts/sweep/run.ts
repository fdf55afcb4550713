/**
 * Running a sweep: cells go to an executor (an in-process loop, worker threads in Node, Web
 * Workers in browsers); finished cells are reported at once, in completion order.
 */
import type { Benignfit } from '../api.js';
import { abortError, BenignfitError } from '../errors.js';
import { runCells, type CellResult } from './cell.js';
import { cells as allCells, resolveSweep, shardCells, stableStringify, type Cell, type ResolvedSweep, type SweepConfigInput } from './spec.js';

export interface SweepProgress {
  /** Cells finished in this run (and before it, when resuming). */
  done: number;
  total: number;
  /** Cells finished in this run. */
  doneNow: number;
  running: number;
  seconds: number;
  /** Estimated seconds left (from this run's rate). */
  eta: number;
}

export interface SweepCallbacks {
  /** Every finished cell, as soon as it finishes. */
  onCell?: (r: CellResult) => void;
  onProgress?: (p: SweepProgress) => void;
  /** Cancels the sweep: running cells are stopped and not reported. */
  signal?: AbortSignal;
}

export interface SweepOptions extends SweepCallbacks {
  /** Only this shard (1-based i of n) of the cells. */
  shard?: { i: number; n: number } | null;
  /** Cell indices already done (skipped: resuming). */
  skip?: Iterable<number>;
}

/** Runs cells somewhere and reports each result. */
export interface Executor {
  readonly workers: number;
  run(cells: Cell[], onResult: (r: CellResult) => void, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** Most cells trained together in one unit (a unit's results are reported, and saved, when it ends). */
export const MAX_UNIT = 32;
/**
 * Most cells in one unit when every row is saved as it comes (the CLI's result folders): the cells
 * of a group train in lockstep and all finish when the group ends, so smaller units bound what a
 * kill can take (the rows are the same bits at any unit size).
 */
export const SAVED_UNIT = 6;

/**
 * Units of work: cells with the same data config (an axis over train.* fields, with the same
 * seed replicate) go together, to train as one group on one data set (see runCells); then the
 * largest units are halved until there are at least `workers` units, so that no worker idles
 * while another trains a long unit. `group: false` gives one cell per unit. Order is kept.
 */
export function planUnits(cells: Cell[], workers: number, group = true, maxUnit = MAX_UNIT): Cell[][] {
  if (!group || maxUnit <= 1) return cells.map((c) => [c]);
  const open = new Map<string, Cell[]>();
  const units: Cell[][] = [];
  for (const c of cells) {
    const key = stableStringify(c.data);
    let u = open.get(key);
    if (!u || u.length >= maxUnit) {
      u = [];
      open.set(key, u);
      units.push(u);
    }
    u.push(c);
  }
  while (units.length > 0 && units.length < workers) {
    let big = 0;
    units.forEach((u, i) => {
      if (u.length > units[big].length) big = i;
    });
    if (units[big].length < 2) break;
    const u = units[big];
    units.splice(big, 1, u.slice(0, Math.ceil(u.length / 2)), u.slice(Math.ceil(u.length / 2)));
  }
  return units.sort((a, b) => a[0].index - b[0].index);
}

/** Cells one unit after the other on one backend instance (tests, small sweeps, fallback). */
export class InProcessExecutor implements Executor {
  readonly workers = 1;
  constructor(
    private readonly bf: Benignfit,
    private readonly opts: { group?: boolean; maxUnit?: number } = {},
  ) {}
  async run(cells: Cell[], onResult: (r: CellResult) => void, signal?: AbortSignal): Promise<void> {
    for (const unit of planUnits(cells, 1, this.opts.group ?? true, this.opts.maxUnit)) {
      if (signal?.aborted) throw abortError('the sweep');
      for (const r of await runCells(this.bf, unit, { signal })) onResult(r);
    }
  }
  async close(): Promise<void> {}
}

export interface SweepRun {
  resolved: ResolvedSweep;
  /** The cells of this run (after shard and skip). */
  pending: Cell[];
  total: number;
  results: CellResult[];
  aborted: boolean;
  seconds: number;
}

/** Plan a sweep: resolve, shard, skip finished cells. */
export function planSweep(
  config: SweepConfigInput,
  opts: Pick<SweepOptions, 'shard' | 'skip'> = {},
): { resolved: ResolvedSweep; mine: Cell[]; pending: Cell[] } {
  const resolved = resolveSweep(config);
  const mine = shardCells(allCells(resolved), opts.shard ?? null);
  const skip = new Set(opts.skip ?? []);
  return { resolved, mine, pending: mine.filter((c) => !skip.has(c.index)) };
}

/**
 * Run a sweep on an executor. Resolves with the finished cells (aborted: true when cancelled).
 * When `onCell` throws (e.g. the result folder cannot be written), the sweep stops and runSweep
 * rejects with that error once the running cells have stopped.
 */
export async function runSweep(executor: Executor, config: SweepConfigInput, opts: SweepOptions = {}): Promise<SweepRun> {
  const { resolved, mine, pending } = planSweep(config, opts);
  const t0 = performance.now();
  const results: CellResult[] = [];
  const already = mine.length - pending.length;
  const progress = () => {
    const seconds = (performance.now() - t0) / 1000;
    const doneNow = results.length;
    const left = pending.length - doneNow;
    opts.onProgress?.({
      done: already + doneNow,
      total: mine.length,
      doneNow,
      running: Math.min(executor.workers, left),
      seconds,
      eta: doneNow > 0 ? (seconds / doneNow) * left : NaN,
    });
  };
  progress();
  if (!pending.length) return { resolved, pending, total: mine.length, results, aborted: false, seconds: 0 };
  // The executor stops on the caller's signal, or when onCell fails.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (opts.signal?.aborted) stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let cellError: unknown = null;
  let aborted = false;
  try {
    await executor.run(
      pending,
      (r) => {
        if (cellError) return;
        try {
          opts.onCell?.(r);
        } catch (e) {
          cellError = e;
          stop.abort();
          return;
        }
        results.push(r);
        progress();
      },
      stop.signal,
    );
  } catch (e) {
    if (!cellError && !((e as { code?: string }).code === 'E_ABORTED' || opts.signal?.aborted)) throw e;
    aborted = true;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (cellError) throw cellError instanceof Error ? cellError : new BenignfitError('E_INTERNAL', String(cellError));
  return { resolved, pending, total: mine.length, results, aborted, seconds: (performance.now() - t0) / 1000 };
}
