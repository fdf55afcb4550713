/**
 * Training of the paper's two-layer ReLU CNN, driven in chunks so progress is reported and an
 * AbortSignal is honoured between steps on both backends.
 */
import { resolveTrainConfig, type TrainConfigInput } from './config.js';
import { BenignfitError, invalid } from './errors.js';
import type { BackendName, EvalRecord, RawBackend, RawTrainer, TrainCallbacks, TrainData, TrainResult, TrainSummary } from './types.js';

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
  const dataCfg = data.config && data.config.model !== 'explicit' ? JSON.stringify(data.config) : null;
  const t0 = performance.now();
  const tr: RawTrainer = call(
    (raw) =>
      new raw.Trainer(
        JSON.stringify(cfg),
        dataCfg,
        data.classes,
        data.dim,
        data.trainX,
        data.trainY,
        data.trainPos ?? null,
        data.features ?? null,
        data.testX ?? null,
        data.testY ?? null,
        data.testPos ?? null,
      ),
  );
  try {
    const total = tr.totalSteps();
    let chunk = 1;
    let aborted = false;
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
    while (!call(() => tr.done())) {
      if (cb.signal?.aborted) {
        aborted = true;
        break;
      }
      const c0 = performance.now();
      call(() => tr.run(chunk));
      const dt = performance.now() - c0;
      // Aim for chunks of about 50 ms: responsive progress and cancellation, little overhead.
      chunk = Math.max(1, Math.min(100_000, Math.round((chunk * 50) / Math.max(dt, 0.01))));
      report();
      await yieldNow();
    }
    const summary = JSON.parse(call(() => tr.finish())) as TrainSummary;
    const history = JSON.parse(tr.history()) as EvalRecord[];
    if (cb.onEval) for (; seenEvals < history.length; seenEvals++) cb.onEval(history[seenEvals]);
    return {
      weights: call(() => tr.weights()),
      weightsInit: tr.initialWeights(),
      history,
      lossCurve: tr.lossCurve(),
      kappaCurve: tr.kappaCurve(),
      logitSums: tr.logitSums(),
      summary,
      config: cfg,
      aborted,
      seconds: (performance.now() - t0) / 1000,
      backend,
    };
  } finally {
    tr.free?.();
  }
}
