/**
 * Influence scores of eq. 10 for every image, the Figure 6 matrix tr(S_i S_j) and the noise
 * correlation ratios Gamma_{k,j} it implies (§5.2): the core's InfluenceJob scores whole classes
 * per call, so progress is reported and an AbortSignal honoured between classes, on both backends.
 *
 * ```ts
 * const set = readMnist('train-images-idx3-ubyte', 'train-labels-idx1-ubyte');   // formats/node.js
 * const r = await bf.influence(set, { onProgress: (p) => console.log(p.class, p.done) });
 * r.scores[i]        // inf(x_i), in the file's order
 * r.frobenius.frobSq // Figure 6
 * ```
 */
import { resolveInfluenceConfig, type InfluenceConfig, type InfluenceConfigInput } from './config.js';
import { abortError, BenignfitError, invalid } from './errors.js';
import type { ImageSet } from './formats/idx.js';
import { influenceExecutorFactory, type InfluenceClassOutput, type InfluenceExecutor } from './influence-parallel.js';
import { drive } from './job.js';
import type { FrobeniusSummary, InfluenceClassInfo, RawBackend, RawInfluenceJob, RawInfluenceRun } from './types.js';

/** Images as a flat row-major n x dim array with one label per image. */
export interface InfluenceData {
  /** n x dim: bytes (scaled to [0, 1]) or floats (taken as given; float64 is rounded to float32). */
  pixels: Uint8Array | Float32Array | Float64Array;
  labels: ArrayLike<number>;
  dim: number;
}

export interface InfluenceProgress {
  /** The class just finished. */
  class: number;
  /** Classes finished so far, of `total`. */
  done: number;
  total: number;
  /** Images of the finished class. */
  images: number;
  info: InfluenceClassInfo;
}

export interface InfluenceOptions extends InfluenceConfigInput {
  /** Called after each class (in the order classes finish: with workers, not always class order). */
  onProgress?: (p: InfluenceProgress) => void;
  /** Called before each class starts (for progress bars). */
  onClassStart?: (cls: number, images: number) => void;
  signal?: AbortSignal;
  /**
   * Browsers (the wasm entry): score the classes side by side in this many Web Workers, one wasm
   * instance each (default: navigator.hardwareConcurrency; 1: one class after another in this
   * thread). The scores are the same bits either way; with `frobenius` on (the default) each
   * worker hands its classes' d x d scatters back and this thread's instance combines the Figure 6
   * matrix from them, the bits one instance gives. Node ignores it (the native addon has its threads).
   */
  workers?: number;
  /**
   * A pool of workers to use (and keep) instead of one made for this call: a
   * BrowserInfluenceExecutor (its options also say where the wasm is and how to make a worker).
   */
  executor?: InfluenceExecutor;
}

/** The phase Theorem 1 predicts for a class from the estimated ratios (a hook: see predictPhase). */
export interface ClassPhase {
  class: number;
  minGamma: number | null;
  /** The j attaining min_j Gamma_{k,j}. */
  argminGamma: number | null;
  /** 'long-tailed-benign' (Statement 2(b) applies: min_j Gamma_kj >= C2) or 'not-determined'. */
  phase: 'long-tailed-benign' | 'not-determined';
  c2: number;
}

export interface InfluenceResult {
  /** inf(x) of eq. 10 for every image, in the input order. */
  scores: Float64Array;
  labels: Int32Array;
  classes: number;
  perClass: InfluenceClassInfo[];
  /** The Figure 6 matrix and Gamma (null when frobenius: false). */
  frobenius: FrobeniusSummary | null;
  /** Predicted phase per class (null when frobenius: false). */
  phase: ClassPhase[] | null;
  config: InfluenceConfig;
  dim: number;
  seconds: number;
  /** Web Workers that scored the classes (1: this thread). */
  workers: number;
}

/**
 * The phase Theorem 1 would predict for class k from real data. Only Statement 2(b) can be read
 * from covariances alone (SNR needs the features u_k, which real images do not expose): it
 * applies when min_j Gamma_{k,j} >= C2. HOOK for the theory module: the default C2 = 1 is a
 * placeholder (the theorem's absolute constant is not known numerically); pass the theory
 * module's C2 when it is connected.
 */
export function predictPhase(f: FrobeniusSummary, c2 = 1): ClassPhase[] {
  return f.minGamma.map((g, k) => {
    let arg: number | null = null;
    f.gamma[k].forEach((v, j) => {
      if (v !== null && (arg === null || v < f.gamma[k][arg]!)) arg = j;
    });
    return { class: k, minGamma: g, argminGamma: arg, phase: g !== null && g >= c2 ? 'long-tailed-benign' : 'not-determined', c2 };
  });
}

function asData(input: ImageSet | InfluenceData): InfluenceData {
  if ('dim' in input) return input;
  return { pixels: input.pixels, labels: input.labels, dim: input.height * input.width * input.channels };
}

/** Run the influence computation on a backend (used by Benignfit.influence). */
export async function runInfluence(
  call: <T>(f: (raw: RawBackend) => T) => T,
  threads: number,
  input: ImageSet | InfluenceData,
  options: InfluenceOptions = {},
): Promise<InfluenceResult> {
  const { onProgress, onClassStart, signal, workers, executor: given, ...rest } = options;
  const cfg = resolveInfluenceConfig(rest);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 1024)) throw invalid('workers', workers, 'an integer from 1 to 1024');
  const data = asData(input);
  const { labels, dim } = data;
  if (!Number.isInteger(dim) || dim < 1) throw invalid('dim', dim, 'an integer >= 1 (pixels per image)');
  if (!(data.pixels instanceof Uint8Array) && !(data.pixels instanceof Float32Array) && !(data.pixels instanceof Float64Array)) {
    throw invalid('images', data.pixels, 'a Uint8Array, a Float32Array or a Float64Array');
  }
  if (data.pixels.length !== labels.length * dim) {
    throw new BenignfitError('E_SHAPE', `images: ${data.pixels.length} values, expected labels (${labels.length}) x dim (${dim}) = ${labels.length * dim}`);
  }
  const pixels = data.pixels instanceof Float64Array ? Float32Array.from(data.pixels) : data.pixels;
  const n = labels.length;
  // Labels cross as 32-bit integers; the core checks them (0..K-1, 3 images a class: class_members).
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l > 0x7fffffff) throw invalid(`labels[${i}]`, l, 'an integer >= 0');
    lab[i] = l;
  }
  const K = call((r) => r.influenceClasses(lab, cfg.classes ?? 0));
  const sizes = new Array<number>(K).fill(0);
  for (let i = 0; i < n; i++) sizes[lab[i]]++;
  if (signal?.aborted) throw abortError('influence');

  const t0 = performance.now();
  const bytes = pixels instanceof Uint8Array;
  const config = JSON.stringify({
    dim,
    classes: K,
    normalize: cfg.normalize,
    route: cfg.route,
    precision: cfg.precision,
    frobenius: cfg.frobenius,
    block: cfg.block,
    ...(cfg.memoryLimit ? { memoryLimit: cfg.memoryLimit } : {}),
  });
  const scores = new Float64Array(n);
  const perClass: InfluenceClassInfo[] = new Array(K);
  let done = 0;
  const finishClass = (info: InfluenceClassInfo, seconds: number) => {
    info.seconds = seconds;
    perClass[info.class] = info;
    onProgress?.({ class: info.class, done: ++done, total: K, images: info.n, info });
  };
  const result = (frobenius: FrobeniusSummary | null, used: number): InfluenceResult => ({
    scores,
    labels: lab,
    classes: K,
    perClass,
    frobenius,
    phase: frobenius ? predictPhase(frobenius, cfg.c2) : null,
    config: cfg,
    dim,
    seconds: (performance.now() - t0) / 1000,
    workers: used,
  });

  // Web Workers, one wasm instance each: every class is independent of the others, so the scores
  // are the bits one instance gives. With the Figure 6 matrix each worker hands its classes'
  // scatters back, and one instance here combines them (the bits one instance gives, too).
  const factory = influenceExecutorFactory();
  if (K > 1 && workers !== 1 && (given || factory)) {
    const ex = given ?? factory!(workers, K);
    try {
      if (ex.workers > 1 || given) {
        const members: number[][] = Array.from({ length: K }, () => []);
        for (let i = 0; i < n; i++) members[lab[i]].push(i);
        const std =
          cfg.normalize === 'standardize' ? call((r) => r.pixelStd(bytes ? pixels : null, bytes ? null : (pixels as Float32Array), n, dim, threads)) : null;
        // Largest classes first, so the last ones to finish are short.
        const order = members.map((_, c) => c).sort((a, b) => members[b].length - members[a].length || a - b);
        // With Figure 6, each class's scatter goes into one instance here as it arrives, which
        // pairs it with those already there while the workers go on (the bits one instance gives).
        const combine: RawInfluenceRun | null = cfg.frobenius ? call((r) => new r.InfluenceRun(config, std, threads)) : null;
        try {
          await ex.scoreClasses({
            config,
            pixelStd: std,
            threads,
            keepScatter: cfg.frobenius,
            classes: order,
            rows: (c) => {
              const idx = members[c];
              const rows = bytes ? new Uint8Array(idx.length * dim) : new Float32Array(idx.length * dim);
              idx.forEach((i, r) => rows.set(pixels.subarray(i * dim, (i + 1) * dim), r * dim));
              return { bytes: bytes ? (rows as Uint8Array) : null, floats: bytes ? null : (rows as Float32Array), n: idx.length };
            },
            onStart: (c) => onClassStart?.(c, sizes[c]),
            onDone: (c, out: InfluenceClassOutput) => {
              if (combine) {
                if (!out.scatter) throw new BenignfitError('E_INTERNAL', `influence: class ${c}'s scatter did not come back from its worker`);
                call(() => combine.setScatter(c, sizes[c], out.scatter!));
              }
              // One read of `scores`: on wasm it is a getter that crosses into the instance on every access.
              const got = out.scores;
              members[c].forEach((i, r) => (scores[i] = got[r]));
              finishClass(JSON.parse(out.info) as InfluenceClassInfo, out.seconds);
            },
            signal,
          });
          return result(combine ? (JSON.parse(call(() => combine.frobenius())) as FrobeniusSummary) : null, Math.min(ex.workers, K));
        } finally {
          combine?.free?.();
        }
      }
    } finally {
      if (!given) ex.close();
    }
  }

  // One instance: the core's InfluenceJob holds the set and scores whole classes per call, driven
  // like every job (ts/job.ts). A class's seconds are its share, by images, of its call's time.
  const job: RawInfluenceJob = call((r) => new r.InfluenceJob(config, bytes ? pixels : null, bytes ? null : (pixels as Float32Array), lab, threads));
  try {
    let reported = 0;
    let last = performance.now();
    const announce = () => {
      const c = job.nextClass();
      if (c >= 0) onClassStart?.(c, sizes[c]);
    };
    announce();
    const { aborted } = await drive(call, job, {
      signal,
      onChunk: () => {
        const infos = JSON.parse(call(() => job.classesFrom(reported))) as InfluenceClassInfo[];
        const seconds = (performance.now() - last) / 1000;
        const images = infos.reduce((a, i) => a + i.n, 0);
        for (const info of infos) finishClass(info, (seconds * info.n) / Math.max(images, 1));
        reported += infos.length;
        announce();
        last = performance.now();
      },
    });
    if (aborted) throw abortError('influence');
    scores.set(call(() => job.scores()));
    return result(cfg.frobenius ? (JSON.parse(call(() => job.frobenius())) as FrobeniusSummary) : null, 1);
  } finally {
    job.free?.();
  }
}

/** Indices of the `count` highest (or lowest) scores, optionally within one class. */
export function extremes(scores: ArrayLike<number>, count: number, which: 'top' | 'bottom', labels?: ArrayLike<number>, cls?: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (cls === undefined || !labels || labels[i] === cls) idx.push(i);
  idx.sort((a, b) => (which === 'top' ? scores[b] - scores[a] : scores[a] - scores[b]) || a - b);
  return idx.slice(0, count);
}
