/**
 * The result store's promises (issue 16, "Result folders"), in process: bad lines kept apart with
 * their numbers, torn writes, full disks and read-only file systems (injected; a real tmpfs where
 * `mount` works), the lock, the manifest and its hash, the CSV guard, failed rows, foreign rows,
 * and the plan checks (empty plans, absurd sizes, prototype paths).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CellResult } from '../ts/sweep/cell.js';
import { LOCK_FILE } from '../ts/sweep/lock.js';
import { planUnits } from '../ts/sweep/run.js';
import { cells, MAX_CELLS, resolveSweep, shardCells, type SweepConfigInput } from '../ts/sweep/spec.js';
import { readResults, storeIo, SweepStore, type SweepMeta } from '../ts/sweep/store.js';
import { BenignfitError } from '../ts/index.node.js';
import { BACKENDS, backend } from './helpers.js';

const config: SweepConfigInput = {
  data: { classes: 3, dim: 24, perClass: 4, testPerClass: 4 },
  train: { steps: 3, width: 4 },
  sweep: { x: { param: 'data.gamma', values: [1, 2, 3, 4, 5, 6] } },
};
// A loaded backend checks the cells' configs (the core does).
await backend(BACKENDS[0]);
const resolved = resolveSweep(config);
const all = cells(resolved);
const meta = (shard: SweepMeta['shard'] = null): SweepMeta => ({
  config: { data: config.data, train: config.train, sweep: config.sweep },
  cells: all.length,
  shard,
  backend: 'test',
  versions: {},
  created: 'now',
});
const row = (i: number, extra: Partial<CellResult> = {}): CellResult => ({
  index: i,
  xi: all[i].xi,
  yi: all[i].yi,
  seed: all[i].seed,
  x: all[i].x,
  y: all[i].y,
  testAcc: i / 10,
  trainAcc: 1,
  trainLoss: 0.5,
  testAccPerClass: [1, 1, 1],
  longTailed: [],
  snr: [1, 1, 1],
  gamma: [[null]],
  gammaMin: [1],
  testCountPerClass: [4, 4, 4],
  steps: 3,
  seconds: 0.01,
  backend: 'test',
  ...extra,
});

let dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'bf-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
const open = (dir: string, notes: string[] = [], shard: SweepMeta['shard'] = null) =>
  SweepStore.open(dir, resolved, meta(shard), shardCells(all, shard), { note: (m) => notes.push(m) });
const thrown = (f: () => unknown): BenignfitError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BenignfitError);
    return e as BenignfitError;
  }
  throw new Error('expected an error');
};

describe('result store: lines of results.jsonl', () => {
  it('a bad line in the middle is reported with its number, set aside, and the rows after it are kept (fault 4)', () => {
    const dir = fresh();
    const s = open(dir);
    for (const i of [0, 1]) s.append(row(i));
    s.close();
    const jsonl = join(dir, 'results.jsonl');
    appendFileSync(jsonl, 'garbage{\nnull\n{}\n[1]\n');
    appendFileSync(jsonl, `${JSON.stringify(row(2))}\n${JSON.stringify(row(3))}\n`);
    const notes: string[] = [];
    const t = open(dir, notes);
    expect([...t.finished()].sort()).toEqual([0, 1, 2, 3]);
    t.close();
    expect(notes.join('\n')).toMatch(/line 3 is not JSON/);
    expect(notes.join('\n')).toMatch(/line 4 is not a result row/);
    expect(notes.join('\n')).toMatch(/line 5 is not a result row/);
    expect(notes.join('\n')).toMatch(/line 6 is not a result row/);
    expect(notes.join('\n')).toMatch(/the 4 rows \(2 after line 3\) are kept/);
    // The folder is whole again; the bad lines are kept apart, not lost.
    expect(readResults(jsonl)).toMatchObject({ bad: [], torn: false });
    expect(readResults(jsonl).rows.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(readFileSync(join(dir, 'results.rejected.jsonl'), 'utf8')).toBe('garbage{\nnull\n{}\n[1]\n');
    expect(readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n').length).toBe(5);
  });

  it('a row damaged in place is set aside and its cell run again; the CSV is rebuilt without it', () => {
    const dir = fresh();
    const s = open(dir);
    for (const i of [0, 1, 2]) s.append(row(i));
    s.close();
    const jsonl = join(dir, 'results.jsonl');
    const lines = readFileSync(jsonl, 'utf8').split('\n');
    lines[1] = `${lines[1].slice(0, 30)}\u0000garbage`;
    writeFileSync(jsonl, lines.join('\n'));
    const notes: string[] = [];
    const t = open(dir, notes);
    expect(notes.join('\n')).toMatch(/line 2 is not JSON/);
    expect([...t.finished()].sort()).toEqual([0, 2]);
    t.append(row(1));
    t.close();
    expect(readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n').length).toBe(4);
  });

  it('rows stored twice (two runs at once, before the lock) are kept once, the first of each; retried failures leave one line', () => {
    const dir = fresh();
    const s = open(dir);
    for (const i of [0, 1]) s.append(row(i));
    s.append(row(2, { testAcc: null, error: { code: 'E_DIVERGED', message: 'diverged' } }));
    s.append(row(2));
    s.close();
    const jsonl = join(dir, 'results.jsonl');
    appendFileSync(jsonl, `${JSON.stringify(row(0, { testAcc: 0.7 }))}\n${JSON.stringify(row(1, { testAcc: 0.7 }))}\n`);
    const notes: string[] = [];
    open(dir, notes).close();
    expect(notes.join('\n')).toMatch(/held 2 rows twice .* kept the first of each/);
    const rows = readResults(jsonl).rows;
    expect(rows.map((r) => [r.index, r.testAcc, !!r.error])).toEqual([
      [0, 0, false],
      [1, 0.1, false],
      [2, 0.2, false],
    ]);
  });

  it('a torn last line (a killed write) is dropped, the rows before it kept', () => {
    const dir = fresh();
    const s = open(dir);
    s.append(row(0));
    s.close();
    appendFileSync(join(dir, 'results.jsonl'), JSON.stringify(row(1)).slice(0, 40));
    const t = open(dir);
    expect([...t.finished()]).toEqual([0]);
    t.append(row(1));
    t.close();
    expect(readResults(join(dir, 'results.jsonl')).rows.map((r) => r.index)).toEqual([0, 1]);
  });

  it('rows of cells this folder does not hold (another shard, another grid) are refused by line (fault 7)', () => {
    const dir = fresh();
    const s = open(dir, [], { i: 1, n: 2 });
    s.append(row(0));
    s.close();
    appendFileSync(join(dir, 'results.jsonl'), `${JSON.stringify(row(1))}\n`);
    expect(thrown(() => open(dir, [], { i: 1, n: 2 })).message).toMatch(
      /results\.jsonl line 2 belongs to another run \(cell 1 is not a cell of this shard \(1\/2\)\)/,
    );
    const d2 = fresh();
    open(d2).close();
    appendFileSync(join(d2, 'results.jsonl'), `${JSON.stringify({ ...row(2), x: 99 })}\n`);
    expect(thrown(() => open(d2)).message).toMatch(/line 1 belongs to another run \(cell 2 has x = 99.*this sweep's has x = 3/);
  });
});

describe('result store: checked writes (faults 5, 6)', () => {
  const real = { ...storeIo };
  afterEach(() => Object.assign(storeIo, real));

  it('a full disk (ENOSPC, a short write) is E_IO naming the file, the rows before intact, no torn line; resuming goes on', () => {
    const dir = fresh();
    const s = open(dir);
    s.append(row(0));
    s.append(row(1));
    // The next write gets 10 bytes on disk, then the disk is full.
    let calls = 0;
    storeIo.writeSync = (fd, buf, off, len) => {
      if (++calls === 1) return real.writeSync(fd, buf, off, Math.min(len, 10));
      const e = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
      e.code = 'ENOSPC';
      throw e;
    };
    const e = thrown(() => s.append(row(2)));
    expect(e.code).toBe('E_IO');
    expect(e.message).toContain(join(dir, 'results.jsonl'));
    expect(e.message).toMatch(/ENOSPC.*The 2 rows saved before are intact/);
    Object.assign(storeIo, real);
    // Not a byte of the failed row is left.
    expect(readFileSync(join(dir, 'results.jsonl'), 'utf8')).toBe(`${JSON.stringify(row(0))}\n${JSON.stringify(row(1))}\n`);
    s.close();
    const t = open(dir);
    t.append(row(2));
    t.close();
    expect(readResults(join(dir, 'results.jsonl'))).toMatchObject({ torn: false, bad: [] });
    expect(readResults(join(dir, 'results.jsonl')).rows.map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it('a write that makes no progress, and an fsync that fails (EROFS, EIO), are E_IO too', () => {
    const dir = fresh();
    const s = open(dir);
    s.append(row(0));
    storeIo.writeSync = () => 0;
    expect(thrown(() => s.append(row(1))).message).toMatch(/short write/);
    storeIo.writeSync = real.writeSync;
    storeIo.fsyncSync = () => {
      const e = new Error('EROFS: read-only file system, fsync') as NodeJS.ErrnoException;
      e.code = 'EROFS';
      throw e;
    };
    const e = thrown(() => s.append(row(1)));
    expect(e.code).toBe('E_IO');
    expect(e.message).toMatch(/cannot save results to .*results\.jsonl: EROFS: read-only file system/);
    storeIo.fsyncSync = real.fsyncSync;
    s.close();
    expect(readResults(join(dir, 'results.jsonl')).rows.map((r) => r.index)).toEqual([0]);
  });
});

describe('result store: one writer, one config (faults 3, 7, 8)', () => {
  it("a second store on a folder is refused naming the owner; a dead owner's lock is taken over with a note", () => {
    const dir = fresh();
    const s = open(dir);
    const lock = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, host: hostname() });
    const e = thrown(() => open(dir));
    expect(e.code).toBe('E_IO');
    expect(e.message).toMatch(new RegExp(`is in use by process ${process.pid} on ${hostname()}`));
    s.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    // A lock left by a process that is gone (SIGKILL): taken over.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: Number(dead), host: hostname(), startTicks: null, started: 'then', command: 'sweep' }));
    const notes: string[] = [];
    const t = open(dir, notes);
    expect(notes.join('\n')).toMatch(new RegExp(`took over the lock of .* from process ${dead} on ${hostname()}.*no longer running`));
    t.close();
    // An empty lock is another process creating it right now (held); old and empty, it is stale.
    writeFileSync(join(dir, LOCK_FILE), '');
    expect(thrown(() => open(dir)).message).toMatch(/is being locked by another process right now/);
    const before = new Date(Date.now() - 60_000);
    utimesSync(join(dir, LOCK_FILE), before, before);
    const taken: string[] = [];
    open(dir, taken).close();
    expect(taken.join('\n')).toMatch(/took over the lock .* from an unreadable lock/);
    // A lock of another host (a cluster node, the folder on NFS) is held while its owner touches it ...
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', startTicks: null, started: 'then', command: 'sweep' }));
    expect(thrown(() => open(dir)).message).toMatch(
      /in use by process 1 on elsewhere.*delete .*\.lock \(a lock of another host is also taken over once untouched for 10 minutes\)/,
    );
    // ... and stale once untouched for 10 minutes (the node died).
    const old = new Date(Date.now() - 11 * 60_000);
    utimesSync(join(dir, LOCK_FILE), old, old);
    const later: string[] = [];
    open(dir, later).close();
    expect(later.join('\n')).toMatch(/took over the lock .* from process 1 on elsewhere/);
  });

  it('the manifest holds the config hash; rows without a manifest, a folder of another kind, and an edited manifest are refused', () => {
    const dir = fresh();
    const s = open(dir);
    s.append(row(0));
    s.close();
    const m = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'));
    expect(m.configHash).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify({ ...m, config: { ...m.config, train: { steps: 4, width: 4 } } }));
    const other = { ...config, train: { steps: 4, width: 4 } };
    const r2 = resolveSweep(other);
    expect(
      thrown(() => SweepStore.open(dir, r2, { ...meta(), config: { data: other.data, train: other.train, sweep: other.sweep } }, cells(r2))).message,
    ).toMatch(/sweep\.json was edited/);
    // sweep.json deleted: the rows' config is unknown.
    unlinkSync(join(dir, 'sweep.json'));
    expect(thrown(() => open(dir)).message).toMatch(/holds results\.jsonl and results\.csv but no sweep\.json/);
    // A Figure 7 folder is not a sweep folder.
    const f7 = fresh();
    writeFileSync(join(f7, 'config.json'), JSON.stringify({ command: 'reproduce fig7 --dataset mnist', config: {} }));
    expect(thrown(() => open(f7)).message).toMatch(/holds a Figure 7 run \(config\.json\), not a sweep/);
  });

  it('results.jsonl deleted but results.csv kept: refused, the CSV left as it was (fault 8)', () => {
    const dir = fresh();
    const s = open(dir);
    for (const i of [0, 1, 2]) s.append(row(i));
    s.close();
    const csv = readFileSync(join(dir, 'results.csv'), 'utf8');
    writeFileSync(join(dir, 'results.jsonl'), `${JSON.stringify(row(0))}\n`);
    expect(thrown(() => open(dir)).message).toMatch(/results\.csv has 3 rows but .*results\.jsonl only 1/);
    unlinkSync(join(dir, 'results.jsonl'));
    expect(thrown(() => open(dir)).message).toMatch(/results\.csv has 3 rows but .*results\.jsonl only 0/);
    expect(readFileSync(join(dir, 'results.csv'), 'utf8')).toBe(csv);
  });

  it('failed cells are stored with their error, not counted as finished, and replaced by their retry (fault 10)', () => {
    const dir = fresh();
    const s = open(dir);
    s.append(row(0));
    s.append(row(1, { testAcc: null, error: { code: 'E_TOO_LARGE', message: 'too large' } }));
    s.close();
    const t = open(dir);
    expect([...t.finished()]).toEqual([0]);
    expect(t.failures().map((r) => r.error!.code)).toEqual(['E_TOO_LARGE']);
    t.append(row(1));
    // A finished row is never replaced.
    t.append(row(0, { testAcc: 0.99 }));
    t.close();
    const u = open(dir);
    expect(u.failures()).toEqual([]);
    expect(u.rows().map((r) => [r.index, r.testAcc])).toEqual([
      [0, 0],
      [1, 0.1],
    ]);
    u.close();
    expect(readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n').length).toBe(3);
  });
});

describe('sweep plans', () => {
  it('an empty plan has no units (fault 1); a plan of absurd size is refused with its count before it is made (item 12)', () => {
    expect(planUnits([], 4)).toEqual([]);
    expect(planUnits([], 1, false)).toEqual([]);
    const huge: SweepConfigInput = {
      sweep: {
        x: { param: 'data.gamma', values: { from: 1, to: 10, count: 10000 } },
        y: { param: 'data.featureNorm', values: { from: 1, to: 10, count: 10000 } },
        seeds: 1000,
      },
    };
    const t0 = performance.now();
    const e = thrown(() => resolveSweep(huge));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(e.code).toBe('E_TOO_LARGE');
    expect(e.message).toMatch(new RegExp(`sweep: 100000000000 cells \\(x: 10000 values x y: 10000 values x 1000 seeds\\) is more than the ${MAX_CELLS}`));
  });

  it('an axis over __proto__ cannot reach Object.prototype', () => {
    const e = thrown(() => resolveSweep({ sweep: { x: { param: 'data.__proto__.polluted', values: [1] } } }));
    // The core takes only the fields of the data and train sections (crates/core/src/sweep.rs).
    expect(e.message).toMatch(/sweep\.x\.param: got "data\.__proto__\.polluted", expected one of "data\.classes", /);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

/** Real file systems that fill up or are read-only: tmpfs mounts, where this user may mount (root in a container). */
describe('result folders on a real full or read-only file system (CLI)', () => {
  let base = '';
  let canMount = false;
  const mounts: string[] = [];
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'bf-mnt-'));
    const probe = join(base, 'probe');
    mkdirSync(probe);
    canMount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
    if (canMount) spawnSync('umount', [probe]);
    else
      console.warn(
        'store.test.ts: cannot mount a tmpfs here (not root?); the real full-disk and read-only tests are skipped, the injected ones above still run',
      );
    return () => {
      for (const m of mounts) spawnSync('umount', [m]);
      rmSync(base, { recursive: true, force: true });
    };
  });
  const mount = (name: string, opts: string) => {
    const p = join(base, name);
    mkdirSync(p, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', p]);
    mounts.push(p);
    return p;
  };
  const cli = (args: string[]) => spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8' });

  it('a disk that fills up mid-sweep: E_IO naming results.jsonl, every saved row whole; with room again the same command finishes (fault 5)', (ctx) => {
    if (!canMount) return ctx.skip();
    const disk = mount('small', 'size=64k');
    const file = join(base, 'cfg.json');
    // Rows of about 1.4 KB: the 64 KiB disk fills after a few dozen.
    writeFileSync(file, JSON.stringify({ ...config, sweep: { x: { param: 'data.gamma', values: { from: 1, to: 50, count: 60 } } } }));
    const out = join(disk, 'out');
    const r = cli(['sweep', '--config', file, '--out', out, '--workers', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/benignfit: error \[E_IO\]: cannot (save results to|append to|write) .*\/out\/results\.(jsonl|csv).*ENOSPC/);
    expect(r.stderr).not.toMatch(/node:internal|at .*\.js:\d+/);
    const got = readResults(join(out, 'results.jsonl'));
    expect(got.torn).toBe(false);
    expect(got.bad).toEqual([]);
    expect(got.rows.length).toBeGreaterThan(3);
    expect(new Set(got.rows.map((x) => x.index)).size).toBe(got.rows.length);
    // Room again: the same command resumes and finishes, every cell once.
    execFileSync('mount', ['-o', 'remount,size=512k', disk]);
    const again = cli(['sweep', '--config', file, '--out', out, '--workers', '1']);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`resuming in .*: ${got.rows.length} of 60 cells already done`));
    const rows = readResults(join(out, 'results.jsonl')).rows;
    expect(rows.map((x) => x.index)).toEqual([...Array(60).keys()]);
    for (const x of got.rows) expect(rows[x.index]).toEqual(x);
  });

  it('a read-only --out: E_IO saying EROFS before any work, for a new folder too (faults 6, 18)', (ctx) => {
    if (!canMount) return ctx.skip();
    const ro = mount('ro', 'ro,size=64k');
    const file = join(base, 'cfg2.json');
    writeFileSync(file, JSON.stringify(config));
    for (const out of [ro, join(ro, 'new', 'deeper')]) {
      const r = cli(['sweep', '--config', file, '--out', out]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/benignfit: error \[E_IO\]: --out: cannot (write into|create) .*EROFS/);
    }
    const t = cli(['theory', '--out', tmpdir(), '--classes', '2', '--dim', '8']);
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/--out: .* is a folder; expected a file name/);
    expect(statSync(tmpdir()).isDirectory()).toBe(true);
  });
});
