/** Sweeps in Node: units of cells (planUnits) run in worker threads (one backend instance per thread). */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BenignfitError, type ErrorCode } from '../errors.js';
import type { CellResult } from './cell.js';
import { planUnits, runSweep, type Executor, type SweepOptions, type SweepRun } from './run.js';
import type { Cell, SweepConfigInput } from './spec.js';

export interface NodeSweepOptions extends SweepOptions {
  /** 'native' (default in Node, falling back to wasm) or 'wasm'. */
  backend?: 'native' | 'wasm' | 'auto';
  /** Worker threads (default: the number of cores). */
  workers?: number;
  /** Kernel threads inside each worker (default 1: cells are the parallelism). */
  threadsPerWorker?: number;
  /** Train cells that share their data together (default true; the results are the same bits). */
  group?: boolean;
}

type Msg =
  | { type: 'ready'; backend: string }
  | { type: 'results'; results: CellResult[] }
  | { type: 'error'; code: ErrorCode; message: string; index: number };

/** A pool of worker threads, each with its own backend instance. */
export class NodeWorkerExecutor implements Executor {
  readonly workers: number;
  private pool: Worker[] = [];
  private ready: Promise<void> | null = null;

  constructor(private readonly opts: { backend?: 'native' | 'wasm' | 'auto'; workers?: number; threadsPerWorker?: number; group?: boolean } = {}) {
    this.workers = Math.max(1, opts.workers ?? availableParallelism());
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    const file = new URL('../../dist/sweep/worker-node.js', import.meta.url);
    this.ready = Promise.all(
      Array.from({ length: this.workers }, () => {
        const w = new Worker(file, { workerData: { backend: this.opts.backend, threads: this.opts.threadsPerWorker ?? 1 } });
        this.pool.push(w);
        return new Promise<void>((resolve, reject) => {
          const onMsg = (m: Msg) => {
            w.off('message', onMsg);
            if (m.type === 'ready') resolve();
            else if (m.type === 'error') reject(new BenignfitError(m.code, `a sweep worker could not start: ${m.message}`));
          };
          w.on('message', onMsg);
          w.once('error', (e) => reject(new BenignfitError('E_INTERNAL', `a sweep worker failed to start: ${e.message}`, { cause: e })));
        });
      }),
    ).then(() => undefined);
    return this.ready;
  }

  async run(cells: Cell[], onResult: (r: CellResult) => void, signal?: AbortSignal): Promise<void> {
    await this.start();
    const queue = planUnits(cells, this.workers, this.opts.group ?? true);
    let running = 0;
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (e: Error) => {
        if (failed) return;
        failed = true;
        for (const w of this.pool) w.postMessage({ type: 'abort' });
        reject(e);
      };
      const onAbort = () => fail(new BenignfitError('E_ABORTED', 'the sweep was cancelled'));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const feed = (w: Worker) => {
        if (failed) return;
        const unit = queue.shift();
        if (!unit) {
          if (running === 0) {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          }
          return;
        }
        running++;
        w.postMessage({ type: 'cells', cells: unit });
      };
      for (const w of this.pool) {
        const onMsg = (m: Msg) => {
          if (m.type === 'ready') return;
          running--;
          if (m.type === 'results') {
            if (!failed) for (const r of m.results) onResult(r);
            feed(w);
          } else if (m.code !== 'E_ABORTED') {
            fail(new BenignfitError(m.code, `cell ${m.index}: ${m.message}`));
          }
        };
        const onExit = (code: number) => fail(new BenignfitError('E_INTERNAL', `a sweep worker exited unexpectedly (code ${code})`));
        w.on('message', onMsg);
        w.on('exit', onExit);
        // Detach the listeners once this run is settled.
        const detach = () => {
          w.off('message', onMsg);
          w.off('exit', onExit);
        };
        void detach;
        this.detachers.push(detach);
        feed(w);
      }
    }).finally(() => {
      for (const d of this.detachers.splice(0)) d();
    });
  }

  private detachers: (() => void)[] = [];

  async close(): Promise<void> {
    await Promise.all(this.pool.map((w) => w.terminate()));
    this.pool = [];
    this.ready = null;
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
