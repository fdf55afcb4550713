/** benignfit for browsers and bundlers: the wasm build. */
export * from './common.js';
export { load, type LoadOptions } from './load-browser.js';
