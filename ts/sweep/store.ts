/**
 * A sweep's output folder, built so no finished work is ever lost:
 * - `sweep.json`: the resolved config (the sweep's identity), versions and shard;
 * - `results.jsonl`: one line per finished cell, appended and fsync'ed the moment it finishes;
 * - `results.csv`: the same rows as a table (rebuilt from results.jsonl when resuming).
 * Running again with the same folder resumes: finished cells are skipped, a torn last line (a
 * killed process) is dropped, and a different config in the folder is refused.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BenignfitError } from '../errors.js';
import type { CellResult } from './cell.js';
import { stableStringify, type ResolvedSweep } from './spec.js';

export interface SweepMeta {
  /** The config as given (data, train, sweep): what identifies the sweep. */
  config: { data: unknown; train: unknown; sweep: unknown };
  /** All cells of the grid (all shards). */
  cells: number;
  shard: { i: number; n: number } | null;
  backend: string;
  versions: Record<string, unknown>;
  created: string;
}

function identity(c: SweepMeta['config']): string {
  return stableStringify({ data: c.data ?? {}, train: c.train ?? {}, sweep: c.sweep });
}

/** What differs between two configs, as dotted paths (for the refusal message). */
export function configDiff(a: unknown, b: unknown, path = ''): string[] {
  if (stableStringify(a) === stableStringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => configDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return [path || '(root)'];
}

const CSV_FIXED = ['index', 'x', 'y', 'seed', 'testAcc', 'trainAcc', 'trainLoss', 'snr', 'gamma', 'steps', 'seconds', 'backend', 'error'];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(resolved: ResolvedSweep, ls: number[]): string {
  const names = CSV_FIXED.map((c) => (c === 'x' ? resolved.x.param : c === 'y' ? resolved.y?.param ?? 'y' : c));
  return [...names, ...ls.flatMap((l) => [`longTailedAcc_L${l}`, `longTailedCount_L${l}`])].join(',') + '\n';
}

/** One CSV line: snr and gamma are the worst (smallest) over classes; per-class values are in the JSONL. */
export function csvRow(r: CellResult, ls: number[]): string {
  const minOf = (a: number[]) => (a.length ? Math.min(...a) : null);
  const fixed = [r.index, Array.isArray(r.x) ? r.x.join(';') : r.x, Array.isArray(r.y) ? r.y.join(';') : r.y, r.seed, r.testAcc, r.trainAcc, r.trainLoss, minOf(r.snr), minOf(r.gammaMin), r.steps, +r.seconds.toFixed(4), r.backend, r.error ? `${r.error.code}: ${r.error.message}` : ''];
  const lt = ls.flatMap((l) => {
    const e = r.longTailed.find((v) => v.L === l);
    return [e?.acc ?? null, e?.count ?? null];
  });
  return [...fixed, ...lt].map(csvCell).join(',') + '\n';
}

/** Parse results.jsonl, dropping a torn last line; returns the rows and the length of the good part. */
export function readResults(file: string): { rows: CellResult[]; goodBytes: number; torn: boolean } {
  if (!existsSync(file)) return { rows: [], goodBytes: 0, torn: false };
  const buf = readFileSync(file);
  const rows: CellResult[] = [];
  let start = 0;
  let good = 0;
  let torn = false;
  while (start < buf.length) {
    const nl = buf.indexOf(10, start);
    const end = nl < 0 ? buf.length : nl;
    const line = buf.subarray(start, end).toString('utf8').trim();
    if (line) {
      try {
        if (nl < 0) throw new Error('no newline: torn write');
        rows.push(JSON.parse(line) as CellResult);
      } catch {
        torn = true;
        break;
      }
    }
    good = nl < 0 ? buf.length : nl + 1;
    start = good;
  }
  return { rows, goodBytes: good, torn };
}

export class SweepStore {
  readonly dir: string;
  private readonly ls: number[];
  readonly done = new Map<number, CellResult>();
  private fd: number | null = null;
  private csvFd: number | null = null;

  private constructor(dir: string, private readonly resolved: ResolvedSweep) {
    this.dir = dir;
    const l = (resolved.train as { longTailedL?: number[] }).longTailedL;
    this.ls = l ?? [1, 2];
  }

  /** Open (or create) a sweep folder; refuses a folder that holds another sweep. */
  static open(dir: string, resolved: ResolvedSweep, meta: SweepMeta): SweepStore {
    mkdirSync(dir, { recursive: true });
    const metaFile = join(dir, 'sweep.json');
    if (existsSync(metaFile)) {
      let old: SweepMeta;
      try {
        old = JSON.parse(readFileSync(metaFile, 'utf8')) as SweepMeta;
      } catch (e) {
        throw new BenignfitError('E_FORMAT', `${metaFile} is not valid JSON (${(e as Error).message}); move the folder away or use another --out`);
      }
      if (identity(old.config) !== identity(meta.config)) {
        const diff = configDiff(old.config, meta.config);
        throw new BenignfitError(
          'E_INVALID',
          `--out: ${dir} holds a sweep with a different config (differs in: ${diff.join(', ')}). Resuming it would mix results; use a new --out folder, or delete this one to start over.`,
          { field: '--out' },
        );
      }
      if (stableStringify(old.shard) !== stableStringify(meta.shard)) {
        throw new BenignfitError('E_INVALID', `--shard: ${dir} holds shard ${old.shard ? `${old.shard.i}/${old.shard.n}` : '(all)'}, not ${meta.shard ? `${meta.shard.i}/${meta.shard.n}` : '(all)'}; give each shard its own folder`, { field: '--shard' });
      }
    } else {
      const tmp = metaFile + '.tmp';
      writeFileSync(tmp, JSON.stringify(meta, null, 2) + '\n');
      renameSync(tmp, metaFile);
    }
    const s = new SweepStore(dir, resolved);
    const jsonl = join(dir, 'results.jsonl');
    const { rows, goodBytes, torn } = readResults(jsonl);
    if (torn) truncateSync(jsonl, goodBytes);
    for (const r of rows) if (!s.done.has(r.index)) s.done.set(r.index, r);
    // The CSV is derived: rebuild it from the JSONL so both always agree.
    s.rewriteCsv();
    s.fd = openSync(jsonl, 'a');
    s.csvFd = openSync(join(dir, 'results.csv'), 'a');
    return s;
  }

  private rewriteCsv(): void {
    const rows = [...this.done.values()].sort((a, b) => a.index - b.index);
    const tmp = join(this.dir, 'results.csv.tmp');
    writeFileSync(tmp, csvHeader(this.resolved, this.ls) + rows.map((r) => csvRow(r, this.ls)).join(''));
    renameSync(tmp, join(this.dir, 'results.csv'));
  }

  /** Append one finished cell, durably (written and fsync'ed before returning). */
  append(r: CellResult): void {
    if (this.done.has(r.index)) return;
    this.done.set(r.index, r);
    writeSync(this.fd!, JSON.stringify(r) + '\n');
    fsyncSync(this.fd!);
    writeSync(this.csvFd!, csvRow(r, this.ls));
  }

  rows(): CellResult[] {
    return [...this.done.values()].sort((a, b) => a.index - b.index);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    if (this.csvFd !== null) closeSync(this.csvFd);
    this.fd = this.csvFd = null;
  }
}
