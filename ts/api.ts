/**
 * The typed API over one backend. Everything a binding throws becomes a BenignfitError with the
 * same code on both backends.
 */
import { resolveDataConfig, type BoundaryOptionsInput, type DataConfigInput, type FitOptionsInput, type TheoryOptionsInput } from './config.js';
import { BenignfitError, fromBinding } from './errors.js';
import type { BackendName, Dataset, GenerateOptions, ModelDescription, RawBackend, VersionInfo } from './types.js';
import * as th from './theory.js';

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
  protected raw: RawBackend;
  private readonly reload?: Reloader;
  private poisoned: Promise<RawBackend> | null = null;
  threads: number;

  constructor(backend: BackendName, raw: RawBackend, opts: BenignfitOptions & { buildInfo?: Record<string, unknown> | null; reload?: Reloader } = {}) {
    this.backend = backend;
    this.raw = raw;
    this.threads = opts.threads ?? 0;
    this.buildInfo = opts.buildInfo ?? null;
    this.reload = opts.reload;
  }

  /** Run a binding call, mapping errors; a wasm trap (panic) is reported and the instance replaced. */
  protected call<T>(f: (raw: RawBackend) => T): T {
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
      throw new BenignfitError('E_INVALID', 'data.model: got "explicit", expected the features (K x d) and noiseFactors (K x d x d) arrays in the options', { field: 'data.model' });
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
  theoryAsync(data: DataConfigInput | Dataset, run: th.RunArrays | null = null, options: TheoryOptionsInput & th.TheoryArrays & th.ProgressOptions = {}): Promise<th.TheoryResult> {
    return th.runTheoryAsync((f) => this.call(f), this.threads, data, run, options);
  }

  /** `theory` plus Lemmas 3–7, b(S_k) and the long-tailed errors measured on a trained run. */
  theoryLemmas(data: DataConfigInput | Dataset, run: th.RunArrays, options: TheoryOptionsInput & th.TheoryArrays = {}): th.TheoryResult {
    return th.runTheoryLemmas((f) => this.call(f), this.threads, data, run, options);
  }

  /** For each L: the L-long-tailed test samples (Definition 1) and how many W classifies correctly. */
  longTailed(data: DataConfigInput | Dataset, weights: Float32Array, width: number, test: { x: Float32Array; y: Int32Array; pos: Uint8Array }, ls: number[], arrays: th.TheoryArrays = {}): th.LongTailedResult[] {
    return th.runLongTailed((f) => this.call(f), this.threads, data, weights, width, test, ls, arrays);
  }

  /** Fit the rates c1, c2 of Theorem 1 to sweep results (results.jsonl rows), with bootstrap intervals. */
  fitConstants(rows: th.FitRowInput[], options: FitOptionsInput = {}): th.FitReport {
    return th.runFit((f) => this.call(f), rows, options);
  }

  /** The theory's phase boundaries of the §5.1 model (equal class sizes) in a sweep plane. */
  phaseBoundaries(options: BoundaryOptionsInput): th.BoundaryReport {
    return th.runBoundaries((f) => this.call(f), options);
  }
}
