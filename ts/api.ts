/**
 * The typed API over one backend. Everything a binding throws becomes a BenignfitError with the
 * same code on both backends.
 */
import { createClassifier, type Classifier, type TensorSet } from './classifier.js';
import {
  resolveDataConfig,
  useConfigCore,
  type BoundaryOptionsInput,
  type ClassifierOptionsInput,
  type DataConfigInput,
  type FitOptionsInput,
  type TheoryOptionsInput,
  type TrainConfigInput,
} from './config.js';
import { BenignfitError, fromBinding, invalid } from './errors.js';
import type { ImageSet } from './formats/idx.js';
import { runInfluence, type InfluenceData, type InfluenceOptions, type InfluenceResult } from './influence.js';
import * as th from './theory.js';
import { train, trainGroup } from './train.js';
import type {
  BackendName,
  Dataset,
  GenerateOptions,
  ModelDescription,
  ModelEvaluation,
  RawBackend,
  TrainCallbacks,
  TrainData,
  TrainGroupCallbacks,
  TrainGroupResult,
  TrainResult,
  VersionInfo,
} from './types.js';

export interface BenignfitOptions {
  /** Threads for native kernels: 0 = all cores (default), 1 = one. Ignored by wasm. */
  threads?: number;
}

/** Called when the wasm instance trapped (a Rust panic): gives a fresh instance. */
export type Reloader = () => Promise<RawBackend>;

export class Benignfit {
  readonly backend: BackendName;
  /** Where the backend came from and what built it (build-info.json of the artifact). */
  readonly buildInfo: Record<string, unknown> | null;
  /** Why this is not the backend asked for (Node fell back to wasm: the native addon did not load), else null. */
  readonly backendNote: string | null;
  protected raw: RawBackend;
  private readonly reload?: Reloader;
  private poisoned: Promise<RawBackend> | null = null;
  threads: number;

  constructor(
    backend: BackendName,
    raw: RawBackend,
    opts: BenignfitOptions & { buildInfo?: Record<string, unknown> | null; backendNote?: string | null; reload?: Reloader } = {},
  ) {
    this.backend = backend;
    this.raw = raw;
    this.threads = opts.threads ?? 0;
    this.buildInfo = opts.buildInfo ?? null;
    this.backendNote = opts.backendNote ?? null;
    this.reload = opts.reload;
    useConfigCore(raw);
  }

  /** Run a binding call, mapping errors; a wasm trap (panic) is reported and the instance replaced. @internal */
  call<T>(f: (raw: RawBackend) => T): T {
    try {
      return f(this.raw);
    } catch (e) {
      if (e instanceof Error && e.name === 'RuntimeError') {
        const panic = (this.raw as unknown as { lastPanic?: () => string | undefined }).lastPanic?.();
        if (this.reload) {
          this.poisoned = this.reload().then((r) => (this.raw = r));
          this.poisoned.catch(() => undefined);
        }
        throw new BenignfitError('E_PANIC', `the wasm core stopped on an internal error (a bug: please report it): ${panic ?? e.message}`, { cause: e });
      }
      throw fromBinding(e);
    }
  }

  /** Wait until a replaced wasm instance is ready (after an E_PANIC). */
  async ready(): Promise<this> {
    if (this.poisoned) await this.poisoned;
    this.poisoned = null;
    return this;
  }

  version(): VersionInfo {
    return JSON.parse(this.call((r) => r.version())) as VersionInfo;
  }

  /**
   * Draw a training and a test set from the data model of §2 / §5.1.
   * Same config (seed included) -> the same dataset on both backends.
   */
  generate(config: DataConfigInput = {}, options: GenerateOptions = {}): Dataset {
    const cfg = resolveDataConfig(config);
    if (cfg.model === 'explicit' && (!options.features || !options.noiseFactors)) {
      throw new BenignfitError('E_INVALID', 'data.model: got "explicit", expected the features (K x d) and noiseFactors (K x d x d) arrays in the options', {
        field: 'data.model',
      });
    }
    const raw = this.call((r) =>
      r.generate(JSON.stringify(cfg), options.features ?? null, options.noiseFactors ?? null, options.includeNoiseFactors ?? false, this.threads),
    );
    const model = JSON.parse(raw.description) as ModelDescription;
    return {
      classes: cfg.classes,
      dim: cfg.dim,
      nTrain: raw.trainY.length,
      nTest: raw.testY.length,
      trainX: raw.trainX,
      trainY: raw.trainY,
      trainPos: raw.trainPos,
      testX: raw.testX,
      testY: raw.testY,
      testPos: raw.testPos,
      features: raw.features,
      ...(raw.noiseFactors ? { noiseFactors: raw.noiseFactors } : {}),
      config: cfg,
      model,
    };
  }

  /**
   * Train the two-layer ReLU CNN of eq. 1 by gradient descent (eq. 4; mini-batch SGD with
   * `batchSize`). Progress is reported and `signal` stops it between steps, returning the work so far.
   */
  train(data: TrainData, options: TrainConfigInput = {}, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
    return train((f) => this.call(f), this.backend, this.threads, data, options, callbacks);
  }

  /**
   * Train several configs on the same data (a sweep over the learning rate, the initialisation,
   * the width or the training seed): the data's products are made once and narrow full-batch
   * trainings step together, with the same bits as each config alone. Results come in the
   * configs' order; a member that fails has null and its error.
   */
  trainGroup(data: TrainData, options: TrainConfigInput[], callbacks: TrainGroupCallbacks = {}): Promise<TrainGroupResult> {
    return trainGroup((f) => this.call(f), this.backend, this.threads, data, options, callbacks);
  }

  /** Logits F_k(W, x) (n x K, row-major) of samples x (n x 2 x d) under weights W ((K*m) x d). */
  predict(weights: Float32Array, x: Float32Array, shape: { classes: number; width: number; dim: number }): Float64Array {
    const { classes, width, dim } = shape;
    if (!(weights instanceof Float32Array)) throw invalid('weights', weights, 'a Float32Array ((K*m) x d)');
    if (!(x instanceof Float32Array)) throw invalid('x', x, 'a Float32Array (n x 2 x d)');
    return this.call((r) => r.predict(weights, classes, width, dim, x, this.threads));
  }

  /**
   * Loss, accuracy and per-class accuracy of weights W on labelled samples: the core's forward
   * pass and softmax cross-entropy (crates/core/src/model), the same code training reports with.
   */
  evaluate(weights: Float32Array, x: Float32Array, y: Int32Array, shape: { classes: number; width: number; dim: number }): ModelEvaluation {
    const { classes, width, dim } = shape;
    if (!(weights instanceof Float32Array)) throw invalid('weights', weights, 'a Float32Array ((K*m) x d)');
    if (!(x instanceof Float32Array)) throw invalid('x', x, 'a Float32Array (n x 2 x d)');
    if (!(y instanceof Int32Array)) throw invalid('y', y, 'an Int32Array (n labels)');
    return JSON.parse(this.call((r) => r.evaluate(weights, classes, width, dim, x, y, this.threads))) as ModelEvaluation;
  }

  /**
   * A LeNet-5 (MNIST) or small CIFAR-10 classifier with fresh seeded weights (ts/classifier.ts).
   * With normalize "train" (the default) the per-channel statistics come from `train`; threads
   * default to this instance's.
   */
  classifier(options: ClassifierOptionsInput = {}, train?: TensorSet): Classifier {
    return createClassifier(this, <T>(f: (raw: RawBackend) => T) => this.call(f), { threads: this.threads, ...options }, train);
  }

  /** The seeded random order (a permutation of 0..n-1) in which the §5.2 control removes images. */
  removalOrder(seed: number, n: number): Uint32Array {
    if (!Number.isSafeInteger(seed) || seed < 0) throw invalid('seed', seed, 'an integer from 0 to 2^53 - 1');
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw invalid('n', n, 'an integer from 0 to 2^32 - 1');
    return this.call((r) => r.removalOrder(seed, n));
  }

  /**
   * Influence scores of eq. 10 for every image, the Figure 6 matrix tr(S_i S_j) and Gamma_{k,j}
   * (§5.2), class by class: `onProgress` after each class, `signal` honoured between classes.
   */
  influence(images: ImageSet | InfluenceData, options: InfluenceOptions = {}): Promise<InfluenceResult> {
    return runInfluence((f) => this.call(f), this.threads, images, options);
  }

  // ---- Theorem 1, Condition 1 and the lemmas (ts/theory.ts, docs/theory.md) ----

  /**
   * Every Theorem 1 / Condition 1 quantity of a data model, before training: matrix norms, SNR_k,
   * Gamma_kj, Condition 1 item by item, T, the bounds of Statements 2(a), 2(b), 3 and a phase per class.
   * `data` is a data config or a generated dataset; model "explicit" needs features and noiseFactors.
   */
  theory(data: DataConfigInput | Dataset = {}, options: TheoryOptionsInput & th.TheoryArrays = {}): th.TheoryResult {
    return th.runTheory((f) => this.call(f), this.threads, data, options);
  }

  /**
   * `theory` (or, with a run, `theoryLemmas`) in units of work: `onProgress` after each unit, and
   * an AbortSignal honoured between them. Use it for large user-given noise factors.
   */
  theoryAsync(
    data: DataConfigInput | Dataset,
    run: th.RunArrays | null = null,
    options: TheoryOptionsInput & th.TheoryArrays & th.ProgressOptions = {},
  ): Promise<th.TheoryResult> {
    return th.runTheoryAsync((f) => this.call(f), this.threads, data, run, options);
  }

  /** `theory` plus Lemmas 3–7, b(S_k) and the long-tailed errors measured on a trained run. */
  theoryLemmas(data: DataConfigInput | Dataset, run: th.RunArrays, options: TheoryOptionsInput & th.TheoryArrays = {}): th.TheoryResult {
    return th.runTheoryLemmas((f) => this.call(f), this.threads, data, run, options);
  }

  /** For each L: the L-long-tailed test samples (Definition 1) and how many W classifies correctly. */
  longTailed(
    data: DataConfigInput | Dataset,
    weights: Float32Array,
    width: number,
    test: { x: Float32Array; y: Int32Array; pos: Uint8Array },
    ls: number[],
    arrays: th.TheoryArrays = {},
  ): th.LongTailedResult[] {
    return th.runLongTailed((f) => this.call(f), this.threads, data, weights, width, test, ls, arrays);
  }

  /** Fit the rates c1, c2 of Theorem 1 to sweep results (results.jsonl rows), with bootstrap intervals. */
  fitConstants(rows: th.FitRowInput[], options: FitOptionsInput = {}): th.FitReport {
    return th.runFit((f) => this.call(f), rows, options);
  }

  /**
   * `fitConstants` in chunks of bootstrap resamples: `onProgress` after each, an AbortSignal
   * honoured between them; the same report, bit for bit.
   */
  fitConstantsAsync(rows: th.FitRowInput[], options: FitOptionsInput & th.ProgressOptions = {}): Promise<th.FitReport> {
    return th.runFitAsync((f) => this.call(f), rows, options);
  }

  /** The theory's phase boundaries of the §5.1 model (equal class sizes) in a sweep plane. */
  phaseBoundaries(options: BoundaryOptionsInput): th.BoundaryReport {
    return th.runBoundaries((f) => this.call(f), options);
  }
}
