/**
 * How much faster a sweep runs on more workers: the same cells on an executor with 1 worker, then
 * with more. Works with any Executor, so the same measurement runs on Node worker threads
 * (`npm run bench -- workers`) and on Web Workers in a page (BrowserWorkerExecutor, ts/sweep/browser.ts).
 */
import { invalid } from '../errors.js';
import type { Executor } from './run.js';
import { runSweep } from './run.js';
import type { SweepConfigInput } from './spec.js';

export interface SpeedupPoint {
  workers: number;
  cells: number;
  /** Wall-clock seconds for all the cells, starting the workers included. */
  seconds: number;
  /** Speed relative to the first entry of `workerCounts` (usually 1). */
  speedup: number;
  /** speedup / (workers / first workers). */
  efficiency: number;
  failed: number;
}

/**
 * Run the sweep `config` once per entry of `workerCounts` on `makeExecutor(workers)` and report the
 * wall-clock times. Executors are closed after each run.
 */
export async function measureSpeedup(
  makeExecutor: (workers: number) => Executor,
  config: SweepConfigInput,
  workerCounts: number[],
  signal?: AbortSignal,
): Promise<SpeedupPoint[]> {
  if (!Array.isArray(workerCounts) || workerCounts.length === 0 || !workerCounts.every((w) => Number.isInteger(w) && w >= 1)) {
    throw invalid('workerCounts', workerCounts, 'a non-empty list of worker counts, each an integer >= 1 (e.g. [1, 2])');
  }
  const out: SpeedupPoint[] = [];
  for (const workers of workerCounts) {
    const ex = makeExecutor(workers);
    try {
      const t0 = performance.now();
      const run = await runSweep(ex, config, { signal });
      const seconds = (performance.now() - t0) / 1000;
      const first = out[0];
      const speedup = first ? first.seconds / seconds : 1;
      out.push({
        workers,
        cells: run.results.length,
        seconds,
        speedup,
        efficiency: first ? speedup / (workers / first.workers) : 1,
        failed: run.results.filter((r) => r.error).length,
      });
    } finally {
      await ex.close();
    }
  }
  return out;
}
