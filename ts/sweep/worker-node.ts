/** A sweep worker thread: loads a backend once, then runs the units of cells it is sent, one at a time (runCells). */
import { parentPort, workerData } from 'node:worker_threads';
import { BenignfitError, toWire } from '../errors.js';
import { load } from '../load-node.js';
import { runCells } from './cell.js';
import type { Cell } from './spec.js';

const port = parentPort!;
const { backend, threads } = workerData as { backend?: 'native' | 'wasm' | 'auto'; threads: number };
let current: AbortController | null = null;

try {
  const bf = await load({ backend, threads });
  port.on('message', async (msg: { type: 'cells'; cells: Cell[] } | { type: 'abort' }) => {
    if (msg.type === 'abort') {
      current?.abort();
      return;
    }
    current = new AbortController();
    try {
      const results = await runCells(bf, msg.cells, { signal: current.signal });
      port.postMessage({ type: 'results', results });
    } catch (e) {
      const err = e instanceof BenignfitError ? e : new BenignfitError('E_INTERNAL', String(e));
      port.postMessage({ type: 'error', ...toWire(err), index: msg.cells[0].index });
    } finally {
      current = null;
    }
  });
  port.postMessage({ type: 'ready', backend: bf.backend });
} catch (e) {
  const err = e instanceof BenignfitError ? e : new BenignfitError('E_INTERNAL', String(e));
  port.postMessage({ type: 'error', ...toWire(err), index: -1 });
}
