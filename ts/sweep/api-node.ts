/**
 * `sweep` for Node, with the same name and shape as the browser's (ts/sweep/browser.ts): cells run
 * in worker threads (one backend instance each, native unless it cannot load), reported as they
 * finish; `signal` cancels (the result then has `aborted: true` and the cells finished so far).
 *
 * ```ts
 * import { sweep } from 'benignfit';
 * const run = await sweep(config, { onCell: (c) => console.log(c.x, c.testAcc), onProgress: (p) => bar(p.done, p.total), signal, workers: 4 });
 * ```
 */
import { fallbackNote, printNote } from '../load-node.js';
import { NodeWorkerExecutor, type NodeSweepOptions } from './node.js';
import { runSweep, type Executor, type SweepRun } from './run.js';
import type { SweepConfigInput } from './spec.js';

export { NodeWorkerExecutor, type NodeSweepOptions } from './node.js';

export interface NodeSweepRunOptions extends NodeSweepOptions {
  /** Reuse a pool of worker threads (or any Executor) across sweeps; it is then not closed. */
  executor?: Executor;
  /** Do not print the note on stderr when the workers fall back to wasm (also BENIGNFIT_QUIET=1). */
  quiet?: boolean;
}

/**
 * Run a sweep in Node: one worker thread per core by default (`workers`), cells reported as they
 * finish. When the native addon cannot load, the workers run wasm and one note says why on stderr.
 */
export async function sweep(config: SweepConfigInput, opts: NodeSweepRunOptions = {}): Promise<SweepRun> {
  const ex = opts.executor ?? new NodeWorkerExecutor(opts); // checks `workers`
  // The workers load the backend, each in its own thread, quietly; the note is printed once, from here.
  if (!opts.executor) printNote(fallbackNote(opts), opts.quiet);
  try {
    return await runSweep(ex, config, opts);
  } finally {
    if (!opts.executor) await ex.close();
  }
}
