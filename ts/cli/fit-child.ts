/**
 * The child process of a long `benignfit fit-constants` (ts/cli/theory.ts `fitWithProgress`): one
 * call of the core's fit, away from the command's own process, so that the command stays free to
 * show its progress and Ctrl-C can end the fit at once (a worker thread cannot be stopped inside a
 * native call; a process can be killed).
 */
import { BenignfitError, toWire } from '../errors.js';
import { load } from '../load-node.js';
import type { FitOptionsInput } from '../config.js';
import type { FitRowInput } from '../theory.js';

export interface FitRequest {
  rows: FitRowInput[];
  options: FitOptionsInput;
  backend: 'native' | 'wasm';
}

process.once('message', async (msg: FitRequest) => {
  const reply = (m: unknown) => process.send!(m, () => process.disconnect());
  try {
    const bf = await load({ backend: msg.backend });
    reply({ type: 'result', report: bf.fitConstants(msg.rows, msg.options) });
  } catch (e) {
    const err = e instanceof BenignfitError ? e : new BenignfitError('E_INTERNAL', String(e));
    reply({ type: 'error', ...toWire(err) });
  }
});
