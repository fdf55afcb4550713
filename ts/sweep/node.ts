/** Sweeps in Node: units of cells (planUnits) run in worker threads (one backend instance per thread). */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BenignfitError, fromWire, invalid, type WireError } from '../errors.js';
import type { CellResult } from './cell.js';
import { planUnits, runSweep, type Executor, type SweepOptions, type SweepRun } from './run.js';
import type { Cell, SweepConfigInput } from './spec.js';

export interface NodeSweepOptions extends SweepOptions {
  /** 'native' (default in Node, falling back to wasm) or 'wasm'. */
  backend?: 'native' | 'wasm' | 'auto';
  /** Worker threads (default: the number of cores; never more than there are units of work). */
  workers?: number;
  /** Kernel threads inside each worker (default 1: cells are the parallelism). */
  threadsPerWorker?: number;
  /** Train cells that share their data together (default true; the results are the same bits). */
  group?: boolean;
  /** Most cells in one group (default MAX_UNIT; a group's cells are reported when it ends). */
  maxUnit?: number;
}

/** The most worker threads a sweep starts: 4 per core, at least 64. */
export const maxWorkers = (): number => Math.max(64, 4 * availableParallelism());

/** Check a worker count (a positive integer, at most maxWorkers()); `field` names it in the error. */
export function checkWorkers(n: number | undefined, field = 'workers'): number {
  if (n === undefined) return availableParallelism();
  if (!Number.isSafeInteger(n) || n < 1 || n > maxWorkers())
    throw invalid(field, n, `an integer from 1 to ${maxWorkers()} (${availableParallelism()} cores here)`);
  return n;
}

type Msg = { type: 'ready'; backend: string } | { type: 'results'; results: CellResult[] } | ({ type: 'error'; index: number } & WireError);

/**
 * A pool of worker threads, each with its own backend instance, started when there is work (no
 * more threads than units of work). On a cancel or a failure every worker is told to stop, and
 * run() settles once each has answered, so units that finished meanwhile are still reported.
 */
export class NodeWorkerExecutor implements Executor {
  readonly workers: number;
  private pool: Worker[] = [];
  private starting: Promise<void> | null = null;

  constructor(
    private readonly opts: { backend?: 'native' | 'wasm' | 'auto'; workers?: number; threadsPerWorker?: number; group?: boolean; maxUnit?: number } = {},
  ) {
    this.workers = checkWorkers(opts.workers);
  }

  /** Worker threads started so far (never more than the units of work a run had). */
  get threads(): number {
    return this.pool.length;
  }

  private async start(n: number): Promise<void> {
    await this.starting;
    if (this.pool.length >= n) return;
    const file = new URL('../../dist/sweep/worker-node.js', import.meta.url);
    const fresh = Array.from(
      { length: n - this.pool.length },
      () => new Worker(file, { workerData: { backend: this.opts.backend, threads: this.opts.threadsPerWorker ?? 1 } }),
    );
    this.pool.push(...fresh);
    this.starting = Promise.all(
      fresh.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onMsg = (m: Msg) => {
              w.off('message', onMsg);
              if (m.type === 'ready') resolve();
              else if (m.type === 'error') reject(fromWire(m, 'a sweep worker could not start: '));
            };
            w.on('message', onMsg);
            w.once('error', (e) => reject(new BenignfitError('E_INTERNAL', `a sweep worker failed to start: ${e.message}`, { cause: e })));
          }),
      ),
    ).then(() => undefined);
    await this.starting;
  }

  async run(cells: Cell[], onResult: (r: CellResult) => void, signal?: AbortSignal): Promise<void> {
    if (!cells.length) return;
    const queue = planUnits(cells, this.workers, this.opts.group ?? true, this.opts.maxUnit);
    if (signal?.aborted) throw new BenignfitError('E_ABORTED', 'the sweep was cancelled');
    await this.start(Math.min(this.workers, queue.length));
    const busy = new Set<Worker>();
    const detachers: (() => void)[] = [];
    await new Promise<void>((resolve, reject) => {
      let failure: Error | null = null;
      const settle = () => {
        if (busy.size > 0) return;
        signal?.removeEventListener('abort', onAbort);
        if (failure) reject(failure);
        else resolve();
      };
      const fail = (e: Error) => {
        if (!failure) {
          failure = e;
          for (const w of busy) w.postMessage({ type: 'abort' });
        }
        settle();
      };
      const onAbort = () => fail(new BenignfitError('E_ABORTED', 'the sweep was cancelled'));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const feed = (w: Worker) => {
        const unit = failure ? undefined : queue.shift();
        if (!unit) return settle();
        busy.add(w);
        w.postMessage({ type: 'cells', cells: unit });
      };
      for (const w of this.pool) {
        const onMsg = (m: Msg) => {
          if (m.type === 'ready' || !busy.has(w)) return;
          busy.delete(w);
          if (m.type === 'results') {
            // Finished cells are reported even when the run is stopping (they are done work).
            for (const r of m.results) onResult(r);
          } else if (m.code !== 'E_ABORTED') {
            fail(fromWire(m, `cell ${m.index}: `));
          }
          feed(w);
        };
        const onExit = (code: number) => {
          busy.delete(w);
          this.pool = this.pool.filter((x) => x !== w);
          fail(new BenignfitError('E_INTERNAL', `a sweep worker exited unexpectedly (code ${code})`));
        };
        w.on('message', onMsg);
        w.on('exit', onExit);
        detachers.push(() => {
          w.off('message', onMsg);
          w.off('exit', onExit);
        });
      }
      for (const w of [...this.pool]) feed(w);
    }).finally(() => {
      for (const d of detachers) d();
    });
  }

  async close(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await Promise.all(this.pool.map((w) => w.terminate()));
    this.pool = [];
    this.starting = null;
  }
}

/**
 * Run a sweep in Node: every core busy (one worker thread per core), cells reported as they finish.
 * ```ts
 * const run = await sweep({ data: {}, train: {}, sweep: { x: { param: 'data.gamma', values: [1, 10, 100] }, seeds: 2 } },
 *   { onCell: (c) => console.log(c.x, c.testAcc) });
 * ```
 */
export async function sweep(config: SweepConfigInput, opts: NodeSweepOptions = {}): Promise<SweepRun> {
  const ex = new NodeWorkerExecutor(opts);
  try {
    return await runSweep(ex, config, opts);
  } finally {
    await ex.close();
  }
}
