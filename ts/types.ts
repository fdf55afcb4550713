/**
 * The public types of benignfit, shared by both backends (one source of truth).
 */
import type { DataConfig } from './config.js';
import type { InfluenceClassInfo as CoreClassInfo, JobProgress } from './generated/config.js';
// Result types the core declares (crates/core/src), generated: ts/generated/config.ts.
export type { VersionInfo, ModelDescription, LongTailed as LongTailedAcc, EvalRecord, TrainSummary, FrobeniusSummary } from './generated/config.js';
import type { EvalRecord, ModelDescription, TrainSummary } from './generated/config.js';

export type BackendName = 'native' | 'wasm';

/** A dataset: x arrays are n x 2 x d (row-major), patch `pos[i]` of sample i is its feature. */
export interface Dataset {
  classes: number;
  dim: number;
  nTrain: number;
  nTest: number;
  trainX: Float32Array;
  trainY: Int32Array;
  trainPos: Uint8Array;
  testX: Float32Array;
  testY: Int32Array;
  testPos: Uint8Array;
  /** K x d, row k is u_k. */
  features: Float32Array;
  /** K x d x d, A_k (only when asked for with includeNoiseFactors). */
  noiseFactors?: Float32Array;
  /** The resolved config that generated it (null for data loaded from elsewhere). */
  config: DataConfig | null;
  model: ModelDescription | null;
}

export interface GenerateOptions {
  /** Return the dense K x d x d noise factors too (needed for noise_factors.npy). */
  includeNoiseFactors?: boolean;
  /** For model "explicit": K x d features and K x d x d noise factors A_k. */
  features?: Float32Array;
  noiseFactors?: Float32Array;
}

/** The low-level surface both bindings export (native addon and wasm-bindgen package). */
export interface RawDataset {
  trainX: Float32Array;
  trainY: Int32Array;
  trainPos: Uint8Array;
  testX: Float32Array;
  testY: Int32Array;
  testPos: Uint8Array;
  features: Float32Array;
  noiseFactors?: Float32Array | null;
  description: string;
}

/** Where a job of the core stands after a call (the core's `job::Progress`, generated). */
export type { JobProgress };

/** Long work in the core: `advance(budget)` does up to `budget` units and returns JobProgress as JSON (ts/job.ts drives it). */
export interface RawJob {
  advance(budget: number): string;
  free?(): void;
}

/** A training set, as the raw Trainer and TrainerGroup constructors take it. */
export interface RawTrainInput {
  /** The resolved data config that generated the arrays (JSON), if any. */
  dataConfig?: string;
  classes: number;
  dim: number;
  trainX: Float32Array;
  trainY: Int32Array;
  trainPos?: Uint8Array;
  features?: Float32Array;
  testX?: Float32Array;
  testY?: Int32Array;
  testPos?: Uint8Array;
}

/** What a finished (or stopped) raw training holds. */
export interface RawTrainOutput {
  /** JSON of the TrainSummary. */
  summary: string;
  weights: Float32Array;
  initialWeights: Float32Array;
  /** JSON of the EvalRecords. */
  history: string;
  lossCurve: Float64Array;
  logitSums: Float64Array;
  kappaCurve: Float64Array;
}

/** A training run in the core, a job. */
export interface RawTrainer extends RawJob {
  /** JSON of the EvalRecords so far. */
  history(): string;
  flopsPerStep(): number;
  /** A final evaluation, and everything the training holds. */
  finish(): RawTrainOutput;
}

/** The core's TrainerGroup: trainings on the same data, stepped together (a job); members come out as RawTrainers. */
export interface RawTrainerGroup extends RawJob {
  /** Member `index` (throws the error it failed with). */
  take(index: number): RawTrainer;
}

/** A GEMM on buffers allocated once (ts/perf.ts times `run`). */
export interface RawGemmBench {
  run(reps: number): number;
  flops(): number;
  threads(): number;
  free?(): void;
}

/** The core's image classifier and its SGD state (crates/{node,wasm}/src/cnn.rs). */
export interface RawClassifierTrainer {
  setTrainingData(images: Float32Array, labels: Int32Array): void;
  dropTrainingData(): void;
  /** JSON of the core's RunStats. */
  run(batches: number): string;
  /** JSON of the core's EvalStats. */
  evaluate(images: Float32Array, labels: Int32Array): string;
  predict(images: Float32Array): Float32Array;
  lossAndGradient(images: Float32Array, labels: Int32Array): { loss: number; grad: Float32Array };
  params(): Float32Array;
  setParams(params: Float32Array): void;
  /** JSON of the core's ClassifierInfo. */
  info(): string;
  /** wasm only: release the object's memory. */
  free?(): void;
}

/** Training data: a Dataset from generate(), or arrays of your own. */
export interface TrainData {
  classes: number;
  dim: number;
  /** n x 2 x d. */
  trainX: Float32Array;
  trainY: Int32Array;
  /** Which patch is the feature (with `features`, lets training store each feature once). */
  trainPos?: Uint8Array;
  features?: Float32Array;
  testX?: Float32Array;
  testY?: Int32Array;
  testPos?: Uint8Array;
  /** The data config that generated the data (enables Definition 1's long-tailed subsets). */
  config?: import('./config.js').DataConfig | null;
}

export interface TrainProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  /** Training loss (of the last batch) before the last update. */
  loss: number;
  seconds: number;
  /** Estimated seconds left. */
  eta: number;
}

export interface TrainCallbacks {
  onProgress?: (p: TrainProgress) => void;
  /** Called with every evaluation (every evalEvery steps and at the end). */
  onEval?: (r: EvalRecord) => void;
  /** Stops training between steps; the work so far is returned (aborted: true). */
  signal?: AbortSignal;
}

export interface TrainResult {
  /** Final weights W, (K*m) x d, row k*m + r = w_{k,r}. */
  weights: Float32Array;
  weightsInit: Float32Array;
  /** Metrics every evalEvery steps and at the end. */
  history: EvalRecord[];
  /** Training loss before each step (batch loss for SGD). */
  lossCurve: Float64Array;
  /** kappa at each step. */
  kappaCurve: Float64Array;
  /** sum_t (1 - logit_{y_i}(W^(t), x_i)) per training example (eq. 8's b(S)). */
  logitSums: Float64Array;
  summary: TrainSummary;
  config: import('./config.js').TrainConfig;
  aborted: boolean;
  seconds: number;
  backend: BackendName;
}

export interface TrainGroupProgress {
  /** Steps taken and planned, summed over the members. */
  step: number;
  totalSteps: number;
  seconds: number;
}

export interface TrainGroupCallbacks {
  onProgress?: (p: TrainGroupProgress) => void;
  /** Stops every member between steps; the work so far is returned (aborted: true). */
  signal?: AbortSignal;
}

/** Trainings of several configs on the same data (Benignfit.trainGroup), in the configs' order. */
export interface TrainGroupResult {
  /** Each member's result, or null where it failed. */
  results: (TrainResult | null)[];
  /** Each member's error (e.g. E_DIVERGED), or null. */
  errors: (import('./errors.js').BenignfitError | null)[];
  aborted: boolean;
  seconds: number;
  backend: BackendName;
}

/** One class of an influence run (the core's `ClassInfo`), with its wall time added by TypeScript. */
export interface InfluenceClassInfo extends CoreClassInfo {
  seconds?: number;
}

export interface RawClassScores {
  scores: Float64Array;
  info: string;
}

export interface RawInfluenceRun {
  addClass(cls: number, bytes: Uint8Array | null, floats: Float32Array | null, n: number): RawClassScores;
  /** Native only: the images `rows` of the whole set (`total` images), borrowed rather than copied (a wasm call would copy the whole set each time). */
  addClassRows?(cls: number, bytes: Uint8Array | null, floats: Float32Array | null, total: number, rows: Uint32Array): RawClassScores;
  frobenius(): string;
  /** wasm only: release the instance's memory. */
  free?(): void;
}

/** A trained run's arrays as the bindings take them (optional arrays are left out, never null). */
export interface RawRun {
  weights: Float32Array;
  weightsInit?: Float32Array;
  trainX: Float32Array;
  trainY: Int32Array;
  trainPos: Uint8Array;
  logitSums?: Float64Array;
  kappa?: Float64Array;
  testX?: Float32Array;
  testY?: Int32Array;
  testPos?: Uint8Array;
}

/**
 * The low-level surface of both bindings, as ts/ uses it. ts/generated/bindings-check.ts checks at
 * compile time that the declarations each binding generates (napi-rs's .d.ts, wasm-bindgen's .d.ts)
 * satisfy it, so the three cannot drift apart.
 */
export interface RawBackend {
  version: () => string;
  /** Check a config section and fill its defaults (crates/core/src/config): resolved JSON. */
  resolveConfig: (section: string, json: string) => string;
  /** The JSON Schema of every config section. */
  configSchemas: () => string;
  generate: (
    config: string,
    features: Float32Array | null | undefined,
    noiseFactors: Float32Array | null | undefined,
    includeFactors: boolean,
    threads: number,
  ) => RawDataset;
  Trainer: new (config: string, input: RawTrainInput) => RawTrainer;
  /** Several resolved configs (a JSON array) on the same data. */
  TrainerGroup: new (
    configs: string,
    input: RawTrainInput,
  ) => RawTrainerGroup;
  predict: (weights: Float32Array, classes: number, width: number, dim: number, x: Float32Array, threads: number) => Float64Array;
  ClassifierTrainer: new (config: string, threads: number) => RawClassifierTrainer;
  removalOrder: (seed: number, n: number) => Uint32Array;
  pixelStd: (bytes: Uint8Array | null | undefined, floats: Float32Array | null | undefined, n: number, d: number, threads: number) => Float64Array;
  InfluenceRun: new (config: string, pixelStd: Float64Array | null | undefined, threads: number) => RawInfluenceRun;
  // Theorem 1 (ts/theory.ts): JSON in, JSON out.
  theory: (
    config: string,
    options: string,
    features: Float32Array | null | undefined,
    noiseFactors: Float32Array | null | undefined,
    threads: number,
  ) => string;
  theoryLemmas: (
    config: string,
    options: string,
    features: Float32Array | null | undefined,
    noiseFactors: Float32Array | null | undefined,
    run: RawRun,
    threads: number,
  ) => string;
  longTailed: (
    config: string,
    features: Float32Array | null | undefined,
    noiseFactors: Float32Array | null | undefined,
    weights: Float32Array,
    width: number,
    x: Float32Array,
    y: Int32Array,
    pos: Uint8Array,
    ls: Float64Array,
    threads: number,
  ) => string;
  theoryFit: (rows: string, options: string) => string;
  theoryBoundaries: (options: string) => string;
  TheoryJob: new (
    config: string,
    options: string,
    features: Float32Array | null | undefined,
    noiseFactors: Float32Array | null | undefined,
    run: RawRun | null | undefined,
    threads: number,
  ) => RawTheoryJob;
  // Performance probes (ts/perf.ts).
  GemmBench: new (
    m: number,
    n: number,
    k: number,
    dtype: string,
    threads: number,
  ) => RawGemmBench;
  boundaryIn: (x: Float32Array) => number;
  boundaryOut: (len: number) => Float32Array;
  boundaryMake: (len: number) => number;
  clockProbe: (iters: number) => number;
  kernelInfo: () => string;
}

/** Theorem 1 in units of work, a job; `result()` once finished. */
export interface RawTheoryJob extends RawJob {
  result(): string;
}
