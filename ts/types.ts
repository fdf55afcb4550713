/**
 * The public types of benignfit, shared by both backends (one source of truth).
 */
import type { DataConfig } from './config.js';
import type { InfluenceClassInfo as CoreClassInfo, JobProgress } from './generated/config.js';
// Result types the core declares (crates/core/src), generated: ts/generated/config.ts.
export type {
  VersionInfo,
  ModelDescription,
  ModelEvaluation,
  LongTailed as LongTailedAcc,
  EvalRecord,
  TrainSummary,
  FrobeniusSummary,
} from './generated/config.js';
import type { EvalRecord, ModelDescription, TrainSummary } from './generated/config.js';
import type * as Native from './generated/native.js';

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

/** Where a job of the core stands after a call (the core's `job::Progress`, generated). */
export type { JobProgress };

/** Long work in the core: `advance(budget)` does up to `budget` units and returns JobProgress as JSON (ts/job.ts drives it). */
export interface RawJob extends Freeable {
  advance(budget: number): string;
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

// ---- The binding surface: declared once in Rust (crates/core/src/api/surface.rs) ----
// napi-rs writes its declarations (ts/generated/native.d.ts); the types below are derived from
// them, and ts/generated/bindings-check.ts checks that wasm-bindgen's (ts/generated/wasm.d.ts)
// satisfy the same, so neither binding can drift from the other or from ts/.

/** wasm objects hold wasm memory until `free()`; native ones are garbage-collected. */
export interface Freeable {
  free?(): void;
}

export type RawDataset = Native.RawDataset;
export type RawTrainInput = Native.RawTrainInput;
export type RawTrainOutput = Native.RawTrainOutput;
/** A trained run's arrays as the bindings take them (optional arrays are left out, never null). */
export type RawRun = Native.RawRun;
export type RawClassScores = Native.RawClassScores;
export type RawTrainer = Native.Trainer & Freeable;
export type RawTrainerGroup = Native.TrainerGroup & Freeable;
export type RawTheoryJob = Native.TheoryJob & Freeable;
export type RawFitJob = Native.FitJob & Freeable;
export type RawInfluenceRun = Native.InfluenceRun & Freeable;
export type RawInfluenceJob = Native.InfluenceJob & Freeable;
export type RawClassifierTrainer = Native.ClassifierTrainer & Freeable;
export type RawGemmBench = Native.GemmBench & Freeable;

type NativeModule = typeof Native;
type Classes = 'Trainer' | 'TrainerGroup' | 'TheoryJob' | 'FitJob' | 'InfluenceRun' | 'InfluenceJob' | 'ClassifierTrainer' | 'GemmBench';
/** The low-level surface of both bindings: the functions as napi-rs declares them, the classes as above. */
export type RawBackend = Omit<NativeModule, Classes> & {
  Trainer: new (...a: ConstructorParameters<NativeModule['Trainer']>) => RawTrainer;
  TrainerGroup: new (...a: ConstructorParameters<NativeModule['TrainerGroup']>) => RawTrainerGroup;
  TheoryJob: new (...a: ConstructorParameters<NativeModule['TheoryJob']>) => RawTheoryJob;
  FitJob: new (...a: ConstructorParameters<NativeModule['FitJob']>) => RawFitJob;
  InfluenceRun: new (...a: ConstructorParameters<NativeModule['InfluenceRun']>) => RawInfluenceRun;
  InfluenceJob: new (...a: ConstructorParameters<NativeModule['InfluenceJob']>) => RawInfluenceJob;
  ClassifierTrainer: new (...a: ConstructorParameters<NativeModule['ClassifierTrainer']>) => RawClassifierTrainer;
  GemmBench: new (...a: ConstructorParameters<NativeModule['GemmBench']>) => RawGemmBench;
};
