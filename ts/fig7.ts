/**
 * The remove-and-retrain protocol of §5.2 (Figure 7): rank the training images by a score (the
 * eq. 10 influence score), remove a fraction of the highest-scored, of the lowest-scored or of
 * random images (the control), retrain a classifier from scratch with several seeds, and record the
 * test accuracy. Resumable: rows already done are skipped.
 */
import jstat from 'jstat';
import type { Benignfit } from './api.js';
import { channelStats, subsetImages, trainClassifier, type TensorSet, type ClassifierProgress } from './classifier.js';
import { resolveClassifierOptions, type ClassifierOptionsInput } from './config.js';
import { abortError, invalid } from './errors.js';
import { lineChartSvg } from './plot/lines.js';

export const REMOVED_KINDS = ['high', 'low', 'random'] as const;
export type RemovedKind = (typeof REMOVED_KINDS)[number];

/** One retraining: which images were removed, the seed, and the test accuracy it reached. */
export interface Fig7Row {
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
  /** One score per training image (higher = removed first by "high"). */
  scores: ArrayLike<number>;
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

const key = (removed: string, fraction: number, seed: number) => `${removed}|${fraction}|${seed}`;

/**
 * Run the protocol. For fraction 0 every kind trains on the same full set, so it is trained once
 * per seed and reported as one row per kind. Loops seeds outermost, so an interrupted run has every
 * point with at least one seed early.
 */
export async function removeAndRetrain(bf: Benignfit, input: RemoveAndRetrainInput, hooks: Fig7Hooks = {}): Promise<Fig7Row[]> {
  const { train, test, scores } = input;
  const n = train.labels.length;
  if (!scores || typeof scores.length !== 'number' || scores.length !== n) {
    throw invalid('scores', scores, `one score per training image (${n})`);
  }
  for (let i = 0; i < n; i++) if (!Number.isFinite(scores[i])) throw invalid(`scores[${i}]`, scores[i], 'a finite number');
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

  const have = new Map<string, Fig7Row>();
  for (const r of input.done ?? []) have.set(key(r.removed, r.fraction, r.seed), r);
  const order: Partial<Record<RemovedKind, Uint32Array>> = {};
  if (kinds.includes('high')) order.high = rankByScore(scores, 'high');
  if (kinds.includes('low')) order.low = rankByScore(scores, 'low');

  // The plan: (fraction, seed, kinds trained together).
  const plan: { fraction: number; seed: number; kinds: RemovedKind[] }[] = [];
  for (const seed of seeds) {
    for (const fraction of fractions) {
      if (removedCount(n, fraction) === 0) plan.push({ fraction, seed, kinds });
      else for (const k of kinds) plan.push({ fraction, seed, kinds: [k] });
    }
  }
  const rows: Fig7Row[] = [];
  let done = 0;
  for (const p of plan) {
    const missing = p.kinds.filter((k) => !have.has(key(k, p.fraction, p.seed)));
    if (missing.length === 0) {
      rows.push(...p.kinds.map((k) => have.get(key(k, p.fraction, p.seed))!));
      done++;
      continue;
    }
    if (hooks.signal?.aborted) throw abortError('remove-and-retrain');
    const m = removedCount(n, p.fraction);
    let keep: ArrayLike<number>;
    if (m === 0) keep = Uint32Array.from({ length: n }, (_, i) => i);
    else {
      const kind = p.kinds[0];
      const ranked = kind === 'random' ? bf.removalOrder(p.seed, n) : order[kind]!;
      // Keep the survivors in their original order, so only the removal differs between kinds.
      keep = Uint32Array.from(ranked.subarray(m)).sort();
    }
    const subset = m === 0 ? train : subsetImages(train, keep);
    const label: RemovedKind | 'none' = m === 0 ? 'none' : p.kinds[0];
    const r = await trainClassifier(
      bf,
      subset,
      test,
      { ...base, normalize, seed: p.seed, evalEveryEpoch: false },
      {
        signal: hooks.signal,
        onProgress: (t) => hooks.onProgress?.({ done, total: plan.length, removed: label, fraction: p.fraction, seed: p.seed, train: t }),
      },
    );
    r.classifier.dispose();
    const made = missing.map((k) => ({
      removed: k,
      fraction: p.fraction,
      seed: p.seed,
      testAcc: r.testAcc ?? NaN,
      trainSize: subset.labels.length,
      seconds: r.seconds,
    }));
    rows.push(...p.kinds.map((k) => have.get(key(k, p.fraction, p.seed)) ?? made.find((x) => x.removed === k)!));
    done++;
    hooks.onPoint?.(made);
  }
  return rows;
}

/** Mean test accuracy and a 95% confidence interval (Student t, n - 1 degrees of freedom). */
export interface Fig7Point {
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
    const k = `${r.removed}|${r.fraction}`;
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
    out.push({ removed: g[0].removed, fraction: g[0].fraction, n, mean, sd, ciLow: lo, ciHigh: hi });
  }
  const rank = (k: RemovedKind) => REMOVED_KINDS.indexOf(k);
  return out.sort((a, b) => rank(a.removed) - rank(b.removed) || a.fraction - b.fraction);
}

/** results.csv of the protocol: removed,fraction,seed,testAcc,trainSize,seconds. */
export function fig7Csv(rows: Fig7Row[]): string {
  const head = 'removed,fraction,seed,testAcc,trainSize,seconds';
  return `${[head, ...rows.map((r) => [r.removed, r.fraction, r.seed, r.testAcc, r.trainSize, r.seconds.toFixed(3)].join(','))].join('\n')}\n`;
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
  return lines.slice(1).map((l, j) => {
    const c = l.split(',');
    const row: Fig7Row = {
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
 * Paired comparison of two kinds of removal at each fraction: for every seed that has both, the
 * difference testAcc(a) - testAcc(b) (the same seed means the same initial weights and batch-order
 * stream, so pairing removes most of the seed-to-seed noise), with its mean and 95% Student-t
 * interval. compareFig7(rows, 'low', 'high') > 0 means removing the highest-scored images hurt more.
 */
export interface Fig7Difference {
  fraction: number;
  a: RemovedKind;
  b: RemovedKind;
  /** Seeds with both rows. */
  n: number;
  mean: number;
  sd: number | null;
  ciLow: number | null;
  ciHigh: number | null;
}

export function compareFig7(rows: Fig7Row[], a: RemovedKind, b: RemovedKind, level = 0.95): Fig7Difference[] {
  const by = new Map<string, number>();
  for (const r of rows) by.set(key(r.removed, r.fraction, r.seed), r.testAcc);
  const fractions = [...new Set(rows.map((r) => r.fraction))].sort((x, y) => x - y);
  const out: Fig7Difference[] = [];
  for (const f of fractions) {
    const seeds = [...new Set(rows.filter((r) => r.fraction === f).map((r) => r.seed))].sort((x, y) => x - y);
    const d: number[] = [];
    for (const s of seeds) {
      const va = by.get(key(a, f, s));
      const vb = by.get(key(b, f, s));
      if (va !== undefined && vb !== undefined) d.push(va - vb);
    }
    if (!d.length) continue;
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
    out.push({ fraction: f, a, b, n, mean, sd, ciLow: lo, ciHigh: hi });
  }
  return out;
}

/** summary.csv: one line per (removed, fraction) with the mean and the 95% interval over seeds. */
export function fig7SummaryCsv(points: Fig7Point[]): string {
  const cell = (v: number | null) => (v === null ? '' : String(v));
  return `${[
    'removed,fraction,n,mean,sd,ciLow,ciHigh',
    ...points.map((p) => [p.removed, p.fraction, p.n, p.mean, cell(p.sd), cell(p.ciLow), cell(p.ciHigh)].join(',')),
  ].join('\n')}\n`;
}

const KIND_STYLE: Record<RemovedKind, { label: string; color: string; dash: boolean }> = {
  high: { label: 'highest scores removed', color: '#d62728', dash: false },
  low: { label: 'lowest scores removed', color: '#1f77b4', dash: false },
  random: { label: 'random images removed (control)', color: '#7f7f7f', dash: true },
};

/**
 * Figure 7 as a line chart: test accuracy (%) against the fraction of the training set removed
 * (%), one line per kind of removal with its 95% interval as a band (none for a single seed).
 */
export function fig7Svg(points: Fig7Point[], o: { title?: string; width?: number; height?: number } = {}): string {
  const kinds = REMOVED_KINDS.filter((k) => points.some((p) => p.removed === k));
  const pct = (v: number | null) => (v === null ? null : 100 * v);
  const series = kinds.map((k) => {
    const ps = points.filter((p) => p.removed === k).sort((a, b) => a.fraction - b.fraction);
    const st = KIND_STYLE[k];
    return {
      label: st.label,
      color: st.color,
      dash: st.dash,
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
    title: o.title ?? 'Figure 7: removing high- vs low-influence images',
    width: o.width ?? 680,
    height: o.height ?? 440,
    legend: 'bottom-left',
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
