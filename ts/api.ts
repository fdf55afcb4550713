/**
 * The typed API over one backend. Everything a binding throws becomes a BenignfitError with the
 * same code on both backends.
 */
import { resolveDataConfig, type DataConfigInput } from './config.js';
import { BenignfitError, fromBinding } from './errors.js';
import type { BackendName, Dataset, GenerateOptions, ModelDescription, RawBackend, VersionInfo } from './types.js';
import type { ImageSet } from './formats/idx.js';
import { runInfluence, type InfluenceData, type InfluenceOptions, type InfluenceResult } from './influence.js';

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

  /**
   * Influence scores of eq. 10 for every image, the Figure 6 matrix tr(S_i S_j) and Gamma_{k,j}
   * (§5.2), class by class: `onProgress` after each class, `signal` honoured between classes.
   */
  influence(images: ImageSet | InfluenceData, options: InfluenceOptions = {}): Promise<InfluenceResult> {
    return runInfluence((f) => this.call(f), this.threads, images, options);
  }
}
