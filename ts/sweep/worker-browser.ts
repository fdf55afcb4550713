/// <reference lib="webworker" />
/** A sweep Web Worker: loads the wasm backend once, then runs the cells it is sent, one at a time. */
import { BenignfitError } from '../errors.js';
import { load } from '../load-browser.js';
import type { Benignfit } from '../api.js';
import { runCell } from './cell.js';
import type { Cell } from './spec.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let bf: Benignfit | null = null;
let current: AbortController | null = null;

scope.onmessage = async (e: MessageEvent<{ type: 'init'; wasm?: string } | { type: 'cell'; cell: Cell } | { type: 'abort' }>) => {
  const msg = e.data;
  if (msg.type === 'init') {
    try {
      bf = await load({ backend: 'wasm', ...(msg.wasm ? { wasm: msg.wasm } : {}) });
      scope.postMessage({ type: 'ready' });
    } catch (err) {
      const b = err instanceof BenignfitError ? err : new BenignfitError('E_INTERNAL', String(err));
      scope.postMessage({ type: 'error', code: b.code, message: b.message, index: -1 });
    }
    return;
  }
  if (msg.type === 'abort') {
    current?.abort();
    return;
  }
  current = new AbortController();
  try {
    if (!bf) throw new BenignfitError('E_INTERNAL', 'the worker got a cell before it was initialised');
    const r = await runCell(bf, msg.cell, { signal: current.signal });
    scope.postMessage({ type: 'result', result: r });
  } catch (err) {
    const b = err instanceof BenignfitError ? err : new BenignfitError('E_INTERNAL', String(err));
    scope.postMessage({ type: 'error', code: b.code, message: b.message, index: msg.cell.index });
  } finally {
    current = null;
  }
};
