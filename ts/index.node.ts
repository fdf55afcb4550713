/**
 * benignfit for Node: the native addon, with the wasm build as fallback.
 *
 * ```ts
 * import { load } from 'benignfit';
 * const bf = await load();                 // or load({ backend: 'wasm' }), BENIGNFIT_BACKEND=wasm
 * const data = bf.generate({ gamma: 10, featureNorm: 0.5, seed: 1 });
 * ```
 */
export * from './common.js';
export { load, type LoadOptions } from './load-node.js';
export * from './formats/node.js';
export { ensureRasterizer } from './plot/raster-node.js';
