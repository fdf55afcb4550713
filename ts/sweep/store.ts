/**
 * Folders of results that never lose finished work (ResultStore), and a sweep's folder (SweepStore):
 * - `sweep.json`: the resolved config (the sweep's identity, with its hash), versions and shard;
 * - `results.jsonl`: one line per finished cell, appended and fsync'ed the moment it finishes;
 * - `results.csv`: the same rows as a table (rebuilt from results.jsonl when resuming);
 * - `.lock`: the process writing the folder (one at a time; a dead owner's lock is taken over).
 * Running again with the same folder resumes: finished cells are skipped, failed ones retried, a
 * torn last line (a killed process) is dropped, a bad line is reported by number and set aside
 * (the rows after it are kept), and a folder of another config or kind is refused by name.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BenignfitError } from '../errors.js';
import type { CellResult } from './cell.js';
import { lockFolder, type FolderLock } from './lock.js';
import type { Cell } from './spec.js';
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

/** A line of a JSON-lines file that is not a row: its 1-based number, its text (cut) and why. */
export interface BadLine {
  line: number;
  text: string;
  reason: string;
}

/**
 * Parse a JSON-lines file. A last line without its newline (a write cut by a kill) is `torn` and
 * left out; a bad line elsewhere is reported in `bad` (with its number) and the rows after it are
 * kept. `valid` says why a parsed value is not a row (null: it is one). `goodBytes` is the length
 * of the file without the torn tail.
 */
export function readJsonl<T>(
  file: string,
  valid?: (v: unknown) => string | null,
): { rows: T[]; lines: number[]; goodBytes: number; torn: boolean; bad: BadLine[] } {
  const rows: T[] = [];
  const lines: number[] = [];
  const bad: BadLine[] = [];
  if (!existsSync(file)) return { rows, lines, goodBytes: 0, torn: false, bad };
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new BenignfitError('E_IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  let start = 0;
  let lineNo = 0;
  let torn = false;
  let good = 0;
  while (start < buf.length) {
    const nl = buf.indexOf(10, start);
    lineNo++;
    if (nl < 0) {
      // No newline: the last write was cut (appends write a row and its newline in one piece).
      torn = buf.subarray(start).toString('utf8').trim() !== '';
      if (!torn) good = buf.length;
      break;
    }
    const text = buf.subarray(start, nl).toString('utf8').trim();
    good = nl + 1;
    start = nl + 1;
    if (!text) continue;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      bad.push({ line: lineNo, text: text.slice(0, 80), reason: `not JSON (${(e as Error).message})` });
      continue;
    }
    const why = valid ? valid(v) : v !== null && typeof v === 'object' && !Array.isArray(v) ? null : 'not a JSON object';
    if (why) {
      bad.push({ line: lineNo, text: text.slice(0, 80), reason: why });
      continue;
    }
    rows.push(v as T);
    lines.push(lineNo);
  }
  return { rows, lines, goodBytes: good, torn, bad };
}

/** Why `v` is not a sweep row (null: it is one). */
export function sweepRowProblem(v: unknown): string | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not a result row (a JSON object with index, xi, yi, seed, testAcc)';
  const r = v as Record<string, unknown>;
  for (const k of ['index', 'xi', 'yi', 'seed'] as const) {
    if (!Number.isSafeInteger(r[k]) || (r[k] as number) < 0) return `not a result row (${k}: ${JSON.stringify(r[k]) ?? 'missing'}, expected an integer >= 0)`;
  }
  for (const k of ['testAcc', 'trainAcc', 'trainLoss'] as const) {
    if (!(r[k] === null || typeof r[k] === 'number')) return `not a result row (${k}: ${JSON.stringify(r[k]) ?? 'missing'}, expected a number or null)`;
  }
  if (r.error !== undefined && (r.error === null || typeof r.error !== 'object' || typeof (r.error as { code?: unknown }).code !== 'string'))
    return 'not a result row (error: expected {code, message})';
  // The fields results.csv, the heatmap and the fit of c1, c2 read (found by the fuzzer: a row
  // without seconds or with "longTailed": [null] crashed the CSV with a TypeError).
  const numbers = (v: unknown) => Array.isArray(v) && v.every((x) => x === null || typeof x === 'number');
  if (typeof r.seconds !== 'number') return `not a result row (seconds: ${JSON.stringify(r.seconds) ?? 'missing'}, expected a number)`;
  if (!Array.isArray(r.longTailed) || !r.longTailed.every((e) => e !== null && typeof e === 'object' && !Array.isArray(e)))
    return 'not a result row (longTailed: expected an array of {L, count, acc})';
  for (const k of ['snr', 'gammaMin'] as const) if (!numbers(r[k])) return `not a result row (${k}: expected an array of numbers)`;
  if (!(r.testAccPerClass === null || r.testAccPerClass === undefined || numbers(r.testAccPerClass)))
    return 'not a result row (testAccPerClass: expected an array of numbers or null)';
  if (!(r.gamma === undefined || (Array.isArray(r.gamma) && r.gamma.every(numbers)))) return 'not a result row (gamma: expected a matrix of numbers)';
  return null;
}

/** Parse a sweep's results.jsonl: torn last line dropped, bad lines reported (the rows after them kept). */
export function readResults(file: string): { rows: CellResult[]; goodBytes: number; torn: boolean; bad: BadLine[] } {
  return readJsonl<CellResult>(file, sweepRowProblem);
}

/** What makes a folder of results: its meta file, the identity of a run, the row key and the CSV. */
export interface StoreSpec<T, M> {
  /** The meta file written once when the folder is created (e.g. sweep.json, config.json). */
  metaFile: string;
  /** What the folder holds, for messages ("a sweep", "a Figure 7 run"). */
  what: string;
  /** The part of the meta that must match to resume (compared with stableStringify; its hash is stored). */
  identity: (meta: M) => unknown;
  /** Further refusals when resuming (throw a BenignfitError). */
  check?: (old: M, meta: M, dir: string) => void;
  /** Rows with the same key are the same piece of work (a finished row is never replaced). */
  key: (row: T) => string | number;
  /** The order of rows() and of the rebuilt CSV. */
  order: (a: T, b: T) => number;
  /** The CSV derived from the rows (header and one line per row, both ending in a newline). */
  csvHeader: string;
  csvRow: (row: T) => string;
  /** Why a parsed line is not a row of this kind of folder (null: it is one). Bad lines are set aside. */
  valid?: (v: unknown) => string | null;
  /** Why a row belongs to another run (null: it is this run's); such a folder is refused. */
  foreign?: (row: T) => string | null;
  /** Rows stored as failures: kept (with their error) until a retry replaces them. */
  failed?: (row: T) => boolean;
}

export interface StoreOptions {
  /** Notes for the user (a stale lock taken over, bad lines set aside); default: stderr. */
  note?: (msg: string) => void;
}

/** Where writes go (tests replace these to inject short writes, ENOSPC, EIO). @internal */
export const storeIo = {
  writeSync: (fd: number, buf: Uint8Array, off: number, len: number): number => writeSync(fd, buf, off, len),
  fsyncSync: (fd: number): void => fsyncSync(fd),
};

/** The meta files of every kind of result folder, to refuse a folder of another kind by name. */
const KINDS: { file: string; what: string; is: (meta: unknown) => boolean }[] = [
  { file: 'sweep.json', what: 'a sweep', is: (m) => !!m && typeof m === 'object' && 'config' in m && 'cells' in m },
  {
    file: 'config.json',
    what: 'a Figure 7 run',
    is: (m) => !!m && typeof m === 'object' && /^reproduce fig7/.test(String((m as { command?: unknown }).command ?? '')),
  },
];

/** What result folder `dir` holds ("a sweep (sweep.json)"), or null. */
export function folderHolds(dir: string): { what: string; file: string } | null {
  for (const k of KINDS) {
    const f = join(dir, k.file);
    if (!existsSync(f)) continue;
    try {
      if (k.is(JSON.parse(readFileSync(f, 'utf8')))) return { what: k.what, file: k.file };
    } catch {
      /* not ours */
    }
  }
  return null;
}

/** Refuse to write into a result folder (a command that would overwrite or mix its files). */
export function refuseResultFolder(dir: string, command: string, files: string): void {
  const h = folderHolds(dir);
  if (h) {
    throw new BenignfitError(
      'E_INVALID',
      `--out: ${dir} holds ${h.what} (${h.file}); ${command} would overwrite its ${files}. Give ${command} its own --out folder.`,
      { field: '--out' },
    );
  }
}

export function configHash(identity: unknown): string {
  return createHash('sha256').update(stableStringify(identity)).digest('hex');
}

const ioError = (what: string, file: string, e: unknown, after: string) =>
  new BenignfitError(
    'E_IO',
    `cannot ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? ''}${(e as NodeJS.ErrnoException).code ? ': ' : ''}${(e as Error).message.replace(/^[A-Z]+: /, '')}. ${after}`,
    { cause: e },
  );

/** Write a file whole or not at all (temporary file, fsync, rename). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      writeAll(fd, buf, tmp);
      storeIo.fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    fsyncDir(dirname(file));
  } catch (e) {
    if (e instanceof BenignfitError) throw e;
    throw ioError('write', file, e, 'Nothing else in the folder was changed.');
  }
}

/** Make a folder's entries (a new or renamed file) durable too; where the file system cannot, nothing. */
function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* not supported here (e.g. some network file systems) */
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** writeSync until every byte is written; a write that makes no progress is an error (a full disk). */
function writeAll(fd: number, buf: Uint8Array, file: string): void {
  let off = 0;
  while (off < buf.length) {
    const n = storeIo.writeSync(fd, buf, off, buf.length - off);
    if (!(n > 0)) {
      const e = new Error(`wrote ${off} of ${buf.length} bytes (a short write: is the disk full?)`) as NodeJS.ErrnoException;
      e.code = 'ENOSPC';
      throw e;
    }
    off += n;
  }
  void file;
}

/**
 * A folder of results that never loses finished work: `<metaFile>` (the run's identity and its
 * hash, written once), `results.jsonl` (one line per finished row, written whole and fsync'ed the
 * moment it is added; a failed write is cut back so the file stays whole) and `results.csv` (the
 * same rows as a table, rebuilt from the JSONL when reopened). One process at a time (`.lock`).
 * Reopening resumes: a torn last line is dropped, bad lines are set aside into
 * results.rejected.jsonl with their numbers reported, rows are deduplicated by key (a failed row
 * is replaced by its retry), and a folder of another identity or kind is refused, naming why.
 */
export class ResultStore<T, M> {
  /** Every row by key (finished and failed). */
  readonly done = new Map<string | number, T>();
  private fd: number | null = null;
  private csvFd: number | null = null;
  private size = 0;
  private lock: FolderLock | null = null;
  readonly jsonl: string;
  readonly csv: string;

  private constructor(
    readonly dir: string,
    private readonly spec: StoreSpec<T, M>,
  ) {
    this.jsonl = join(dir, 'results.jsonl');
    this.csv = join(dir, 'results.csv');
  }

  static open<T, M>(dir: string, spec: StoreSpec<T, M>, meta: M, opts: StoreOptions = {}): ResultStore<T, M> {
    const note = opts.note ?? ((m: string) => console.error(m));
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new BenignfitError('E_IO', `--out: cannot create ${dir}: ${(e as Error).message}`, { field: '--out', cause: e });
    }
    const s = new ResultStore<T, M>(dir, spec);
    s.lock = lockFolder(dir, { note });
    try {
      s.init(meta, note);
    } catch (e) {
      s.close();
      throw e;
    }
    return s;
  }

  private init(meta: M, note: (m: string) => void): void {
    const { dir, spec } = this;
    const metaFile = join(dir, spec.metaFile);
    const other = KINDS.find((k) => k.file !== spec.metaFile && existsSync(join(dir, k.file)) && folderHolds(dir)?.file === k.file);
    if (other) {
      throw new BenignfitError('E_INVALID', `--out: ${dir} holds ${other.what} (${other.file}), not ${spec.what}; use another --out folder`, {
        field: '--out',
      });
    }
    const identity = spec.identity(meta);
    const hash = configHash(identity);
    if (existsSync(metaFile)) {
      let old: M & { configHash?: string };
      try {
        old = JSON.parse(readFileSync(metaFile, 'utf8')) as M & { configHash?: string };
      } catch (e) {
        throw new BenignfitError('E_FORMAT', `${metaFile} is not valid JSON (${(e as Error).message}); move the folder away or use another --out`);
      }
      // Valid JSON that is not this kind of meta file (found by the fuzzer: a sweep.json without
      // "config" crashed resuming with a TypeError) is refused by name, like invalid JSON.
      const notMeta = (why: string) =>
        new BenignfitError('E_FORMAT', `${metaFile} is not the meta file of ${spec.what} (${why}); move the folder away or use another --out`);
      if (old === null || typeof old !== 'object' || Array.isArray(old)) throw notMeta('not a JSON object');
      let a: unknown;
      try {
        a = spec.identity(old);
      } catch (e) {
        throw notMeta((e as Error).message);
      }
      if (a === undefined || stableStringify(a) === undefined) throw notMeta('its config is missing');
      if (old.configHash !== undefined && typeof old.configHash !== 'string') throw notMeta(`configHash: ${JSON.stringify(old.configHash)}, expected a string`);
      if (stableStringify(a) !== stableStringify(identity)) {
        const diff = configDiff(a, identity);
        throw new BenignfitError(
          'E_INVALID',
          `--out: ${dir} holds ${spec.what} with a different config (differs in: ${diff.join(', ')}). Resuming it would mix results; use a new --out folder, or delete this one to start over.`,
          { field: '--out' },
        );
      }
      if (old.configHash !== undefined && old.configHash !== configHash(a)) {
        throw new BenignfitError(
          'E_INVALID',
          `--out: ${metaFile} was edited (its config no longer has its configHash ${old.configHash.slice(0, 12)}...); the rows in ${dir} may belong to another config. Use a new --out folder.`,
          { field: '--out' },
        );
      }
      spec.check?.(old, meta, dir);
    } else {
      // No meta: the folder must not hold rows already (whose config would then be unknown).
      const leftovers = ['results.jsonl', 'results.csv'].filter((f) => {
        try {
          return statSync(join(dir, f)).size > (f === 'results.csv' ? Buffer.byteLength(spec.csvHeader) : 0);
        } catch {
          return false;
        }
      });
      if (leftovers.length) {
        throw new BenignfitError(
          'E_INVALID',
          `--out: ${dir} holds ${leftovers.join(' and ')} but no ${spec.metaFile}, so which config they belong to is unknown; adding rows of this config would mix two runs. Move them away (or restore ${spec.metaFile}), or use another --out folder.`,
          { field: '--out' },
        );
      }
      writeFileAtomic(metaFile, `${JSON.stringify({ ...meta, configHash: hash }, null, 2)}\n`);
    }

    const { rows, lines, goodBytes, torn, bad } = readJsonl<T>(this.jsonl, spec.valid);
    for (let i = 0; i < rows.length; i++) {
      const why = spec.foreign?.(rows[i]);
      if (why) {
        throw new BenignfitError(
          'E_INVALID',
          `--out: ${this.jsonl} line ${lines[i]} belongs to another run (${why}); the folder mixes runs. Use another --out folder, or remove the foreign rows.`,
          { field: '--out' },
        );
      }
    }
    // The CSV is derived from the JSONL; a CSV with more rows than the JSONL has lines (rows and
    // bad lines: a row damaged in place) means the JSONL, the durable record, was deleted or cut:
    // refuse rather than shrink the table.
    let csvRows = 0;
    try {
      csvRows = readFileSync(this.csv, 'utf8')
        .split('\n')
        .slice(1)
        .filter((l) => l.trim() !== '').length;
    } catch {
      /* no CSV */
    }
    if (csvRows > rows.length + bad.length) {
      throw new BenignfitError(
        'E_INVALID',
        `--out: ${this.csv} has ${csvRows} rows but ${this.jsonl} only ${rows.length}: the JSONL, from which the table is made, was deleted or cut. Restore it, or move results.csv away to start over; nothing was changed.`,
        { field: '--out' },
      );
    }
    if (bad.length) {
      // Set the bad lines aside (kept, not lost) and rewrite results.jsonl without them.
      const text = readFileSync(this.jsonl).subarray(0, goodBytes).toString('utf8').split('\n');
      const badSet = new Set(bad.map((b) => b.line));
      const rejected = join(dir, 'results.rejected.jsonl');
      const kept = text.filter((_, i) => !badSet.has(i + 1)).join('\n');
      let prev = '';
      try {
        prev = readFileSync(rejected, 'utf8');
      } catch {
        /* none yet */
      }
      writeFileAtomic(rejected, prev + bad.map((b) => `${text[b.line - 1]}\n`).join(''));
      writeFileAtomic(this.jsonl, kept);
      const after = rows.filter((_, i) => lines[i] > bad[0].line).length;
      for (const b of bad) note(`${basename(dir)}/results.jsonl line ${b.line} is ${b.reason}: "${b.text}"`);
      note(
        `note: set ${bad.length} bad line${bad.length > 1 ? 's' : ''} of ${this.jsonl} aside into ${rejected}; the ${rows.length} rows (${after} after line ${bad[0].line}) are kept`,
      );
    } else if (torn) {
      truncateSync(this.jsonl, goodBytes);
    }
    let twice = 0;
    for (const r of rows) {
      const old = this.done.get(spec.key(r));
      if (old !== undefined && !spec.failed?.(old)) twice++;
      this.remember(r);
    }
    if (rows.length > this.done.size) {
      // One line per row: rows stored twice (two runs in one folder, before folders had a lock)
      // or failures since retried are dropped, so every reader (merge, fit-constants) sees each once.
      writeFileAtomic(
        this.jsonl,
        this.rows()
          .map((r) => `${JSON.stringify(r)}\n`)
          .join(''),
      );
      if (twice) note(`note: ${this.jsonl} held ${twice} row${twice > 1 ? 's' : ''} twice (two runs wrote this folder at once); kept the first of each`);
    }

    const csvText = spec.csvHeader + this.rows().map(spec.csvRow).join('');
    let same = false;
    try {
      same = readFileSync(this.csv, 'utf8') === csvText;
    } catch {
      /* rebuild */
    }
    if (!same) writeFileAtomic(this.csv, csvText);
    try {
      const created = !existsSync(this.jsonl);
      this.fd = openSync(this.jsonl, 'a');
      this.size = fstatSync(this.fd).size;
      if (created) fsyncDir(dir);
      this.csvFd = openSync(this.csv, 'a');
    } catch (e) {
      throw ioError('open', this.jsonl, e, 'Nothing was changed.');
    }
  }

  private remember(r: T): boolean {
    const k = this.spec.key(r);
    const old = this.done.get(k);
    if (old !== undefined && !this.spec.failed?.(old)) return false;
    this.done.set(k, r);
    return true;
  }

  /** Keys of finished rows (not failures: those are retried). */
  finished(): Set<string | number> {
    return new Set([...this.done].filter(([, r]) => !this.spec.failed?.(r)).map(([k]) => k));
  }

  /** Rows stored as failures (not yet replaced by a successful retry). */
  failures(): T[] {
    return this.rows().filter((r) => this.spec.failed?.(r));
  }

  /**
   * Append rows, durably: written in one piece and fsync'ed before returning; rows whose key is
   * already finished are skipped. A failed write (a full disk, a read-only or vanished file
   * system) is cut back, so results.jsonl keeps exactly the rows before it, and throws E_IO
   * naming the file.
   */
  append(...rows: T[]): void {
    if (this.fd === null) throw new BenignfitError('E_IO', `${this.jsonl} is closed`);
    const fresh = rows.filter((r) => {
      const old = this.done.get(this.spec.key(r));
      return old === undefined || !!this.spec.failed?.(old);
    });
    if (!fresh.length) return;
    const buf = Buffer.from(fresh.map((r) => `${JSON.stringify(r)}\n`).join(''));
    try {
      writeAll(this.fd, buf, this.jsonl);
      storeIo.fsyncSync(this.fd);
    } catch (e) {
      let cut = '';
      try {
        ftruncateSync(this.fd, this.size);
      } catch (t) {
        cut = ` (and cutting the partial line failed: ${(t as Error).message}; the next run sets it aside)`;
      }
      throw ioError(
        'save results to',
        this.jsonl,
        e,
        `The ${this.done.size} rows saved before are intact${cut}; make room (or fix the file system) and run the same command again to resume.`,
      );
    }
    this.size += buf.length;
    for (const r of fresh) this.remember(r);
    try {
      writeAll(this.csvFd!, Buffer.from(fresh.map(this.spec.csvRow).join('')), this.csv);
    } catch (e) {
      throw ioError('append to', this.csv, e, `The rows are saved in ${this.jsonl} (the CSV is rebuilt from it when you run again).`);
    }
  }

  rows(): T[] {
    return [...this.done.values()].sort(this.spec.order);
  }

  close(): void {
    try {
      if (this.fd !== null) closeSync(this.fd);
      if (this.csvFd !== null) closeSync(this.csvFd);
    } finally {
      this.fd = this.csvFd = null;
      this.lock?.release();
      this.lock = null;
    }
  }
}

/** A sweep's folder: sweep.json, results.jsonl, results.csv (a ResultStore keyed by cell index). */
export class SweepStore {
  private constructor(private readonly store: ResultStore<CellResult, SweepMeta>) {}

  get dir(): string {
    return this.store.dir;
  }
  /** Every stored row by cell index (finished and failed). */
  get done(): Map<number, CellResult> {
    return this.store.done as Map<number, CellResult>;
  }

  /**
   * Open (or create) a sweep folder; refuses a folder that holds another sweep, another kind of
   * run, or rows of cells that are not `cells` (when given: this shard's cells).
   */
  static open(dir: string, resolved: ResolvedSweep, meta: SweepMeta, cells?: Cell[], opts: StoreOptions = {}): SweepStore {
    const l = (resolved.train as { longTailedL?: number[] }).longTailedL;
    const ls = l ?? [1, 2];
    const byIndex = cells ? new Map(cells.map((c) => [c.index, c])) : null;
    const spec: StoreSpec<CellResult, SweepMeta> = {
      metaFile: 'sweep.json',
      what: 'a sweep',
      identity: (m) => ({ data: m.config.data ?? {}, train: m.config.train ?? {}, sweep: m.config.sweep }),
      check: (old, m, d) => {
        if (stableStringify(old.shard) !== stableStringify(m.shard)) {
          throw new BenignfitError(
            'E_INVALID',
            `--shard: ${d} holds shard ${old.shard ? `${old.shard.i}/${old.shard.n}` : '(all)'}, not ${m.shard ? `${m.shard.i}/${m.shard.n}` : '(all)'}; give each shard its own folder`,
            { field: '--shard' },
          );
        }
      },
      key: (r) => r.index,
      order: (a, b) => a.index - b.index,
      csvHeader: csvHeader(resolved, ls),
      csvRow: (r) => csvRow(r, ls),
      valid: sweepRowProblem,
      foreign: (r) => {
        if (!byIndex) return null;
        const c = byIndex.get(r.index);
        if (!c) return `cell ${r.index} is not a cell of this ${meta.shard ? `shard (${meta.shard.i}/${meta.shard.n})` : 'sweep'}`;
        if (
          c.xi !== r.xi ||
          c.yi !== r.yi ||
          c.seed !== r.seed ||
          stableStringify(c.x) !== stableStringify(r.x) ||
          stableStringify(c.y) !== stableStringify(r.y)
        ) {
          return `cell ${r.index} has x = ${JSON.stringify(r.x)}, y = ${JSON.stringify(r.y)}, seed ${r.seed}; this sweep's has x = ${JSON.stringify(c.x)}, y = ${JSON.stringify(c.y)}, seed ${c.seed}`;
        }
        return null;
      },
      failed: (r) => !!r.error,
    };
    return new SweepStore(ResultStore.open(dir, spec, meta, opts));
  }

  /** Indices of finished cells (failed cells are not: they are retried). */
  finished(): Set<number> {
    return this.store.finished() as Set<number>;
  }

  failures(): CellResult[] {
    return this.store.failures();
  }

  /** Append one finished (or failed) cell, durably (written and fsync'ed before returning). */
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
