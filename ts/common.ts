// Everything that is the same in Node and in browsers.
export { Benignfit, type BenignfitOptions } from './api.js';
export * from './config.js';
export * from './errors.js';
export * from './npy.js';
export * from './perf.js';
export type * from './types.js';
