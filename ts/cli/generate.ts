import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { classSizes } from '../config.js';
import type { Dataset } from '../types.js';
import {
  applySets,
  backendFor,
  backendOption,
  dataFlags,
  dataOverrides,
  noDefault,
  outDir,
  readConfig,
  required,
  table,
  threadsOption,
  writeJson,
  writeNpy,
} from './common.js';

/** Write a dataset as .npy files (the layout `generate` and `train` share). */
export function writeDataset(dir: string, ds: Dataset): string[] {
  const { classes: k, dim: d } = ds;
  writeNpy(dir, 'train_x.npy', ds.trainX, [ds.nTrain, 2, d]);
  writeNpy(dir, 'train_y.npy', ds.trainY, [ds.nTrain]);
  writeNpy(dir, 'train_pos.npy', ds.trainPos, [ds.nTrain]);
  writeNpy(dir, 'test_x.npy', ds.testX, [ds.nTest, 2, d]);
  writeNpy(dir, 'test_y.npy', ds.testY, [ds.nTest]);
  writeNpy(dir, 'test_pos.npy', ds.testPos, [ds.nTest]);
  writeNpy(dir, 'features.npy', ds.features, [k, d]);
  const files = ['train_x.npy', 'train_y.npy', 'train_pos.npy', 'test_x.npy', 'test_y.npy', 'test_pos.npy', 'features.npy'];
  if (ds.noiseFactors) {
    writeNpy(dir, 'noise_factors.npy', ds.noiseFactors, [k, d, d]);
    files.push('noise_factors.npy');
  } else {
    // A folder written before with noise factors: theirs would now describe other data.
    rmSync(join(dir, 'noise_factors.npy'), { force: true });
  }
  return files;
}

/** SNR_k and min_j Gamma_{k,j} of Theorem 1 from a model description (quick summary). */
export function ratioRows(ds: Dataset): (string | number)[][] {
  const m = ds.model!;
  const { train } = classSizes(ds.config!);
  return m.frobSq.map((row, k) => {
    let worst = 0;
    let minGamma = Infinity;
    row.forEach((f, j) => {
      if (j === k) return;
      worst = Math.max(worst, train[j] * f);
      minGamma = Math.min(minGamma, m.gammaSized[k][j]!);
    });
    const u2 = m.featureNorms[k] ** 2;
    return [k, train[k], m.featureNorms[k], m.lambda ? m.lambda[k] : '-', (train[k] ** 2 * u2 * u2) / worst, minGamma];
  });
}

export function registerGenerate(program: Command): void {
  dataFlags(
    program
      .command('generate')
      .description('draw a training and a test set from the data model (§2, §5.1) and write them as .npy files + model.json')
      .option('--config <file>', noDefault('JSON config {"data": {...}}'))
      .requiredOption('--out <dir>', required('output folder'))
      .option('--no-noise-factors', 'do not write noise_factors.npy (K x d x d)')
      .option('--json', 'print model.json instead of a table')
      .addOption(backendOption())
      .addOption(threadsOption()),
  ).action(async (o) => {
    const cfg = applySets(readConfig(o.config, ['data']), o.set);
    dataOverrides(cfg, o);
    const bf = await backendFor(o);
    const t0 = performance.now();
    const ds = bf.generate(cfg.data ?? {}, { includeNoiseFactors: o.noiseFactors !== false });
    const seconds = (performance.now() - t0) / 1000;
    const dir = outDir(o.out);
    const files = writeDataset(dir, ds);
    const meta = { config: { data: ds.config }, model: ds.model, seed: ds.config!.seed, backend: bf.backend, version: bf.version(), seconds, files };
    writeJson(dir, 'model.json', meta);
    if (o.json) {
      console.log(JSON.stringify(meta, null, 2));
      return;
    }
    console.log(
      `generated ${ds.nTrain} training + ${ds.nTest} test samples, K=${ds.classes}, d=${ds.dim}, ${ds.config!.noise} noise, model ${ds.model!.kind}, seed ${ds.config!.seed} (${bf.backend}, ${seconds.toFixed(2)} s)`,
    );
    console.log(table(['class', '|S_k|', '||u_k||', 'lambda_k', 'SNR_k', 'min_j Gamma_kj'], ratioRows(ds)));
    console.log(`wrote ${files.length + 1} files to ${dir}`);
  });
}
