/**
 * A sweep Web Worker: loads its own wasm instance once, then runs the units of cells it is sent
 * (one cell, or cells that share their data: runCells), one at a time, in chunks (so an 'abort'
 * message stops the running unit between two chunks).
 *
 * Protocol (messages from the page -> replies):
 *   { type: 'init', wasm? }                        -> { type: 'ready', backend } | { type: 'error', index: -1 }
 *   { type: 'cells', cells, keepHistory, progress } -> { type: 'progress', ... }* (one-cell units) then
 *                                                     { type: 'results', results } | { type: 'error', code, message, index, indices }
 *   { type: 'abort' }                              -> the running unit ends with { type: 'error', code: 'E_ABORTED' }
 * No SharedArrayBuffer: everything crosses by structured clone.
 */
import type { Benignfit } from '../api.js';
import { BenignfitError, toWire } from '../errors.js';
import { load } from '../load-browser.js';
import { runCells } from './cell.js';
import type { Cell } from './spec.js';

export type ToWorker = { type: 'init'; wasm?: string } | { type: 'cells'; cells: Cell[]; keepHistory: boolean; progress: boolean } | { type: 'abort' };

export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'progress'; index: number; step: number; totalSteps: number; loss: number }
  | { type: 'results'; results: import('./cell.js').CellResult[] }
  /** index: the unit's first cell (-1: not about a cell); indices: all of the unit's cells. */
  | ({ type: 'error'; index: number; indices: number[] } & import('../errors.js').WireError);

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker) => scope.postMessage(m);
let bf: Promise<Benignfit> | null = null;
let current: AbortController | null = null;
// Units are run one at a time even if the page sends the next one early.
let chain: Promise<void> = Promise.resolve();

function asError(e: unknown): BenignfitError {
  return e instanceof BenignfitError ? e : new BenignfitError('E_INTERNAL', String((e as Error)?.message ?? e));
}

async function runUnit(cells: Cell[], keepHistory: boolean, progress: boolean): Promise<void> {
  const ac = new AbortController();
  current = ac;
  try {
    const b = await bf!;
    let last = 0;
    const results = await runCells(b, cells, {
      signal: ac.signal,
      keepHistory,
      onProgress: progress
        ? (p) => {
            // At most about 10 messages a second per worker.
            const now = performance.now();
            if (now - last < 100 && p.step < p.totalSteps) return;
            last = now;
            post({ type: 'progress', index: cells[0].index, step: p.step, totalSteps: p.totalSteps, loss: p.loss });
          }
        : undefined,
    });
    post({ type: 'results', results });
  } catch (e) {
    const err = asError(e);
    post({ type: 'error', ...toWire(err), index: cells[0].index, indices: cells.map((c) => c.index) });
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
        post({ type: 'error', ...toWire(err), index: -1, indices: [] });
      },
    );
    return;
  }
  if (msg.type === 'cells') {
    if (!bf) {
      post({
        type: 'error',
        code: 'E_INTERNAL',
        message: 'the worker got cells before init',
        index: msg.cells[0].index,
        indices: msg.cells.map((c) => c.index),
      });
      return;
    }
    chain = chain.then(() => runUnit(msg.cells, msg.keepHistory, msg.progress));
  }
};
