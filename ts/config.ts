/**
 * Config schemas (zod): the one source of truth for every config field, its default (the paper's
 * values) and what is accepted. The Rust core receives only fully resolved configs and checks them
 * again, so bad input is refused on either side with an error naming the field.
 */
import { z } from 'zod';
import { BenignfitError, invalid, show } from './errors.js';

const posInt = z.number().int().min(1);
const nonNegInt = z.number().int().min(0);
const finite = z.number().refine(Number.isFinite, { message: 'finite' });

export const NOISE_KINDS = ['gaussian', 'uniform', 'rademacher'] as const;
export const MODEL_NAMES = ['heterogeneous', 'homogeneous', 'explicit'] as const;

export const DataConfigSchema = z
  .object({
    /** K, the number of classes. */
    classes: z.number().int().min(2).max(1000).default(5),
    /** d, the dimension of each patch. */
    dim: z.number().int().min(4).max(1_000_000).default(1000),
    /** |S_k|: training examples per class (one number, or one per class). */
    perClass: z.union([posInt, z.array(posInt)]).default(100),
    /** Test examples per class. */
    testPerClass: z.union([nonNegInt, z.array(nonNegInt)]).default(200),
    /** ||u_k||: feature strength (one number, or one per class). */
    featureNorm: z.union([finite.pipe(z.number().min(0)), z.array(finite.pipe(z.number().min(0)))]).default(1),
    /** Size-free noise correlation ratio ||A_k^T A_k||_F^2 / ||A_k^T A_j||_F^2 (>= 1); default 1. */
    gamma: finite.pipe(z.number().min(1)).optional(),
    /** The class-specific eigenvalue lambda_k of A_k, one per class (instead of gamma). */
    lambda: z.array(finite.pipe(z.number().gt(0))).optional(),
    /** The eigenvalue of A_k on every other noise direction (§5.1: 0.5). */
    baseEigenvalue: finite.pipe(z.number().gt(0)).default(0.5),
    /** Law of zeta's coordinates (variance 1). */
    noise: z.enum(NOISE_KINDS).default('gaussian'),
    /** heterogeneous (§5.1) | homogeneous (Cao et al.) | explicit (arrays given) | {spectra}. */
    model: z
      .union([z.enum(MODEL_NAMES), z.object({ spectra: z.array(z.array(finite.pipe(z.number().min(0)))) }).strict()])
      .default('heterogeneous'),
    /** Seed of every random draw (integer, 0 to 2^53 - 1). */
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    /** Refuse allocations above this many bytes (default 8 GiB). */
    memoryLimit: z.number().int().min(1).optional(),
  })
  .strict();

export type DataConfigInput = z.input<typeof DataConfigSchema>;
export type DataConfig = z.output<typeof DataConfigSchema>;

/** What each field accepts, in words (used in error messages). */
export const EXPECTED: Record<string, string> = {
  'data.classes': 'an integer from 2 to 1000',
  'data.dim': 'an integer from 4 to 1000000 (and >= 2 * classes)',
  'data.perClass': 'an integer >= 1, or an array of them with one entry per class',
  'data.testPerClass': 'an integer >= 0, or an array of them with one entry per class',
  'data.featureNorm': 'a finite number >= 0, or an array of them with one entry per class',
  'data.gamma': 'a finite number >= 1 (1 is homogeneous noise)',
  'data.lambda': 'an array of finite numbers > 0, one per class',
  'data.baseEigenvalue': 'a finite number > 0',
  'data.noise': `one of ${NOISE_KINDS.map((s) => `"${s}"`).join(', ')}`,
  'data.model': `one of ${MODEL_NAMES.map((s) => `"${s}"`).join(', ')} or {"spectra": [[...], ...]}`,
  'data.seed': 'an integer from 0 to 2^53 - 1',
  'data.memoryLimit': 'an integer number of bytes >= 1',
  'classifier.arch': `one of ${['lenet5', 'cifar-small'].map((s) => `"${s}"`).join(', ')}`,
  'classifier.classes': 'an integer from 2 to 1000',
  'classifier.epochs': 'an integer from 1 to 10000',
  'classifier.batchSize': 'an integer from 1 to 65536',
  'classifier.lr': 'a finite number > 0',
  'classifier.momentum': 'a number in [0, 1)',
  'classifier.weightDecay': 'a finite number >= 0',
  'classifier.seed': 'an integer from 0 to 2^53 - 1',
  'classifier.threads': 'an integer from 0 (all cores) to 1024',
  'classifier.normalize': '"train" (per-channel mean and std of the training images), "none", or {"mean": [...], "std": [...]} with one entry per channel',
  'classifier.evalEveryEpoch': 'true or false',
  'classifier.memoryLimit': 'an integer number of bytes >= 1',
};

function getAt(obj: unknown, path: PropertyKey[]): unknown {
  let v: unknown = obj;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function fieldName(prefix: string, path: PropertyKey[]): string {
  let s = prefix;
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s;
}

/** The first zod issue as a BenignfitError naming the field, the value and what was expected. */
export function zodError(prefix: string, input: unknown, error: z.ZodError): BenignfitError {
  const issue = error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const at = fieldName(prefix, issue.path);
    const known = Object.keys(EXPECTED)
      .filter((k) => k.startsWith(at ? at + '.' : '') && !k.slice(at.length + 1).includes('.'))
      .map((k) => k.slice(at.length + 1));
    const key = issue.keys[0];
    return invalid(at ? `${at}.${key}` : key, getAt(input, [...issue.path, key]), `no unknown keys${known.length ? ` (known: ${known.join(', ')})` : ''}`);
  }
  const field = fieldName(prefix, issue.path);
  const value = getAt(input, issue.path);
  // The words for the whole field, even when zod complains about one array element.
  const base = fieldName(prefix, issue.path.filter((p) => typeof p !== 'number'));
  let expected = EXPECTED[field] ?? EXPECTED[base];
  if (!expected) {
    const i = issue as unknown as { minimum?: unknown; maximum?: unknown; expected?: unknown; values?: unknown[] };
    if (issue.code === 'too_small') expected = `a value >= ${String(i.minimum)}`;
    else if (issue.code === 'too_big') expected = `a value <= ${String(i.maximum)}`;
    else if (issue.code === 'invalid_type') expected = `a ${String(i.expected)}`;
    else if (issue.code === 'invalid_value') expected = `one of ${(i.values ?? []).map((v) => show(v)).join(', ')}`;
    else expected = issue.message;
  }
  return invalid(field, value, expected);
}

function parseWith<S extends z.ZodType>(schema: S, prefix: string, input: unknown): z.output<S> {
  const r = schema.safeParse(input ?? {});
  if (!r.success) throw zodError(prefix, input ?? {}, r.error);
  return r.data;
}

/** Fill defaults and check a data config; throws BenignfitError (E_INVALID) naming the field. */
export function resolveDataConfig(input: DataConfigInput | undefined): DataConfig {
  const c = parseWith(DataConfigSchema, 'data', input);
  const k = c.classes;
  for (const f of ['perClass', 'testPerClass', 'featureNorm'] as const) {
    const v = c[f];
    if (Array.isArray(v) && v.length !== k) {
      throw invalid(`data.${f}`, v, `one entry per class (classes = ${k}), or a single number`);
    }
  }
  if (c.dim < 2 * k) throw invalid('data.dim', c.dim, `an integer >= 2 * classes = ${2 * k}`);
  if (c.lambda !== undefined && c.gamma !== undefined) {
    throw invalid('data.lambda', c.lambda, 'either lambda or gamma, not both');
  }
  if (c.lambda !== undefined && c.lambda.length !== k) {
    throw invalid('data.lambda', c.lambda, `one entry per class (classes = ${k})`);
  }
  if (c.model === 'homogeneous' && (c.lambda !== undefined || (c.gamma !== undefined && c.gamma !== 1))) {
    throw invalid(c.lambda !== undefined ? 'data.lambda' : 'data.gamma', c.lambda ?? c.gamma, 'nothing (model "homogeneous" has every noise eigenvalue 1, so gamma = 1)');
  }
  if (typeof c.model === 'object') {
    if (c.model.spectra.length !== k) throw invalid('data.model.spectra', c.model.spectra, `${k} arrays (one per class)`);
    c.model.spectra.forEach((s, i) => {
      if (s.length !== c.dim - k) throw invalid(`data.model.spectra[${i}]`, s, `dim - classes = ${c.dim - k} eigenvalues (one per noise direction)`);
    });
  }
  if (c.gamma === undefined && c.lambda === undefined) c.gamma = 1;
  return c;
}

/** The total training and test sizes of a resolved data config. */
export function classSizes(c: DataConfig): { train: number[]; test: number[] } {
  const expand = (v: number | number[]) => (Array.isArray(v) ? v : Array.from({ length: c.classes }, () => v));
  return { train: expand(c.perClass), test: expand(c.testPerClass) };
}

export const TrainConfigSchema = z
  .object({
    /** m, neurons per class. */
    width: z.number().int().min(1).max(1_000_000).default(100),
    /** eta, the learning rate. */
    lr: finite.pipe(z.number().gt(0)).default(0.05),
    /** Full-batch GD steps (eq. 4). Give steps or epochs (default: 2000 full-batch steps; 20 epochs with batchSize). */
    steps: z.number().int().min(0).optional(),
    /** Passes over the data; with batchSize mini-batch SGD, without it one GD step per epoch. */
    epochs: z.number().int().min(0).optional(),
    /** Mini-batch size; null (default) = full batch, as eq. 4. */
    batchSize: z.number().int().min(1).nullable().default(null),
    /** "pytorch" = U(-1/sqrt(d), 1/sqrt(d)) (§5.1's experiments) or {"sigma0": s} = N(0, s^2) (the theory). */
    init: z.union([z.literal('pytorch'), z.object({ sigma0: finite.pipe(z.number().gt(0)) }).strict()]).default('pytorch'),
    /** Seed of the initialisation and the SGD shuffles. */
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    /** Stop once the training loss is at most this. */
    targetLoss: finite.pipe(z.number().min(0)).nullable().optional(),
    /** Record metrics every this many steps (0: only at the end). */
    evalEvery: z.number().int().min(0).default(0),
    /** L values of the L-long-tailed test subsets (Definition 1). */
    longTailedL: z.array(finite.pipe(z.number().gt(0))).default([1, 2]),
    /** gram | direct | auto (the cheaper exact route). */
    route: z.enum(['auto', 'gram', 'direct']).default('auto'),
    /** Native threads (0 = all cores). */
    threads: z.number().int().min(0).max(1024).default(0),
    memoryLimit: z.number().int().min(1).optional(),
  })
  .strict();

export type TrainConfigInput = z.input<typeof TrainConfigSchema>;
export type TrainConfig = z.output<typeof TrainConfigSchema>;

Object.assign(EXPECTED, {
  'train.width': 'an integer from 1 to 1000000 (neurons per class)',
  'train.lr': 'a finite number > 0',
  'train.steps': 'an integer >= 0 (full-batch steps)',
  'train.epochs': 'an integer >= 0',
  'train.batchSize': 'an integer >= 1, or null for full batch',
  'train.init': '"pytorch" or {"sigma0": s} with s > 0',
  'train.init.sigma0': 'a finite number > 0',
  'train.seed': 'an integer from 0 to 2^53 - 1',
  'train.targetLoss': 'a finite number >= 0, or null',
  'train.evalEvery': 'an integer >= 0 (0: only at the end)',
  'train.longTailedL': 'an array of finite numbers > 0',
  'train.route': 'one of "auto", "gram", "direct"',
  'train.threads': 'an integer from 0 (all cores) to 1024',
  'train.memoryLimit': 'an integer number of bytes >= 1',
});

/** Fill defaults and check a training config; throws BenignfitError naming the field. */
export function resolveTrainConfig(input: TrainConfigInput | undefined): TrainConfig {
  const c = parseWith(TrainConfigSchema, 'train', input);
  if (c.steps !== undefined && c.epochs !== undefined) throw invalid('train.steps', c.steps, 'either steps or epochs, not both');
  // Full-batch GD by default, for as long as 20 epochs of batch-1 SGD move (eta * 2000 = 100; see docs/presets.md).
  if (c.steps === undefined && c.epochs === undefined) c.steps = c.batchSize ? undefined : 2000;
  if (c.steps === undefined && c.epochs === undefined) c.epochs = 20;
  if (c.targetLoss === null) delete c.targetLoss;
  return c;
}

/** Image classifiers of §5.2 (ts/classifier.ts): architecture and SGD settings. */
export const CLASSIFIER_ARCHS = ['lenet5', 'cifar-small'] as const;

export const ClassifierOptionsSchema = z
  .object({
    /** lenet5 (1 x 28 x 28, MNIST) | cifar-small (3 x 32 x 32, CIFAR-10). */
    arch: z.enum(CLASSIFIER_ARCHS).default('lenet5'),
    classes: z.number().int().min(2).max(1000).default(10),
    /** Passes over the training set. */
    epochs: z.number().int().min(1).max(10000).default(10),
    batchSize: z.number().int().min(1).max(65536).default(64),
    lr: finite.pipe(z.number().gt(0)).default(0.01),
    momentum: finite.pipe(z.number().min(0).lt(1)).default(0.9),
    /** L2 penalty added to the gradient (PyTorch's SGD weight_decay). */
    weightDecay: finite.pipe(z.number().min(0)).default(5e-4),
    /** Seeds the initial weights and the order of the mini-batches. */
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    /** Native threads (0 = all cores); wasm uses one. The weights do not depend on it. */
    threads: z.number().int().min(0).max(1024).default(0),
    /** Per-channel input normalisation (x - mean) / std. */
    normalize: z
      .union([z.enum(['train', 'none']), z.object({ mean: z.array(finite), std: z.array(finite.pipe(z.number().gt(0))) }).strict()])
      .default('train'),
    /** Evaluate the test set after every epoch (else only at the end). */
    evalEveryEpoch: z.boolean().default(false),
    memoryLimit: z.number().int().min(1).optional(),
  })
  .strict();

export type ClassifierOptionsInput = z.input<typeof ClassifierOptionsSchema>;
export type ClassifierOptions = z.output<typeof ClassifierOptionsSchema>;

/** Fill defaults and check classifier options; throws BenignfitError (E_INVALID) naming the field. */
export function resolveClassifierOptions(input: ClassifierOptionsInput | undefined): ClassifierOptions {
  return parseWith(ClassifierOptionsSchema, 'classifier', input);
}

// ---- influence scores (eq. 10) and the Figure 6 matrix (ts/influence.ts) ----

export const NORMALIZE_KINDS = ['scale', 'standardize', 'unit'] as const;
export const INFLUENCE_ROUTES = ['auto', 'scatter', 'gram'] as const;

export const InfluenceConfigSchema = z
  .object({
    /** Pixel scaling: scale (bytes to [0, 1]), standardize (then per pixel / its std), unit (then per image / its norm). */
    normalize: z.enum(NORMALIZE_KINDS).default('scale'),
    /** How each class's quadratic forms are computed: auto (fewest multiply-adds), scatter (d x d), gram (n x n). */
    route: z.enum(INFLUENCE_ROUTES).default('auto'),
    /** Precision of the matrix products (sums and scores are always f64). */
    precision: z.enum(['f32', 'f64']).default('f32'),
    /** Compute the Figure 6 matrix tr(S_i S_j) and Gamma (keeps K d x d scatters). */
    frobenius: z.boolean().default(true),
    /** Block width of the symmetric products (0 = automatic). */
    block: z.number().int().min(0).max(65536).default(0),
    /** Number of classes K (default: largest label + 1). */
    classes: z.number().int().min(1).max(100000).optional(),
    /** C2 of Theorem 1 2(b) used for the predicted phase (min_j Gamma_kj >= C2). */
    c2: finite.pipe(z.number().gt(0)).default(1),
    /** Refuse allocations above this many bytes (default 8 GiB). */
    memoryLimit: z.number().int().min(1).optional(),
  })
  .strict();

export type InfluenceConfigInput = z.input<typeof InfluenceConfigSchema>;
export type InfluenceConfig = z.output<typeof InfluenceConfigSchema>;

Object.assign(EXPECTED, {
  'influence.normalize': `one of ${NORMALIZE_KINDS.map((s) => `"${s}"`).join(', ')}`,
  'influence.route': `one of ${INFLUENCE_ROUTES.map((s) => `"${s}"`).join(', ')}`,
  'influence.precision': 'one of "f32", "f64"',
  'influence.frobenius': 'true or false',
  'influence.block': 'an integer from 0 (automatic) to 65536',
  'influence.classes': 'an integer from 1 to 100000, above every label',
  'influence.c2': 'a finite number > 0',
  'influence.memoryLimit': 'an integer number of bytes >= 1',
});

/** Fill defaults and check an influence config; throws BenignfitError (E_INVALID) naming the field. */
export function resolveInfluenceConfig(input: InfluenceConfigInput | undefined): InfluenceConfig {
  return parseWith(InfluenceConfigSchema, 'influence', input);
}

// ---- Theorem 1 (ts/theory.ts): the constants and options of `theory`, `fitConstants`, `phaseBoundaries` ----

const positive = finite.pipe(z.number().gt(0));

/**
 * The absolute constants of Condition 1, Theorem 1 and Lemma 5. The paper gives no values; the
 * defaults are documented in docs/theory.md (and on `Constants` in crates/core/src/theory.rs).
 */
export const TheoryConstantsSchema = z
  .object({
    /** Condition 1's "sufficiently large" C (also the hidden constant of its Omega). */
    C: positive.default(1),
    /** Statement 2(a): SNR_k >= C1. */
    C1: positive.default(2),
    /** Statement 2(b): min_j Gamma_kj >= C2. */
    C2: positive.default(2),
    /** Statement 3: SNR_k <= C3 and min_j Gamma_kj <= C3 (C3 <= min(C1, C2)). */
    C3: positive.default(1),
    /** Rate of the 2(a) bound. */
    c1: positive.default(1),
    /** Rate of the 2(b) bound. */
    c2: positive.default(1),
    /** Statement 3's lower bound on the test error. */
    c3: finite.pipe(z.number().gt(0).max(1)).default(0.1),
    /** Failure probability delta. */
    delta: finite.pipe(z.number().gt(0).lt(1)).default(0.05),
    /** Lemma 5's C'. */
    Cprime: positive.default(1),
  })
  .strict();

export const TheoryOptionsSchema = z
  .object({
    constants: TheoryConstantsSchema.prefault({}),
    /** m, neurons per class. */
    width: z.number().int().min(1).max(1_000_000).default(100),
    /** eta, the learning rate. */
    lr: positive.default(0.05),
    /** "pytorch" (U(-1/sqrt d, 1/sqrt d): sigma0 = 1/sqrt(3d)) or {sigma0}. */
    init: z.union([z.literal('pytorch'), z.object({ sigma0: positive }).strict()]).default('pytorch'),
    /** Steps run (log T of Condition 1 and Lemma 3); default: the T of Theorem 1. */
    steps: z.number().int().min(1).optional(),
    /** epsilon of Theorem 1 (target training loss). */
    epsilon: positive.default(0.01),
    /** The L values of Definition 1 / Statement 2(b). */
    ls: z.array(positive).min(1).max(1000).default([0.5, 1, 2, 4]),
    /** auto: closed forms where the model has them; closed; numeric (dense factors). */
    method: z.enum(['auto', 'closed', 'numeric']).default('auto'),
    /** Relative rank tolerance (default: dim * machine epsilon of the input). */
    rankTol: finite.pipe(z.number().gt(0).lt(1)).optional(),
    /** Block power iteration for ||A_k^T A_j||_op (numeric route). */
    power: z
      .object({
        block: z.number().int().min(1).max(256).default(8),
        tol: finite.pipe(z.number().gt(0).lt(1)).default(1e-10),
        maxIterations: z.number().int().min(1).max(1_000_000).default(3000),
      })
      .strict()
      .prefault({}),
    /** Fresh noise draws per class for Lemmas 4 and 6. */
    freshSamples: z.number().int().min(1).max(10_000_000).default(1000),
    /** Seed of the fresh draws (default: the data seed). */
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();

export type TheoryOptionsInput = z.input<typeof TheoryOptionsSchema>;
export type ResolvedTheoryOptions = z.output<typeof TheoryOptionsSchema>;
export type TheoryConstants = z.output<typeof TheoryConstantsSchema>;

export const FitOptionsSchema = z
  .object({
    /** Bootstrap resamples of the cells (0: no interval). */
    bootstrap: z.number().int().min(0).max(1_000_000).default(1000),
    /** Confidence level of the interval. */
    level: finite.pipe(z.number().gt(0).lt(1)).default(0.95),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    /** Largest error used (default (K - 1) / (2K), half the chance level). */
    maxError: finite.pipe(z.number().gt(0).max(1)).optional(),
    /** C1 and C2 select the cells of each fit. */
    constants: TheoryConstantsSchema.prefault({}),
  })
  .strict();
export type FitOptionsInput = z.input<typeof FitOptionsSchema>;

export const BoundaryOptionsSchema = z
  .object({
    plane: z.enum(['featureNorm-gamma', 'featureNorm-perClass', 'gamma-perClass']),
    x: z.array(finite).min(1).max(100_000),
    y: z.array(finite).min(1).max(100_000),
    classes: z.number().int().min(2).max(1000).default(5),
    dim: z.number().int().min(6).max(1_000_000).default(1000),
    baseEigenvalue: positive.default(0.5),
    featureNorm: finite.pipe(z.number().min(0)).optional(),
    gamma: finite.pipe(z.number().min(1)).optional(),
    perClass: finite.pipe(z.number().min(1)).optional(),
    constants: TheoryConstantsSchema.prefault({}),
    levels: z.array(positive).max(100).default([]),
    L: positive.default(1),
  })
  .strict();
export type BoundaryOptionsInput = z.input<typeof BoundaryOptionsSchema>;

const CONSTANT_WORDS: Record<string, string> = {
  C: 'a finite number > 0 (Condition 1\'s "sufficiently large" constant)',
  C1: 'a finite number > 0 (Statement 2(a) threshold on SNR_k)',
  C2: 'a finite number > 0 (Statement 2(b) threshold on min_j Gamma_kj)',
  C3: 'a finite number > 0 and <= min(C1, C2) (Statement 3 threshold)',
  c1: 'a finite number > 0 (rate of the 2(a) bound)',
  c2: 'a finite number > 0 (rate of the 2(b) bound)',
  c3: 'a number in (0, 1] (Statement 3 lower bound on the test error)',
  delta: 'a probability in (0, 1)',
  Cprime: "a finite number > 0 (Lemma 5's C')",
};
for (const prefix of ['theory.constants', 'fit.constants', 'boundaries.constants']) {
  for (const [k, v] of Object.entries(CONSTANT_WORDS)) EXPECTED[`${prefix}.${k}`] = v;
}
Object.assign(EXPECTED, {
  'theory.constants': 'an object with some of C, C1, C2, C3, c1, c2, c3, delta, Cprime',
  'theory.width': 'an integer from 1 to 1000000 (neurons per class, m)',
  'theory.lr': 'a finite number > 0 (the learning rate eta)',
  'theory.init': '"pytorch" or {"sigma0": number > 0}',
  'theory.init.sigma0': 'a finite number > 0',
  'theory.steps': 'an integer >= 1 (training steps run)',
  'theory.epsilon': 'a finite number > 0 (target training loss of Theorem 1)',
  'theory.ls': 'an array of 1 to 1000 finite numbers > 0 (the L of Definition 1)',
  'theory.method': 'one of "auto", "closed", "numeric"',
  'theory.rankTol': 'a number in (0, 1) (relative rank tolerance)',
  'theory.power': 'an object with some of block, tol, maxIterations',
  'theory.power.block': 'an integer from 1 to 256',
  'theory.power.tol': 'a number in (0, 1)',
  'theory.power.maxIterations': 'an integer from 1 to 1000000',
  'theory.freshSamples': 'an integer from 1 to 10000000 (fresh noise draws per class)',
  'theory.seed': 'an integer from 0 to 2^53 - 1',
  'fit.bootstrap': 'an integer from 0 to 1000000',
  'fit.level': 'a number in (0, 1)',
  'fit.seed': 'an integer from 0 to 2^53 - 1',
  'fit.maxError': 'a number in (0, 1]',
  'fit.constants': 'an object with some of C, C1, C2, C3, c1, c2, c3, delta, Cprime',
  'boundaries.plane': 'one of "featureNorm-gamma", "featureNorm-perClass", "gamma-perClass"',
  'boundaries.x': 'an array of 1 to 100000 finite numbers (the x axis values)',
  'boundaries.y': 'an array of 1 to 100000 finite numbers (the y axis values)',
  'boundaries.classes': 'an integer from 2 to 1000',
  'boundaries.dim': 'an integer from 6 to 1000000',
  'boundaries.baseEigenvalue': 'a finite number > 0',
  'boundaries.featureNorm': 'a finite number >= 0',
  'boundaries.gamma': 'a finite number >= 1',
  'boundaries.perClass': 'a finite number >= 1',
  'boundaries.levels': 'an array of error levels in (0, K - 1)',
  'boundaries.L': 'a finite number > 0',
});

function constantsCheck(prefix: string, c: TheoryConstants): void {
  const lo = Math.min(c.C1, c.C2);
  if (c.C3 > lo) throw invalid(`${prefix}.C3`, c.C3, `a number <= min(C1, C2) = ${lo} (otherwise Statements 2 and 3 overlap)`);
}

/** Fill defaults and check theory options; throws BenignfitError (E_INVALID) naming the field. */
export function resolveTheoryOptions(input: TheoryOptionsInput | undefined): ResolvedTheoryOptions {
  const o = parseWith(TheoryOptionsSchema, 'theory', input);
  constantsCheck('theory.constants', o.constants);
  return o;
}

export function resolveFitOptions(input: FitOptionsInput | undefined): z.output<typeof FitOptionsSchema> {
  const o = parseWith(FitOptionsSchema, 'fit', input);
  constantsCheck('fit.constants', o.constants);
  return o;
}

export function resolveBoundaryOptions(input: BoundaryOptionsInput): z.output<typeof BoundaryOptionsSchema> {
  const o = parseWith(BoundaryOptionsSchema, 'boundaries', input);
  constantsCheck('boundaries.constants', o.constants);
  return o;
}
