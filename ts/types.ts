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

export interface RawBackend extends RawInfluenceBackend {
  version(): string;
  generate(config: string, features: Float32Array | null | undefined, noiseFactors: Float32Array | null | undefined, includeFactors: boolean, threads: number): RawDataset;
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
  frobenius(): string;
  /** wasm only: release the instance's memory. */
  free?(): void;
}

export interface RawInfluenceBackend {
  pixelStd(bytes: Uint8Array | null, floats: Float32Array | null, n: number, d: number, threads: number): Float64Array;
  InfluenceRun: new (config: string, pixelStd: Float64Array | null, threads: number) => RawInfluenceRun;
}
