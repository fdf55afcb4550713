/** benignfit for browsers and bundlers: the wasm build. */
export * from './common.js';
export { load, type LoadOptions } from './load-browser.js';
// Sweeps over Web Workers (one wasm instance each) and the speed-up measurement.
export { WebWorkerExecutor, type WebWorkerExecutorOptions } from './sweep/browser.js';
export { measureSpeedup, type SpeedupPoint } from './sweep/speedup.js';
