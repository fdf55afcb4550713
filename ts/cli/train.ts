import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { resolveTrainConfig, type TrainConfigInput } from '../config.js';
import { trainingCurvesSvg } from '../plot/curves.js';
import { svgToPng } from '../plot/raster.js';
import { ensureRasterizer } from '../plot/raster-node.js';
import type { TrainResult } from '../types.js';
import {
  applySets,
  backendFor,
  backendOption,
  collect,
  dataFlags,
  dataOverrides,
  fmt,
  outDir,
  noDefault,
  parseInit,
  readConfig,
  required,
  setIf,
  table,
  writeJson,
  writeNpy,
} from './common.js';
import { applySchemaFlags, schemaFlags, type SchemaFlagOptions } from './flags.js';
import { writeDataset } from './generate.js';
import { interruptible, progressBar } from './progress.js';

/** The train section's flags (from the schema the core declares); data.seed is --seed, so this one is --train-seed. */
const TRAIN_FLAGS: SchemaFlagOptions = {
  names: { seed: 'train-seed' },
  skip: ['memoryLimit'],
  parsers: { init: parseInit },
  placeholders: { init: 'pytorch|sigma0=s' },
  notes: { init: 'On the command line: pytorch or sigma0=<s>.' },
};

/** Write a training run's files (weights, curves, metrics, summary). */
export function writeRun(dir: string, r: TrainResult, k: number, m: number, d: number, extra: Record<string, unknown>): string[] {
  writeNpy(dir, 'weights_init.npy', r.weightsInit, [k * m, d]);
  writeNpy(dir, 'weights_final.npy', r.weights, [k * m, d]);
  writeNpy(dir, 'logit_sums.npy', r.logitSums, [r.logitSums.length]);
  writeNpy(dir, 'loss_curve.npy', r.lossCurve, [r.lossCurve.length]);
  writeNpy(dir, 'kappa_curve.npy', r.kappaCurve, [r.kappaCurve.length]);
  writeFileSync(join(dir, 'metrics.jsonl'), `${r.history.map((h) => JSON.stringify(h)).join('\n')}\n`);
  const f = r.summary.finalMetrics;
  writeJson(dir, 'summary.json', {
    trainLoss: f.trainLoss,
    trainAcc: f.trainAcc,
    testLoss: f.testLoss,
    testAcc: f.testAcc,
    testAccPerClass: f.testAccPerClass,
    longTailed: f.longTailed,
    featureLearning: f.featureLearning,
    noiseMemorization: f.noiseMemorization,
    steps: r.summary.steps,
    epochs: r.summary.epochs,
    stopReason: r.summary.stopReason,
    aborted: r.aborted,
    seconds: r.seconds,
    backend: r.backend,
    seed: r.config.seed,
    route: r.summary.route,
    structure: r.summary.structure,
    flopsPerStep: r.summary.flopsPerStep,
    kappaMax: r.summary.kappaMax,
    kappa: r.history.map((h) => h.kappa),
    ...extra,
  });
  return ['weights_init.npy', 'weights_final.npy', 'logit_sums.npy', 'loss_curve.npy', 'kappa_curve.npy', 'metrics.jsonl', 'summary.json'];
}

/** Points on the curves of `--plot` when --eval-every is not given. */
export const PLOT_POINTS = 50;

/** The training's step count (as the core counts it), for spacing the plot's evaluations. */
export function totalSteps(train: TrainConfigInput | undefined, n: number): number {
  const c = resolveTrainConfig(train);
  if (!c.batchSize) return c.steps ?? c.epochs ?? 0;
  return c.steps ?? (c.epochs ?? 0) * Math.ceil(n / Math.min(c.batchSize, n));
}

/** curves.svg and curves.png: loss, accuracies, feature learning vs noise memorisation. */
export async function writeCurves(dir: string, r: TrainResult, title: string): Promise<string[]> {
  const svg = trainingCurvesSvg(r.history, { title });
  writeFileSync(join(dir, 'curves.svg'), svg);
  await ensureRasterizer();
  writeFileSync(join(dir, 'curves.png'), svgToPng(svg, { zoom: 1.5 }));
  return ['curves.svg', 'curves.png'];
}

export function registerTrain(program: Command): void {
  const cmd = dataFlags(
    program
      .command('train')
      .description('generate data (as `generate` does) and train the two-layer ReLU CNN (eq. 1) by gradient descent (eq. 4)')
      .option('--config <file>', noDefault('JSON config {"data": {...}, "train": {...}}'))
      .requiredOption('--out <dir>', required('output folder'))
      .option('--no-noise-factors', 'do not write noise_factors.npy')
      .option(
        '--plot',
        `write curves.svg and curves.png (loss, accuracy, feature learning vs noise memorisation); without --eval-every, metrics are recorded at ${PLOT_POINTS} points for them`,
        true,
      )
      .option('--no-plot', 'write no curves (and record metrics only at the end unless --eval-every is given)')
      .option('--json', 'print summary.json instead of a table')
      .addOption(backendOption()),
  );
  schemaFlags(cmd, 'train', TRAIN_FLAGS).action(async (o) => {
    const cfg = applySets(readConfig(o.config, ['data', 'train']), o.set);
    dataOverrides(cfg, o);
    applySchemaFlags(cfg, 'train', o, TRAIN_FLAGS);
    const bf = await backendFor(o);
    const ds = bf.generate(cfg.data ?? {}, { includeNoiseFactors: o.noiseFactors !== false });
    const dir = outDir(o.out);
    const files = writeDataset(dir, ds);
    const version = bf.version();
    writeJson(dir, 'model.json', { config: { data: ds.config }, model: ds.model, seed: ds.config!.seed, backend: bf.backend, version });
    const plot = o.plot !== false;
    if (plot && (cfg.train as TrainConfigInput | undefined)?.evalEvery === undefined) {
      const total = totalSteps(cfg.train as TrainConfigInput | undefined, ds.trainY.length);
      setIf(cfg, 'train', 'evalEvery', Math.max(1, Math.ceil(total / PLOT_POINTS)));
    }
    const ac = interruptible('training');
    let bar: ReturnType<typeof progressBar> | null = null;
    const r = await bf.train(ds, cfg.train ?? {}, {
      signal: ac.signal,
      onProgress: (p) => {
        bar ??= progressBar('train', p.totalSteps);
        bar.update(p.step, `loss ${p.loss.toFixed(4)}`);
      },
    });
    (bar as ReturnType<typeof progressBar> | null)?.stop();
    const m = r.config.width;
    files.push(...writeRun(dir, r, ds.classes, m, ds.dim, { config: { data: ds.config, train: r.config }, version }));
    if (plot) {
      const d = ds.config;
      const parts = [`K = ${ds.classes}`, `d = ${ds.dim}`, `m = ${m}`, `eta = ${r.config.lr}`];
      if (d && typeof d.featureNorm === 'number') parts.push(`||u|| = ${d.featureNorm}`);
      if (d?.gamma !== undefined) parts.push(`Gamma = ${d.gamma}`);
      files.push(...(await writeCurves(dir, r, `${parts.join(', ')}: ${r.summary.steps} steps on ${bf.backend}`)));
    }
    const f = r.summary.finalMetrics;
    if (o.json) console.log(JSON.stringify(JSON.parse(JSON.stringify(r.summary)), null, 2));
    else {
      console.log(
        `${r.aborted ? 'stopped (interrupted)' : 'trained'}: ${r.summary.steps} steps (${fmt(r.summary.epochs)} epochs) in ${r.seconds.toFixed(2)} s on ${bf.backend}, route ${r.summary.route} (${r.summary.structure}), ${r.summary.stopReason}`,
      );
      console.log(
        table(
          ['trainLoss', 'trainAcc', 'testAcc', ...f.longTailed.map((l) => `LT(L=${l.L}) acc (n)`)],
          [[f.trainLoss, f.trainAcc, f.testAcc ?? NaN, ...f.longTailed.map((l) => `${l.acc === null ? '-' : fmt(l.acc)} (${l.count})`)]],
        ),
      );
      console.log(`wrote ${files.length + 1} files to ${dir}`);
    }
    if (r.aborted) process.exitCode = 130;
  });
}

export { collect };
