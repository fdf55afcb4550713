/**
 * Folders of results that never lose finished work (ResultStore), and a sweep's folder (SweepStore):
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
import { csvHeader, csvRow } from './table.js';

export { csvHeader, csvRow };

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

/** What differs between two configs, as dotted paths (for the refusal message). */
export function configDiff(a: unknown, b: unknown, path = ''): string[] {
  if (stableStringify(a) === stableStringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => configDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return [path || '(root)'];
}

/** Parse a JSON-lines file, dropping a torn last line; returns the rows and the length of the good part. */
export function readJsonl<T>(file: string): { rows: T[]; goodBytes: number; torn: boolean } {
  if (!existsSync(file)) return { rows: [], goodBytes: 0, torn: false };
  const buf = readFileSync(file);
  const rows: T[] = [];
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
        rows.push(JSON.parse(line) as T);
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

/** Parse a sweep's results.jsonl, dropping a torn last line. */
export function readResults(file: string): { rows: CellResult[]; goodBytes: number; torn: boolean } {
  return readJsonl<CellResult>(file);
}

/** What makes a folder of results: its meta file, the identity of a run, the row key and the CSV. */
export interface StoreSpec<T, M> {
  /** The meta file written once when the folder is created (e.g. sweep.json, config.json). */
  metaFile: string;
  /** What the folder holds, for messages ("a sweep", "a Figure 7 run"). */
  what: string;
  /** The part of the meta that must match to resume (compared with stableStringify). */
  identity: (meta: M) => unknown;
  /** Further refusals when resuming (throw a BenignfitError). */
  check?: (old: M, meta: M, dir: string) => void;
  /** Rows with the same key are the same piece of work (the first one is kept). */
  key: (row: T) => string | number;
  /** The order of rows() and of the rebuilt CSV. */
  order: (a: T, b: T) => number;
  /** The CSV derived from the rows (header and one line per row, both ending in a newline). */
  csvHeader: string;
  csvRow: (row: T) => string;
}

/**
 * A folder of results that never loses finished work: `<metaFile>` (the run's identity, written
 * once), `results.jsonl` (one line per finished row, appended and fsync'ed the moment it is
 * added) and `results.csv` (the same rows as a table, rebuilt from the JSONL when reopened).
 * Reopening resumes: a torn last line (a killed process) is dropped, rows are deduplicated by key,
 * and a folder whose identity differs is refused, naming what differs.
 */
export class ResultStore<T, M> {
  readonly done = new Map<string | number, T>();
  private fd: number | null = null;
  private csvFd: number | null = null;

  private constructor(
    readonly dir: string,
    private readonly spec: StoreSpec<T, M>,
  ) {}

  static open<T, M>(dir: string, spec: StoreSpec<T, M>, meta: M): ResultStore<T, M> {
    mkdirSync(dir, { recursive: true });
    const metaFile = join(dir, spec.metaFile);
    if (existsSync(metaFile)) {
      let old: M;
      try {
        old = JSON.parse(readFileSync(metaFile, 'utf8')) as M;
      } catch (e) {
        throw new BenignfitError('E_FORMAT', `${metaFile} is not valid JSON (${(e as Error).message}); move the folder away or use another --out`);
      }
      const [a, b] = [spec.identity(old), spec.identity(meta)];
      if (stableStringify(a) !== stableStringify(b)) {
        const diff = configDiff(a, b);
        throw new BenignfitError(
          'E_INVALID',
          `--out: ${dir} holds ${spec.what} with a different config (differs in: ${diff.join(', ')}). Resuming it would mix results; use a new --out folder, or delete this one to start over.`,
          { field: '--out' },
        );
      }
      spec.check?.(old, meta, dir);
    } else {
      const tmp = metaFile + '.tmp';
      writeFileSync(tmp, JSON.stringify(meta, null, 2) + '\n');
      renameSync(tmp, metaFile);
    }
    const s = new ResultStore<T, M>(dir, spec);
    const jsonl = join(dir, 'results.jsonl');
    const { rows, goodBytes, torn } = readJsonl<T>(jsonl);
    if (torn) truncateSync(jsonl, goodBytes);
    for (const r of rows) if (!s.done.has(spec.key(r))) s.done.set(spec.key(r), r);
    // The CSV is derived: rebuild it from the JSONL so both always agree.
    s.rewriteCsv();
    s.fd = openSync(jsonl, 'a');
    s.csvFd = openSync(join(dir, 'results.csv'), 'a');
    return s;
  }

  private rewriteCsv(): void {
    const tmp = join(this.dir, 'results.csv.tmp');
    writeFileSync(tmp, this.spec.csvHeader + this.rows().map(this.spec.csvRow).join(''));
    renameSync(tmp, join(this.dir, 'results.csv'));
  }

  /** Append finished rows, durably (written in one piece and fsync'ed before returning); known keys are skipped. */
  append(...rows: T[]): void {
    const fresh: T[] = [];
    for (const r of rows) {
      const k = this.spec.key(r);
      if (this.done.has(k)) continue;
      this.done.set(k, r);
      fresh.push(r);
    }
    if (!fresh.length) return;
    writeSync(this.fd!, fresh.map((r) => JSON.stringify(r) + '\n').join(''));
    fsyncSync(this.fd!);
    writeSync(this.csvFd!, fresh.map(this.spec.csvRow).join(''));
  }

  rows(): T[] {
    return [...this.done.values()].sort(this.spec.order);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    if (this.csvFd !== null) closeSync(this.csvFd);
    this.fd = this.csvFd = null;
  }
}

/** A sweep's folder: sweep.json, results.jsonl, results.csv (a ResultStore keyed by cell index). */
export class SweepStore {
  private constructor(private readonly store: ResultStore<CellResult, SweepMeta>) {}

  get dir(): string {
    return this.store.dir;
  }
  get done(): Map<number, CellResult> {
    return this.store.done as Map<number, CellResult>;
  }

  /** Open (or create) a sweep folder; refuses a folder that holds another sweep. */
  static open(dir: string, resolved: ResolvedSweep, meta: SweepMeta): SweepStore {
    const l = (resolved.train as { longTailedL?: number[] }).longTailedL;
    const ls = l ?? [1, 2];
    const spec: StoreSpec<CellResult, SweepMeta> = {
      metaFile: 'sweep.json',
      what: 'a sweep',
      identity: (m) => ({ data: m.config.data ?? {}, train: m.config.train ?? {}, sweep: m.config.sweep }),
      check: (old, m, d) => {
        if (stableStringify(old.shard) !== stableStringify(m.shard)) {
          throw new BenignfitError('E_INVALID', `--shard: ${d} holds shard ${old.shard ? `${old.shard.i}/${old.shard.n}` : '(all)'}, not ${m.shard ? `${m.shard.i}/${m.shard.n}` : '(all)'}; give each shard its own folder`, { field: '--shard' });
        }
      },
      key: (r) => r.index,
      order: (a, b) => a.index - b.index,
      csvHeader: csvHeader(resolved, ls),
      csvRow: (r) => csvRow(r, ls),
    };
    return new SweepStore(ResultStore.open(dir, spec, meta));
  }

  /** Append one finished cell, durably (written and fsync'ed before returning). */
  append(r: CellResult): void {
    this.store.append(r);
  }

  rows(): CellResult[] {
    return this.store.rows();
  }

  close(): void {
    this.store.close();
  }
}
