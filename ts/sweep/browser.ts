/**
 * Sweeps in browsers: cells run in Web Workers, one wasm instance per worker (the browser
 * counterpart of NodeWorkerExecutor). Not exercised by the test suite (no browser in CI): the
 * protocol is the one ts/sweep/worker-node.ts speaks, tested there.
 *
 * ```ts
 * const ex = new WebWorkerExecutor({ workers: navigator.hardwareConcurrency });
 * const run = await runSweep(ex, config, { onCell: (c) => draw(c) });
 * await ex.close();
 * // The speed-up from workers: measureSpeedup((w) => new WebWorkerExecutor({ workers: w }), config, [1, 4]).
 * ```
 */
import { BenignfitError, type ErrorCode } from '../errors.js';
import type { CellResult } from './cell.js';
import type { Executor } from './run.js';
import type { Cell } from './spec.js';

type Msg = { type: 'ready' } | { type: 'result'; result: CellResult } | { type: 'error'; code: ErrorCode; message: string; index: number };

export interface WebWorkerExecutorOptions {
  /** Workers (default: navigator.hardwareConcurrency, else 4). */
  workers?: number;
  /** The worker module (default: worker-browser.js next to this module; bundlers resolve it). */
  workerUrl?: string | URL;
  /** Where each worker fetches the .wasm from (default: next to the glue code). */
  wasm?: string | URL;
}

export class WebWorkerExecutor implements Executor {
  readonly workers: number;
  private pool: Worker[] = [];
  private ready: Promise<void> | null = null;

  constructor(private readonly opts: WebWorkerExecutorOptions = {}) {
    const hc = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : undefined;
    this.workers = Math.max(1, opts.workers ?? hc ?? 4);
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    const url = this.opts.workerUrl ?? new URL('./worker-browser.js', import.meta.url);
    this.ready = Promise.all(
      Array.from({ length: this.workers }, () => {
        const w = new Worker(url, { type: 'module' });
        this.pool.push(w);
        return new Promise<void>((resolve, reject) => {
          w.onmessage = (e: MessageEvent<Msg>) => {
            if (e.data.type === 'ready') resolve();
            else if (e.data.type === 'error') reject(new BenignfitError(e.data.code, `a sweep worker could not start: ${e.data.message}`));
          };
          w.onerror = (e) => reject(new BenignfitError('E_INTERNAL', `a sweep worker failed to start: ${e.message}`));
          w.postMessage({ type: 'init', wasm: this.opts.wasm === undefined ? undefined : String(this.opts.wasm) });
        });
      }),
    ).then(() => undefined);
    return this.ready;
  }

  async run(cells: Cell[], onResult: (r: CellResult) => void, signal?: AbortSignal): Promise<void> {
    await this.start();
    const queue = cells.slice();
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
        const c = queue.shift();
        if (!c) {
          if (running === 0) {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          }
          return;
        }
        running++;
        w.postMessage({ type: 'cell', cell: c });
      };
      for (const w of this.pool) {
        w.onmessage = (e: MessageEvent<Msg>) => {
          const m = e.data;
          if (m.type === 'ready') return;
          running--;
          if (m.type === 'result') {
            if (!failed) onResult(m.result);
            feed(w);
          } else if (m.code !== 'E_ABORTED') {
            fail(new BenignfitError(m.code, `cell ${m.index}: ${m.message}`));
          }
        };
        w.onerror = (e) => fail(new BenignfitError('E_INTERNAL', `a sweep worker failed: ${e.message}`));
        feed(w);
      }
    });
  }

  async close(): Promise<void> {
    for (const w of this.pool) w.terminate();
    this.pool = [];
    this.ready = null;
  }
}
