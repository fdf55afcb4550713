/**
 * Training of the paper's two-layer ReLU CNN, driven in chunks so progress is reported and an
 * AbortSignal is honoured between steps on both backends.
 */
import { resolveTrainConfig, type TrainConfig, type TrainConfigInput } from './config.js';
import { BenignfitError, fromBinding, invalid } from './errors.js';
import { drive } from './job.js';
import type {
  BackendName,
  EvalRecord,
  RawBackend,
  RawTrainer,
  RawTrainerGroup,
  RawTrainInput,
  TrainCallbacks,
  TrainData,
  TrainGroupCallbacks,
  TrainGroupResult,
  TrainResult,
  TrainSummary,
} from './types.js';

type Caller = <T>(f: (raw: RawBackend) => T) => T;

function checkData(data: TrainData): void {
  const { classes: k, dim: d } = data;
  if (!Number.isInteger(k) || k < 2) throw invalid('data.classes', k, 'an integer >= 2');
  if (!Number.isInteger(d) || d < 1) throw invalid('data.dim', d, 'an integer >= 1');
  if (!(data.trainX instanceof Float32Array)) throw invalid('trainX', data.trainX, 'a Float32Array (n x 2 x d)');
  if (!(data.trainY instanceof Int32Array)) throw invalid('trainY', data.trainY, 'an Int32Array of labels');
  if (data.trainX.length !== data.trainY.length * 2 * d) {
    throw new BenignfitError(
      'E_SHAPE',
      `shape mismatch in train: trainX has ${data.trainX.length} values, expected n x 2 x d = ${data.trainY.length} x 2 x ${d}`,
    );
  }
  // Optional arrays: the right class or nothing (a binding would refuse another one without naming it).
  const optional: [keyof TrainData, { new (n: number): ArrayLike<number>; name: string }][] = [
    ['trainPos', Uint8Array],
    ['features', Float32Array],
    ['testX', Float32Array],
    ['testY', Int32Array],
    ['testPos', Uint8Array],
  ];
  for (const [name, ctor] of optional) {
    const v = data[name];
    if (v !== undefined && v !== null && !(v instanceof ctor)) throw invalid(name, v, `a ${ctor.name}, or nothing`);
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
  const tr: RawTrainer = call((raw) => new raw.Trainer(JSON.stringify(cfg), rawInput(data)));
  try {
    let seenEvals = 0;
    const { aborted } = await drive(call, tr, {
      signal: cb.signal,
      onChunk: (p) => {
        if (cb.onEval) {
          const hist = JSON.parse(tr.history()) as EvalRecord[];
          for (; seenEvals < hist.length; seenEvals++) cb.onEval(hist[seenEvals]);
        }
        if (cb.onProgress) {
          const seconds = (performance.now() - t0) / 1000;
          const step = p.done;
          cb.onProgress({
            step,
            totalSteps: p.total,
            epoch: cfg.batchSize ? (step * cfg.batchSize) / data.trainY.length : step,
            loss: p.loss ?? NaN,
            seconds,
            eta: step > 0 ? (seconds / step) * (p.total - step) : NaN,
          });
        }
      },
    });
    const result = collect(call, tr, cfg, backend, aborted, t0);
    if (cb.onEval) for (; seenEvals < result.history.length; seenEvals++) cb.onEval(result.history[seenEvals]);
    return result;
  } finally {
    tr.free?.();
  }
}

/** The raw constructors' training set. */
function rawInput(data: TrainData): RawTrainInput {
  const o: RawTrainInput = { classes: data.classes, dim: data.dim, trainX: data.trainX, trainY: data.trainY };
  if (data.config && data.config.model !== 'explicit') o.dataConfig = JSON.stringify(data.config);
  if (data.trainPos) o.trainPos = data.trainPos;
  if (data.features) o.features = data.features;
  if (data.testX) o.testX = data.testX;
  if (data.testY) o.testY = data.testY;
  if (data.testPos) o.testPos = data.testPos;
  return o;
}

/** Final evaluation and everything a finished (or stopped) raw trainer holds. */
function collect(call: Caller, tr: RawTrainer, cfg: TrainConfig, backend: BackendName, aborted: boolean, t0: number): TrainResult {
  const o = call(() => tr.finish());
  return {
    weights: o.weights,
    weightsInit: o.initialWeights,
    history: JSON.parse(o.history) as EvalRecord[],
    lossCurve: o.lossCurve,
    kappaCurve: o.kappaCurve,
    logitSums: o.logitSums,
    summary: JSON.parse(o.summary) as TrainSummary,
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
  const group: RawTrainerGroup = call((raw) => new raw.TrainerGroup(JSON.stringify(cfgs), rawInput(data)));
  try {
    const { aborted } = await drive(call, group, {
      signal: cb.signal,
      onChunk: (p) => cb.onProgress?.({ step: p.done, totalSteps: p.total, seconds: (performance.now() - t0) / 1000 }),
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
