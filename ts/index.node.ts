/**
 * benignfit for Node: the native addon (the platform package, e.g. benignfit-linux-x64-gnu), with
 * the wasm build as fallback.
 *
 * ```ts
 * import { load, sweep } from 'benignfit';
 * const bf = await load();                 // or load({ backend: 'wasm' }), BENIGNFIT_BACKEND=wasm
 * const data = bf.generate({ gamma: 10, featureNorm: 0.5, seed: 1 });
 * const run = await sweep(preset('fig3a', true), { onProgress: (p) => console.log(p.done, p.total) });
 * ```
 */
export * from './common.js';
export { load, platformKey, PLATFORM_PACKAGES, type LoadOptions } from './load-node.js';
export * from './formats/node.js';
export { ensureRasterizer } from './plot/raster-node.js';
// Sweeps in worker threads (one backend instance per thread), their specs and figure: the same
// names as the browser entry, with Node's executor in place of Web Workers. (The presets of the
// paper's figures come from ts/figures, through common.ts.)
export { sweep, NodeWorkerExecutor, type NodeSweepOptions, type NodeSweepRunOptions } from './sweep/api-node.js';
export { resolveSweep, cells as sweepCells, type SweepConfigInput, type ResolvedSweep, type Cell } from './sweep/spec.js';
export { runSweep, planSweep, InProcessExecutor, type SweepRun, type SweepProgress, type SweepOptions, type Executor } from './sweep/run.js';
export type { CellResult } from './sweep/cell.js';
export { sweepFigure, meanGrid, type SweepFigure } from './sweep/figure.js';
export { writeSweepFigure } from './sweep/figure-node.js';
export { resultsCsv } from './sweep/table.js';
export { measureSpeedup, type SpeedupPoint } from './sweep/speedup.js';
