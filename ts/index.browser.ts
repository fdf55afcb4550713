/** benignfit for browsers and bundlers: the wasm build. */
export * from './common.js';
export { load, type LoadOptions } from './load-browser.js';
// Sweeps in Web Workers (one wasm instance per worker), their specs and figure. (The presets of the
// paper's figures come from ts/figures, through common.ts.)
export { sweep, BrowserWorkerExecutor, defaultWorkers, type BrowserSweepOptions, type BrowserExecutorOptions, type CellProgress } from './sweep/browser.js';
export { resolveSweep, cells as sweepCells, type SweepConfigInput, type ResolvedSweep, type Cell } from './sweep/spec.js';
export { runSweep, planSweep, InProcessExecutor, type SweepRun, type SweepProgress, type SweepOptions, type Executor } from './sweep/run.js';
export type { CellResult } from './sweep/cell.js';
export { sweepFigure, meanGrid, type SweepFigure } from './sweep/figure.js';
export { resultsCsv } from './sweep/table.js';
export { measureSpeedup, type SpeedupPoint } from './sweep/speedup.js';
// eq. 10 in Web Workers, one wasm instance each (importing it lets `influence` use them).
export { BrowserInfluenceExecutor, type BrowserInfluenceOptions } from './influence-browser.js';
export type { InfluenceExecutor, InfluenceTask, InfluenceClassOutput } from './influence-parallel.js';
