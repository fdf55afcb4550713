/**
 * An influence Web Worker: loads its own wasm instance once, then scores the classes it is sent,
 * one at a time, each in a fresh InfluenceRun with the call's config and per-pixel standard
 * deviations (a class's scores depend on nothing else, so they are the bits one instance gives).
 *
 * Protocol (messages from the caller -> replies):
 *   { type: 'init', wasm?, module? }                             -> { type: 'ready' } | { type: 'error', cls: -1 }
 *   { type: 'class', id, config, pixelStd, threads, keepScatter, cls, bytes | floats, n }
 *                                                                  -> { type: 'class', id, cls, scores, info, seconds, scatter? }
 *                                                                  | { type: 'error', id, cls, code, message, ... }
 * No SharedArrayBuffer: rows and scores cross by transfer.
 */
import type { Benignfit } from './api.js';
import { BenignfitError, toWire, type WireError } from './errors.js';
import { load } from './load-browser.js';

export type ToInfluenceWorker =
  /** module: the wasm compiled by the caller (its code is shared); else wasm: where to fetch it. */
  | { type: 'init'; wasm?: string; module?: WebAssembly.Module }
  | {
      type: 'class';
      /** The call it belongs to (replies of an abandoned call are dropped). */
      id: number;
      config: string;
      pixelStd: Float64Array | null;
      threads: number;
      /** Send the class's scatter back (Figure 6). */
      keepScatter: boolean;
      cls: number;
      bytes: Uint8Array | null;
      floats: Float32Array | null;
      n: number;
    };

export type FromInfluenceWorker =
  | { type: 'ready' }
  | { type: 'class'; id: number; cls: number; scores: Float64Array; info: string; seconds: number; scatter?: Float32Array }
  | ({ type: 'error'; id: number; cls: number } & WireError);

const scope = self as unknown as DedicatedWorkerGlobalScope;
let bf: Promise<Benignfit> | null = null;
// Classes run one at a time even if the caller sends the next one early.
let chain: Promise<void> = Promise.resolve();

function asError(e: unknown): BenignfitError {
  return e instanceof BenignfitError ? e : new BenignfitError('E_INTERNAL', String((e as Error)?.message ?? e));
}

async function score(m: Extract<ToInfluenceWorker, { type: 'class' }>): Promise<void> {
  try {
    const b = await bf!;
    const t0 = performance.now();
    const run = b.call((r) => new r.InfluenceRun(m.config, m.pixelStd, m.threads));
    try {
      const out = b.call(() => run.addClass(m.cls, m.bytes, m.floats, m.n));
      // A copy of our own (not a view of the instance's memory), handed over without another copy.
      const scores = Float64Array.from(out.scores);
      // wasm hands the scatter over as a fresh array of its own, so it is transferred as it is.
      const scatter = m.keepScatter ? b.call(() => run.takeScatter(m.cls)) : undefined;
      const reply: FromInfluenceWorker = { type: 'class', id: m.id, cls: m.cls, scores, info: out.info, seconds: (performance.now() - t0) / 1000, scatter };
      scope.postMessage(reply, scatter ? [scores.buffer, scatter.buffer] : [scores.buffer]);
    } finally {
      run.free?.();
    }
  } catch (e) {
    scope.postMessage({ type: 'error', id: m.id, cls: m.cls, ...toWire(asError(e)) } satisfies FromInfluenceWorker);
  }
}

/**
 * Calls the class path (InfluenceRun, addClass, free) WARM_CALLS times on a class of 3 images of
 * 2 pixels (about 30 ms), before the first real class. Without it, in Chromium 156 a worker's
 * classes ran, after its first few, at about 1.7 times the CPU time of the same classes in the
 * page's own instance (measured per thread, MNIST; not in Node), until the end of the worker.
 * With V8's JS-to-wasm wrapper tier-up forced (--js-flags=--wasm-wrapper-tiering-budget=1) they
 * never slowed, with it off (a huge budget) they always did, and so this many calls of the same
 * entry points (V8's default budget is 1,000 calls) keep them at the page's speed. The scores do
 * not change (the same code, compiled by another tier).
 */
const WARM_CALLS = 1100;
function warmUp(b: Benignfit): void {
  const config = JSON.stringify({ dim: 2, classes: 1, normalize: 'scale', route: 'auto', precision: 'f32', frobenius: false, block: 0 });
  const pixels = new Uint8Array([0, 1, 2, 3, 4, 7]);
  for (let i = 0; i < WARM_CALLS; i++) {
    const run = b.call((r) => new r.InfluenceRun(config, null, 1));
    try {
      const out = b.call(() => run.addClass(0, pixels, null, 3));
      (out as { free?: () => void }).free?.();
    } finally {
      run.free?.();
    }
  }
}

scope.onmessage = (ev: MessageEvent<ToInfluenceWorker>) => {
  const m = ev.data;
  if (m.type === 'init') {
    bf ??= load(m.module ? { wasm: m.module } : m.wasm ? { wasm: m.wasm } : {}).then((b) => {
      try {
        warmUp(b);
      } catch {
        // Only a matter of speed: the classes score the same without it.
      }
      return b;
    });
    bf.then(
      () => scope.postMessage({ type: 'ready' } satisfies FromInfluenceWorker),
      (e) => scope.postMessage({ type: 'error', id: -1, cls: -1, ...toWire(asError(e)) } satisfies FromInfluenceWorker),
    );
    return;
  }
  if (m.type === 'class') {
    if (!bf) {
      scope.postMessage({
        type: 'error',
        id: m.id,
        cls: m.cls,
        code: 'E_INTERNAL',
        message: 'the worker got a class before init',
      } satisfies FromInfluenceWorker);
      return;
    }
    chain = chain.then(() => score(m));
  }
};
