/**
 * The public types of benignfit, shared by both backends (one source of truth).
 */
import type { DataConfig } from './config.js';

export type BackendName = 'native' | 'wasm';

export interface VersionInfo {
  /** Version of the Rust core. */
  core: string;
  /** Version of the seeded data format (bumped when a seed would give other data). */
  dataFormat: number;
  /** The compiler that built this backend. */
  rustc: string;
  targetArch: string;
  /** SIMD instruction sets in use (avx2, fma, avx512f, simd128). */
  simd: string[];
  /** Threads the kernels may use. */
  threads: number;
}

/** Exact description of a data model (written as model.json by `generate`). */
export interface ModelDescription {
  kind: 'heterogeneous' | 'homogeneous' | 'spectra' | 'explicit';
  classes: number;
  dim: number;
  noise: 'gaussian' | 'uniform' | 'rademacher';
  featureNorms: number[];
  /** The class-specific eigenvalue lambda_k (heterogeneous and homogeneous models). */
  lambda: number[] | null;
  baseEigenvalue: number | null;
  /** Tr(A_k^T A_k). */
  trace: number[];
  /** ||A_k^T A_j||_F^2, K x K. */
  frobSq: number[][];
  /** Size-free ratio ||A_k^T A_k||_F^2 / ||A_k^T A_j||_F^2 (null on the diagonal). */
  gamma: (number | null)[][];
  /** Gamma_{k,j} of Theorem 1, with the training class sizes (null on the diagonal). */
  gammaSized: (number | null)[][];
  trainClassSizes: number[];
  testClassSizes: number[];
}

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

/** A training run in the core, driven in chunks. */
export interface RawTrainer {
  run(maxSteps: number): number;
  step(): number;
  totalSteps(): number;
  done(): boolean;
  lastLoss(): number;
  flopsPerStep(): number;
  weights(): Float32Array;
  initialWeights(): Float32Array;
  evaluate(): string;
  finish(): string;
  history(): string;
  logitSums(): Float64Array;
  lossCurve(): Float64Array;
  kappaCurve(): Float64Array;
  free?(): void;
}

/** The data arguments of the raw Trainer and TrainerGroup constructors (after the config). */
export type RawTrainArgs = [
  dataConfig: string | null | undefined,
  classes: number,
  dim: number,
  x: Float32Array,
  y: Int32Array,
  pos: Uint8Array | null | undefined,
  features: Float32Array | null | undefined,
  testX: Float32Array | null | undefined,
  testY: Int32Array | null | undefined,
  testPos: Uint8Array | null | undefined,
];

/** The core's TrainerGroup: trainings on the same data, stepped together; members come out as RawTrainers. */
export interface RawTrainerGroup {
  run(maxSteps: number): number;
  done(): boolean;
  /** [steps taken, steps planned], summed over the members. */
  progress(): ArrayLike<number>;
  /** Member `index` (throws the error it failed with). */
  take(index: number): RawTrainer;
  free?(): void;
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


/** Accuracy on the L-long-tailed test subset (Definition 1) for one L. */
export interface LongTailedAcc {
  L: number;
  /** Size of the L-long-tailed subset. */
  count: number;
  correct: number;
  /** correct / count (null when the subset is empty). */
  acc: number | null;
  countPerClass: number[];
  correctPerClass: number[];
  accPerClass: (number | null)[];
}

/** Metrics at one step of training. */
export interface EvalRecord {
  step: number;
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  testLoss: number | null;
  testAcc: number | null;
  testAccPerClass: (number | null)[] | null;
  longTailed: LongTailedAcc[];
  /** max_r <w_{k,r}, u_k> per class (feature learning). */
  featureLearning: number[] | null;
  /** max_r <w_{y_i,r}, xi_i> over training examples (noise memorisation). */
  noiseMemorization: { mean: number; max: number; perClass: number[] } | null;
  /** max_i g_i / min_i g_i, g_i = 1 - logit_{y_i} (Lemma 7). */
  kappa: number;
}

export interface TrainSummary {
  steps: number;
  epochs: number;
  stopReason: string;
  route: 'gram' | 'direct';
  structure: 'feature-noise' | 'general';
  rows: number;
  flopsPerStep: number;
  finalMetrics: EvalRecord;
  kappaMax: number;
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

/** One class of an influence run (`ClassInfo` of the core). */
export interface InfluenceClassInfo {
  class: number;
  n: number;
  route: 'scatter' | 'gram';
  /** Pixels that vary within the class (constant ones add nothing and are dropped). */
  keptPixels: number;
  /** ||S||_F^2 = tr(S S). */
  frobSq: number;
  /** tr(S). */
  trace: number;
  /** Multiply-adds in the matrix products. */
  madds: number;
  block: number;
  /** Wall time of the class (added by TypeScript). */
  seconds?: number;
}

/** The Figure 6 matrix and the ratios it implies (`FrobeniusSummary` of the core). */
export interface FrobeniusSummary {
  /** K x K, tr(S_i S_j), the estimate of ||A_i^T A_j||_F^2. */
  frobSq: number[][];
  /** Gamma_{k,j} = n_k tr(S_k S_k) / (n_j tr(S_k S_j)); null on the diagonal. */
  gamma: (number | null)[][];
  minGamma: (number | null)[];
  gammaSizeFree: (number | null)[][];
  classSizes: number[];
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
  generate: (config: string, features: Float32Array | null | undefined, noiseFactors: Float32Array | null | undefined, includeFactors: boolean, threads: number) => RawDataset;
  Trainer: new (config: string, ...data: RawTrainArgs) => RawTrainer;
  /** Several resolved configs (a JSON array) on the same data. */
  TrainerGroup: new (configs: string, ...data: RawTrainArgs) => RawTrainerGroup;
  predict: (weights: Float32Array, classes: number, width: number, dim: number, x: Float32Array, threads: number) => Float64Array;
  ClassifierTrainer: new (config: string, threads: number) => RawClassifierTrainer;
  removalOrder: (seed: number, n: number) => Uint32Array;
  pixelStd: (bytes: Uint8Array | null | undefined, floats: Float32Array | null | undefined, n: number, d: number, threads: number) => Float64Array;
  InfluenceRun: new (config: string, pixelStd: Float64Array | null | undefined, threads: number) => RawInfluenceRun;
  // Theorem 1 (ts/theory.ts): JSON in, JSON out.
  theory: (config: string, options: string, features: Float32Array | null | undefined, noiseFactors: Float32Array | null | undefined, threads: number) => string;
  theoryLemmas: (config: string, options: string, features: Float32Array | null | undefined, noiseFactors: Float32Array | null | undefined, run: RawRun, threads: number) => string;
  longTailed: (config: string, features: Float32Array | null | undefined, noiseFactors: Float32Array | null | undefined, weights: Float32Array, width: number, x: Float32Array, y: Int32Array, pos: Uint8Array, ls: Float64Array, threads: number) => string;
  theoryFit: (rows: string, options: string) => string;
  theoryBoundaries: (options: string) => string;
  TheoryJob: new (config: string, options: string, features: Float32Array | null | undefined, noiseFactors: Float32Array | null | undefined, run: RawRun | null | undefined, threads: number) => RawTheoryJob;
  // Performance probes (ts/perf.ts).
  GemmBench: new (m: number, n: number, k: number, dtype: string, threads: number) => RawGemmBench;
  boundaryIn: (x: Float32Array) => number;
  boundaryOut: (len: number) => Float32Array;
  boundaryMake: (len: number) => number;
  clockProbe: (iters: number) => number;
  kernelInfo: () => string;
}

/** Theorem 1 in units of work (ts/theory.ts drives it to report progress and honour an AbortSignal). */
export interface RawTheoryJob {
  run(units: number): boolean;
  done(): number;
  total(): number;
  result(): string;
  free?(): void;
}
