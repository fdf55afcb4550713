/**
 * A sweep Web Worker: loads its own wasm instance once, then runs the cells it is sent, one at a
 * time, in chunks (so an 'abort' message stops the running cell between two chunks).
 *
 * Protocol (messages from the page -> replies):
 *   { type: 'init', wasm? }                      -> { type: 'ready', backend } | { type: 'error', index: -1 }
 *   { type: 'cell', cell, keepHistory, progress } -> { type: 'progress', ... }* then
 *                                                   { type: 'result', result } | { type: 'error', code, message, index }
 *   { type: 'abort' }                             -> the running cell ends with { type: 'error', code: 'E_ABORTED' }
 * No SharedArrayBuffer: everything crosses by structured clone.
 */
import type { Benignfit } from '../api.js';
import { BenignfitError } from '../errors.js';
import { load } from '../load-browser.js';
import { runCell } from './cell.js';
import type { Cell } from './spec.js';

export type ToWorker =
  | { type: 'init'; wasm?: string }
  | { type: 'cell'; cell: Cell; keepHistory: boolean; progress: boolean }
  | { type: 'abort' };

export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'progress'; index: number; step: number; totalSteps: number; loss: number }
  | { type: 'result'; result: import('./cell.js').CellResult }
  | { type: 'error'; code: import('../errors.js').ErrorCode; message: string; index: number };

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker) => scope.postMessage(m);
let bf: Promise<Benignfit> | null = null;
let current: AbortController | null = null;
// Cells are run one at a time even if the page sends the next one early.
let chain: Promise<void> = Promise.resolve();

function asError(e: unknown): BenignfitError {
  return e instanceof BenignfitError ? e : new BenignfitError('E_INTERNAL', String((e as Error)?.message ?? e));
}

async function runOne(cell: Cell, keepHistory: boolean, progress: boolean): Promise<void> {
  const ac = new AbortController();
  current = ac;
  try {
    const b = await bf!;
    let last = 0;
    const r = await runCell(b, cell, {
      signal: ac.signal,
      keepHistory,
      onProgress: progress
        ? (p) => {
            // At most about 10 messages a second per worker.
            const now = performance.now();
            if (now - last < 100 && p.step < p.totalSteps) return;
            last = now;
            post({ type: 'progress', index: cell.index, step: p.step, totalSteps: p.totalSteps, loss: p.loss });
          }
        : undefined,
    });
    post({ type: 'result', result: r });
  } catch (e) {
    const err = asError(e);
    post({ type: 'error', code: err.code, message: err.message, index: cell.index });
  } finally {
    if (current === ac) current = null;
  }
}

scope.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'abort') {
    current?.abort();
    return;
  }
  if (msg.type === 'init') {
    bf ??= load(msg.wasm ? { wasm: msg.wasm } : {});
    bf.then(
      (b) => post({ type: 'ready', backend: b.backend }),
      (e) => {
        const err = asError(e);
        post({ type: 'error', code: err.code, message: err.message, index: -1 });
      },
    );
    return;
  }
  if (msg.type === 'cell') {
    if (!bf) {
      post({ type: 'error', code: 'E_INTERNAL', message: 'the worker got a cell before init', index: msg.cell.index });
      return;
    }
    chain = chain.then(() => runOne(msg.cell, msg.keepHistory, msg.progress));
  }
};
