import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { BenignfitError, invalid } from '../errors.js';
import type { CellResult } from '../sweep/cell.js';
import { checkWorkers, sweep } from '../sweep/node.js';
import { planSweep, SAVED_UNIT, type SweepRun } from '../sweep/run.js';
import { parseShard, resolveSweep, stableStringify, type SweepConfigInput } from '../sweep/spec.js';
import { readResults, SweepStore, type SweepMeta } from '../sweep/store.js';
import { writeSweepFigure } from '../sweep/figure-node.js';
import { applySets, backendFor, backendOption, fmt, noDefault, outDir, parseInteger, readConfig, required, table } from './common.js';
import { applySchemaFlags, schemaFlags, type SchemaFlagOptions } from './flags.js';
import { interruptible, progressBar, safeError } from './progress.js';

interface RunFlags {
  out: string;
  shard?: string;
  workers?: number;
  backend?: 'native' | 'wasm' | 'auto';
  seeds?: number;
}

/** What a folder run did: its rows, whether a signal stopped it, and the cells that failed. */
export interface FolderRun {
  rows: CellResult[];
  aborted: boolean;
  failed: CellResult[];
}

/** Exit code of a run whose cells all ran but some failed (stored with their error; retried when run again). */
export const EXIT_FAILED_CELLS = 3;

/**
 * Run (or resume) a sweep into a folder with a progress bar; returns the folder's rows. Sets the
 * exit code: 130/143 when SIGINT/SIGTERM stopped it (what finished is saved), 3 when cells failed.
 */
export async function runSweepToFolder(config: SweepConfigInput, o: RunFlags, label = 'sweep'): Promise<FolderRun> {
  if (o.seeds !== undefined) config = { ...config, sweep: { ...config.sweep, seeds: o.seeds } };
  const shard = o.shard ? parseShard(o.shard, process.env) : null;
  if (shard && /^auto/.test(o.shard!.trim()))
    safeError(
      `${label}: --shard ${o.shard}: shard ${shard.i}/${shard.n} of this ${process.env.SLURM_ARRAY_TASK_ID !== undefined ? `Slurm array task (SLURM_ARRAY_TASK_ID=${process.env.SLURM_ARRAY_TASK_ID})` : `Kubernetes Job (JOB_COMPLETION_INDEX=${process.env.JOB_COMPLETION_INDEX})`}`,
    );
  const workers = checkWorkers(o.workers, '--workers');
  // The backend first: the core checks every cell's config.
  const bf = await backendFor({ backend: o.backend });
  const resolved = resolveSweep(config);
  const { mine } = planSweep(config, { shard });
  const dir = outDir(o.out);
  const meta: SweepMeta = {
    config: { data: config.data ?? {}, train: config.train ?? {}, sweep: config.sweep },
    cells: mine.length,
    shard,
    backend: bf.backend,
    versions: { benignfit: '0.1.0', core: bf.version(), build: bf.buildInfo },
    created: new Date().toISOString(),
  };
  const store = SweepStore.open(dir, resolved, meta, mine, { note: safeError });
  let run: SweepRun | null | undefined;
  const ac = interruptible(label);
  try {
    const finished = store.finished();
    const retry = store.failures().length;
    const todo = mine.length - finished.size;
    if (mine.length === 0) {
      const all = planSweep(config).mine.length;
      safeError(
        `${label}: shard ${shard!.i}/${shard!.n} has no cells (the sweep has ${all} cell${all === 1 ? '' : 's'}, so shards above ${all} are empty); nothing to do`,
      );
      return { rows: [], aborted: false, failed: [] };
    }
    if (todo === 0) {
      safeError(`${label}: all ${mine.length} cells are already done in ${dir}; nothing to run (delete the folder or use another --out to run again)`);
      run = null;
    } else {
      if (store.done.size > 0)
        safeError(
          `${label}: resuming in ${dir}: ${finished.size} of ${mine.length} cells already done${retry ? `, ${retry} failed before (retrying them)` : ''}`,
        );
      const bar = progressBar(label, mine.length, 'cells');
      bar.update(finished.size);
      try {
        run = await sweep(config, {
          backend: bf.backend,
          workers,
          shard,
          skip: finished,
          signal: ac.signal,
          // Units small enough that a kill loses little: a group's cells are saved when it ends.
          maxUnit: SAVED_UNIT,
          onCell: (r) => store.append(r),
          onProgress: (p) => bar.update(p.done, `${p.running} running`),
        });
      } finally {
        bar.stop();
      }
    }
  } finally {
    ac.dispose();
    store.close();
  }
  const rows = store.rows();
  const failed = store.failures();
  const done = rows.length - failed.length;
  if (run?.aborted) {
    safeError(`${label}: stopped by ${ac.received ?? 'a cancel'}; ${done} of ${mine.length} cells are saved in ${dir}. Run the same command again to resume.`);
    process.exitCode = ac.exitCode() || 130;
  } else if (run) {
    safeError(`${label}: ${run.results.length} cells in ${run.seconds.toFixed(1)} s (${mine.length} in this ${shard ? 'shard' : 'sweep'})`);
  }
  if (failed.length && !run?.aborted) {
    const codes = [...new Set(failed.map((r) => r.error!.code))].join(', ');
    safeError(
      `${label}: ${failed.length} of ${mine.length} cells failed (${codes}; first: cell ${failed[0].index}: ${failed[0].error!.message}); they are stored with their error in ${join(dir, 'results.jsonl')} and retried when you run the same command again`,
    );
    process.exitCode = EXIT_FAILED_CELLS;
  }
  if (rows.length && !shard && (run || !existsSync(join(dir, 'heatmap.svg')))) {
    const files = await writeSweepFigure(bf, dir, resolved, rows);
    safeError(`${label}: wrote ${files.join(', ')}`);
  }
  return { rows, aborted: !!run?.aborted, failed };
}

/** Mean test accuracy per (x, y) cell as a plain-text table. */
export function summaryTable(config: SweepConfigInput, rows: CellResult[]): string {
  const r = resolveSweep(config);
  const key = (row: CellResult) => `${row.xi},${row.yi}`;
  const groups = new Map<string, CellResult[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  const ys = r.y ? r.y.values : [null];
  const header = [r.y ? `${r.y.param} \\ ${r.x.param}` : r.x.param, ...r.x.values.map((v) => (typeof v === 'number' ? fmt(v) : String(v)))];
  const body = ys.map((yv, yi) => [
    yv === null ? 'testAcc' : typeof yv === 'number' ? fmt(yv) : String(yv),
    ...r.x.values.map((_, xi) => {
      const g = (groups.get(`${xi},${yi}`) ?? []).filter((c) => c.testAcc !== null);
      return g.length ? (g.reduce((a, c) => a + c.testAcc!, 0) / g.length).toFixed(3) : '-';
    }),
  ]);
  return table(header, body.reverse());
}

/** The sweep section's flags (from the schema the core declares); its axes come from --config (or --set sweep.x=...). */
const SWEEP_FLAGS: SchemaFlagOptions = { skip: ['x', 'y'] };

export function registerSweep(program: Command): void {
  const cmd = program
    .command('sweep')
    .description('train a grid of cells over one or two config fields (with seed replicates) in parallel; resumable; results CSV/JSONL + heatmap SVG/PNG')
    .requiredOption('--config <file>', required('JSON {"data": {...}, "train": {...}, "sweep": {"x": {"param", "values"}, "y": {...}, "seeds": N}}'))
    .requiredOption('--out <dir>', required('output folder (running again with the same folder resumes)'))
    .option(
      '--shard <i/N>',
      'run only shard i of N (a deterministic 1/N of the cells); auto: this Slurm array task (SLURM_ARRAY_TASK_ID, _COUNT, _MIN); auto/N: this task of N (also a Kubernetes Indexed Job: JOB_COMPLETION_INDEX) (default: none: every cell)',
    )
    .option('--workers <n>', 'worker threads (default: the number of cores; at most one per unit of work)', (v) => parseInteger('--workers', v))
    .option('--set <path=value>', noDefault('override a config field (repeatable)'), (v: string, p: string[] = []) => [...p, v])
    .addOption(backendOption())
    .addHelpText(
      'after',
      `
Every finished cell is saved (fsync'ed) to results.jsonl at once; run the same command again to
resume. One run per folder at a time (.lock). Exit codes: 0 done (also when there was nothing left
to run), 2 an error (nothing lost), 3 some cells failed (stored with their error, retried when run
again), 130/143 stopped by SIGINT/SIGTERM (finished cells saved).`,
    );
  schemaFlags(cmd, 'sweep', SWEEP_FLAGS).action(async (o) => {
    const file = applySets(readConfig(o.config, ['data', 'train', 'sweep']), o.set);
    applySchemaFlags(file, 'sweep', o, SWEEP_FLAGS);
    const cfg = file as unknown as SweepConfigInput;
    const { rows } = await runSweepToFolder(cfg, o);
    if (!o.shard) console.log(summaryTable(cfg, rows));
  });

  program
    .command('merge')
    .description('join the folders of sweep shards (--shard i/N) into one folder with results and heatmap; refuses shards of different sweeps')
    .argument('<dirs...>', 'shard folders')
    .requiredOption('--out <dir>', required('output folder'))
    .action(async (dirs: string[], o) => {
      let meta: SweepMeta | null = null;
      const all = new Map<number, CellResult>();
      for (const d of dirs) {
        let m: SweepMeta;
        try {
          m = JSON.parse(readFileSync(join(d, 'sweep.json'), 'utf8')) as SweepMeta;
        } catch (e) {
          throw new BenignfitError('E_IO', `merge: ${d} is not a sweep folder (${(e as Error).message})`);
        }
        if (meta && stableStringify(meta.config) !== stableStringify(m.config)) {
          throw new BenignfitError('E_INVALID', `merge: ${d} holds a different sweep than ${dirs[0]} (configs differ); only shards of one sweep can be merged`);
        }
        meta ??= m;
        const file = join(d, 'results.jsonl');
        const got = readResults(file);
        for (const b of got.bad) safeError(`merge: ${file} line ${b.line} is ${b.reason}: "${b.text}" (skipped; the rows after it are kept)`);
        for (const r of got.rows) if (!(all.get(r.index) && !all.get(r.index)!.error)) all.set(r.index, r);
      }
      if (!meta) throw invalid('dirs', dirs, 'at least one shard folder');
      const config = meta.config as SweepConfigInput;
      const bf = await backendFor({});
      const resolved = resolveSweep(config);
      const dir = outDir(o.out);
      const store = SweepStore.open(dir, resolved, { ...meta, shard: null, created: new Date().toISOString() }, planSweep(config).mine, { note: safeError });
      try {
        for (const r of [...all.values()].sort((a, b) => a.index - b.index)) store.append(r);
      } finally {
        store.close();
      }
      const rows = store.rows();
      const total = planSweep(config).mine.length;
      console.error(
        `merge: ${rows.length} of ${total} cells from ${dirs.length} folders${rows.length < total ? ` (${total - rows.length} missing: run the missing shards and merge again)` : ''}`,
      );
      const files = await writeSweepFigure(bf, dir, resolved, rows);
      console.error(`merge: wrote ${files.join(', ')}`);
      console.log(summaryTable(config, rows));
    });
}
