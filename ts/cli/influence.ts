import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import type { Benignfit } from '../api.js';
import { INFLUENCE_ROUTES, NORMALIZE_KINDS, type InfluenceConfigInput } from '../config.js';
import { BenignfitError, invalid } from '../errors.js';
import type { ImageSet } from '../formats/idx.js';
import { readCifar, readMnist } from '../formats/node.js';
import { extremes, type InfluenceResult } from '../influence.js';
import { imageGridSvg } from '../plot/grid.js';
import { svgToPng } from '../plot/raster.js';
import { ensureRasterizer } from '../plot/raster-node.js';
import { frobeniusCsv, frobeniusSvg, gridRows, scoresCsv } from '../influence-report.js';
import { refuseResultFolder } from '../sweep/store.js';
import { backendFor, backendOption, outDir, parseInteger, parseNumber, readConfig, table, threadsOption, writeJson, writeNpy } from './common.js';

// Moved to ../influence-report.js (browser-safe); re-exported for existing importers.
export { frobeniusCsv, gridRows, scoresCsv };

export type InfluenceOutput = 'scores' | 'frobenius' | 'grids';

/**
 * bf.influence with a progress bar per class on a terminal (plain lines otherwise); Ctrl-C
 * stops between classes (E_ABORTED).
 */
export async function influenceWithProgress(bf: Benignfit, set: ImageSet, inf: InfluenceConfigInput): Promise<InfluenceResult> {
  const d = set.height * set.width * set.channels;
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  const tty = process.stderr.isTTY;
  const bar = tty ? new cliProgress.SingleBar({ format: 'influence |{bar}| {value}/{total} classes | class {cls} ({images} images) | {duration}s', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
  try {
    bar?.start(set.classes, 0, { cls: '-', images: 0 });
    return await bf.influence(set, {
      ...inf,
      signal: ac.signal,
      onClassStart: (c, n) => bar?.update({ cls: set.classNames?.[c] ?? c, images: n }),
      onProgress: (p) => {
        if (bar) bar.update(p.done);
        else console.error(`class ${p.class}: ${p.images} images, ${p.info.route} route, ${p.info.keptPixels}/${d} pixels vary, ${(p.info.seconds ?? 0).toFixed(2)} s (${p.done}/${p.total})`);
      },
    });
  } finally {
    bar?.stop();
    process.off('SIGINT', onSig);
  }
}

/**
 * Write the influence files into `dir`: scores (scores.csv, scores.npy), the Figure 6 matrix
 * (frobenius.csv, .svg, .png; needs res.frobenius) and the Figure 5 grids (grid_top/bottom .svg,
 * .png), then summary.json (resolved config, backend, version, per-class numbers, the matrix,
 * Gamma, the phase, the indices in the grids; `o.summary` renames it). Returns the summary (its `files` lists them all).
 */
export async function writeInfluenceOutputs(
  dir: string,
  bf: Benignfit,
  set: ImageSet,
  res: InfluenceResult,
  o: { grid: number; outputs?: InfluenceOutput[]; command?: string; extra?: Record<string, unknown>; summary?: string },
): Promise<Record<string, unknown> & { files: string[] }> {
  const outputs = o.outputs ?? ['scores', 'frobenius', 'grids'];
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array) => {
    writeFileSync(join(dir, name), data);
    files.push(name);
  };
  if (outputs.includes('scores')) {
    put('scores.csv', scoresCsv(res));
    writeNpy(dir, 'scores.npy', res.scores, [res.scores.length]);
    files.push('scores.npy');
  }
  await ensureRasterizer();
  const names = Array.from({ length: res.classes }, (_, c) => set.classNames?.[c] ?? String(c));
  if (res.frobenius && outputs.includes('frobenius')) {
    put('frobenius.csv', frobeniusCsv(res.frobenius.frobSq));
    const svg = frobeniusSvg(res.frobenius.frobSq, names);
    put('frobenius.svg', svg);
    put('frobenius.png', svgToPng(svg));
  }
  if (outputs.includes('grids')) {
    const geom = { width: set.width, height: set.height, channels: set.channels, layout: set.layout };
    for (const which of ['top', 'bottom'] as const) {
      const svg = imageGridSvg(gridRows(set, res, which, o.grid), geom, { title: `${which === 'top' ? 'Highest' : 'Lowest'} influence scores (eq. 10, normalize ${res.config.normalize})` });
      put(`grid_${which}.svg`, svg);
      put(`grid_${which}.png`, svgToPng(svg, { zoom: 1 }));
    }
  }
  const summary = {
    command: o.command ?? 'influence',
    input: { sources: set.sources, images: set.n, height: set.height, width: set.width, channels: set.channels, classes: res.classes, classNames: names },
    config: { influence: res.config },
    seed: null,
    backend: bf.backend,
    version: bf.version(),
    ...o.extra,
    seconds: res.seconds,
    perClass: res.perClass,
    frobenius: res.frobenius,
    phase: res.phase,
    extremes: Object.fromEntries(
      ['top', 'bottom'].map((w) => [w, Object.fromEntries(names.map((nm, c) => [nm, extremes(res.scores, o.grid, w as 'top' | 'bottom', res.labels, c)]))]),
    ),
    files: [...files, o.summary ?? 'summary.json'],
  };
  writeJson(dir, o.summary ?? 'summary.json', summary);
  return summary;
}

/** The per-class table of tr(S_k S_k), min_j Gamma_kj and the predicted phase (empty without Figure 6). */
export function phaseTable(set: ImageSet, res: InfluenceResult): string {
  if (!res.frobenius || !res.phase) return '';
  const names = Array.from({ length: res.classes }, (_, c) => set.classNames?.[c] ?? String(c));
  return table(
    ['class', '|S_k|', 'tr(S_k S_k)', 'min_j Gamma_kj', 'argmin j', 'phase (C2=' + res.phase[0].c2 + ')'],
    res.phase.map((p, k) => [names[k], res.frobenius!.classSizes[k], res.frobenius!.frobSq[k][k], p.minGamma ?? '-', p.argminGamma === null ? '-' : names[p.argminGamma], p.phase]),
  );
}

/** `--grid n`: images per row of the Figure 5 grids. */
export function checkGrid(grid: unknown): number {
  if (!Number.isInteger(grid) || (grid as number) < 1 || (grid as number) > 100) throw invalid('--grid', grid, 'an integer from 1 to 100');
  return grid as number;
}

export function registerInfluence(program: Command): void {
  program
    .command('influence')
    .description('influence score (eq. 10) of every image of MNIST (IDX) or CIFAR-10 (binary batches), the Figure 6 matrix tr(S_i S_j) with Gamma, and the Figure 5 grids')
    .option('--images <idx>', 'IDX image file (raw or .gz), e.g. train-images-idx3-ubyte')
    .option('--labels <idx>', 'IDX label file (raw or .gz), e.g. train-labels-idx1-ubyte')
    .option('--cifar <dir>', 'CIFAR-10 folder cifar-10-batches-bin (or one .bin batch)')
    .addOption(new Option('--split <name>', 'CIFAR-10 batches to read').choices(['train', 'test']).default('train'))
    .requiredOption('--out <dir>', 'output folder')
    .addOption(new Option('--normalize <kind>', 'pixel scaling').choices([...NORMALIZE_KINDS]))
    .addOption(new Option('--route <route>', 'per-class product: auto | scatter (d x d) | gram (n x n)').choices([...INFLUENCE_ROUTES]))
    .addOption(new Option('--precision <p>', 'precision of the matrix products').choices(['f32', 'f64']))
    .option('--grid <n>', 'images per row of the Figure 5 grids', (v) => parseInteger('--grid', v), 10)
    .option('--c2 <c>', 'C2 of Theorem 1 2(b) for the predicted phase (placeholder default 1)', (v) => parseNumber('--c2', v))
    .option('--config <file>', 'JSON config {"influence": {...}}')
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (o) => {
      const cfg = readConfig(o.config, ['influence']);
      const inf: Record<string, unknown> = { ...(cfg.influence ?? {}) };
      for (const k of ['normalize', 'route', 'precision', 'c2'] as const) if (o[k] !== undefined) inf[k] = o[k];
      const grid = checkGrid(o.grid);
      let set: ImageSet;
      if (o.cifar && (o.images || o.labels)) throw invalid('--cifar', o.cifar, 'either --cifar or --images with --labels, not both');
      if (o.cifar) set = readCifar(o.cifar, o.split);
      else if (o.images && o.labels) set = readMnist(o.images, o.labels);
      else throw new BenignfitError('E_INVALID', '--images: expected --images IDX --labels IDX (MNIST, Fashion-MNIST) or --cifar DIR (CIFAR-10)', { field: '--images' });
      const dir = outDir(o.out);
      refuseResultFolder(dir, 'influence', 'scores.npy');
      const bf = await backendFor(o);
      console.error(`influence: ${set.n} images of ${set.height}x${set.width}x${set.channels} (${set.sources.join(', ')}), ${bf.backend} backend`);
      const res = await influenceWithProgress(bf, set, inf);
      const summary = await writeInfluenceOutputs(dir, bf, set, res, { grid });
      console.log(`scores of ${set.n} images in ${res.seconds.toFixed(2)} s (${bf.backend})`);
      const t = phaseTable(set, res);
      if (t) console.log(t);
      console.log(`wrote ${summary.files.length} files to ${dir}`);
    });
}
