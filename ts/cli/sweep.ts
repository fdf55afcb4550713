import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { BenignfitError, invalid } from '../errors.js';
import type { CellResult } from '../sweep/cell.js';
import { sweep } from '../sweep/node.js';
import { planSweep } from '../sweep/run.js';
import { parseShard, resolveSweep, stableStringify, type SweepConfigInput } from '../sweep/spec.js';
import { readResults, SweepStore, type SweepMeta } from '../sweep/store.js';
import { writeSweepFigure } from '../sweep/figure-node.js';
import { applySets, backendFor, backendOption, fmt, outDir, parseInteger, readConfig, table } from './common.js';
import { interruptible, progressBar } from './progress.js';

interface RunFlags {
  out: string;
  shard?: string;
  workers?: number;
  backend?: 'native' | 'wasm' | 'auto';
  seeds?: number;
}

/** Run (or resume) a sweep into a folder with a progress bar; returns the folder's rows. */
export async function runSweepToFolder(config: SweepConfigInput, o: RunFlags, label = 'sweep'): Promise<{ rows: CellResult[]; aborted: boolean }> {
  if (o.seeds !== undefined) config = { ...config, sweep: { ...config.sweep, seeds: o.seeds } };
  const shard = o.shard ? parseShard(o.shard) : null;
  const resolved = resolveSweep(config);
  const dir = outDir(o.out);
  const bf = await backendFor({ backend: o.backend });
  const { mine } = planSweep(config, { shard });
  const meta: SweepMeta = {
    config: { data: config.data ?? {}, train: config.train ?? {}, sweep: config.sweep },
    cells: mine.length,
    shard,
    backend: bf.backend,
    versions: { benignfit: '0.1.0', core: bf.version(), build: bf.buildInfo },
    created: new Date().toISOString(),
  };
  const store = SweepStore.open(dir, resolved, meta);
  const before = store.done.size;
  if (before > 0) console.error(`${label}: resuming in ${dir}: ${before} of ${mine.length} cells already done`);
  const ac = interruptible(label);
  const bar = progressBar(label, mine.length, 'cells');
  bar.update(before);
  let run;
  try {
    run = await sweep(config, {
      backend: bf.backend,
      workers: o.workers,
      shard,
      skip: store.done.keys(),
      signal: ac.signal,
      onCell: (r) => store.append(r),
      onProgress: (p) => bar.update(p.done, `${p.running} running`),
    });
  } finally {
    bar.stop();
    store.close();
  }
  const rows = store.rows();
  if (run.aborted) {
    console.error(`${label}: stopped; ${rows.length} of ${mine.length} cells are saved in ${dir}. Run the same command again to resume.`);
  } else {
    console.error(`${label}: ${run.results.length} cells in ${run.seconds.toFixed(1)} s (${mine.length} in this ${shard ? 'shard' : 'sweep'})`);
  }
  if (rows.length && !shard) {
    const files = await writeSweepFigure(bf, dir, resolved, rows);
    console.error(`${label}: wrote ${files.join(', ')}`);
  }
  return { rows, aborted: run.aborted };
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

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('train a grid of cells over one or two config fields (with seed replicates) in parallel; resumable; results CSV/JSONL + heatmap SVG/PNG')
    .requiredOption('--config <file>', 'JSON {"data": {...}, "train": {...}, "sweep": {"x": {"param", "values"}, "y": {...}, "seeds": N}}')
    .requiredOption('--out <dir>', 'output folder (running again with the same folder resumes)')
    .option('--shard <i/N>', 'run only shard i of N (a deterministic 1/N of the cells), e.g. for a Slurm array')
    .option('--workers <n>', 'worker threads (default: the number of cores)', (v) => parseInteger('--workers', v))
    .option('--seeds <n>', 'override sweep.seeds', (v) => parseInteger('--seeds', v))
    .option('--set <path=value>', 'override a config field (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .addOption(backendOption())
    .action(async (o) => {
      const cfg = applySets(readConfig(o.config, ['data', 'train', 'sweep']), o.set) as unknown as SweepConfigInput;
      const { rows } = await runSweepToFolder(cfg, o);
      if (!o.shard) console.log(summaryTable(cfg, rows));
    });

  program
    .command('merge')
    .description('join the folders of sweep shards (--shard i/N) into one folder with results and heatmap; refuses shards of different sweeps')
    .argument('<dirs...>', 'shard folders')
    .requiredOption('--out <dir>', 'output folder')
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
        for (const r of readResults(join(d, 'results.jsonl')).rows) all.set(r.index, r);
      }
      if (!meta) throw invalid('dirs', dirs, 'at least one shard folder');
      const config = meta.config as SweepConfigInput;
      const resolved = resolveSweep(config);
      const dir = outDir(o.out);
      const store = SweepStore.open(dir, resolved, { ...meta, shard: null, created: new Date().toISOString() });
      for (const r of [...all.values()].sort((a, b) => a.index - b.index)) store.append(r);
      store.close();
      const rows = store.rows();
      const total = planSweep(config).mine.length;
      console.error(`merge: ${rows.length} of ${total} cells from ${dirs.length} folders${rows.length < total ? ` (${total - rows.length} missing: run the missing shards and merge again)` : ''}`);
      const files = await writeSweepFigure(await backendFor({}), dir, resolved, rows);
      console.error(`merge: wrote ${files.join(', ')}`);
      console.log(summaryTable(config, rows));
    });
}
