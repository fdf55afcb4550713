// Everything that is the same in Node and in browsers.
export { Benignfit, type BenignfitOptions } from './api.js';
export * from './config.js';
export * from './errors.js';
export * from './npy.js';
export type * from './types.js';
export * from './classifier.js';
// The paper's figures: presets (config), protocols and plots, Figures 2-7.
export * from './figures/index.js';
export * from './influence.js';
export * from './formats/idx.js';
export * from './formats/cifar.js';
export * from './formats/data.js';
export * from './scores.js';
export * as plot from './plot/index.js';
export type * from './theory.js';
