/**
 * Training of the paper's two-layer ReLU CNN, driven in chunks so progress is reported and an
 * AbortSignal is honoured between steps on both backends.
 */
import { resolveTrainConfig, type TrainConfig, type TrainConfigInput } from './config.js';
import { BenignfitError, fromBinding, invalid } from './errors.js';
import type { BackendName, EvalRecord, RawBackend, RawTrainArgs, RawTrainer, RawTrainerGroup, TrainCallbacks, TrainData, TrainGroupCallbacks, TrainGroupResult, TrainResult, TrainSummary } from './types.js';

type Caller = <T>(f: (raw: RawBackend) => T) => T;

/** Yield to the event loop (so timers, AbortSignals and UI run between chunks). */
export function yieldNow(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  return new Promise((r) => setTimeout(r, 0));
}

function checkData(data: TrainData): void {
  const { classes: k, dim: d } = data;
  if (!Number.isInteger(k) || k < 2) throw invalid('data.classes', k, 'an integer >= 2');
  if (!Number.isInteger(d) || d < 1) throw invalid('data.dim', d, 'an integer >= 1');
  if (!(data.trainX instanceof Float32Array)) throw invalid('trainX', data.trainX, 'a Float32Array (n x 2 x d)');
  if (!(data.trainY instanceof Int32Array)) throw invalid('trainY', data.trainY, 'an Int32Array of labels');
  if (data.trainX.length !== data.trainY.length * 2 * d) {
    throw new BenignfitError('E_SHAPE', `shape mismatch in train: trainX has ${data.trainX.length} values, expected n x 2 x d = ${data.trainY.length} x 2 x ${d}`);
  }
  if ((data.testX === undefined) !== (data.testY === undefined)) throw invalid('testY', data.testY, 'testX and testY together, or neither');
}

/** Train on one backend (used by Benignfit.train). */
export async function train(
  call: Caller,
  backend: BackendName,
  threads: number,
  data: TrainData,
  options: TrainConfigInput = {},
  cb: TrainCallbacks = {},
): Promise<TrainResult> {
  checkData(data);
  const cfg = resolveTrainConfig({ threads, ...options });
  const t0 = performance.now();
  const tr: RawTrainer = call((raw) => new raw.Trainer(JSON.stringify(cfg), ...rawArgs(data)));
  try {
    const total = tr.totalSteps();
    let seenEvals = 0;
    const report = () => {
      if (cb.onEval) {
        const hist = JSON.parse(tr.history()) as EvalRecord[];
        for (; seenEvals < hist.length; seenEvals++) cb.onEval(hist[seenEvals]);
      }
      if (cb.onProgress) {
        const step = tr.step();
        const seconds = (performance.now() - t0) / 1000;
        cb.onProgress({ step, totalSteps: total, epoch: cfg.batchSize ? (step * cfg.batchSize) / data.trainY.length : step, loss: tr.lastLoss(), seconds, eta: step > 0 ? (seconds / step) * (total - step) : NaN });
      }
    };
    const aborted = await drive(call, tr, cb.signal, report);
    const result = collect(call, tr, cfg, backend, aborted, t0);
    if (cb.onEval) for (; seenEvals < result.history.length; seenEvals++) cb.onEval(result.history[seenEvals]);
    return result;
  } finally {
    tr.free?.();
  }
}

/**
 * Run `runner` in chunks until it is done, or until `signal` aborts (then true), calling `between`
 * after every chunk and yielding to the event loop.
 */
async function drive(call: Caller, runner: { done(): boolean; run(maxSteps: number): number }, signal: AbortSignal | undefined, between: () => void): Promise<boolean> {
  let chunk = 1;
  while (!call(() => runner.done())) {
    if (signal?.aborted) return true;
    const c0 = performance.now();
    call(() => runner.run(chunk));
    const dt = performance.now() - c0;
    // Aim for chunks of about 50 ms: responsive progress and cancellation, little overhead.
    chunk = Math.max(1, Math.min(100_000, Math.round((chunk * 50) / Math.max(dt, 0.01))));
    between();
    await yieldNow();
  }
  return false;
}

/** The raw constructors' data arguments. */
function rawArgs(data: TrainData): RawTrainArgs {
  const dataCfg = data.config && data.config.model !== 'explicit' ? JSON.stringify(data.config) : null;
  return [dataCfg, data.classes, data.dim, data.trainX, data.trainY, data.trainPos ?? null, data.features ?? null, data.testX ?? null, data.testY ?? null, data.testPos ?? null];
}

/** Final evaluation and everything a finished (or stopped) raw trainer holds. */
function collect(call: Caller, tr: RawTrainer, cfg: TrainConfig, backend: BackendName, aborted: boolean, t0: number): TrainResult {
  const summary = JSON.parse(call(() => tr.finish())) as TrainSummary;
  return {
    weights: call(() => tr.weights()),
    weightsInit: tr.initialWeights(),
    history: JSON.parse(tr.history()) as EvalRecord[],
    lossCurve: tr.lossCurve(),
    kappaCurve: tr.kappaCurve(),
    logitSums: tr.logitSums(),
    summary,
    config: cfg,
    aborted,
    seconds: (performance.now() - t0) / 1000,
    backend,
  };
}

/**
 * Train several configs on the same data (used by Benignfit.trainGroup): the data, G and the
 * test Gram matrix are made once, and narrow full-batch members step together. Every member
 * gets the bits it would get alone. A member that fails (E_DIVERGED) leaves its error and null.
 */
export async function trainGroup(
  call: Caller,
  backend: BackendName,
  threads: number,
  data: TrainData,
  options: TrainConfigInput[],
  cb: TrainGroupCallbacks = {},
): Promise<TrainGroupResult> {
  checkData(data);
  if (!Array.isArray(options) || options.length === 0) throw invalid('train', options, 'a non-empty array of train configs');
  const cfgs = options.map((o, i) => {
    try {
      return resolveTrainConfig({ threads, ...o });
    } catch (e) {
      throw memberError(e, i);
    }
  });
  const t0 = performance.now();
  const group: RawTrainerGroup = call((raw) => new raw.TrainerGroup(JSON.stringify(cfgs), ...rawArgs(data)));
  try {
    const aborted = await drive(call, group, cb.signal, () => {
      if (cb.onProgress) {
        const [step, totalSteps] = Array.from(group.progress());
        cb.onProgress({ step, totalSteps, seconds: (performance.now() - t0) / 1000 });
      }
    });
    const results: (TrainResult | null)[] = [];
    const errors: (BenignfitError | null)[] = [];
    cfgs.forEach((cfg, i) => {
      let tr: RawTrainer | null = null;
      try {
        tr = call(() => group.take(i));
        results.push(collect(call, tr, cfg, backend, aborted, t0));
        errors.push(null);
      } catch (e) {
        results.push(null);
        errors.push(fromBinding(e));
      } finally {
        tr?.free?.();
      }
    });
    return { results, errors, aborted, seconds: (performance.now() - t0) / 1000, backend };
  } finally {
    group.free?.();
  }
}

/** Name config `i` in an error about one of its fields ("train.lr" -> "train[i].lr"). */
function memberError(e: unknown, i: number): BenignfitError {
  const err = fromBinding(e);
  if (!err.field?.startsWith('train.')) return err;
  const field = `train[${i}].${err.field.slice('train.'.length)}`;
  return new BenignfitError(err.code, err.message.replace(err.field, field), { field, cause: e });
}
