import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import type { Benignfit } from '../api.js';
import { resolveInfluenceConfig, type InfluenceConfigInput } from '../config.js';
import { BenignfitError, invalid } from '../errors.js';
import { dataFromImageSet, imageSetOf, type DataSet } from '../formats/data.js';
import type { ImageSet } from '../formats/idx.js';
import { readCifar, readData, readTable } from '../formats/node.js';
import { extremes, type InfluenceResult } from '../influence.js';
import { imageGridSvg } from '../plot/grid.js';
import { svgToPng } from '../plot/raster.js';
import { ensureRasterizer } from '../plot/raster-node.js';
import { gridRows, scoresCsv } from '../figures/fig5.js';
import { frobeniusCsv, frobeniusSvg } from '../figures/fig6.js';
import { refuseResultFolder } from '../sweep/store.js';
import { backendFor, backendOption, noDefault, outDir, parseInteger, readConfig, required, table, threadsOption, writeJson, writeNpy } from './common.js';
import { applySchemaFlags, schemaFlags, type SchemaFlagOptions } from './flags.js';

export type InfluenceOutput = 'scores' | 'frobenius' | 'grids';

/**
 * bf.influence with a progress bar per class on a terminal (plain lines otherwise); Ctrl-C
 * stops between classes (E_ABORTED).
 */
export async function influenceWithProgress(bf: Benignfit, set: ImageSet | DataSet, inf: InfluenceConfigInput): Promise<InfluenceResult> {
  const d = 'dim' in set ? set.dim : set.height * set.width * set.channels;
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: 'influence |{bar}| {value}/{total} classes | class {cls} ({images} images) | {duration}s', hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  try {
    bar?.start(set.classes, 0, { cls: '-', images: 0 });
    return await bf.influence(set, {
      ...inf,
      signal: ac.signal,
      onClassStart: (c, n) => bar?.update({ cls: set.classNames?.[c] ?? c, images: n }),
      onProgress: (p) => {
        if (bar) bar.update(p.done);
        else
          console.error(
            `class ${set.classNames?.[p.class] ?? p.class}: ${p.images} images, ${p.info.route} route, ${p.info.keptPixels}/${d} ${'dim' in set && !set.image ? 'features' : 'pixels'} vary, ${(p.info.seconds ?? 0).toFixed(2)} s (${p.done}/${p.total})`,
          );
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
  input: ImageSet | DataSet,
  res: InfluenceResult,
  o: { grid: number; outputs?: InfluenceOutput[]; command?: string; extra?: Record<string, unknown>; summary?: string },
): Promise<Record<string, unknown> & { files: string[] }> {
  const outputs = o.outputs ?? ['scores', 'frobenius', 'grids'];
  // Grids need images: feature vectors (and sets of more than 256 classes) have none.
  const data: DataSet = 'dim' in input ? input : dataFromImageSet(input);
  const set: ImageSet | null = 'dim' in input ? imageSetOf(input) : input;
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array) => {
    writeFileSync(join(dir, name), data);
    files.push(name);
  };
  if (outputs.includes('scores')) {
    const root = data.format === 'folder' ? data.sources[0] : null;
    put('scores.csv', scoresCsv(res, root && data.files ? data.files.map((f) => relative(root, f).split('\\').join('/')) : undefined));
    writeNpy(dir, 'scores.npy', res.scores, [res.scores.length]);
    files.push('scores.npy');
  }
  await ensureRasterizer();
  const names = Array.from({ length: res.classes }, (_, c) => data.classNames?.[c] ?? String(c));
  if (res.frobenius && outputs.includes('frobenius')) {
    put('frobenius.csv', frobeniusCsv(res.frobenius.frobSq));
    const svg = frobeniusSvg(res.frobenius.frobSq, names);
    put('frobenius.svg', svg);
    put('frobenius.png', svgToPng(svg));
  }
  if (outputs.includes('grids') && set) {
    const geom = { width: set.width, height: set.height, channels: set.channels, layout: set.layout };
    for (const which of ['top', 'bottom'] as const) {
      const svg = imageGridSvg(gridRows(set, res, which, o.grid), geom, {
        title: `${which === 'top' ? 'Highest' : 'Lowest'} influence scores (eq. 10, normalize ${res.config.normalize})`,
      });
      put(`grid_${which}.svg`, svg);
      put(`grid_${which}.png`, svgToPng(svg, { zoom: 1 }));
    }
  }
  const g = data.image;
  const summary = {
    command: o.command ?? 'influence',
    input: {
      format: data.format,
      sources: data.sources,
      images: data.n,
      dim: data.dim,
      values: data.pixels instanceof Uint8Array ? 'uint8 (scaled to [0, 1])' : 'float32 (as given)',
      ...(g ? { height: g.height, width: g.width, channels: g.channels, layout: g.layout } : {}),
      classes: res.classes,
      classNames: names,
      ...(data.skipped?.length ? { skipped: data.skipped } : {}),
    },
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
export function phaseTable(set: ImageSet | DataSet, res: InfluenceResult): string {
  if (!res.frobenius || !res.phase) return '';
  const names = Array.from({ length: res.classes }, (_, c) => set.classNames?.[c] ?? String(c));
  return table(
    ['class', '|S_k|', 'tr(S_k S_k)', 'min_j Gamma_kj', 'argmin j', `phase (C2=${res.phase[0].c2})`],
    res.phase.map((p, k) => [
      names[k],
      res.frobenius!.classSizes[k],
      res.frobenius!.frobSq[k][k],
      p.minGamma ?? '-',
      p.argminGamma === null ? '-' : names[p.argminGamma],
      p.phase,
    ]),
  );
}

/** `--grid n`: images per row of the Figure 5 grids. */
export function checkGrid(grid: unknown): number {
  if (!Number.isInteger(grid) || (grid as number) < 1 || (grid as number) > 100) throw invalid('--grid', grid, 'an integer from 1 to 100');
  return grid as number;
}

/** The influence section's flags (from the schema in the core; --classes would clash with nothing, but the data sets them). */
const INFLUENCE_FLAGS: SchemaFlagOptions = { skip: ['classes'] };

export function registerInfluence(program: Command): void {
  const cmd = program
    .command('influence')
    .description(
      'influence score (eq. 10) of every image or feature vector — MNIST (IDX), CIFAR-10 (binary batches), a .npy array, a folder of PNG/JPEG images with one subfolder per class, or a CSV table — with the Figure 6 matrix tr(S_i S_j), Gamma, and the Figure 5 grids',
    )
    .option(
      '--images <path>',
      noDefault(
        'images or feature vectors: an IDX file (raw or .gz), a .npy array (N x D, N x H x W [x C]; uint8, float32 or float64), or a folder with one subfolder of PNG/JPEG images per class',
      ),
    )
    .option('--labels <path>', noDefault('labels for --images (not for a folder): IDX, .npy (integers) or a one-column CSV'))
    .option('--table <csv>', noDefault('a CSV table of feature vectors with a header line and a label column (--label-column)'))
    .option('--label-column <name>', 'the label column of --table (integers, or class names)', 'label')
    .option('--ignore-columns <names>', noDefault('columns of --table that are neither features nor labels, comma-separated (e.g. id,file)'))
    .option('--cifar <dir>', noDefault('CIFAR-10 folder cifar-10-batches-bin (or one .bin batch)'))
    .addOption(new Option('--split <name>', 'CIFAR-10 batches to read').choices(['train', 'test']).default('train'))
    .requiredOption('--out <dir>', required('output folder'))
    .option('--grid <n>', 'images per row of the Figure 5 grids', (v) => parseInteger('--grid', v), 10)
    .option('--config <file>', noDefault('JSON config {"influence": {...}}'));
  schemaFlags(cmd, 'influence', INFLUENCE_FLAGS);
  cmd
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (o) => {
      const cfg = readConfig(o.config, ['influence']) as Record<string, Record<string, unknown> | undefined>;
      const sec: Record<string, Record<string, unknown> | undefined> = { influence: { ...(cfg.influence ?? {}) } };
      applySchemaFlags(sec, 'influence', o, INFLUENCE_FLAGS);
      const inf = sec.influence!;
      const grid = checkGrid(o.grid);
      const given = ['cifar', 'images', 'table'].filter((k) => o[k] !== undefined);
      if (given.length > 1)
        throw invalid(`--${given[1]}`, o[given[1]], `one data source: --images (with --labels), --table or --cifar, not --${given[0]} as well`);
      if (!given.length) {
        throw new BenignfitError(
          'E_INVALID',
          '--images: expected --images IDX|NPY --labels IDX|NPY|CSV, --images DIR (one subfolder of PNG/JPEG images per class), --table CSV --label-column NAME, or --cifar DIR (CIFAR-10)',
          { field: '--images' },
        );
      }
      if (o.labels && !o.images) throw invalid('--labels', o.labels, '--labels only with --images');
      const bf = await backendFor(o);
      // Checked before the data is read (a bad field should not wait for a large file).
      const resolved = resolveInfluenceConfig(inf);
      const limit = { memoryLimit: resolved.memoryLimit ?? undefined };
      const set: ImageSet | DataSet = o.cifar
        ? readCifar(o.cifar, o.split)
        : o.table
          ? readTable(o.table, {
              ...limit,
              field: '--table',
              labelColumn: o.labelColumn,
              ignoreColumns: o.ignoreColumns
                ? String(o.ignoreColumns)
                    .split(',')
                    .map((c: string) => c.trim())
                    .filter(Boolean)
                : [],
            })
          : readData(o.images, o.labels, { ...limit, field: '--images' });
      const dir = outDir(o.out);
      refuseResultFolder(dir, 'influence', 'scores.npy');
      const data = 'dim' in set ? set : dataFromImageSet(set);
      const what = data.image
        ? `${data.n} images of ${data.image.height}x${data.image.width}x${data.image.channels}`
        : `${data.n} feature vectors of ${data.dim}`;
      console.error(
        `influence: ${what} in ${data.classes} classes (${data.sources.join(', ')}${data.skipped?.length ? `; ${data.skipped.length} files that are not PNG or JPEG skipped` : ''}), ${bf.backend} backend`,
      );
      const res = await influenceWithProgress(bf, set, inf);
      const summary = await writeInfluenceOutputs(dir, bf, set, res, { grid });
      console.log(`scores of ${data.n} ${data.image ? 'images' : 'feature vectors'} in ${res.seconds.toFixed(2)} s (${bf.backend})`);
      const t = phaseTable(set, res);
      if (t) console.log(t);
      console.log(`wrote ${summary.files.length} files to ${dir}`);
    });
}
