/**
 * Sweeps in browsers: cells run in Web Workers, one wasm instance per worker, as many workers as
 * `navigator.hardwareConcurrency` allows. Needs no SharedArrayBuffer and no cross-origin
 * isolation: cells and results cross by structured clone. Cancelling stops the running cells
 * between two training chunks (about 50 ms). Without `onCellProgress`, cells that share their data
 * config go to a worker together and train as one group (planUnits, runCells: the same bits);
 * with it, every cell runs on its own so its progress can be shown.
 *
 * ```ts
 * import { sweep } from 'benignfit/wasm';
 * const run = await sweep(config, { onCell: (c) => draw(c), onProgress: (p) => bar(p.done, p.total), signal });
 * ```
 */
import { BenignfitError, fromWire, toWire } from '../errors.js';
import type { CellResult } from './cell.js';
import { planUnits, runSweep, type Executor, type SweepOptions, type SweepRun } from './run.js';
import type { Cell, SweepConfigInput } from './spec.js';
import type { FromWorker, ToWorker } from './worker-browser.js';

/** Training progress of one running cell (from the worker that runs it). */
export interface CellProgress {
  index: number;
  /** Which worker (0-based) runs it. */
  worker: number;
  step: number;
  totalSteps: number;
  loss: number;
}

export interface BrowserExecutorOptions {
  /** Web Workers (default: navigator.hardwareConcurrency, at least 1). */
  workers?: number;
  /** Keep each cell's training curves in its result (`history`; set train.evalEvery so it has points). */
  keepHistory?: boolean;
  /** Training progress of the running cells (about 10 a second per worker; cells then run one by one, not in groups). */
  onCellProgress?: (p: CellProgress) => void;
  /** Train cells that share their data together (default true; the results are the same bits). */
  group?: boolean;
  /** Where the wasm file is, when not next to the glue code (bundlers put it there). */
  wasm?: string | URL;
  /** Makes a worker, for bundlers that do not handle `new Worker(new URL(..., import.meta.url))`. */
  createWorker?: () => Worker;
}

export interface BrowserSweepOptions extends SweepOptions, BrowserExecutorOptions {}

/** The default worker count: the browser's logical processors. */
export function defaultWorkers(): number {
  const n = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : 0;
  return Math.max(1, Number.isInteger(n) && n > 0 ? n : 1);
}

/** A pool's size: `workers` if given (an integer from 1 to 1024, else E_INVALID), else one per core. */
export function workerCount(workers: number | undefined): number {
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 1024)) {
    throw new BenignfitError('E_INVALID', `workers: got ${String(workers)}, expected an integer from 1 to 1024`, { field: 'workers' });
  }
  return workers ?? defaultWorkers();
}

interface Slot {
  id: number;
  worker: Worker;
  /** The first cell of the unit it is running (null: idle). */
  busy: number | null;
  /** The run that gave it that cell. */
  run: number;
}

/** A pool of Web Workers, each with its own wasm instance; reusable across runs. */
export class BrowserWorkerExecutor implements Executor {
  readonly workers: number;
  private slots: Slot[] = [];
  private ready: Promise<void> | null = null;
  private runId = 0;
  /** Handlers of the run in progress (messages of earlier runs are dropped). */
  private onMessage: ((s: Slot, m: FromWorker) => void) | null = null;
  private onIdle: (() => void) | null = null;
  private closed = false;

  constructor(private readonly opts: BrowserExecutorOptions = {}) {
    this.workers = workerCount(opts.workers);
  }

  private spawn(): Worker {
    if (this.opts.createWorker) return this.opts.createWorker();
    return new Worker(new URL('./worker-browser.js', import.meta.url), { type: 'module', name: 'benignfit-sweep' });
  }

  private start(): Promise<void> {
    if (this.closed) return Promise.reject(new BenignfitError('E_INTERNAL', 'this sweep executor was closed'));
    if (this.ready) return this.ready;
    const wasm = this.opts.wasm === undefined ? undefined : String(this.opts.wasm);
    this.ready = Promise.all(
      Array.from({ length: this.workers }, (_, id) => {
        let worker: Worker;
        try {
          worker = this.spawn();
        } catch (e) {
          return Promise.reject(new BenignfitError('E_NO_BACKEND', `a sweep worker could not be created: ${(e as Error).message}`, { cause: e }));
        }
        const slot: Slot = { id, worker, busy: null, run: 0 };
        this.slots.push(slot);
        return new Promise<void>((resolve, reject) => {
          let started = false;
          worker.onmessage = (ev: MessageEvent<FromWorker>) => {
            const m = ev.data;
            if (!started) {
              started = true;
              if (m.type === 'ready') resolve();
              else if (m.type === 'error') reject(fromWire(m, 'a sweep worker could not load the wasm backend: '));
              return;
            }
            this.dispatch(slot, m);
          };
          worker.onerror = (ev: ErrorEvent) => {
            ev.preventDefault?.();
            const err = new BenignfitError(
              'E_NO_BACKEND',
              `a sweep worker failed${ev.message ? `: ${ev.message}` : ' to load (is worker-browser.js served next to browser.js?)'}`,
            );
            if (!started) {
              started = true;
              reject(err);
            } else this.crash(slot, err);
          };
          worker.postMessage({ type: 'init', ...(wasm ? { wasm } : {}) } satisfies ToWorker);
        });
      }),
    ).then(
      () => undefined,
      (e: unknown) => {
        // Leave no half-started pool behind: a later run starts over.
        for (const s of this.slots) s.worker.terminate();
        this.slots = [];
        this.ready = null;
        throw e;
      },
    );
    return this.ready;
  }

  /** A worker died (e.g. out of memory): fail the run and start a fresh pool next time. */
  private crash(slot: Slot, err: BenignfitError): void {
    const onMessage = this.onMessage;
    for (const s of this.slots) s.worker.terminate();
    this.slots = [];
    this.ready = null;
    onMessage?.(slot, { type: 'error', ...toWire(err), index: -1, indices: [] });
  }

  private stopped: number[] = [];

  /** Cells of the last run that a cancel stopped in the middle (they are not reported). */
  get stoppedCells(): number[] {
    return this.stopped.slice();
  }

  private dispatch(slot: Slot, m: FromWorker): void {
    if (m.type === 'ready') return;
    if (m.type === 'error' && m.code === 'E_ABORTED') this.stopped.push(...m.indices);
    const mine = slot.run === this.runId;
    if (m.type !== 'progress') slot.busy = null;
    if (mine) this.onMessage?.(slot, m);
    if (slot.busy === null) this.onIdle?.();
  }

  /** Workers currently running a cell (also cells of a cancelled run still stopping). */
  get running(): number {
    return this.slots.filter((s) => s.busy !== null).length;
  }

  async run(cells: Cell[], onResult: (r: CellResult) => void, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new BenignfitError('E_ABORTED', 'the sweep was cancelled');
    await this.start();
    const run = ++this.runId;
    this.stopped = [];
    const keepHistory = this.opts.keepHistory ?? false;
    const progress = !!this.opts.onCellProgress;
    const queue = planUnits(cells, this.workers, !progress && (this.opts.group ?? true));
    try {
      await new Promise<void>((resolve, reject) => {
        let failed = false;
        const fail = (e: BenignfitError) => {
          if (failed) return;
          failed = true;
          for (const s of this.slots) if (s.busy !== null && s.run === run) s.worker.postMessage({ type: 'abort' } satisfies ToWorker);
          reject(e);
        };
        const onAbort = () => fail(new BenignfitError('E_ABORTED', 'the sweep was cancelled'));
        signal?.addEventListener('abort', onAbort, { once: true });
        const settleIfDone = () => {
          if (!failed && queue.length === 0 && !this.slots.some((s) => s.busy !== null && s.run === run)) {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          }
        };
        const feed = () => {
          if (failed) return;
          // Idle workers only: a worker still stopping a cancelled cell gets work when it is done.
          for (const s of this.slots) {
            if (s.busy !== null) continue;
            const unit = queue.shift();
            if (!unit) break;
            s.busy = unit[0].index;
            s.run = run;
            s.worker.postMessage({ type: 'cells', cells: unit, keepHistory, progress } satisfies ToWorker);
          }
          settleIfDone();
        };
        this.onMessage = (s, m) => {
          if (failed) return;
          if (m.type === 'progress') {
            this.opts.onCellProgress?.({ index: m.index, worker: s.id, step: m.step, totalSteps: m.totalSteps, loss: m.loss });
          } else if (m.type === 'results') {
            for (const r of m.results) onResult(r);
          } else if (m.type === 'error') {
            if (m.code === 'E_ABORTED' && signal?.aborted) return;
            fail(fromWire(m, m.index >= 0 ? `cell ${m.index}: ` : ''));
          }
        };
        this.onIdle = feed;
        feed();
      });
    } finally {
      if (this.runId === run) {
        this.onMessage = null;
        this.onIdle = null;
      }
    }
  }

  /** Ends the workers (their wasm instances go with them). */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.slots) s.worker.terminate();
    this.slots = [];
    this.ready = null;
    this.onMessage = null;
    this.onIdle = null;
  }
}

/**
 * Run a sweep in the browser: cells in Web Workers (one wasm instance each), reported as they
 * finish; `signal` cancels (the result then has `aborted: true` and the cells finished so far).
 * Pass `executor` to reuse a pool of workers across sweeps (it is then not closed).
 */
export async function sweep(config: SweepConfigInput, opts: BrowserSweepOptions & { executor?: BrowserWorkerExecutor } = {}): Promise<SweepRun> {
  const ex = opts.executor ?? new BrowserWorkerExecutor(opts);
  try {
    return await runSweep(ex, config, opts);
  } finally {
    if (!opts.executor) await ex.close();
  }
}
