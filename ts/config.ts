/**
 * Config sections. Each is declared once, in the Rust core (crates/core/src/config and the structs
 * it lists): fields, docs, defaults and bounds. The core is the one validator: `resolveSection`
 * sends a section to it and gets the resolved config back, or an E_INVALID naming the field in
 * the core's words. The TypeScript types and the JSON Schema (ts/generated/config.ts, schema/)
 * are generated from the same declarations; the CLI flags and the web form read the schema.
 */
import { BenignfitError, fromBinding } from './errors.js';
import type {
  BoundaryOptions,
  BoundaryOptionsInput,
  ClassifierOptions,
  ClassifierOptionsInput,
  DataConfig,
  DataConfigInput,
  FitOptions,
  FitOptionsInput,
  InfluenceConfig,
  InfluenceConfigInput,
  TheoryOptions,
  TheoryOptionsInput,
  TrainConfig,
  TrainConfigInput,
} from './generated/config.js';
import { choices } from './schema.js';

// ---- the sections the core declares (crates/core/src/config): checked and defaulted there ----

export type {
  DataConfig,
  DataConfigInput,
  TrainConfig,
  TrainConfigInput,
  ClassifierOptions,
  ClassifierOptionsInput,
  InfluenceConfig,
  InfluenceConfigInput,
  TheoryOptions as ResolvedTheoryOptions,
  TheoryOptionsInput,
  Constants as TheoryConstants,
  FitOptions,
  FitOptionsInput,
  BoundaryOptions,
  BoundaryOptionsInput,
} from './generated/config.js';

/** What resolves a config section: the core's `resolveConfig` of a loaded backend. */
type Resolver = (section: string, json: string) => string;
let resolver: Resolver | null = null;
let autoload: (() => Resolver) | null = null;

/**
 * Configs are checked and defaulted by the core, the one validator. Every loaded backend offers
 * itself (the first one stays); in Node the native addon is also found on first use, so configs
 * resolve before `load()` where the addon is installed.
 */
export function useConfigCore(raw: { resolveConfig(section: string, json: string): string }): void {
  resolver ??= (section, json) => raw.resolveConfig(section, json);
}

/** @internal Node's loader: a synchronous way to a core, tried when no backend was loaded yet. */
export function setConfigCoreLoader(load: () => { resolveConfig(section: string, json: string): string }): void {
  autoload = () => {
    const raw = load();
    return (section, json) => raw.resolveConfig(section, json);
  };
}

/** JSON for the core: numbers JSON cannot hold cross as their names, so errors show them. */
function toJson(input: unknown): string {
  return JSON.stringify(input ?? {}, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'bigint' ? String(v) : v));
}

/** Check a config section in the core and fill its defaults; throws a BenignfitError naming the field. */
export function resolveSection<T>(section: string, input: unknown): T {
  if (!resolver && autoload) {
    try {
      resolver = autoload();
    } catch {
      autoload = null;
    }
  }
  if (!resolver) throw new BenignfitError('E_NO_BACKEND', `the ${section} config is checked by the core: load() a backend first`);
  let json: string;
  try {
    json = resolver(section, toJson(input));
  } catch (e) {
    throw fromBinding(e);
  }
  return JSON.parse(json) as T;
}

/** Fill defaults and check a data config; throws BenignfitError (E_INVALID) naming the field. */
export function resolveDataConfig(input: DataConfigInput | undefined): DataConfig {
  return resolveSection<DataConfig>('data', input);
}

/** The total training and test sizes of a resolved data config. */
export function classSizes(c: DataConfig): { train: number[]; test: number[] } {
  const expand = (v: number | number[]) => (Array.isArray(v) ? v : Array.from({ length: c.classes }, () => v));
  return { train: expand(c.perClass), test: expand(c.testPerClass) };
}

/** Fill defaults and check a training config (steps or epochs resolved); throws BenignfitError naming the field. */
export function resolveTrainConfig(input: TrainConfigInput | undefined): TrainConfig {
  return resolveSection<TrainConfig>('train', input);
}

/** Fill defaults and check classifier options; throws BenignfitError (E_INVALID) naming the field. */
export function resolveClassifierOptions(input: ClassifierOptionsInput | undefined): ClassifierOptions {
  return resolveSection<ClassifierOptions>('classifier', input);
}

/** Fill defaults and check an influence config; throws BenignfitError (E_INVALID) naming the field. */
export function resolveInfluenceConfig(input: InfluenceConfigInput | undefined): InfluenceConfig {
  return resolveSection<InfluenceConfig>('influence', input);
}

/** Fill defaults and check theory options; throws BenignfitError (E_INVALID) naming the field. */
export function resolveTheoryOptions(input: TheoryOptionsInput | undefined): TheoryOptions {
  return resolveSection<TheoryOptions>('theory', input);
}

export function resolveFitOptions(input: FitOptionsInput | undefined): FitOptions {
  return resolveSection<FitOptions>('fit', input);
}

export function resolveBoundaryOptions(input: BoundaryOptionsInput): BoundaryOptions {
  return resolveSection<BoundaryOptions>('boundaries', input);
}

/** The architectures, pixel scalings and routes the core declares (for CLI choices and forms). */
export const CLASSIFIER_ARCHS = choices('classifier', 'arch') as readonly ClassifierOptions['arch'][];
export const NORMALIZE_KINDS = choices('influence', 'normalize') as readonly InfluenceConfig['normalize'][];
export const INFLUENCE_ROUTES = choices('influence', 'route') as readonly InfluenceConfig['route'][];
