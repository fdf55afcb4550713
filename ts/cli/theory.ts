/**
 * `benignfit theory`: every Theorem 1 / Condition 1 quantity of a data model (JSON), and with
 * `--run DIR` the lemmas measured on a trained run. `benignfit fit-constants`: c1, c2 from sweep
 * results. docs/theory.md maps each output field to the paper.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Benignfit } from '../api.js';
import { abortError, BenignfitError, invalid } from '../errors.js';
import { decodeNpy, type NpyArray } from '../npy.js';
import {
  resolveFitOptions,
  resolveTrainConfig,
  type DataConfigInput,
  type FitOptionsInput,
  type TheoryOptionsInput,
  type TrainConfigInput,
} from '../config.js';
import type { FitReport, FitRowInput, RunArrays, TheoryResult } from '../theory.js';
import {
  applySets,
  backendFor,
  backendOption,
  collect,
  dataFlags,
  dataOverrides,
  fmt,
  noDefault,
  outFile,
  parseInit,
  parseNumber,
  readConfig,
  required,
  setIf,
  table,
  threadsOption,
  type ConfigFile,
} from './common.js';
import { applySchemaFlags, linkDocs, schemaFlags, type SchemaFlagOptions } from './flags.js';
import { interruptible, progressBar, safeError } from './progress.js';

function readJson(file: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BenignfitError('E_IO', `${what}: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new BenignfitError('E_FORMAT', `${what}: ${file} is not a JSON object: ${(e as Error).message}`);
  }
}

function readArray<T extends NpyArray>(dir: string, name: string, ctor: { new (n: number): T; name: string }, required: true): { data: T; shape: number[] };
function readArray<T extends NpyArray>(
  dir: string,
  name: string,
  ctor: { new (n: number): T; name: string },
  required: false,
): { data: T; shape: number[] } | null;
function readArray<T extends NpyArray>(
  dir: string,
  name: string,
  ctor: { new (n: number): T; name: string },
  required: boolean,
): { data: T; shape: number[] } | null {
  const file = join(dir, name);
  if (!existsSync(file)) {
    if (required)
      throw new BenignfitError('E_IO', `--run: ${file} is missing (a run folder written by \`benignfit train --out DIR\` has it)`, { field: '--run' });
    return null;
  }
  const { data, shape } = decodeNpy(readFileSync(file), file);
  if (!(data instanceof ctor)) throw new BenignfitError('E_FORMAT', `${file}: expected ${ctor.name} data, found ${data.constructor.name}`);
  return { data: data as T, shape };
}

/** kappa in summary.json: numbers, or objects with a kappa / value field. */
function kappaOf(v: unknown): Float64Array | null {
  if (!Array.isArray(v)) return null;
  return Float64Array.from(v, (e) => {
    if (typeof e === 'number') return e;
    if (e && typeof e === 'object') {
      const o = e as Record<string, unknown>;
      const x = o.kappa ?? o.value;
      if (typeof x === 'number') return x;
    }
    return Number.NaN;
  });
}

export interface RunFolder {
  data: DataConfigInput;
  train: Record<string, unknown>;
  summary: Record<string, unknown> | null;
  run: RunArrays;
  width: number;
  steps: number | undefined;
  features?: Float32Array;
  noiseFactors?: Float32Array;
}

/** Read a run folder (the layout of `benignfit train --out DIR`). */
export function readRunFolder(dirIn: string): RunFolder {
  const dir = resolve(dirIn);
  if (!existsSync(dir)) throw new BenignfitError('E_IO', `--run: ${dir} does not exist`, { field: '--run' });
  const model = readJson(join(dir, 'model.json'), '--run');
  const data = ((model.config as Record<string, unknown> | undefined)?.data ?? null) as DataConfigInput | null;
  if (!data || typeof data !== 'object') throw new BenignfitError('E_FORMAT', `--run: ${join(dir, 'model.json')} has no config.data`);
  const summary = existsSync(join(dir, 'summary.json')) ? readJson(join(dir, 'summary.json'), '--run') : null;
  const train = ((summary?.config as Record<string, unknown> | undefined)?.train ?? {}) as Record<string, unknown>;
  const w = readArray(dir, 'weights_final.npy', Float32Array, true);
  const w0 = readArray(dir, 'weights_init.npy', Float32Array, false);
  const k = (data as { classes?: number }).classes ?? 5;
  if (w.shape.length !== 2 || w.shape[0] % k !== 0) {
    throw new BenignfitError('E_FORMAT', `--run: weights_final.npy has shape [${w.shape.join(', ')}], expected (classes x width, dim) with classes = ${k}`);
  }
  const width = w.shape[0] / k;
  const trainX = readArray(dir, 'train_x.npy', Float32Array, true).data;
  const trainY = readArray(dir, 'train_y.npy', Int32Array, true).data;
  const trainPos = readArray(dir, 'train_pos.npy', Uint8Array, true).data;
  const logitSums = readArray(dir, 'logit_sums.npy', Float64Array, false)?.data ?? null;
  const testX = readArray(dir, 'test_x.npy', Float32Array, false)?.data ?? null;
  const testY = readArray(dir, 'test_y.npy', Int32Array, false)?.data ?? null;
  const testPos = readArray(dir, 'test_pos.npy', Uint8Array, false)?.data ?? null;
  const out: RunFolder = {
    data,
    train,
    summary,
    run: { weights: w.data, weightsInit: w0?.data ?? null, trainX, trainY, trainPos, logitSums, kappa: kappaOf(summary?.kappa), testX, testY, testPos },
    width,
    steps: typeof summary?.steps === 'number' ? summary.steps : undefined,
  };
  if ((data as { model?: unknown }).model === 'explicit') {
    out.features = readArray(dir, 'features.npy', Float32Array, true).data;
    out.noiseFactors = readArray(dir, 'noise_factors.npy', Float32Array, true).data;
  }
  return out;
}

/** Theory options from a training config: the fields they share (others are the trainer's). */
export function optionsFromTrain(train: Record<string, unknown> | undefined): TheoryOptionsInput {
  const o: Record<string, unknown> = {};
  if (!train) return o;
  const pick = (...keys: string[]) => keys.map((key) => train[key]).find((v) => v !== undefined);
  const width = pick('width', 'm', 'neurons');
  const lr = pick('lr', 'learningRate', 'eta');
  const init = pick('init');
  const steps = pick('steps');
  if (width !== undefined) o.width = width;
  if (lr !== undefined) o.lr = lr;
  if (init !== undefined) o.init = init;
  if (steps !== undefined) o.steps = steps;
  return o as TheoryOptionsInput;
}

function yesNo(v: boolean | null): string {
  return v === null ? 'n/a' : v ? 'yes' : 'NO';
}
function num(v: number | null | undefined): string | number {
  return v === null || v === undefined ? 'inf' : v;
}

/** The readable report printed unless --json. */
export function printTheory(r: TheoryResult, meta: { backend: string; seconds: number; out: string }): void {
  const lIdx = Math.max(0, r.ls.indexOf(1));
  console.log(
    `theory: K=${r.classes}, d=${r.dim}, n=${r.n}, model ${r.kind} (${r.numerics.method}), ${r.noise} noise; m=${r.width}, eta=${fmt(r.lr)}, sigma0=${fmt(r.sigma0)} (${meta.backend}, ${meta.seconds.toFixed(2)} s)`,
  );
  console.log(
    table(
      ['class', '|S_k|', '||u_k||', 'Tr(AkTAk)', 'rank', 'SNR_k', 'min Gamma_kj', '2(a) bound', `2(b) bound L=${r.ls[lIdx]}`, 'phase'],
      r.phase.map((p, k) => [
        k,
        r.classSizes[k],
        r.featureNorms[k],
        r.trace[k],
        r.rank[k],
        num(r.snr[k]),
        num(r.gammaMin[k]),
        r.bounds.explicit[k].bound,
        r.bounds.implicit[k].perL[lIdx].bound,
        p,
      ]),
    ),
  );
  const c = r.constants;
  console.log(`\nconstants: C=${c.C} C1=${c.C1} C2=${c.C2} C3=${c.C3} c1=${c.c1} c2=${c.c2} c3=${c.c3} delta=${c.delta} C'=${c.Cprime}`);
  console.log('Condition 1, worst case of each item (margin = lhs/rhs for >=, rhs/lhs for <=; holds when >= 1):');
  console.log(
    table(
      ['item', 'lhs', 'sense', 'rhs', 'margin', 'holds', 'at'],
      r.conditions.map((i) => [i.id, num(i.lhs), i.sense, num(i.rhs), i.margin === null ? '-' : i.margin, yesNo(i.holds), i.at ? i.at.join(',') : '']),
    ),
  );
  console.log(`T of Theorem 1 (no log factors): ${fmt(r.iterations.value)}; log T uses ${fmt(r.iterations.tUsed)}`);
  const L = r.lemmas;
  if (L) {
    console.log(
      `\nlemmas on the trained run (T = ${L.steps ?? '?'}, sigma0 = ${fmt(L.sigma0)}${L.sigma0Measured !== null ? `, measured ${fmt(L.sigma0Measured)}` : ''}):`,
    );
    console.log(
      table(
        ['class', 'rank(WjAj)', '>=0.9m', 'lambda1', '<=sqrt(m)logT', 'L4 mean active', 'share>=0.1m', 'L5 ratio', 'b(S_k)'],
        L.lemma3.map((l3, k) => [
          k,
          l3.rank,
          yesNo(l3.items[0].holds),
          l3.singularValues[0] ?? 0,
          yesNo(l3.items[1].holds),
          L.lemma4[k].meanActive,
          L.lemma4[k].shareAtLeast,
          num(L.lemma5[k].ratio),
          L.b ? L.b[k] : '-',
        ]),
      ),
    );
    console.log(
      `Lemma 7: kappa max over the trajectory ${L.lemma7.max === null ? '-' : fmt(L.lemma7.max)}, at the end ${L.lemma7.finalKappa === null ? '-' : fmt(L.lemma7.finalKappa)}`,
    );
    if (L.test) console.log(`test accuracy ${fmt(L.test.acc)} on ${L.test.count} samples`);
    if (L.longTailed) {
      console.log(
        table(
          ['L', 'long-tailed', 'error', 'mean 2(b) bound', '2(b) applies to'],
          L.longTailed.map((l) => [
            l.L,
            l.count,
            l.error === null ? '-' : l.error,
            l.perClass.reduce((s, p) => s + p.bound, 0) / l.perClass.length,
            `${l.perClass.filter((p) => p.condition).length}/${l.perClass.length} classes`,
          ]),
        ),
      );
    }
  }
  console.log(`wrote ${meta.out}`);
}

/**
 * The theory section's flags (from the schema the core declares). data.seed is --seed, so the seed
 * of the fresh draws is --theory-seed; --sigma0 s is a short form of --init sigma0=s.
 */
const THEORY_FLAGS: SchemaFlagOptions = {
  names: { seed: 'theory-seed' },
  skip: ['memoryLimit'],
  parsers: { init: parseInit },
  placeholders: { init: 'pytorch|sigma0=s' },
  notes: { init: 'On the command line: pytorch or sigma0=<s> (or --sigma0 <s>).' },
};

/** A fit still running after this many seconds says how long it will take and shows a bar. */
const FIT_BAR_AFTER_SECONDS = 1;

/** What fitWithProgress did: the report, and the up-front estimate when the fit was long. */
/**
 * bf.fitConstantsAsync for the command line: the core's FitJob draws the bootstrap resamples in
 * chunks, so a fit that runs past a second says how long it will take (timed on the resamples
 * so far), shows a bar of resamples, and Ctrl-C (SIGINT) or SIGTERM stop it between chunks:
 * E_ABORTED, exit 130 / 143, nothing written. The report is the one bf.fitConstants gives.
 */
export async function fitWithProgress(bf: Benignfit, rows: FitRowInput[], options: FitOptionsInput, label = 'fit-constants'): Promise<FitReport> {
  const each = resolveFitOptions(options).bootstrap;
  const ac = interruptible(label, 'now (a fit keeps no partial result)');
  const t0 = performance.now();
  let bar: ReturnType<typeof progressBar> | null = null;
  try {
    return await bf.fitConstantsAsync(rows, {
      ...options,
      signal: ac.signal,
      onProgress: ({ done, total }) => {
        const seconds = (performance.now() - t0) / 1000;
        if (!bar && done > 0 && done < total && seconds >= FIT_BAR_AFTER_SECONDS) {
          const estimate = (seconds * total) / done;
          safeError(`${label}: ${each} bootstrap resamples of each fit: about ${duration(estimate)} (timed on ${done}). Ctrl-C stops.`);
          bar = progressBar(label, total, 'resamples');
        }
        bar?.update(done);
      },
    });
  } catch (e) {
    throw e instanceof BenignfitError && e.code === 'E_ABORTED' ? abortError(label) : e;
  } finally {
    (bar as ReturnType<typeof progressBar> | null)?.stop();
    ac.dispose();
  }
}

/** "3.2 s", "12 min", "1.4 h". */
function duration(s: number): string {
  if (s < 90) return `${s.toFixed(1)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** The fit section's flags (from the schema the core declares). */
const FIT_FLAGS: SchemaFlagOptions = {};

export function registerTheory(program: Command): void {
  const theory = program
    .command('theory')
    .description(linkDocs('every Theorem 1 / Condition 1 quantity of a data model, and with --run the lemmas on trained weights (JSON; docs/theory.md)'))
    .option('--config <file>', noDefault('JSON config {"data": {...}, "train": {...}, "theory": {...}}'))
    .option('--run <dir>', noDefault('a run folder of `benignfit train --out DIR` (its data config and weights)'))
    .requiredOption('--out <file>', required('output JSON file'))
    .option('--json', 'print the JSON instead of tables')
    .addOption(backendOption())
    .addOption(threadsOption());
  schemaFlags(theory, 'theory', THEORY_FLAGS).option(
    '--sigma0 <s>',
    noDefault('Gaussian init scale: the same as --init sigma0=<s> (without either, the init is the theory section\'s, "pytorch": sigma0 = 1/sqrt(3d))'),
    (v) => parseNumber('--sigma0', v),
  );
  dataFlags(theory).action(async (o) => {
    const cfg: ConfigFile = readConfig(o.config, ['data', 'train', 'theory']);
    // The file's train section is a train section: checked as one, its errors named train.*.
    if (cfg.train) resolveTrainConfig(cfg.train as TrainConfigInput);
    const folder = o.run ? readRunFolder(o.run) : null;
    if (folder) {
      if (!cfg.data) cfg.data = folder.data as Record<string, unknown>;
      cfg.train = { ...folder.train, ...(cfg.train ?? {}) };
    }
    applySets(cfg, o.set);
    dataOverrides(cfg, o);
    const theory: Record<string, unknown> = { ...optionsFromTrain(cfg.train), ...(cfg.theory ?? {}) };
    if (folder) {
      if (theory.width === undefined) theory.width = folder.width;
      if (theory.steps === undefined && folder.steps !== undefined) theory.steps = folder.steps;
      if (theory.width !== folder.width) throw invalid('theory.width', theory.width, `the width of the run's weights (${folder.width})`);
    }
    const t = cfg as Record<string, Record<string, unknown> | undefined>;
    t.theory = theory;
    applySchemaFlags(t, 'theory', o, THEORY_FLAGS);
    if (o.sigma0 !== undefined) setIf(t, 'theory', 'init', { sigma0: o.sigma0 });
    const out = outFile(o.out);
    const bf = await backendFor(o);
    const t0 = performance.now();
    const arrays = folder?.features ? { features: folder.features, noiseFactors: folder.noiseFactors } : {};
    const opts = { ...(t.theory as TheoryOptionsInput), ...arrays };
    const r = folder ? bf.theoryLemmas(cfg.data ?? {}, folder.run, opts) : bf.theory(cfg.data ?? {}, opts);
    const seconds = (performance.now() - t0) / 1000;
    const doc = { ...r, seed: r.config.data.seed, backend: bf.backend, version: bf.version(), run: folder ? resolve(o.run) : null, seconds };
    writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
    if (o.json) {
      console.log(JSON.stringify(doc, null, 2));
      return;
    }
    printTheory(r, { backend: bf.backend, seconds, out });
  });

  const fit = program
    .command('fit-constants')
    .description(linkDocs('fit the rates c1, c2 of Theorem 1 to sweep results (results.jsonl), with bootstrap intervals (docs/theory.md)'))
    .requiredOption('--results <file>', required('sweep results, one JSON object per line (snr, gamma, testAccPerClass, longTailed, ...)'))
    .requiredOption('--out <file>', required('output JSON file'))
    .option('--config <file>', noDefault('JSON config {"fit": {...}}'))
    .option('--set <path=value>', noDefault('override a config field, e.g. --set fit.constants.C1=3 (repeatable)'), collect)
    .option('--json', 'print the JSON instead of a summary')
    .addOption(backendOption());
  schemaFlags(fit, 'fit', FIT_FLAGS).action(async (o) => {
    const cfg = applySets(readConfig(o.config, ['fit']), o.set);
    applySchemaFlags(cfg, 'fit', o, FIT_FLAGS);
    let text: string;
    try {
      text = readFileSync(o.results, 'utf8');
    } catch (e) {
      throw new BenignfitError('E_IO', `--results: cannot read ${o.results}: ${(e as Error).message}`, { field: '--results' });
    }
    const rows: FitRowInput[] = [];
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        rows.push(JSON.parse(line) as FitRowInput);
      } catch (e) {
        throw new BenignfitError('E_FORMAT', `--results: line ${i + 1} of ${o.results} is not JSON: ${(e as Error).message}`, { field: '--results' });
      }
    });
    const out = outFile(o.out);
    const bf = await backendFor(o);
    const r = await fitWithProgress(bf, rows, cfg.fit ?? {});
    const doc = { ...r, results: resolve(o.results), backend: bf.backend, version: bf.version() };
    writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
    if (o.json) {
      console.log(JSON.stringify(doc, null, 2));
      return;
    }
    const show = (name: string, f: typeof r.c1) => [
      name,
      f.estimate === null ? '-' : f.estimate,
      f.ci ? `[${fmt(f.ci[0])}, ${fmt(f.ci[1])}]` : '-',
      f.points,
      f.rows,
      f.zeroErrorPoints,
      f.droppedPoints,
      f.residualRms === null ? '-' : f.residualRms,
    ];
    console.log(`fitted on ${rows.length} rows (K = ${r.classes}), ${Math.round((r.c1.level ?? 0.95) * 100)}% bootstrap intervals:`);
    console.log(table(['rate', 'estimate', 'interval', 'points', 'cells', 'zero-error', 'dropped', 'rms log residual'], [show('c1', r.c1), show('c2', r.c2)]));
    console.log(`wrote ${out}`);
  });
}
