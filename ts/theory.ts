/**
 * Theorem 1, Condition 1 and Lemmas 3–7 as numbers (docs/theory.md maps every field to the paper).
 *
 * Used through methods of `Benignfit` (ts/api.ts): `theory`, `theoryLemmas`, `longTailed`,
 * `fitConstants`, `phaseBoundaries`. Everything is computed by the Rust core
 * (crates/core/src/theory.rs); this module validates the input, picks the arrays and types the JSON.
 */
import {
  resolveBoundaryOptions,
  resolveDataConfig,
  resolveFitOptions,
  resolveTheoryOptions,
  type BoundaryOptionsInput,
  type DataConfig,
  type DataConfigInput,
  type FitOptionsInput,
  type ResolvedTheoryOptions,
  type TheoryOptionsInput,
} from './config.js';
import { abortError, BenignfitError, invalid } from './errors.js';
import { drive } from './job.js';
// The reports the core declares (crates/core/src/theory*), generated: ts/generated/config.ts.
export type {
  Phase,
  Item as ConditionItem,
  Spectra as TheoryNumerics,
  TheoryReport,
  LemmaReport,
  FitResult,
  FitReport,
  BoundaryReport,
} from './generated/config.js';
import type { BoundaryReport, FitReport, LemmaReport, TheoryReport } from './generated/config.js';
import type { Dataset, LongTailedAcc, RawBackend, RawRun } from './types.js';

/** Accuracy on the L-long-tailed test subset for one L: the same record training reports. */
export type LongTailedResult = LongTailedAcc;

export interface TheoryResult extends TheoryReport {
  /** Present when computed from a trained run. */
  lemmas?: LemmaReport;
  /** The resolved data config and options. */
  config: { data: DataConfig; theory: ResolvedTheoryOptions };
}

/** The arrays of a trained run (what `benignfit train --out DIR` writes). */
export interface RunArrays {
  /** W^(T), (K m) x d, row k m + r = w_{k,r}. */
  weights: Float32Array;
  /** W^(0), same shape (optional: gives the measured sigma0). */
  weightsInit?: Float32Array | null;
  trainX: Float32Array;
  trainY: Int32Array;
  trainPos: Uint8Array;
  /** sum_{t<T} (1 - logit_{y_i}(W^(t), x_i)), one per training sample. */
  logitSums?: Float64Array | null;
  /** kappa over the trajectory (Lemma 7). */
  kappa?: Float64Array | null;
  testX?: Float32Array | null;
  testY?: Int32Array | null;
  testPos?: Uint8Array | null;
}

export interface TheoryArrays {
  /** For model "explicit": K x d features and K x d x d noise factors A_k. */
  features?: Float32Array;
  noiseFactors?: Float32Array;
}

export interface FitRowInput {
  snr: (number | null)[];
  snrPairs?: (number | null)[][];
  gamma: (number | null)[][];
  testAccPerClass?: (number | null)[];
  testCountPerClass?: number | number[];
  testPerClass?: number | number[];
  longTailed?: { L: number; acc: number | null; count: number; accPerClass?: (number | null)[]; countPerClass?: number[] }[];
  [other: string]: unknown;
}

/** The raw arrays of the explicit model, taken from the options or a dataset. */
function dataOf(
  data: DataConfigInput | Dataset,
  arrays: TheoryArrays = {},
): { cfg: DataConfig; features: Float32Array | null; noiseFactors: Float32Array | null } {
  const isDataset = (d: unknown): d is Dataset => typeof d === 'object' && d !== null && 'trainX' in d && 'config' in d;
  let cfg: DataConfig;
  let features = arrays.features ?? null;
  let noiseFactors = arrays.noiseFactors ?? null;
  if (isDataset(data)) {
    if (!data.config) throw invalid('data', 'a dataset without its config', 'a dataset made by generate (or its data config)');
    cfg = resolveDataConfig(data.config);
    if (cfg.model === 'explicit') {
      features ??= data.features;
      noiseFactors ??= data.noiseFactors ?? null;
    }
  } else {
    cfg = resolveDataConfig(data);
  }
  if (cfg.model === 'explicit') {
    if (!features || !noiseFactors) {
      throw new BenignfitError('E_INVALID', 'data.model: got "explicit", expected the features (K x d) and noiseFactors (K x d x d) arrays', {
        field: 'data.model',
      });
    }
  } else {
    features = null;
    noiseFactors = null;
  }
  return { cfg, features, noiseFactors };
}

type Call = <T>(f: (raw: RawBackend) => T) => T;

export function runTheory(call: Call, threads: number, data: DataConfigInput | Dataset, options: TheoryOptionsInput & TheoryArrays = {}): TheoryResult {
  const { features: f, noiseFactors: a, ...rest } = options;
  const { cfg, features, noiseFactors } = dataOf(data, { features: f, noiseFactors: a });
  const opts = resolveTheoryOptions(rest);
  const json = call((r) => r.theory(JSON.stringify(cfg), JSON.stringify(opts), features, noiseFactors, threads));
  return { ...(JSON.parse(json) as TheoryReport), config: { data: cfg, theory: opts } };
}

function checkTyped(name: string, v: unknown, ctor: { new (n: number): ArrayLike<number>; name: string }, required: boolean): void {
  if (v === undefined || v === null) {
    if (required) throw invalid(name, v, `a ${ctor.name}`);
    return;
  }
  if (!(v instanceof ctor)) throw invalid(name, v, `a ${ctor.name}`);
}

/**
 * A run's arrays as the bindings take them: each checked, and an absent optional array left out
 * (the bindings' optional fields take a typed array or nothing; null is not an array).
 */
function rawRun(run: RunArrays): RawRun {
  if (run === null || typeof run !== 'object') throw invalid('run', run, 'an object with the arrays of a trained run');
  const out: Record<string, unknown> = {};
  for (const [name, ctor, required] of RUN_FIELDS) {
    const v = run[name];
    checkTyped(name, v, ctor, required);
    if (v !== undefined && v !== null) out[name] = v;
  }
  return out as unknown as RawRun;
}

const RUN_FIELDS: [keyof RunArrays, { new (n: number): ArrayLike<number>; name: string }, boolean][] = [
  ['weights', Float32Array, true],
  ['weightsInit', Float32Array, false],
  ['trainX', Float32Array, true],
  ['trainY', Int32Array, true],
  ['trainPos', Uint8Array, true],
  ['logitSums', Float64Array, false],
  ['kappa', Float64Array, false],
  ['testX', Float32Array, false],
  ['testY', Int32Array, false],
  ['testPos', Uint8Array, false],
];

export function runTheoryLemmas(
  call: Call,
  threads: number,
  data: DataConfigInput | Dataset,
  run: RunArrays,
  options: TheoryOptionsInput & TheoryArrays = {},
): TheoryResult {
  const { features: f, noiseFactors: a, ...rest } = options;
  const { cfg, features, noiseFactors } = dataOf(data, { features: f, noiseFactors: a });
  const opts = resolveTheoryOptions(rest);
  const raw = rawRun(run);
  const json = call((r) => r.theoryLemmas(JSON.stringify(cfg), JSON.stringify(opts), features, noiseFactors, raw, threads));
  return { ...(JSON.parse(json) as TheoryReport & { lemmas: LemmaReport }), config: { data: cfg, theory: opts } };
}

export interface ProgressOptions {
  /** Called after every call of the job (theory: one unit, an SVD, a Gram matrix or a power iteration; fit: resamples). */
  onProgress?: (p: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

/**
 * `theory` / `theoryLemmas` in units of work: reports progress and honours an AbortSignal
 * between units (the numerical route for large user-given A_k takes minutes at d = 3072).
 */
export async function runTheoryAsync(
  call: Call,
  threads: number,
  data: DataConfigInput | Dataset,
  run: RunArrays | null,
  options: TheoryOptionsInput & TheoryArrays & ProgressOptions = {},
): Promise<TheoryResult> {
  const { features: f, noiseFactors: a, onProgress, signal, ...rest } = options;
  const { cfg, features, noiseFactors } = dataOf(data, { features: f, noiseFactors: a });
  const opts = resolveTheoryOptions(rest);
  const raw = run ? rawRun(run) : null;
  if (signal?.aborted) throw abortError('theory');
  const job = call((r) => new r.TheoryJob(JSON.stringify(cfg), JSON.stringify(opts), features, noiseFactors, raw, threads));
  try {
    // One unit per call: a unit is an SVD, a Gram matrix or a power iteration, often seconds.
    const { aborted } = await drive(call, job, { signal, maxBudget: 1, onChunk: (p) => onProgress?.({ done: p.done, total: p.total }) });
    if (aborted) throw abortError('theory');
    const json = call(() => job.result());
    return { ...(JSON.parse(json) as TheoryReport & { lemmas?: LemmaReport }), config: { data: cfg, theory: opts } };
  } finally {
    job.free?.();
  }
}

export function runLongTailed(
  call: Call,
  threads: number,
  data: DataConfigInput | Dataset,
  weights: Float32Array,
  width: number,
  test: { x: Float32Array; y: Int32Array; pos: Uint8Array },
  ls: number[],
  arrays: TheoryArrays = {},
): LongTailedResult[] {
  const { cfg, features, noiseFactors } = dataOf(data, arrays);
  checkTyped('weights', weights, Float32Array, true);
  checkTyped('testX', test.x, Float32Array, true);
  checkTyped('testY', test.y, Int32Array, true);
  checkTyped('testPos', test.pos, Uint8Array, true);
  if (!Number.isInteger(width) || width < 1) throw invalid('width', width, 'an integer >= 1');
  if (!Array.isArray(ls) || ls.length === 0) throw invalid('ls', ls, 'a non-empty array of L values > 0');
  ls.forEach((l, i) => {
    if (typeof l !== 'number' || !Number.isFinite(l) || l <= 0) throw invalid(`ls[${i}]`, l, 'a finite number > 0');
  });
  const json = call((r) => r.longTailed(JSON.stringify(cfg), features, noiseFactors, weights, width, test.x, test.y, test.pos, Float64Array.from(ls), threads));
  return JSON.parse(json) as LongTailedResult[];
}

/** The rows and options of a fit as the core takes them (JSON): only the fields it reads cross. */
function fitArgs(rows: FitRowInput[], options: FitOptionsInput): [string, string] {
  if (!Array.isArray(rows) || rows.length === 0) throw invalid('rows', rows, 'a non-empty array of sweep results');
  rows.forEach((r, i) => {
    if (r === null || typeof r !== 'object') throw invalid(`rows[${i}]`, r, 'an object (a results.jsonl row)');
    if (!Array.isArray(r.snr)) throw invalid(`rows[${i}].snr`, r.snr, 'an array with SNR_k per class');
    if (!Array.isArray(r.gamma)) throw invalid(`rows[${i}].gamma`, r.gamma, 'a K x K array of Gamma_kj (null on the diagonal)');
  });
  const opts = resolveFitOptions(options);
  const slim = rows.map((r) => ({
    snr: r.snr,
    gamma: r.gamma,
    ...(r.snrPairs ? { snrPairs: r.snrPairs } : {}),
    ...(r.testAccPerClass ? { testAccPerClass: r.testAccPerClass } : {}),
    ...(r.testCountPerClass !== undefined
      ? { testCountPerClass: r.testCountPerClass }
      : r.testPerClass !== undefined
        ? { testCountPerClass: r.testPerClass }
        : {}),
    ...(r.longTailed ? { longTailed: r.longTailed } : {}),
  }));
  return [JSON.stringify(slim), JSON.stringify(opts)];
}

export function runFit(call: Call, rows: FitRowInput[], options: FitOptionsInput = {}): FitReport {
  const [r, o] = fitArgs(rows, options);
  return JSON.parse(call((b) => b.theoryFit(r, o))) as FitReport;
}

/**
 * `runFit` as the core's FitJob: a unit is one bootstrap resample (c1's, then c2's), so a long
 * bootstrap reports progress and stops on an AbortSignal; the report is the bits `runFit` gives.
 */
export async function runFitAsync(call: Call, rows: FitRowInput[], options: FitOptionsInput & ProgressOptions = {}): Promise<FitReport> {
  const { onProgress, signal, ...rest } = options;
  const [r, o] = fitArgs(rows, rest);
  if (signal?.aborted) throw abortError('fit');
  const job = call((b) => new b.FitJob(r, o));
  try {
    const { aborted } = await drive(call, job, { signal, onChunk: (p) => onProgress?.({ done: p.done, total: p.total }) });
    if (aborted) throw abortError('fit');
    return JSON.parse(call(() => job.result())) as FitReport;
  } finally {
    job.free?.();
  }
}

export function runBoundaries(call: Call, options: BoundaryOptionsInput): BoundaryReport {
  const opts = resolveBoundaryOptions(options);
  return JSON.parse(call((r) => r.theoryBoundaries(JSON.stringify(opts)))) as BoundaryReport;
}
