/**
 * `reproduce fig7`: the remove-and-retrain protocol of §5.2 into a folder, resumable like sweeps.
 *
 * Folder: config.json (resolved config, versions, seed; the run's identity), scores.csv/.npy and
 * influence.json (the eq. 10 scores the ranking uses, computed once), results.jsonl + results.csv
 * (one row per retraining, appended durably as each finishes), summary.csv/.json (mean and 95%
 * interval per point, paired differences between kinds) and fig7.svg/.png.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Benignfit } from '../api.js';
import { ARCH_INPUT, tensorsFromImages, type TensorSet } from '../classifier.js';
import { resolveClassifierOptions, resolveInfluenceConfig, type ClassifierOptionsInput, type InfluenceConfigInput } from '../config.js';
import { BenignfitError, invalid } from '../errors.js';
import {
  compareFig7,
  fig7Curve,
  fig7Drops,
  fig7Svg,
  fig7SummaryCsv,
  REMOVED_KINDS,
  rankByScore,
  removeAndRetrain,
  removedCount,
  summarizeFig7,
  type Fig7Dataset,
  type Fig7Drop,
  type Fig7Row,
  type RemovedKind,
} from '../figures/fig7.js';
import { computeScores, scoreClassifier, type ScoreName } from '../scores.js';
import type { ImageSet } from '../formats/idx.js';
import { decodeNpy, encodeNpy } from '../npy.js';
import { dataFromImageSet } from '../formats/data.js';
import { svgToPng } from '../plot/raster.js';
import { ensureRasterizer } from '../plot/raster-node.js';
import { ResultStore, writeFileAtomic, type StoreSpec } from '../sweep/store.js';
import { fmt, table, writeJson } from './common.js';
import { imageSetDigest } from './datasets.js';
import { influenceWithProgress, writeInfluenceOutputs } from './influence.js';
import { interruptible, progressBar, safeError } from './progress.js';

/** One retraining as stored: the protocol's row, the epochs it trained and the backend. */
export interface Fig7Result extends Fig7Row {
  epochs: number;
  backend: string;
}

/** What a Figure 7 run is (config.json's `config`; everything but `threads` must match to resume). */
export interface Fig7RunConfig {
  dataset: Fig7Dataset;
  preset: string;
  fractions: number[];
  seeds: number[];
  removed: RemovedKind[];
  classifier: ClassifierOptionsInput;
  influence: InfluenceConfigInput;
  /**
   * Named scores (`reproduce fig7 --scores eq10,el2n,forgetting,random`): each ranks its own
   * "high" and "low" removal, "random" adds the random control; rows carry their `score`. Absent:
   * the eq. 10 ranking alone, as before (so older folders resume unchanged).
   */
  scores?: ScoreName[];
  /** How the scores other than eq. 10 are computed (with `scores`): as `benignfit scores` does. */
  scoreOptions?: Fig7ScoreOptions;
}

/** The settings of the named scores of a Figure 7 run (the flags of `benignfit scores`). */
export interface Fig7ScoreOptions {
  /** Epochs of the training forgetting counts in (EL2N: measured at elEpoch, default 10% of it). */
  epochs: number;
  el2nSeeds: number;
  el2nEpoch?: number;
  /** Seed of the forgetting training (and of the random score, unused here: the control is per seed). */
  seed: number;
  /** Neighbours of the k-NN score. */
  k: number;
}

/** The curves' names of a named-scores run: the ranking scores (not "random") and whether the control runs. */
export function fig7ScorePlan(scores: ScoreName[]): { ranked: ScoreName[]; control: boolean; removed: RemovedKind[] } {
  const ranked = scores.filter((s) => s !== 'random');
  const control = scores.includes('random');
  return { ranked, control, removed: ['high', 'low', ...(control ? (['random'] as const) : [])] };
}

export interface Fig7Meta {
  command: string;
  config: Fig7RunConfig & { classifier: ReturnType<typeof resolveClassifierOptions>; influence: ReturnType<typeof resolveInfluenceConfig> };
  data: { train: DataId; test: DataId };
  /** The seed of every retraining is one of config.seeds (initial weights, batch order, random removal). */
  seed: number[];
  backend: string;
  versions: Record<string, unknown>;
  created: string;
}

interface DataId {
  sources: string[];
  n: number;
  shape: [number, number, number];
  sha256: string;
}

const dataId = (s: ImageSet, t: TensorSet): DataId => ({ sources: s.sources, n: s.n, shape: t.shape, sha256: imageSetDigest(s) });

/** The identity of a run: the resolved config without threads, and the data (not its path). */
function identity(m: Fig7Meta): unknown {
  const { threads: _t, ...classifier } = m.config.classifier as unknown as Record<string, unknown>;
  void _t;
  const strip = (d: DataId) => ({ n: d.n, shape: d.shape, sha256: d.sha256 });
  return { ...m.config, classifier, data: { train: strip(m.data.train), test: strip(m.data.test) } };
}

const RESULT_COLUMNS = ['removed', 'fraction', 'seed', 'testAcc', 'trainSize', 'seconds', 'epochs', 'backend'] as const;

/** Why a parsed line is not a Figure 7 row (null: it is one). */
function fig7RowProblem(v: unknown): string | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not a result row (a JSON object with removed, fraction, seed, testAcc)';
  const r = v as Record<string, unknown>;
  if (r.score !== undefined && typeof r.score !== 'string') return `not a result row (score: ${JSON.stringify(r.score)}, expected the name of a score)`;
  if (!REMOVED_KINDS.includes(r.removed as RemovedKind))
    return `not a result row (removed: ${JSON.stringify(r.removed) ?? 'missing'}, expected high, low or random)`;
  for (const k of ['fraction', 'seed', 'trainSize', 'seconds'] as const)
    if (typeof r[k] !== 'number') return `not a result row (${k}: ${JSON.stringify(r[k]) ?? 'missing'}, expected a number)`;
  if (!(typeof r.testAcc === 'number' || r.testAcc === null)) return `not a result row (testAcc: ${JSON.stringify(r.testAcc) ?? 'missing'}, expected a number)`;
  return null;
}

export const FIG7_STORE: StoreSpec<Fig7Result, Fig7Meta> = {
  valid: fig7RowProblem,
  metaFile: 'config.json',
  what: 'a Figure 7 run',
  identity,
  key: (r) => `${r.score === undefined ? '' : `${r.score}|`}${r.removed}|${r.fraction}|${r.seed}`,
  order: (a, b) => REMOVED_KINDS.indexOf(a.removed) - REMOVED_KINDS.indexOf(b.removed) || a.fraction - b.fraction || a.seed - b.seed,
  csvHeader: `${RESULT_COLUMNS.join(',')}\n`,
  csvRow: (r) => `${[r.removed, r.fraction, r.seed, r.testAcc, r.trainSize, r.seconds.toFixed(3), r.epochs, r.backend].join(',')}\n`,
};

/** The store of a named-scores run: rows keyed and ordered by score too, results.csv with a first column score. */
export function fig7StoreFor(scores: ScoreName[] | undefined): StoreSpec<Fig7Result, Fig7Meta> {
  if (!scores) return FIG7_STORE;
  const names = [...fig7ScorePlan(scores).ranked, 'random'];
  const rank = (r: Fig7Result) => {
    const i = names.indexOf(r.score ?? '');
    return i < 0 ? names.length : i;
  };
  return {
    ...FIG7_STORE,
    order: (a, b) => rank(a) - rank(b) || (FIG7_STORE.order ? FIG7_STORE.order(a, b) : 0),
    csvHeader: `score,${RESULT_COLUMNS.join(',')}\n`,
    csvRow: (r) => `${r.score ?? ''},${FIG7_STORE.csvRow(r)}`,
  };
}

export interface Fig7Flags {
  out: string;
  threads?: number;
  /** Label of the progress bar and messages. */
  label?: string;
}

export interface Fig7FolderResult {
  rows: Fig7Result[];
  aborted: boolean;
  /** 130 or 143 when SIGINT or SIGTERM stopped the run, else 0. */
  exitCode: number;
  files: string[];
  summary: Fig7Summary;
}

/** Paired differences per fraction: low - high (> 0: removing high-scored images hurt more), random - high, random - low. */
export interface Fig7Differences {
  lowMinusHigh: ReturnType<typeof compareFig7>;
  randomMinusHigh: ReturnType<typeof compareFig7>;
  randomMinusLow: ReturnType<typeof compareFig7>;
}

export interface Fig7Summary {
  points: ReturnType<typeof summarizeFig7>;
  /** The single eq. 10 ranking: paired differences between its kinds. */
  differences?: Fig7Differences;
  /** Named scores: the same paired differences for each score (its low and high, and the random control). */
  byScore?: Record<string, Fig7Differences>;
  /** Accuracy lost by each curve at each fraction, paired with the same seed's training on everything. */
  drops: Fig7Drop[];
  /** Retrainings done (fraction 0 is one retraining per seed for all kinds) and planned; seconds of this invocation. */
  retrainings: { done: number; planned: number; seconds: number };
  /** Rows of results.csv. */
  rows: number;
  /**
   * The ranking is over the whole training set, so the classes need not lose the same share:
   * for "high" and "low" at each fraction, the share of every class's images removed.
   */
  removedPerClass?: Partial<Record<'high' | 'low', { fraction: number; share: number[] }[]>>;
  /** Named scores: removedPerClass of each score's ranking. */
  removedPerClassByScore?: Record<string, Partial<Record<'high' | 'low', { fraction: number; share: number[] }[]>>>;
}

/** Share of each class's training images that "high" and "low" remove at each fraction. */
export function removedPerClass(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  fractions: number[],
  kinds: RemovedKind[],
): NonNullable<Fig7Summary['removedPerClass']> {
  const n = labels.length;
  let K = 0;
  for (let i = 0; i < n; i++) K = Math.max(K, labels[i] + 1);
  const size = new Array<number>(K).fill(0);
  for (let i = 0; i < n; i++) size[labels[i]]++;
  const out: NonNullable<Fig7Summary['removedPerClass']> = {};
  for (const kind of ['high', 'low'] as const) {
    if (!kinds.includes(kind)) continue;
    const order = rankByScore(scores, kind);
    out[kind] = fractions.map((f) => {
      const gone = new Array<number>(K).fill(0);
      const m = removedCount(n, f);
      for (let j = 0; j < m; j++) gone[labels[order[j]]]++;
      return { fraction: f, share: gone.map((g, k) => (size[k] ? g / size[k] : 0)) };
    });
  }
  return out;
}

/** Scores of a previous run in this folder (scores.npy), or null when there are none that fit. */
function readScores(f: string, n: number): Float64Array | null {
  if (!existsSync(f)) return null;
  try {
    const { data, shape } = decodeNpy(new Uint8Array(readFileSync(f)), f);
    if (!(data instanceof Float64Array) || shape.length !== 1 || shape[0] !== n) return null;
    return data;
  } catch {
    return null;
  }
}

/**
 * Run (or resume) Figure 7 into a folder: scores (once), the retrainings with a progress bar
 * (Ctrl-C stops after the current chunk of mini-batches; finished retrainings are kept), then the
 * summary and the figure of whatever is done.
 */
export async function runFig7ToFolder(
  bf: Benignfit,
  dir: string,
  train: ImageSet,
  test: ImageSet,
  config: Fig7RunConfig,
  o: Fig7Flags,
): Promise<Fig7FolderResult> {
  const label = o.label ?? 'fig7';
  const classifier = resolveClassifierOptions({ ...config.classifier, ...(o.threads !== undefined ? { threads: o.threads } : {}) });
  const influence = resolveInfluenceConfig(config.influence);
  const shape = ARCH_INPUT[classifier.arch];
  for (const [set, what] of [
    [train, 'training'],
    [test, 'test'],
  ] as const) {
    const got = [set.channels, set.height, set.width];
    if (got.join() !== shape.join()) {
      throw invalid(
        `${what} images`,
        `${set.n} images of ${set.channels}x${set.height}x${set.width}`,
        `${shape.join('x')} images (the input of ${classifier.arch}; --dataset mnist uses lenet5, cifar10 cifar-small)`,
      );
    }
  }
  const trainT = tensorsFromImages(train);
  const testT = tensorsFromImages(test);
  const meta: Fig7Meta = {
    command: `reproduce fig7 --dataset ${config.dataset}${config.scores ? ` --scores ${config.scores.join(',')}` : ''}`,
    config: { ...config, classifier, influence },
    data: { train: dataId(train, trainT), test: dataId(test, testT) },
    seed: config.seeds,
    backend: bf.backend,
    versions: { benignfit: '0.1.0', core: bf.version(), build: bf.buildInfo },
    created: new Date().toISOString(),
  };
  const named = config.scores !== undefined;
  const plan = named ? fig7ScorePlan(config.scores!) : null;
  if (plan && plan.ranked.length === 0 && !plan.control) throw invalid('--scores', config.scores!.join(','), 'one or more scores');
  const curveNames = plan ? new Set([...plan.ranked, ...(plan.control ? ['random'] : [])]) : null;
  const spec: StoreSpec<Fig7Result, Fig7Meta> = {
    ...fig7StoreFor(config.scores),
    foreign: (r) => {
      const what = `a ${r.score !== undefined ? `${r.score} ` : ''}${r.removed} row at fraction ${r.fraction}, seed ${r.seed}, which this run does not plan`;
      if (!config.fractions.includes(r.fraction) || !config.seeds.includes(r.seed)) return what;
      const atZero = removedCount(train.n, r.fraction) === 0;
      if (!curveNames) return r.score !== undefined || (!config.removed.includes(r.removed) && !atZero) ? what : null;
      if (r.score === undefined || !curveNames.has(r.score) || (r.score === 'random') !== (r.removed === 'random')) return what;
      return null;
    },
  };
  const store = ResultStore.open(dir, spec, meta, { note: safeError });
  try {
    // The ranking: the scores of this folder when they are there (so a resumed run, even on the
    // other backend, removes exactly the same images), else computed now. config.json records
    // their digest: scores.npy replaced by another run (e.g. `influence --out` here) is refused.
    const metaFile = join(dir, FIG7_STORE.metaFile);
    const readMeta = () => JSON.parse(readFileSync(metaFile, 'utf8')) as { scoresSha256?: string; scoreFilesSha256?: Record<string, string> };
    const rankings: Record<string, Float64Array> = {};
    const wantEq10 = !plan || plan.ranked.includes('eq10');
    if (wantEq10) {
      const scoresFile = join(dir, 'scores.npy');
      const recorded = readMeta().scoresSha256;
      let scores = readScores(scoresFile, train.n);
      if (scores) safeError(`${label}: using the influence scores in ${scoresFile}`);
      else {
        if (existsSync(scoresFile) && recorded) {
          throw new BenignfitError(
            'E_INVALID',
            `--out: ${scoresFile} is not the ranking this run computed (it does not hold ${train.n} scores); it was replaced. Restore it, or use a new --out folder.`,
            { field: '--out' },
          );
        }
        safeError(`${label}: influence scores (eq. 10) of ${train.n} training images`);
        const res = await influenceWithProgress(bf, train, { ...influence, frobenius: false });
        await writeInfluenceOutputs(dir, bf, train, res, { grid: 10, outputs: ['scores'], command: meta.command, summary: 'influence.json' });
        scores = res.scores;
      }
      const digest = createHash('sha256').update(readFileSync(scoresFile)).digest('hex');
      if (recorded && recorded !== digest) {
        throw new BenignfitError(
          'E_INVALID',
          `--out: ${scoresFile} is not the ranking this run started with (its sha256 differs from config.json's scoresSha256): another command (e.g. \`influence --out\` into this folder) replaced it. Resuming would rank the images differently; restore it, or use a new --out folder.`,
          { field: '--out' },
        );
      }
      if (!recorded) writeFileAtomic(metaFile, `${JSON.stringify({ ...readMeta(), scoresSha256: digest }, null, 2)}\n`);
      rankings.eq10 = scores;
    }
    // Named scores other than eq. 10: computed once each as `benignfit scores` does (the same
    // classifier, seeds and epochs), saved as score-NAME.npy with their digest in config.json
    // (scoreFilesSha256) before the retraining starts, and read back (and checked) on resume.
    if (plan) {
      const so = config.scoreOptions ?? { epochs: classifier.epochs, el2nSeeds: 10, seed: 0, k: 10 };
      for (const name of plan.ranked) {
        if (name === 'eq10') continue;
        const file = join(dir, `score-${name}.npy`);
        const recorded = readMeta().scoreFilesSha256?.[name];
        let values = readScores(file, train.n);
        if (values) safeError(`${label}: using the ${name} scores in ${file}`);
        else {
          if (recorded) {
            throw new BenignfitError(
              'E_INVALID',
              `--out: ${file} is missing or does not hold ${train.n} scores, but config.json records its sha256: it was removed or replaced. Restore it, or use a new --out folder.`,
              { field: '--out' },
            );
          }
          safeError(`${label}: ${name} scores of ${train.n} training images`);
          const ac = interruptible(`${label} (${name})`);
          try {
            const { columns } = await computeScores(bf, { data: dataFromImageSet(train), tensors: () => trainT }, [name], {
              influence: { ...influence },
              k: so.k,
              seed: so.seed,
              classifier: scoreClassifier(trainT.shape, train.classes, { arch: classifier.arch, epochs: so.epochs, threads: classifier.threads }),
              el2nSeeds: Array.from({ length: so.el2nSeeds }, (_, i) => i),
              el2nEpoch: so.el2nEpoch,
              signal: ac.signal,
              log: safeError,
            });
            values = columns[0].values;
          } catch (e) {
            if (e instanceof BenignfitError && e.code === 'E_ABORTED') {
              safeError(`${label}: stopped by ${ac.received ?? 'a cancel'} while computing the ${name} scores; run the same command again to resume.`);
              return {
                rows: store.rows(),
                aborted: true,
                exitCode: ac.exitCode() || 130,
                files: [],
                summary: emptySummary(store.rows().length, plannedRetrainings(train.n, config)),
              };
            }
            throw e;
          } finally {
            ac.dispose();
          }
          writeFileAtomic(file, encodeNpy(values, [train.n]));
        }
        const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
        if (recorded && recorded !== digest) {
          throw new BenignfitError(
            'E_INVALID',
            `--out: ${file} is not the ranking this run started with (its sha256 differs from config.json's scoreFilesSha256.${name}). Resuming would rank the images differently; restore it, or use a new --out folder.`,
            { field: '--out' },
          );
        }
        if (!recorded) {
          const m = readMeta();
          writeFileAtomic(metaFile, `${JSON.stringify({ ...m, scoreFilesSha256: { ...(m.scoreFilesSha256 ?? {}), [name]: digest } }, null, 2)}\n`);
        }
        rankings[name] = values;
      }
    }

    const planned = plannedRetrainings(train.n, config);
    const before = store.done.size;
    if (before > 0) safeError(`${label}: resuming in ${dir}: ${before} rows already done`);
    const ac = interruptible(label);
    const bar = progressBar(label, planned, 'retrainings');
    const t0 = performance.now();
    let trained = 0;
    let aborted = false;
    try {
      await removeAndRetrain(
        bf,
        {
          train: trainT,
          test: testT,
          scores: plan ? Object.fromEntries(plan.ranked.map((nm) => [nm, rankings[nm]])) : rankings.eq10,
          fractions: config.fractions,
          seeds: config.seeds,
          removed: plan ? plan.removed : config.removed,
          classifier,
          done: store.rows(),
        },
        {
          signal: ac.signal,
          onPoint: (rows) => {
            trained++;
            store.append(...rows.map((r) => ({ ...r, epochs: classifier.epochs, backend: bf.backend })));
          },
          onProgress: (p) => {
            const part = p.train.totalSteps ? p.train.step / p.train.totalSteps : 0;
            bar.update(
              Math.round((p.done + part) * 10) / 10,
              `${p.removed === 'none' ? 'nothing' : `${p.score && p.removed !== 'random' ? `${p.score} ` : ''}${p.removed}`} ${fmt(100 * p.fraction)}% removed, seed ${p.seed}, epoch ${p.train.epoch + 1}/${p.train.epochs}, loss ${p.train.loss.toFixed(3)}`,
            );
          },
        },
      );
      bar.update(planned);
    } catch (e) {
      if (!(e instanceof BenignfitError && e.code === 'E_ABORTED')) throw e;
      aborted = true;
    } finally {
      bar.stop();
      ac.dispose();
    }
    const seconds = (performance.now() - t0) / 1000;
    const rows = store.rows();
    const done = new Set(rows.map((r) => `${r.fraction}|${r.seed}|${removedCount(train.n, r.fraction) === 0 ? '' : fig7Curve(r)}`)).size;
    if (aborted)
      safeError(
        `${label}: stopped by ${ac.received ?? 'a cancel'}; ${done} of ${planned} retrainings are saved in ${dir}. Run the same command again to resume.`,
      );
    else safeError(`${label}: ${planned} retrainings (${trained} now, ${planned - trained} from before) in ${seconds.toFixed(1)} s`);
    const shares = plan ? undefined : removedPerClass(rankings.eq10, train.labels, config.fractions, config.removed);
    const sharesByScore = plan
      ? Object.fromEntries(plan.ranked.map((nm) => [nm, removedPerClass(rankings[nm], train.labels, config.fractions, ['high', 'low'])]))
      : undefined;
    const { files, summary } = await writeFig7Outputs(dir, rows, {
      done,
      planned,
      seconds,
      ...(shares ? { removedPerClass: shares } : {}),
      ...(sharesByScore ? { removedPerClassByScore: sharesByScore } : {}),
      title: `Figure 7: ${config.dataset === 'mnist' ? 'MNIST, LeNet-5' : 'CIFAR-10, small CNN'}, ${classifier.epochs} epoch${classifier.epochs > 1 ? 's' : ''}${plan ? ', by score' : ''}`,
    });
    return { rows, aborted, exitCode: aborted ? ac.exitCode() || 130 : 0, files, summary };
  } finally {
    store.close();
  }
}

function emptySummary(rows: number, planned: number): Fig7Summary {
  return { points: [], drops: [], retrainings: { done: 0, planned, seconds: 0 }, rows };
}

/** Retrainings of a plan: one per seed for fraction 0 (shared by the kinds), one per kind and seed otherwise. */
export function plannedRetrainings(n: number, c: Pick<Fig7RunConfig, 'fractions' | 'seeds' | 'removed' | 'scores'>): number {
  let curves = c.removed.length;
  if (c.scores) {
    const p = fig7ScorePlan(c.scores);
    curves = 2 * p.ranked.length + (p.control ? 1 : 0);
  }
  return c.seeds.length * c.fractions.reduce((t, f) => t + (removedCount(n, f) === 0 ? 1 : curves), 0);
}

/** summary.csv, summary.json and fig7.svg/.png from the rows done so far. */
export async function writeFig7Outputs(
  dir: string,
  rows: Fig7Row[],
  o: {
    done: number;
    planned: number;
    seconds: number;
    title: string;
    removedPerClass?: Fig7Summary['removedPerClass'];
    removedPerClassByScore?: Fig7Summary['removedPerClassByScore'];
  },
): Promise<{ files: string[]; summary: Fig7Summary }> {
  const points = summarizeFig7(rows);
  const names = [...new Set(rows.filter((r) => r.score !== undefined && r.score !== 'random').map((r) => r.score!))];
  const named = rows.some((r) => r.score !== undefined);
  const diffs = (high: string, low: string): Fig7Differences => ({
    lowMinusHigh: compareFig7(rows, low, high),
    randomMinusHigh: compareFig7(rows, 'random', high),
    randomMinusLow: compareFig7(rows, 'random', low),
  });
  const summary: Fig7Summary = {
    points,
    ...(named ? { byScore: Object.fromEntries(names.map((nm) => [nm, diffs(`${nm}:high`, `${nm}:low`)])) } : { differences: diffs('high', 'low') }),
    drops: fig7Drops(rows),
    retrainings: { done: o.done, planned: o.planned, seconds: o.seconds },
    rows: rows.length,
    ...(o.removedPerClass ? { removedPerClass: o.removedPerClass } : {}),
    ...(o.removedPerClassByScore ? { removedPerClassByScore: o.removedPerClassByScore } : {}),
  };
  const put = (name: string, data: string | Uint8Array) => {
    const tmp = join(dir, `${name}.tmp`);
    writeFileSync(tmp, data);
    renameSync(tmp, join(dir, name));
  };
  put('summary.csv', fig7SummaryCsv(points));
  writeJson(dir, 'summary.json', summary);
  const svg = fig7Svg(points, { title: o.title });
  put('fig7.svg', svg);
  await ensureRasterizer();
  put('fig7.png', svgToPng(svg));
  return { files: ['results.csv', 'results.jsonl', 'summary.csv', 'summary.json', 'fig7.svg', 'fig7.png'], summary };
}

/** A plain-text table: mean test accuracy (%) per fraction and kind, and the paired low - high difference. */
export function fig7Table(s: Fig7Summary): string {
  const fractions = [...new Set(s.points.map((p) => p.fraction))].sort((a, b) => a - b);
  const pct = (v: number) => (100 * v).toFixed(2);
  const interval = (d: { mean: number; ciLow: number | null; ciHigh: number | null }) =>
    d.ciLow !== null ? `${(100 * d.mean).toFixed(2)} [${(100 * d.ciLow).toFixed(2)}, ${(100 * d.ciHigh!).toFixed(2)}]` : (100 * d.mean).toFixed(2);
  const cellOf = (p: (typeof s.points)[number] | undefined) => {
    if (!p) return '-';
    return p.ciLow !== null ? `${pct(p.mean)} ± ${(100 * (p.ciHigh! - p.mean)).toFixed(2)}` : pct(p.mean);
  };
  if (s.byScore) {
    // Named scores: one line per curve (accuracy per fraction), then each score's low - high.
    const curves = [...new Set(s.points.map((p) => fig7Curve(p)))];
    const acc = table(
      ['curve (acc %)', ...fractions.map((f) => `${fmt(100 * f)}%`)],
      curves.map((c) => [c, ...fractions.map((f) => cellOf(s.points.find((p) => fig7Curve(p) === c && p.fraction === f)))]),
    );
    const names = Object.keys(s.byScore);
    const gaps = table(
      ['low - high (pp, 95% CI)', ...fractions.filter((f) => f > 0).map((f) => `${fmt(100 * f)}%`)],
      names.map((nm) => [
        nm,
        ...fractions
          .filter((f) => f > 0)
          .map((f) => {
            const d = s.byScore![nm].lowMinusHigh.find((q) => q.fraction === f);
            return d ? interval(d) : '-';
          }),
      ]),
    );
    return `${acc}\n\n${gaps}`;
  }
  const kinds = REMOVED_KINDS.filter((k) => s.points.some((p) => p.removed === k));
  const diff = (f: number) => {
    const d = s.differences?.lowMinusHigh.find((q) => q.fraction === f);
    if (!d || f === 0) return '-';
    return interval(d);
  };
  return table(
    ['removed %', ...kinds.map((k) => `${k} (acc %)`), 'low - high (pp, 95% CI)'],
    fractions.map((f) => [fmt(100 * f), ...kinds.map((k) => cellOf(s.points.find((q) => q.removed === k && q.fraction === f))), diff(f)]),
  );
}
