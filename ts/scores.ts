/**
 * The scores researchers rank training examples by, next to eq. 10 (issue 17 item 2): cheap
 * training-free baselines (distance to the class mean, k-NN outlyingness within the class, a
 * seeded random order), the scores that need trained networks (EL2N of Paul et al. 2021, forgetting
 * events of Toneva et al. 2019, with the project's LeNet-5 / small CIFAR CNN), and what compares
 * them: Spearman correlations and the per-class shares of each score's top 10%.
 * No node: imports (the page can use it).
 */
import type { Benignfit } from './api.js';
import { ARCH_INPUT, type TensorSet } from './classifier.js';
import { resolveClassifierOptions, type ClassifierOptionsInput } from './config.js';
import { abortError, BenignfitError, invalid } from './errors.js';
import type { InfluenceData, InfluenceOptions } from './influence.js';
import { drive } from './job.js';

export const SCORE_NAMES = ['eq10', 'mean-dist', 'knn', 'random', 'el2n', 'forgetting'] as const;
export type ScoreName = (typeof SCORE_NAMES)[number];

/** One score for every example: higher = more atypical / harder (the direction of eq. 10). */
export interface ScoreColumn {
  name: ScoreName;
  values: Float64Array;
  /** Network trainings it took (0 for training-free scores). */
  trainings: number;
  /** Wall time it took. */
  seconds: number;
  /** How it was computed, in words (for summary.json). */
  detail: string;
}

type Rows = Pick<InfluenceData, 'pixels' | 'labels' | 'dim'>;

/** Row i as float64: bytes / 255 (as the core's normalize "scale"), floats as given. */
function rowInto(d: Rows, i: number, out: Float64Array): Float64Array {
  const { pixels, dim } = d;
  const s = pixels instanceof Uint8Array ? 1 / 255 : 1;
  for (let j = 0; j < dim; j++) out[j] = pixels[i * dim + j] * s;
  return out;
}

function classMembers(labels: ArrayLike<number>): number[][] {
  const m: number[][] = [];
  for (let i = 0; i < labels.length; i++) {
    m[labels[i]] ??= [];
    m[labels[i]].push(i);
  }
  return m;
}

/** Euclidean distance of every example to the mean of its class (values scaled as by eq. 10's "scale"). */
export function meanDistance(d: Rows): Float64Array {
  const n = d.labels.length;
  const out = new Float64Array(n);
  const row = new Float64Array(d.dim);
  for (const idx of classMembers(d.labels)) {
    if (!idx) continue;
    const mean = new Float64Array(d.dim);
    for (const i of idx) {
      rowInto(d, i, row);
      for (let j = 0; j < d.dim; j++) mean[j] += row[j];
    }
    for (let j = 0; j < d.dim; j++) mean[j] /= idx.length;
    for (const i of idx) {
      rowInto(d, i, row);
      let s = 0;
      for (let j = 0; j < d.dim; j++) s += (row[j] - mean[j]) ** 2;
      out[i] = Math.sqrt(s);
    }
  }
  return out;
}

/**
 * k-NN outlyingness within the class: the mean Euclidean distance from each example to its k
 * nearest other examples of the same class (all of them when the class has k or fewer others).
 * O(n_c^2 d) per class (float32 rows, float64 sums); `onProgress(done, total)` counts rows,
 * and `signal` is honoured between rows.
 */
export async function knnDistance(
  d: Rows,
  k: number,
  o: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<Float64Array> {
  if (!Number.isInteger(k) || k < 1) throw invalid('k', k, 'an integer >= 1 (neighbours)');
  const n = d.labels.length;
  const dim = d.dim;
  const out = new Float64Array(n);
  let done = 0;
  let last = performance.now();
  for (const idx of classMembers(d.labels)) {
    if (!idx) continue;
    const m = idx.length;
    const rows = new Float32Array(m * dim);
    const row = new Float64Array(dim);
    const norms = new Float64Array(m);
    idx.forEach((i, r) => {
      rowInto(d, i, row);
      let s = 0;
      for (let j = 0; j < dim; j++) {
        rows[r * dim + j] = row[j];
        s += rows[r * dim + j] * rows[r * dim + j];
      }
      norms[r] = s;
    });
    const kk = Math.min(k, m - 1);
    // Per row, its kk smallest squared distances so far (sorted ascending).
    const best = new Float64Array(m * Math.max(kk, 1)).fill(Infinity);
    const offer = (r: number, v: number) => {
      const b = r * kk;
      if (v >= best[b + kk - 1]) return;
      let p = kk - 1;
      while (p > 0 && best[b + p - 1] > v) {
        best[b + p] = best[b + p - 1];
        p--;
      }
      best[b + p] = v;
    };
    // Pairs (a, b > a) in tiles of TILE rows of a, so the tile stays in cache while every b streams by once.
    const TILE = 32;
    for (let a0 = 0; a0 < m; a0 += TILE) {
      const a1 = Math.min(m, a0 + TILE);
      for (let b = a0 + 1; b < m; b++) {
        const bo = b * dim;
        const aEnd = Math.min(a1, b);
        for (let a = a0; a < aEnd; a++) {
          const ao = a * dim;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          let j = 0;
          for (; j + 3 < dim; j += 4) {
            s0 += rows[ao + j] * rows[bo + j];
            s1 += rows[ao + j + 1] * rows[bo + j + 1];
            s2 += rows[ao + j + 2] * rows[bo + j + 2];
            s3 += rows[ao + j + 3] * rows[bo + j + 3];
          }
          for (; j < dim; j++) s0 += rows[ao + j] * rows[bo + j];
          const d2 = Math.max(0, norms[a] + norms[b] - 2 * (s0 + s1 + s2 + s3));
          if (kk > 0) {
            offer(a, d2);
            offer(b, d2);
          }
        }
      }
      done += a1 - a0;
      if (performance.now() - last > 200) {
        last = performance.now();
        o.onProgress?.(done, n);
        await new Promise((r) => setTimeout(r, 0));
        if (o.signal?.aborted) throw abortError('k-NN scores');
      }
    }
    idx.forEach((i, r) => {
      let s = 0;
      for (let p = 0; p < kk; p++) s += Math.sqrt(best[r * kk + p]);
      out[i] = kk ? s / kk : 0;
    });
  }
  o.onProgress?.(n, n);
  return out;
}

/** The seeded random order of the §5.2 control as a score: the first removed scores highest. */
export function randomScores(bf: Benignfit, seed: number, n: number): Float64Array {
  const order = bf.removalOrder(seed, n);
  const out = new Float64Array(n);
  order.forEach((i, j) => (out[i] = n - j));
  return out;
}

/** Ranks 1..n, ties given their average rank. */
export function ranks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && v[idx[j + 1]] === v[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) r[idx[t]] = avg;
    i = j + 1;
  }
  return r;
}

/** Spearman's rank correlation (Pearson's of average ranks); null when either is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  const m = (n + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (ra[i] - m) * (rb[i] - m);
    saa += (ra[i] - m) ** 2;
    sbb += (rb[i] - m) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}

/** Indices of the top `share` of the scores (highest first; ties by index). */
export function topIndices(v: ArrayLike<number>, share: number): number[] {
  const n = v.length;
  const count = Math.max(1, Math.ceil(share * n));
  return Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => v[b] - v[a] || a - b)
    .slice(0, count);
}

/** Per class, its share of the top `share` of the scores (the shares add up to 1). */
export function topShares(v: ArrayLike<number>, labels: ArrayLike<number>, classes: number, share = 0.1): number[] {
  const top = topIndices(v, share);
  const c = new Array<number>(classes).fill(0);
  for (const i of top) c[labels[i]]++;
  return c.map((x) => x / top.length);
}

// ---- scores from trained networks ----

export interface TrainedScoreOptions {
  /** The classifier (arch, epochs, lr, ...): as `bf.classifier`. */
  classifier?: ClassifierOptionsInput;
  /** Seeds of the EL2N trainings (Paul et al.: 10 independent initialisations). */
  seeds?: number[];
  /** Epoch at which EL2N is measured, fractional allowed (Paul et al.: 10% of the full training). */
  epoch?: number;
  signal?: AbortSignal;
  onProgress?: (what: string, done: number, total: number) => void;
}

/** Softmax probabilities' L2 error ||p - onehot(y)|| per example, and whether argmax = y. */
function errorsOf(c: ReturnType<Benignfit['classifier']>, set: TensorSet, classes: number): { el2n: Float64Array; correct: Uint8Array } {
  const n = set.labels.length;
  const len = set.shape[0] * set.shape[1] * set.shape[2];
  const el2n = new Float64Array(n);
  const correct = new Uint8Array(n);
  const chunk = 2048;
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk);
    const logits = c.predict(set.images.subarray(s * len, e * len));
    for (let i = s; i < e; i++) {
      const o = (i - s) * classes;
      let mx = -Infinity;
      let arg = 0;
      for (let k = 0; k < classes; k++) {
        if (logits[o + k] > mx) {
          mx = logits[o + k];
          arg = k;
        }
      }
      let z = 0;
      for (let k = 0; k < classes; k++) z += Math.exp(logits[o + k] - mx);
      let err = 0;
      for (let k = 0; k < classes; k++) err += (Math.exp(logits[o + k] - mx) / z - (k === set.labels[i] ? 1 : 0)) ** 2;
      el2n[i] = Math.sqrt(err);
      correct[i] = arg === set.labels[i] ? 1 : 0;
    }
  }
  return { el2n, correct };
}

function checkTensors(set: TensorSet, arch: string): void {
  const want = ARCH_INPUT[arch as keyof typeof ARCH_INPUT];
  if (!want || want.join() !== set.shape.join()) {
    throw new BenignfitError(
      'E_INVALID',
      `el2n/forgetting: the images are ${set.shape.join(' x ')} (channels x height x width), but ${arch} takes ${want?.join(' x ') ?? '?'}; these scores train the project's classifiers (LeNet-5: 1 x 28 x 28, cifar-small: 3 x 32 x 32)`,
      {
        field: '--score',
      },
    );
  }
}

/** Batches in `epochs` epochs of n examples. */
function batchesFor(epochs: number, n: number, batchSize: number): number {
  return Math.max(1, Math.round(epochs * Math.ceil(n / batchSize)));
}

/**
 * EL2N (Paul et al. 2021): ||softmax(f(x)) - onehot(y)||_2 after `epoch` epochs of training,
 * averaged over one training per seed.
 */
export async function el2nScores(
  bf: Benignfit,
  set: TensorSet,
  o: TrainedScoreOptions = {},
): Promise<{ values: Float64Array; trainings: number; epoch: number; seeds: number[] }> {
  const base = { arch: 'lenet5' as const, ...o.classifier };
  const opts = resolveClassifierOptions(base);
  checkTensors(set, opts.arch);
  const seeds = o.seeds ?? Array.from({ length: 10 }, (_, i) => i);
  const epoch = o.epoch ?? opts.epochs / 10;
  if (!(epoch > 0 && epoch <= opts.epochs)) throw invalid('--el2n-epoch', epoch, `a number of epochs > 0 and at most the training's ${opts.epochs}`);
  const n = set.labels.length;
  const sum = new Float64Array(n);
  const batches = batchesFor(epoch, n, opts.batchSize);
  for (const [r, seed] of seeds.entries()) {
    if (o.signal?.aborted) throw abortError('EL2N');
    o.onProgress?.('el2n', r, seeds.length);
    const c = bf.classifier({ ...base, seed }, set);
    try {
      c.setTrainingData(set);
      // The classifier's job, stopped after `batches` steps (ts/job.ts).
      if ((await drive((f) => f(), c, { signal: o.signal, upTo: batches })).aborted) throw abortError('EL2N');
      const { el2n } = errorsOf(c, set, opts.classes);
      for (let i = 0; i < n; i++) sum[i] += el2n[i] / seeds.length;
    } finally {
      c.dispose();
    }
  }
  o.onProgress?.('el2n', seeds.length, seeds.length);
  return { values: sum, trainings: seeds.length, epoch, seeds };
}

/**
 * Forgetting events (Toneva et al. 2019) in one full training: every example is checked after
 * each epoch (once per presentation, as in the paper, but at the epoch's end, not in its
 * mini-batch); a forgetting event is a change from right to wrong. Examples never learned get
 * more events than any learned one could (epochs + 1), as the paper ranks them highest.
 */
export async function forgettingScores(
  bf: Benignfit,
  set: TensorSet,
  o: TrainedScoreOptions & { seed?: number } = {},
): Promise<{ values: Float64Array; trainings: number; epochs: number; neverLearned: number }> {
  const base = { arch: 'lenet5' as const, ...o.classifier, ...(o.seed !== undefined ? { seed: o.seed } : {}) };
  const c = bf.classifier(base, set);
  const opts = c.options;
  try {
    checkTensors(set, opts.arch);
    const n = set.labels.length;
    const events = new Float64Array(n);
    const learned = new Uint8Array(n);
    let prev: Uint8Array | null = null;
    c.setTrainingData(set);
    const per = batchesFor(1, n, opts.batchSize);
    for (let e = 0; e < opts.epochs; e++) {
      o.onProgress?.('forgetting', e, opts.epochs);
      // One epoch of the classifier's job (it never runs past an epoch's end).
      if ((await drive((f) => f(), c, { signal: o.signal, from: e * per, upTo: (e + 1) * per })).aborted) throw abortError('forgetting events');
      const { correct } = errorsOf(c, set, opts.classes);
      for (let i = 0; i < n; i++) {
        if (prev?.[i] && !correct[i]) events[i]++;
        if (correct[i]) learned[i] = 1;
      }
      prev = correct;
    }
    let never = 0;
    for (let i = 0; i < n; i++) {
      if (!learned[i]) {
        events[i] = opts.epochs + 1;
        never++;
      }
    }
    o.onProgress?.('forgetting', opts.epochs, opts.epochs);
    return { values: events, trainings: 1, epochs: opts.epochs, neverLearned: never };
  } finally {
    c.dispose();
  }
}

// ---- every score by name: one implementation for `scores`, `reproduce mislabel` and `reproduce fig7 --scores` ----

/** What each score is, in words (summary.json's `detail`). */
export const SCORE_DETAIL: Record<ScoreName, string> = {
  eq10: 'eq. 10: ||S(S_y)||_F^2 - ||S(S_y \\ {x})||_F^2 (training-free)',
  'mean-dist': 'Euclidean distance to the mean of its class (training-free)',
  knn: 'mean Euclidean distance to its k nearest neighbours of the same class (training-free)',
  random: 'the seeded random order of the Figure 7 control (the first removed scores highest)',
  el2n: 'EL2N (Paul et al. 2021): ||softmax(f(x)) - onehot(y)||_2 early in training, averaged over seeds',
  forgetting: 'forgetting events (Toneva et al. 2019): right-to-wrong changes between epochs in one training; never learned = epochs + 1',
};

/** Scores that train networks (they need images the project's classifiers take). */
export const TRAINED_SCORES: readonly ScoreName[] = ['el2n', 'forgetting'];

export interface ComputeScoresOptions {
  /** Options of eq. 10 (bf.influence), e.g. normalize, memoryLimit; frobenius is turned off. */
  influence?: Omit<InfluenceOptions, 'signal' | 'frobenius'>;
  /** Neighbours of the k-NN score (default 10). */
  k?: number;
  /** Seed of the random order and of the forgetting training (default 0). */
  seed?: number;
  /** The classifier of EL2N and forgetting (arch, classes, epochs, threads, ...). */
  classifier?: ClassifierOptionsInput;
  /** Seeds of the EL2N trainings (default 0..9). */
  el2nSeeds?: number[];
  /** Epoch at which EL2N is measured (default 10% of the classifier's epochs). */
  el2nEpoch?: number;
  signal?: AbortSignal;
  /** Progress lines (a score starting, trainings, k-NN rows). */
  log?: (line: string) => void;
}

export interface ScoreInput {
  /** The examples as eq. 10 and the distances read them. */
  data: InfluenceData;
  /** The examples as the classifiers take them (EL2N and forgetting; called only for those). */
  tensors?: () => TensorSet;
}

/** The classifier EL2N and forgetting train by default for images of this shape and class count. */
export function scoreClassifier(
  shape: readonly [number, number, number] | readonly number[],
  classes: number,
  o: { arch?: 'lenet5' | 'cifar-small'; epochs?: number; threads?: number } = {},
): ClassifierOptionsInput {
  return {
    arch: o.arch ?? (shape[0] === 3 ? 'cifar-small' : 'lenet5'),
    classes,
    ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
  };
}

/**
 * Compute the named scores of every example, in the order asked, timing each: the one
 * implementation behind `benignfit scores`, `reproduce mislabel` and `reproduce fig7 --scores`.
 * Returns the columns and the settings each trained score used (for summary.json / config.json).
 */
export async function computeScores(
  bf: Benignfit,
  input: ScoreInput,
  names: readonly ScoreName[],
  o: ComputeScoresOptions = {},
): Promise<{ columns: ScoreColumn[]; settings: Record<string, unknown> }> {
  const log = o.log ?? (() => {});
  const k = o.k ?? 10;
  const seed = o.seed ?? 0;
  const n = input.data.labels.length;
  const columns: ScoreColumn[] = [];
  const settings: Record<string, unknown> = {};
  const tensors = (): TensorSet => {
    if (!input.tensors)
      throw new BenignfitError('E_INVALID', '--score: el2n and forgetting train a classifier on images; these are not images', { field: '--score' });
    return input.tensors();
  };
  for (const name of names) {
    if (!(SCORE_NAMES as readonly string[]).includes(name)) throw invalid('--score', name, `one of ${SCORE_NAMES.join(', ')}`);
    if (o.signal?.aborted) throw abortError('scores');
    const t0 = performance.now();
    let values: Float64Array;
    let trainings = 0;
    let detail = SCORE_DETAIL[name];
    if (name === 'eq10') {
      values = (await bf.influence(input.data, { ...o.influence, frobenius: false, ...(o.signal ? { signal: o.signal } : {}) })).scores;
    } else if (name === 'mean-dist') values = meanDistance(input.data);
    else if (name === 'knn') {
      let shown = performance.now();
      values = await knnDistance(input.data, k, {
        signal: o.signal,
        onProgress: (done, total) => {
          if (performance.now() - shown < 5000 || done >= total) return;
          shown = performance.now();
          log(`  knn: ${done} of ${total} rows`);
        },
      });
      detail = `${detail}, k = ${k}`;
    } else if (name === 'random') {
      values = randomScores(bf, seed, n);
      detail = `${detail}, seed ${seed}`;
    } else if (name === 'el2n') {
      const r = await el2nScores(bf, tensors(), {
        classifier: o.classifier,
        seeds: o.el2nSeeds,
        epoch: o.el2nEpoch,
        signal: o.signal,
        onProgress: (_w, d, t) => log(`  el2n: training ${Math.min(d + 1, t)} of ${t}`),
      });
      values = r.values;
      trainings = r.trainings;
      detail = `${detail}: ${r.seeds.length} seeds, measured after ${r.epoch} epochs`;
      settings.el2n = { seeds: r.seeds, epoch: r.epoch, classifier: o.classifier ?? {} };
    } else {
      const r = await forgettingScores(bf, tensors(), {
        classifier: o.classifier,
        seed,
        signal: o.signal,
        onProgress: (_w, d, t) => log(`  forgetting: epoch ${Math.min(d + 1, t)} of ${t}`),
      });
      values = r.values;
      trainings = r.trainings;
      detail = `${detail}: ${r.epochs} epochs, ${r.neverLearned} never learned`;
      settings.forgetting = { seed, epochs: r.epochs, neverLearned: r.neverLearned, classifier: o.classifier ?? {} };
    }
    const col: ScoreColumn = { name, values, trainings, seconds: (performance.now() - t0) / 1000, detail };
    log(`  ${name}: ${col.seconds.toFixed(2)} s${trainings ? `, ${trainings} training${trainings > 1 ? 's' : ''}` : ''}`);
    columns.push(col);
  }
  return { columns, settings };
}

/** How well a score finds the marked (e.g. mislabelled) examples: ROC AUC and precision at k = the number marked. */
export interface MislabelRow {
  score: string;
  auc: number | null;
  precisionAtK: number | null;
}

export function mislabelTable(columns: readonly Pick<ScoreColumn, 'name' | 'values'>[], flipped: ArrayLike<number>, n: number): MislabelRow[] {
  const marked = new Uint8Array(n);
  for (let i = 0; i < flipped.length; i++) marked[flipped[i]] = 1;
  const k = flipped.length;
  return columns.map((c) => ({ score: c.name, auc: rocAuc(c.values, marked), precisionAtK: k ? precisionAtK(c.values, marked, k) : null }));
}

// ---- mislabelled examples (issue 17 item 3b) ----

/** A small seeded generator (mulberry32) for the label flips: the same seed, the same flips, everywhere. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Flip round(share * n) labels, each to another class drawn uniformly, both from mulberry32(seed)
 * (so anyone can recompute them; flipped.npy and noisy_labels.npy hold them too). Returns the
 * noisy labels and the flipped indices (ascending).
 */
export function flipLabels(labels: ArrayLike<number>, classes: number, share: number, seed: number): { labels: Int32Array; flipped: Int32Array } {
  if (!(share > 0 && share < 1)) throw invalid('--flip', share, 'a share between 0 and 1 (e.g. 0.05)');
  if (classes < 2) throw invalid('--flip', share, 'at least 2 classes to flip between');
  const n = labels.length;
  const m = Math.round(share * n);
  // A partial Fisher-Yates shuffle picks the m examples (not the core's removal order, which the
  // random score uses: the two must be independent).
  const rnd = mulberry32(seed);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rnd() * (n - i));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const pick = perm.slice(0, m).sort();
  const out = Int32Array.from(labels);
  for (const i of pick) out[i] = (out[i] + 1 + Math.floor(rnd() * (classes - 1))) % classes;
  return { labels: out, flipped: pick };
}

/** ROC AUC of a score at finding the marked examples (Mann-Whitney U, ties counted half); null without both kinds. */
export function rocAuc(score: ArrayLike<number>, marked: Uint8Array): number | null {
  const r = ranks(score);
  let pos = 0;
  let sum = 0;
  for (let i = 0; i < r.length; i++) {
    if (marked[i]) {
      pos++;
      sum += r[i];
    }
  }
  const neg = r.length - pos;
  return pos && neg ? (sum - (pos * (pos + 1)) / 2) / (pos * neg) : null;
}

/** Share of the `k` highest scores (ties by index) that are marked. */
export function precisionAtK(score: ArrayLike<number>, marked: Uint8Array, k: number): number {
  const top = topIndices(score, k / score.length);
  let hit = 0;
  for (const i of top.slice(0, k)) hit += marked[i];
  return hit / k;
}
