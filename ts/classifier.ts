/**
 * Image classifiers of §5.2 (Figure 7): LeNet-5 for MNIST and a small CNN for CIFAR-10, trained
 * by the Rust core (crates/core/src/cnn) in chunks of mini-batches, so that progress is reported
 * and an AbortSignal is honoured between chunks, on both backends.
 *
 * ```ts
 * const bf = await load();
 * const train = tensorsFromIdx(parseIdx(imgBytes), parseIdx(labelBytes));
 * const r = await trainClassifier(bf, train, test, { arch: 'lenet5', epochs: 10 }, { onProgress: console.log });
 * r.testAcc; r.classifier.predict(test.images); r.classifier.dispose();
 * ```
 */
import type { Benignfit } from './api.js';
import { resolveClassifierOptions, type ClassifierOptions, type ClassifierOptionsInput } from './config.js';
import type { ImageSet } from './formats/idx.js';
import { abortError, BenignfitError, invalid } from './errors.js';
import type { IdxArray } from './formats/idx.js';
import { drive, yieldNow } from './job.js';
import type { BackendName, RawBackend, RawClassifierTrainer } from './types.js';

/** Labelled images: `images` is n x channels x height x width (row-major, NCHW). */
/** Images as the classifiers take them: float pixels, channel-major (c, h, w), with labels. */
export interface TensorSet {
  images: Float32Array;
  labels: Int32Array;
  /** [channels, height, width] of one image. */
  shape: [number, number, number];
}

/** Input shape of each architecture. */
// What the core says about a classifier, its SGD runs and layers (generated from crates/core/src/cnn).
export type { ClassifierInfo, LayerInfo as ClassifierLayerInfo, RunStats } from './generated/config.js';
import type { ClassifierInfo, RunStats } from './generated/config.js';

export const ARCH_INPUT: Record<ClassifierOptions['arch'], [number, number, number]> = {
  lenet5: [1, 28, 28],
  'cifar-small': [3, 32, 32],
};

export interface Evaluation {
  n: number;
  /** Mean cross-entropy. */
  loss: number;
  accuracy: number;
  correct: number;
}

type Caller = <T>(f: (raw: RawBackend) => T) => T;

function checkSet(set: TensorSet, shape: [number, number, number], what: string): number {
  if (!(set.images instanceof Float32Array)) throw invalid(`${what}.images`, set.images, 'a Float32Array');
  if (!(set.labels instanceof Int32Array)) throw invalid(`${what}.labels`, set.labels, 'an Int32Array');
  const [c, h, w] = set.shape ?? [];
  if (c !== shape[0] || h !== shape[1] || w !== shape[2]) {
    throw invalid(`${what}.shape`, set.shape, `[${shape.join(', ')}] (the input of this architecture)`);
  }
  const n = set.labels.length;
  if (set.images.length !== n * c * h * w) {
    throw new BenignfitError('E_SHAPE', `${what}: ${set.images.length} image values for ${n} labels of ${c}x${h}x${w} images (expected ${n * c * h * w})`);
  }
  return n;
}

/** Per-channel mean and standard deviation of a set of images (f64 accumulation). */
export function channelStats(set: TensorSet): { mean: number[]; std: number[] } {
  const [c, h, w] = set.shape;
  const hw = h * w;
  const n = set.labels.length;
  const mean: number[] = [];
  const std: number[] = [];
  for (let ci = 0; ci < c; ci++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const o = (i * c + ci) * hw;
      for (let p = 0; p < hw; p++) {
        const v = set.images[o + p];
        s += v;
        s2 += v * v;
      }
    }
    const m = s / (n * hw);
    mean.push(m);
    std.push(Math.sqrt(Math.max(s2 / (n * hw) - m * m, 0)) || 1);
  }
  return { mean, std };
}

/** The images at `indices` (in that order). */
export function subsetImages(set: TensorSet, indices: ArrayLike<number>): TensorSet {
  const len = set.shape[0] * set.shape[1] * set.shape[2];
  const images = new Float32Array(indices.length * len);
  const labels = new Int32Array(indices.length);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    images.set(set.images.subarray(i * len, (i + 1) * len), j * len);
    labels[j] = set.labels[i];
  }
  return { images, labels, shape: set.shape };
}

/** An image set from IDX arrays (MNIST): ubyte pixels scaled to [0, 1], one channel. */
export function tensorsFromIdx(images: IdxArray, labels: IdxArray, limit?: number): TensorSet {
  if (images.shape.length !== 3) throw new BenignfitError('E_FORMAT', `IDX images: shape [${images.shape.join(', ')}], expected [n, height, width]`);
  if (labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new BenignfitError('E_FORMAT', `IDX labels: shape [${labels.shape.join(', ')}], expected [${images.shape[0]}] (one per image)`);
  }
  const [n0, h, w] = images.shape;
  const n = Math.min(n0, limit ?? n0);
  const scale = images.data instanceof Uint8Array ? 1 / 255 : 1;
  const x = new Float32Array(n * h * w);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] * scale;
  return { images: x, labels: Int32Array.from(labels.data.subarray(0, n)), shape: [1, h, w] };
}

/**
 * Loaded images (ts/formats: MNIST IDX, CIFAR-10 batches; bytes, 'hwc' or 'chw') as classifier
 * input: floats in [0, 1], channel-major.
 */
export function tensorsFromImages(set: ImageSet, limit?: number): TensorSet {
  const { height: h, width: w, channels: c } = set;
  const n = Math.min(set.n, limit ?? set.n);
  const per = h * w * c;
  const x = new Float32Array(n * per);
  if (set.layout === 'chw' || c === 1) {
    for (let i = 0; i < x.length; i++) x[i] = set.pixels[i] / 255;
  } else {
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) x[i * per + ch * h * w + p] = set.pixels[i * per + p * c + ch] / 255;
    }
  }
  return { images: x, labels: Int32Array.from(set.labels.subarray(0, n)), shape: [c, h, w] };
}

/** A classifier held by the core. Dispose it when done (wasm memory is not garbage collected). */
export class Classifier {
  readonly backend: BackendName;
  readonly options: ClassifierOptions;
  readonly paramCount: number;
  readonly inputShape: [number, number, number];
  private raw: RawClassifierTrainer | null;
  private readonly call: Caller;

  /** Use `bf.classifier(options, train)`. */
  constructor(backend: BackendName, call: Caller, options: ClassifierOptions, mean: number[], std: number[]) {
    this.backend = backend;
    this.call = call;
    this.inputShape = ARCH_INPUT[options.arch];
    if (mean.length !== this.inputShape[0] || std.length !== this.inputShape[0]) {
      throw invalid('classifier.normalize', { mean, std }, `one mean and one std per channel (${this.inputShape[0]})`);
    }
    this.options = { ...options, normalize: { mean, std } };
    const core = {
      arch: options.arch,
      classes: options.classes,
      batchSize: options.batchSize,
      lr: options.lr,
      momentum: options.momentum,
      weightDecay: options.weightDecay,
      seed: options.seed,
      mean,
      std,
      epochs: options.epochs,
      ...(options.memoryLimit !== undefined ? { memoryLimit: options.memoryLimit } : {}),
    };
    this.raw = call((r) => new r.ClassifierTrainer(JSON.stringify(core), options.threads));
    this.paramCount = this.info().paramCount;
  }

  private get r(): RawClassifierTrainer {
    if (!this.raw) throw new BenignfitError('E_INVALID', 'classifier: used after dispose()');
    return this.raw;
  }

  private checked(set: TensorSet, what: string): number {
    return checkSet(set, this.inputShape, what);
  }

  info(): ClassifierInfo {
    return JSON.parse(this.call(() => this.r.info())) as ClassifierInfo;
  }

  /** Hand the training set to the core (copied and normalised there); restarts at epoch 0. */
  setTrainingData(train: TensorSet): void {
    this.checked(train, 'train');
    this.call(() => this.r.setTrainingData(train.images, train.labels));
  }

  /** Free the core's copy of the training set (prediction still works). */
  dropTrainingData(): void {
    this.call(() => this.r.dropTrainingData());
  }

  /**
   * The training as a job (ts/job.ts `drive`): up to `budget` SGD steps, never past the end of an
   * epoch; JSON of the JobProgress (steps of `epochs` epochs; the epoch's mean loss and accuracy so far).
   */
  advance(budget: number): string {
    return this.call(() => this.r.advance(budget));
  }

  /** Up to `batches` SGD steps. */
  run(batches: number): RunStats {
    if (!Number.isInteger(batches) || batches < 0) throw invalid('batches', batches, 'an integer >= 0');
    return JSON.parse(this.call(() => this.r.run(batches))) as RunStats;
  }

  /** Mean loss and accuracy on labelled images (one call; see evaluateAsync for large sets). */
  evaluate(set: TensorSet): Evaluation {
    const n = this.checked(set, 'images');
    const s = JSON.parse(this.call(() => this.r.evaluate(set.images, set.labels))) as { n: number; lossSum: number; correct: number };
    return { n, loss: n ? s.lossSum / n : NaN, accuracy: n ? s.correct / n : NaN, correct: s.correct };
  }

  /** evaluate() in chunks of `chunk` images, yielding to the event loop and honouring `signal`. */
  async evaluateAsync(
    set: TensorSet,
    opts: { chunk?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<Evaluation> {
    const n = this.checked(set, 'images');
    const len = this.inputShape[0] * this.inputShape[1] * this.inputShape[2];
    const chunk = Math.max(1, opts.chunk ?? 1024);
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < n; i += chunk) {
      if (opts.signal?.aborted) throw abortError('evaluation');
      const j = Math.min(n, i + chunk);
      const s = JSON.parse(this.call(() => this.r.evaluate(set.images.subarray(i * len, j * len), set.labels.subarray(i, j)))) as {
        lossSum: number;
        correct: number;
      };
      loss += s.lossSum;
      correct += s.correct;
      opts.onProgress?.(j, n);
      await yieldNow();
    }
    return { n, loss: n ? loss / n : NaN, accuracy: n ? correct / n : NaN, correct };
  }

  /** Logits (n x classes, row-major) of images (n x c x h x w). */
  predict(images: Float32Array): Float32Array {
    return this.call(() => this.r.predict(images));
  }

  /** Mean loss and its gradient (PyTorch state_dict order) at the current weights. */
  lossAndGradient(set: TensorSet): { loss: number; grad: Float32Array } {
    this.checked(set, 'images');
    return this.call(() => this.r.lossAndGradient(set.images, set.labels));
  }

  /** The weights as one flat array in PyTorch's state_dict order (weight, bias per layer). */
  params(): Float32Array {
    return this.call(() => this.r.params());
  }

  /** Load weights (same order as params()); resets the momentum. */
  setParams(params: Float32Array): void {
    if (!(params instanceof Float32Array)) throw invalid('params', params, 'a Float32Array');
    this.call(() => this.r.setParams(params));
  }

  /** Release the core object (needed on wasm; harmless on native). */
  dispose(): void {
    this.raw?.free?.();
    this.raw = null;
  }
}

/** Let timers and abort events run between chunks of work (ts/job.ts's one helper, under its older name). */
export { yieldNow as yieldToEventLoop };

/** Create a classifier: resolves the options and, for normalize "train", the training set's statistics. */
export function createClassifier(bf: Benignfit, call: Caller, input: ClassifierOptionsInput | undefined, train?: TensorSet): Classifier {
  const options = resolveClassifierOptions(input);
  const c = ARCH_INPUT[options.arch][0];
  let stats: { mean: number[]; std: number[] };
  if (options.normalize === 'none') stats = { mean: Array(c).fill(0), std: Array(c).fill(1) };
  else if (options.normalize === 'train') {
    if (!train) throw invalid('classifier.normalize', 'train', 'a training set to take the statistics from (or "none", or explicit {mean, std})');
    checkSet(train, ARCH_INPUT[options.arch], 'train');
    stats = channelStats(train);
  } else stats = options.normalize;
  return new Classifier(bf.backend, call, options, stats.mean, stats.std);
}

export interface ClassifierProgress {
  epoch: number;
  epochs: number;
  /** SGD steps done and planned. */
  step: number;
  totalSteps: number;
  /** Mean training loss since the start of the epoch. */
  loss: number;
  seconds: number;
}

export interface EpochRecord {
  epoch: number;
  /** Mean loss and accuracy over the epoch's mini-batches (each measured before its step). */
  trainLoss: number;
  trainAcc: number;
  testLoss: number | null;
  testAcc: number | null;
  /** Seconds of training in this epoch (test evaluation not included). */
  seconds: number;
}

export interface TrainedClassifier {
  classifier: Classifier;
  history: EpochRecord[];
  testAcc: number | null;
  testLoss: number | null;
  trainSize: number;
  /** Total wall time, evaluation included. */
  seconds: number;
  /** The resolved options (normalize holds the mean and std used). */
  options: ClassifierOptions;
  backend: BackendName;
}

export interface TrainHooks {
  onProgress?: (p: ClassifierProgress) => void;
  onEpoch?: (r: EpochRecord) => void;
  signal?: AbortSignal;
  /** Target wall time of one chunk of mini-batches between progress reports (default 0.2 s). */
  chunkSeconds?: number;
}

/**
 * Train a classifier from scratch on `train` for `options.epochs` epochs and evaluate it on
 * `test`. The result's classifier keeps its weights (the training images are released); call
 * `dispose()` on it when done.
 */
export async function trainClassifier(
  bf: Benignfit,
  train: TensorSet,
  test: TensorSet | null,
  options: ClassifierOptionsInput = {},
  hooks: TrainHooks = {},
): Promise<TrainedClassifier> {
  const t0 = performance.now();
  if (hooks.signal?.aborted) throw abortError('training');
  const clf = bf.classifier(options, train);
  try {
    if (test) checkSet(test, clf.inputShape, 'test');
    clf.setTrainingData(train);
    const opts = clf.options;
    const n = train.labels.length;
    const bpe = Math.ceil(n / opts.batchSize);
    const totalSteps = bpe * opts.epochs;
    const target = (hooks.chunkSeconds ?? 0.2) * 1000;
    const history: EpochRecord[] = [];
    let epoch = 0;
    let te = performance.now();
    let last = null as Evaluation | null;
    // One job over every epoch (crates/core/src/cnn: it stops at each epoch's end, where the
    // epoch's loss and accuracy are read and the test set is evaluated).
    const { aborted } = await drive((f) => f(), clf, {
      signal: hooks.signal,
      chunkMs: target,
      maxBudget: bpe,
      onChunk: async (p) => {
        hooks.onProgress?.({ epoch, epochs: opts.epochs, step: p.done, totalSteps, loss: p.loss!, seconds: (performance.now() - t0) / 1000 });
        if (p.done === 0 || p.done % bpe !== 0) return;
        const seconds = (performance.now() - te) / 1000;
        last = test && (opts.evalEveryEpoch || epoch === opts.epochs - 1) ? await clf.evaluateAsync(test, { signal: hooks.signal }) : null;
        const rec: EpochRecord = { epoch, trainLoss: p.loss!, trainAcc: p.accuracy!, testLoss: last?.loss ?? null, testAcc: last?.accuracy ?? null, seconds };
        history.push(rec);
        hooks.onEpoch?.(rec);
        epoch++;
        te = performance.now();
      },
    });
    if (aborted) throw abortError('training');
    clf.dropTrainingData();
    return {
      classifier: clf,
      history,
      testAcc: last?.accuracy ?? null,
      testLoss: last?.loss ?? null,
      trainSize: n,
      seconds: (performance.now() - t0) / 1000,
      options: opts,
      backend: bf.backend,
    };
  } catch (e) {
    clf.dispose();
    throw e;
  }
}
