/**
 * The public types of benignfit, shared by both backends (one source of truth).
 */
import type { DataConfig } from './config.js';
import type { RunArrays } from './theory.js';

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

export interface RawBackend {
  version(): string;
  generate(config: string, features: Float32Array | null | undefined, noiseFactors: Float32Array | null | undefined, includeFactors: boolean, threads: number): RawDataset;
  // Theorem 1 (ts/theory.ts): JSON in, JSON out.
  theory(config: string, options: string, features: Float32Array | null, noiseFactors: Float32Array | null, threads: number): string;
  theoryLemmas(config: string, options: string, features: Float32Array | null, noiseFactors: Float32Array | null, run: RunArrays, threads: number): string;
  longTailed(config: string, features: Float32Array | null, noiseFactors: Float32Array | null, weights: Float32Array, width: number, x: Float32Array, y: Int32Array, pos: Uint8Array, ls: Float64Array, threads: number): string;
  theoryFit(rows: string, options: string): string;
  theoryBoundaries(options: string): string;
  TheoryJob: new (config: string, options: string, features: Float32Array | null, noiseFactors: Float32Array | null, run: RunArrays | null, threads: number) => RawTheoryJob;
}

/** Theorem 1 in units of work (ts/theory.ts drives it to report progress and honour an AbortSignal). */
export interface RawTheoryJob {
  run(units: number): boolean;
  done(): number;
  total(): number;
  result(): string;
  free?(): void;
}
