/**
 * The remove-and-retrain protocol of §5.2 (Figure 7): rank the training images by a score (the
 * eq. 10 influence score), remove a fraction of the highest-scored, of the lowest-scored or of
 * random images (the control), retrain a classifier from scratch with several seeds, and record the
 * test accuracy. Resumable: rows already done are skipped.
 */
import jstat from 'jstat';
import type { Benignfit } from '../api.js';
import { channelStats, subsetImages, trainClassifier, type TensorSet, type ClassifierProgress } from '../classifier.js';
import { resolveClassifierOptions, type ClassifierOptionsInput } from '../config.js';
import { abortError, invalid } from '../errors.js';
import { lineChartSvg } from '../plot/lines.js';

export const REMOVED_KINDS = ['high', 'low', 'random'] as const;
export type RemovedKind = (typeof REMOVED_KINDS)[number];

/** One retraining: which images were removed, the seed, and the test accuracy it reached. */
export interface Fig7Row {
  /**
   * The score that ranked the removal, when several are compared (named scores; issue 17 item 3a):
   * e.g. "eq10", "el2n"; "random" for the random control. Absent for the single eq. 10 ranking.
   */
  score?: string;
  removed: RemovedKind;
  fraction: number;
  seed: number;
  testAcc: number;
  trainSize: number;
  seconds: number;
}

export interface RemoveAndRetrainInput {
  train: TensorSet;
  test: TensorSet;
  /**
   * One score per training image (higher = removed first by "high"), or several named scores
   * ({ eq10: ..., el2n: ... }): then every score gets its "high" and "low" removals (those of
   * `removed`), the random control (when `removed` has it) is one curve named "random", and every
   * row carries its `score`. The same seeds, the same random control and the same fraction-0
   * training serve every score, so any two curves can be paired by seed.
   */
  scores: ArrayLike<number> | Record<string, ArrayLike<number>>;
  /** Fractions of the training set to remove (default 0, 0.1, ..., 0.5). */
  fractions?: number[];
  /** Training seeds; each also seeds the random removal of the control (default 0, 1, 2). */
  seeds?: number[];
  /** Which removals to run (default all three). */
  removed?: RemovedKind[];
  /** Classifier options (seed is set per row; normalize "train" uses the full training set). */
  classifier?: ClassifierOptionsInput;
  /** Rows already done (e.g. read back from results.csv): they are skipped, not rerun. */
  done?: Fig7Row[];
}

export interface Fig7Progress {
  /** Retrainings finished (resumed ones included) and planned. */
  done: number;
  total: number;
  removed: RemovedKind | 'none';
  /** The score that ranked this removal (named scores only). */
  score?: string;
  fraction: number;
  seed: number;
  /** Progress of the current retraining. */
  train: ClassifierProgress;
}

export interface Fig7Hooks {
  /** Called with the rows of each finished retraining (one per kind for fraction 0). */
  onPoint?: (rows: Fig7Row[]) => void;
  onProgress?: (p: Fig7Progress) => void;
  signal?: AbortSignal;
}

export const DEFAULT_FRACTIONS = [0, 0.1, 0.2, 0.3, 0.4, 0.5];

/** Training indices ordered for removal: highest scores first ("high"), lowest first ("low"). */
export function rankByScore(scores: ArrayLike<number>, kind: 'high' | 'low'): Uint32Array {
  const idx = Uint32Array.from({ length: scores.length }, (_, i) => i);
  // Ties by index, so the order is fully determined.
  const sign = kind === 'high' ? -1 : 1;
  return idx.sort((a, b) => sign * (scores[a] - scores[b]) || a - b);
}

/** How many images removing `fraction` of n takes away (rounded to the nearest integer). */
export function removedCount(n: number, fraction: number): number {
  return Math.round(fraction * n);
}

const key = (removed: string, fraction: number, seed: number, score?: string) => `${score === undefined ? '' : `${score}|`}${removed}|${fraction}|${seed}`;

/** One curve of Figure 7: a removal kind, ranked by a named score (undefined: the single ranking). */
export interface Fig7Curve {
  score?: string;
  removed: RemovedKind;
}

/**
 * The name of a row's curve: "high", "low", "random" for the single ranking; "eq10:high",
 * "el2n:low", ... and "random" (the control) for named scores.
 */
export function fig7Curve(r: Fig7Curve): string {
  return r.score === undefined || r.removed === 'random' ? r.removed : `${r.score}:${r.removed}`;
}

/** Whether `scores` is a record of named scores rather than one array. */
function isNamed(scores: RemoveAndRetrainInput['scores']): scores is Record<string, ArrayLike<number>> {
  return scores !== null && typeof scores === 'object' && !ArrayBuffer.isView(scores) && !Array.isArray(scores) && typeof scores.length !== 'number';
}

/**
 * Run the protocol. For fraction 0 every kind trains on the same full set, so it is trained once
 * per seed and reported as one row per kind. Loops seeds outermost, so an interrupted run has every
 * point with at least one seed early.
 */
export async function removeAndRetrain(bf: Benignfit, input: RemoveAndRetrainInput, hooks: Fig7Hooks = {}): Promise<Fig7Row[]> {
  const { train, test } = input;
  const n = train.labels.length;
  const named = isNamed(input.scores);
  const ranked: [string | undefined, ArrayLike<number>][] = named
    ? Object.entries(input.scores as Record<string, ArrayLike<number>>)
    : [[undefined, input.scores as ArrayLike<number>]];
  if (named && ranked.length === 0) throw invalid('scores', '{}', 'at least one named score');
  for (const [name, scores] of ranked) {
    const field = name === undefined ? 'scores' : `scores.${name}`;
    if (name === 'random') throw invalid(field, name, 'a score other than "random" (the random control is one of `removed`)');
    if (!scores || typeof scores.length !== 'number' || scores.length !== n) {
      throw invalid(field, scores, `one score per training image (${n})`);
    }
    for (let i = 0; i < n; i++) if (!Number.isFinite(scores[i])) throw invalid(`${field}[${i}]`, scores[i], 'a finite number');
  }
  const fractions = input.fractions ?? DEFAULT_FRACTIONS;
  fractions.forEach((f, i) => {
    if (!(Number.isFinite(f) && f >= 0 && f < 1)) throw invalid(`fractions[${i}]`, f, 'a number in [0, 1)');
    if (n - removedCount(n, f) < 1) throw invalid(`fractions[${i}]`, f, 'a fraction that leaves at least one training image');
  });
  const seeds = input.seeds ?? [0, 1, 2];
  seeds.forEach((s, i) => {
    if (!Number.isSafeInteger(s) || s < 0) throw invalid(`seeds[${i}]`, s, 'an integer from 0 to 2^53 - 1');
  });
  const kinds = input.removed ?? [...REMOVED_KINDS];
  kinds.forEach((k, i) => {
    if (!REMOVED_KINDS.includes(k)) throw invalid(`removed[${i}]`, k, 'one of "high", "low", "random"');
  });
  const base = resolveClassifierOptions(input.classifier);
  // Normalise every retraining with the full training set's statistics, so that the removed images
  // are the only difference between the runs.
  const normalize = base.normalize === 'train' ? channelStats(train) : base.normalize;

  // The curves: per score its "high" and "low" (in the order of `removed`), then the control.
  // (The single ranking keeps the order of `removed`: rows come out in that order.)
  const curves: Fig7Curve[] = named
    ? [
        ...ranked.flatMap(([name]) => kinds.filter((k) => k !== 'random').map((k) => ({ score: name, removed: k }))),
        ...(kinds.includes('random') ? [{ score: 'random', removed: 'random' as const }] : []),
      ]
    : kinds.map((k) => ({ removed: k }));
  const ckey = (c: Fig7Curve, fraction: number, seed: number) => key(c.removed, fraction, seed, c.score);

  const have = new Map<string, Fig7Row>();
  for (const r of input.done ?? []) have.set(key(r.removed, r.fraction, r.seed, r.score), r);
  const orders = new Map<string, Uint32Array>();
  const orderOf = (c: Fig7Curve): Uint32Array => {
    const id = fig7Curve(c);
    let o = orders.get(id);
    if (!o) {
      const scores = ranked.find(([name]) => name === c.score)![1];
      o = rankByScore(scores, c.removed as 'high' | 'low');
      orders.set(id, o);
    }
    return o;
  };

  // The plan: (fraction, seed, curves trained together).
  const plan: { fraction: number; seed: number; curves: Fig7Curve[] }[] = [];
  for (const seed of seeds) {
    for (const fraction of fractions) {
      if (removedCount(n, fraction) === 0) plan.push({ fraction, seed, curves });
      else for (const c of curves) plan.push({ fraction, seed, curves: [c] });
    }
  }
  const rows: Fig7Row[] = [];
  let done = 0;
  for (const p of plan) {
    const missing = p.curves.filter((c) => !have.has(ckey(c, p.fraction, p.seed)));
    if (missing.length === 0) {
      rows.push(...p.curves.map((c) => have.get(ckey(c, p.fraction, p.seed))!));
      done++;
      continue;
    }
    if (hooks.signal?.aborted) throw abortError('remove-and-retrain');
    const m = removedCount(n, p.fraction);
    let keep: ArrayLike<number>;
    if (m === 0) keep = Uint32Array.from({ length: n }, (_, i) => i);
    else {
      const c = p.curves[0];
      const order = c.removed === 'random' ? bf.removalOrder(p.seed, n) : orderOf(c);
      // Keep the survivors in their original order, so only the removal differs between kinds.
      keep = Uint32Array.from(order.subarray(m)).sort();
    }
    const subset = m === 0 ? train : subsetImages(train, keep);
    const label: RemovedKind | 'none' = m === 0 ? 'none' : p.curves[0].removed;
    const score = m === 0 ? undefined : p.curves[0].score;
    const r = await trainClassifier(
      bf,
      subset,
      test,
      { ...base, normalize, seed: p.seed, evalEveryEpoch: false },
      {
        signal: hooks.signal,
        onProgress: (t) =>
          hooks.onProgress?.({
            done,
            total: plan.length,
            removed: label,
            ...(score !== undefined ? { score } : {}),
            fraction: p.fraction,
            seed: p.seed,
            train: t,
          }),
      },
    );
    r.classifier.dispose();
    const made: Fig7Row[] = missing.map((c) => ({
      ...(c.score !== undefined ? { score: c.score } : {}),
      removed: c.removed,
      fraction: p.fraction,
      seed: p.seed,
      testAcc: r.testAcc ?? NaN,
      trainSize: subset.labels.length,
      seconds: r.seconds,
    }));
    rows.push(...p.curves.map((c) => have.get(ckey(c, p.fraction, p.seed)) ?? made.find((x) => x.removed === c.removed && x.score === c.score)!));
    done++;
    hooks.onPoint?.(made);
  }
  return rows;
}

/** Mean test accuracy and a 95% confidence interval (Student t, n - 1 degrees of freedom). */
export interface Fig7Point {
  /** The ranking score (named scores only; "random" for the control). */
  score?: string;
  removed: RemovedKind;
  fraction: number;
  /** Seeds averaged. */
  n: number;
  mean: number;
  /** Sample standard deviation (null for one seed). */
  sd: number | null;
  ciLow: number | null;
  ciHigh: number | null;
}

/** Student's t quantile (jstat), e.g. tQuantile(0.975, 2) = 4.303. */
export function tQuantile(p: number, dof: number): number {
  return jstat.jStat.studentt.inv(p, dof);
}

/** Summarise rows per (removed, fraction): mean and 95% t confidence interval over seeds. */
export function summarizeFig7(rows: Fig7Row[], level = 0.95): Fig7Point[] {
  const groups = new Map<string, Fig7Row[]>();
  for (const r of rows) {
    const k = `${r.score ?? ''}|${r.removed}|${r.fraction}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  const out: Fig7Point[] = [];
  for (const g of groups.values()) {
    const n = g.length;
    const mean = g.reduce((s, r) => s + r.testAcc, 0) / n;
    let sd: number | null = null;
    let lo: number | null = null;
    let hi: number | null = null;
    if (n > 1) {
      sd = Math.sqrt(g.reduce((s, r) => s + (r.testAcc - mean) ** 2, 0) / (n - 1));
      const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
      lo = mean - half;
      hi = mean + half;
    }
    out.push({
      ...(g[0].score !== undefined ? { score: g[0].score } : {}),
      removed: g[0].removed,
      fraction: g[0].fraction,
      n,
      mean,
      sd,
      ciLow: lo,
      ciHigh: hi,
    });
  }
  // Named scores in the order they first appear (the control last), then kind, then fraction.
  const names = [...new Set(rows.map((r) => r.score ?? ''))];
  const srank = (p: Fig7Point) => (p.score === 'random' ? names.length : names.indexOf(p.score ?? ''));
  const rank = (k: RemovedKind) => REMOVED_KINDS.indexOf(k);
  return out.sort((a, b) => srank(a) - srank(b) || rank(a.removed) - rank(b.removed) || a.fraction - b.fraction);
}

/** results.csv of the protocol: removed,fraction,seed,testAcc,trainSize,seconds (with a first column score when the rows have named scores). */
export function fig7Csv(rows: Fig7Row[]): string {
  const named = rows.some((r) => r.score !== undefined);
  const head = `${named ? 'score,' : ''}removed,fraction,seed,testAcc,trainSize,seconds`;
  return `${[head, ...rows.map((r) => [...(named ? [r.score ?? ''] : []), r.removed, r.fraction, r.seed, r.testAcc, r.trainSize, r.seconds.toFixed(3)].join(','))].join('\n')}\n`;
}

/** Read results.csv back (for resuming); rows with missing or bad fields are an error. */
export function parseFig7Csv(text: string): Fig7Row[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const head = lines[0].split(',');
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw invalid('results.csv', lines[0], `a header with column ${name}`);
    return i;
  };
  const [ir, ifr, is, ia, it, isec] = ['removed', 'fraction', 'seed', 'testAcc', 'trainSize', 'seconds'].map(col);
  const isc = head.indexOf('score');
  return lines.slice(1).map((l, j) => {
    const c = l.split(',');
    const row: Fig7Row = {
      ...(isc >= 0 && c[isc] ? { score: c[isc] } : {}),
      removed: c[ir] as RemovedKind,
      fraction: Number(c[ifr]),
      seed: Number(c[is]),
      testAcc: Number(c[ia]),
      trainSize: Number(c[it]),
      seconds: Number(c[isec]),
    };
    if (!REMOVED_KINDS.includes(row.removed) || ![row.fraction, row.seed, row.testAcc, row.trainSize].every(Number.isFinite)) {
      throw invalid(`results.csv line ${j + 2}`, l, 'removed (high|low|random), fraction, seed, testAcc, trainSize, seconds');
    }
    return row;
  });
}

/**
 * Paired comparison of two curves at each fraction: for every seed that has both, the difference
 * testAcc(a) - testAcc(b) (the same seed means the same initial weights and batch-order stream, so
 * pairing removes most of the seed-to-seed noise), with its mean and 95% Student-t interval.
 * compareFig7(rows, 'low', 'high') > 0 means removing the highest-scored images hurt more. With
 * named scores the curves are named as by fig7Curve: compareFig7(rows, 'el2n:low', 'el2n:high'),
 * compareFig7(rows, 'random', 'eq10:high').
 */
export interface Fig7Difference {
  fraction: number;
  /** Curves as named by fig7Curve ("high", "low", "random"; "eq10:high", ... with named scores). */
  a: string;
  b: string;
  /** Seeds with both rows. */
  n: number;
  mean: number;
  sd: number | null;
  ciLow: number | null;
  ciHigh: number | null;
}

/** Mean, sample sd and Student-t interval of paired differences (null sd/interval for one). */
function pairedStats(d: number[], level: number): { n: number; mean: number; sd: number | null; ciLow: number | null; ciHigh: number | null } {
  const n = d.length;
  const mean = d.reduce((t, v) => t + v, 0) / n;
  let sd: number | null = null;
  let lo: number | null = null;
  let hi: number | null = null;
  if (n > 1) {
    sd = Math.sqrt(d.reduce((t, v) => t + (v - mean) ** 2, 0) / (n - 1));
    const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
    lo = mean - half;
    hi = mean + half;
  }
  return { n, mean, sd, ciLow: lo, ciHigh: hi };
}

export function compareFig7(rows: Fig7Row[], a: string, b: string, level = 0.95): Fig7Difference[] {
  const by = new Map<string, number>();
  for (const r of rows) by.set(`${fig7Curve(r)}|${r.fraction}|${r.seed}`, r.testAcc);
  const fractions = [...new Set(rows.map((r) => r.fraction))].sort((x, y) => x - y);
  const out: Fig7Difference[] = [];
  for (const f of fractions) {
    const seeds = [...new Set(rows.filter((r) => r.fraction === f).map((r) => r.seed))].sort((x, y) => x - y);
    const d: number[] = [];
    for (const s of seeds) {
      const va = by.get(`${a}|${f}|${s}`);
      const vb = by.get(`${b}|${f}|${s}`);
      if (va !== undefined && vb !== undefined) d.push(va - vb);
    }
    if (!d.length) continue;
    out.push({ fraction: f, a, b, ...pairedStats(d, level) });
  }
  return out;
}

/**
 * The accuracy each curve loses by its removal, paired by seed: testAcc(nothing removed, seed) -
 * testAcc(curve at fraction f, seed), mean and 95% interval, for every fraction above 0
 * (> 0: the removal hurt). The fraction-0 training is shared by every curve of a seed.
 */
export interface Fig7Drop extends Fig7Point {
  curve: string;
}

export function fig7Drops(rows: Fig7Row[], level = 0.95): Fig7Drop[] {
  const full = new Map<number, number>();
  const minF = rows.length ? Math.min(...rows.map((r) => r.fraction)) : 0;
  if (minF !== 0) return [];
  for (const r of rows) if (r.fraction === 0) full.set(r.seed, r.testAcc);
  const groups = new Map<string, Fig7Row[]>();
  for (const r of rows) {
    if (r.fraction === 0 || !full.has(r.seed)) continue;
    const k = `${fig7Curve(r)}|${r.fraction}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  const out: Fig7Drop[] = [];
  for (const g of groups.values()) {
    const r0 = g[0];
    out.push({
      curve: fig7Curve(r0),
      ...(r0.score !== undefined ? { score: r0.score } : {}),
      removed: r0.removed,
      fraction: r0.fraction,
      ...pairedStats(
        g.map((r) => full.get(r.seed)! - r.testAcc),
        level,
      ),
    });
  }
  return out;
}

/** summary.csv: one line per (removed, fraction) with the mean and the 95% interval over seeds (a first column score with named scores). */
export function fig7SummaryCsv(points: Fig7Point[]): string {
  const cell = (v: number | null) => (v === null ? '' : String(v));
  const named = points.some((p) => p.score !== undefined);
  return `${[
    `${named ? 'score,' : ''}removed,fraction,n,mean,sd,ciLow,ciHigh`,
    ...points.map((p) => [...(named ? [p.score ?? ''] : []), p.removed, p.fraction, p.n, p.mean, cell(p.sd), cell(p.ciLow), cell(p.ciHigh)].join(',')),
  ].join('\n')}\n`;
}

const KIND_STYLE: Record<RemovedKind, { label: string; color: string; dash: boolean }> = {
  high: { label: 'highest scores removed', color: '#d62728', dash: false },
  low: { label: 'lowest scores removed', color: '#1f77b4', dash: false },
  random: { label: 'random images removed (control)', color: '#7f7f7f', dash: true },
};

/** Colours of named scores in the Figure 7 chart (the random control is grey and dashed). */
const SCORE_COLORS: Record<string, string> = {
  eq10: '#d62728',
  el2n: '#1f77b4',
  forgetting: '#2ca02c',
  'mean-dist': '#ff7f0e',
  knn: '#9467bd',
};
const EXTRA_COLORS = ['#8c564b', '#e377c2', '#17becf', '#bcbd22'];

/**
 * Figure 7 as a line chart: test accuracy (%) against the fraction of the training set removed
 * (%), one line per kind of removal with its 95% interval as a band (none for a single seed). With
 * named scores: one colour per score, solid for its highest removed, dashed for its lowest
 * removed, and the random control in grey; the legend sits below the axes, outside the data.
 */
export function fig7Svg(points: Fig7Point[], o: { title?: string; width?: number; height?: number } = {}): string {
  const named = points.some((p) => p.score !== undefined);
  const pct = (v: number | null) => (v === null ? null : 100 * v);
  const curveIds = [...new Set(points.map((p) => fig7Curve(p)))];
  if (!named) curveIds.sort((a, b) => REMOVED_KINDS.indexOf(a as RemovedKind) - REMOVED_KINDS.indexOf(b as RemovedKind));
  const scoreNames = [...new Set(points.filter((p) => p.score !== undefined && p.removed !== 'random').map((p) => p.score!))];
  const colorOf = (score: string) => SCORE_COLORS[score] ?? EXTRA_COLORS[scoreNames.filter((s) => !(s in SCORE_COLORS)).indexOf(score) % EXTRA_COLORS.length];
  const series = curveIds.map((id) => {
    const ps = points.filter((p) => fig7Curve(p) === id).sort((a, b) => a.fraction - b.fraction);
    const p0 = ps[0];
    const st = KIND_STYLE[p0.removed];
    const style =
      !named || p0.removed === 'random'
        ? st
        : {
            label: `${p0.score}: ${p0.removed === 'high' ? 'highest' : 'lowest'} removed`,
            color: colorOf(p0.score!),
            dash: p0.removed === 'low',
          };
    return {
      label: style.label,
      color: style.color,
      dash: style.dash,
      markers: true,
      x: ps.map((p) => 100 * p.fraction),
      y: ps.map((p) => pct(p.mean)),
      lo: ps.map((p) => pct(p.ciLow)),
      hi: ps.map((p) => pct(p.ciHigh)),
    };
  });
  const seeds = points.length ? Math.min(...points.map((p) => p.n)) : 0;
  const maxSeeds = points.length ? Math.max(...points.map((p) => p.n)) : 0;
  return lineChartSvg({
    series,
    x: { label: 'training images removed (%)' },
    y: {
      label: `test accuracy (%), mean of ${seeds === maxSeeds ? seeds : `${seeds}-${maxSeeds}`} seed${maxSeeds === 1 ? '' : 's'}${maxSeeds > 1 ? ', 95% interval' : ''}`,
    },
    title: o.title ?? (named ? 'Figure 7: removing high- vs low-scored images, by score' : 'Figure 7: removing high- vs low-influence images'),
    width: o.width ?? (named ? 760 : 680),
    height: o.height ?? 440,
    legend: 'below',
  });
}

/** The datasets of Figure 7 and their classifiers. */
export const FIG7_DATASETS = ['mnist', 'cifar10'] as const;
export type Fig7Dataset = (typeof FIG7_DATASETS)[number];

export interface Fig7Preset {
  description: string;
  fractions: number[];
  seeds: number[];
  removed: RemovedKind[];
  classifier: ClassifierOptionsInput;
}

/**
 * The presets of `reproduce fig7` (chosen by measuring them on the project's 2-core machine; see
 * docs/classifiers.md): LeNet-5 on MNIST, the small CNN on CIFAR-10 (ResNet-18, which the paper
 * used, needs hours per epoch on a CPU). `quick` trades fractions, seeds and epochs for time.
 */
export function fig7Preset(dataset: Fig7Dataset, quick: boolean): Fig7Preset {
  const seeds = (n: number) => Array.from({ length: n }, (_, i) => i);
  if (dataset === 'mnist') {
    return quick
      ? {
          description: 'LeNet-5 on MNIST, 2 epochs, removing 0, 10, 30, 50% (3 seeds)',
          fractions: [0, 0.1, 0.3, 0.5],
          seeds: seeds(3),
          removed: [...REMOVED_KINDS],
          classifier: { arch: 'lenet5', epochs: 2 },
        }
      : {
          description: 'LeNet-5 on MNIST, 5 epochs, removing 0-50% in steps of 10% (5 seeds)',
          fractions: DEFAULT_FRACTIONS,
          seeds: seeds(5),
          removed: [...REMOVED_KINDS],
          classifier: { arch: 'lenet5', epochs: 5 },
        };
  }
  return quick
    ? {
        description: 'small CNN on CIFAR-10, 2 epochs, removing 0, 25, 50% (2 seeds)',
        fractions: [0, 0.25, 0.5],
        seeds: seeds(2),
        removed: [...REMOVED_KINDS],
        classifier: { arch: 'cifar-small', epochs: 2 },
      }
    : {
        description: 'small CNN on CIFAR-10, 10 epochs, removing 0-50% in steps of 10% (3 seeds)',
        fractions: DEFAULT_FRACTIONS,
        seeds: seeds(3),
        removed: [...REMOVED_KINDS],
        classifier: { arch: 'cifar-small', epochs: 10 },
      };
}
