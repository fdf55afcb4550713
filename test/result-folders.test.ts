/**
 * Result folders through the command line (issue 16, faults 1-10 and the flags of items 11, 13,
 * 18): re-runs and empty shards, signals and exit codes, the lock, foreign files, the CSV guard,
 * failed cells, bad lines, closed pipes, stale files, bounded workers and safe `--set` paths.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkWorkers, maxWorkers, NodeWorkerExecutor } from '../ts/sweep/node.js';
import { runSweep } from '../ts/sweep/run.js';
import { resolveSweep } from '../ts/sweep/spec.js';
import { readResults, SweepStore } from '../ts/sweep/store.js';
import { BACKENDS, backend, idx } from './helpers.js';

// A loaded backend checks the cells' configs (the core does).
await backend(BACKENDS[0]);
const root = mkdtempSync(join(tmpdir(), 'bf-folders-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = (name: string) => join(root, `${name}-${n++}`);

const data = { classes: 3, dim: 24, perClass: 4, testPerClass: 4 };
const tiny = { data, train: { steps: 3, width: 4 }, sweep: { x: { param: 'data.gamma', values: [1, 2] } } };
const cfgFile = (c: unknown) => {
  const f = `${dir('cfg')}.json`;
  writeFileSync(f, JSON.stringify(c));
  return f;
};
const cli = (args: string[]) => spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8' });
const indices = (out: string) => readResults(join(out, 'results.jsonl')).rows.map((r) => r.index);

/** Start a CLI run and wait until its results.jsonl has at least `rows` rows. */
async function startAndWait(args: string[], out: string, rows: number) {
  const child = spawn(process.execPath, ['dist/cli/main.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  child.stdout.resume();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const jsonl = join(out, 'results.jsonl');
  const t0 = Date.now();
  while (Date.now() - t0 < 60_000 && child.exitCode === null) {
    if (existsSync(jsonl) && readResults(jsonl).rows.length >= rows) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { child, exited, stderr: () => stderr };
}

describe('result folders (CLI)', () => {
  it('a finished sweep run again is a no-op that says so, exit 0; an empty shard exits 0 saying it has no cells (fault 1)', () => {
    const file = cfgFile(tiny);
    const out = dir('done');
    expect(cli(['sweep', '--config', file, '--out', out]).status).toBe(0);
    const before = readFileSync(join(out, 'results.jsonl'), 'utf8');
    const again = cli(['sweep', '--config', file, '--out', out]);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/all 2 cells are already done in .*; nothing to run/);
    expect(again.stderr).not.toMatch(/TypeError/);
    expect(readFileSync(join(out, 'results.jsonl'), 'utf8')).toBe(before);
    const shard = cli(['sweep', '--config', file, '--shard', '3/3', '--out', dir('empty')]);
    expect(shard.status).toBe(0);
    expect(shard.stderr).toMatch(/shard 3\/3 has no cells \(the sweep has 2 cells/);
    const fig3a = cli(['reproduce', 'fig3a', '--quick', '--shard', '9999/9999', '--out', dir('fig3a')]);
    expect(fig3a.stderr).toMatch(/shard 9999\/9999 has no cells/);
    expect(fig3a.status).toBe(0);
  });

  it('SIGTERM and SIGINT save what finished and exit 143 and 130; the same command then finishes the rest (fault 2)', async () => {
    const file = cfgFile({ ...tiny, train: { steps: 40, width: 8 }, sweep: { x: { param: 'data.gamma', values: { from: 1, to: 40, count: 40 } } } });
    for (const [sig, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const) {
      const out = dir(sig);
      const run = await startAndWait(['sweep', '--config', file, '--out', out, '--workers', '1'], out, 1);
      run.child.kill(sig);
      expect(await run.exited).toBe(code);
      expect(run.stderr()).toMatch(new RegExp(`stopped by ${sig}; \\d+ of 40 cells are saved`));
      const saved = indices(out);
      expect(saved.length).toBeGreaterThan(0);
      expect(saved.length).toBeLessThan(40);
      const rest = cli(['sweep', '--config', file, '--out', out, '--workers', '1']);
      expect(rest.status).toBe(0);
      expect(indices(out).sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
    }
  });

  it('a folder in use by another process is refused naming it; two sweeps started together store every cell once (fault 3)', async () => {
    const file = cfgFile(tiny);
    const out = dir('locked');
    const c = JSON.parse(readFileSync(file, 'utf8'));
    const held = SweepStore.open(
      out,
      resolveSweep(c),
      { config: { data: c.data, train: c.train, sweep: c.sweep }, cells: 2, shard: null, backend: 'native', versions: {}, created: 'now' },
      undefined,
      { note: () => undefined },
    );
    try {
      const r = cli(['sweep', '--config', file, '--out', out]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`error \\[E_IO\\]: --out: .* is in use by process ${process.pid} on `));
    } finally {
      held.close();
    }
    const many = cfgFile({ ...tiny, train: { steps: 20, width: 8 }, sweep: { x: { param: 'data.gamma', values: { from: 1, to: 30, count: 30 } } } });
    const both = dir('both');
    const runs = [0, 1].map(() =>
      spawn(process.execPath, ['dist/cli/main.js', 'sweep', '--config', many, '--out', both, '--workers', '1'], { stdio: 'ignore' }),
    );
    const codes = await Promise.all(runs.map((ch) => new Promise((r) => ch.once('exit', r))));
    expect(codes.every((x) => x === 0 || x === 2)).toBe(true);
    const lines = readFileSync(join(both, 'results.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBe(30);
    expect(indices(both).sort((a, b) => a - b)).toEqual([...Array(30).keys()]);
  });

  it('one garbage line and a valid-JSON non-row in the middle: reported by line, the rows after them kept; merge says the same (fault 4)', () => {
    const file = cfgFile({ ...tiny, sweep: { x: { param: 'data.gamma', values: [1, 2, 3, 4] } } });
    const out = dir('bad');
    expect(cli(['sweep', '--config', file, '--out', out, '--shard', '1/1']).status).toBe(0);
    const jsonl = join(out, 'results.jsonl');
    const lines = readFileSync(jsonl, 'utf8').trim().split('\n');
    writeFileSync(jsonl, `${[lines[0], '{"index": 1, "torn', lines[1], 'null', '{}', lines[2], lines[3]].join('\n')}\n`);
    const m = cli(['merge', out, '--out', dir('merged')]);
    expect(m.stderr).toMatch(/line 2 is not JSON/);
    expect(m.stderr).toMatch(/line 4 is not a result row/);
    expect(m.stderr).toMatch(/merge: 4 of 4 cells from 1 folders/);
    const r = cli(['sweep', '--config', file, '--out', out, '--shard', '1/1']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/results\.jsonl line 2 is not JSON/);
    expect(r.stderr).toMatch(/line 5 is not a result row/);
    expect(r.stderr).toMatch(/set 3 bad lines of .* aside .*; the 4 rows \(3 after line 2\) are kept/);
    expect(r.stderr).toMatch(/all 4 cells are already done/);
    expect(indices(out).sort()).toEqual([0, 1, 2, 3]);
  });

  it('rows without their manifest, and an influence run into a Figure 7 folder, are refused by name (fault 7)', () => {
    const file = cfgFile(tiny);
    const out = dir('foreign');
    expect(cli(['sweep', '--config', file, '--out', out]).status).toBe(0);
    unlinkSync(join(out, 'sweep.json'));
    const r = cli(['sweep', '--config', cfgFile({ ...tiny, train: { steps: 4, width: 4 } }), '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/holds results\.jsonl and results\.csv but no sweep\.json/);
    expect(indices(out).sort()).toEqual([0, 1]);
    // A Figure 7 folder (its manifest is config.json): influence would replace its ranking.
    const f7 = dir('fig7');
    const images = new Uint8Array(6 * 4 * 4).map((_, i) => (i * 37) % 251);
    writeFileSync(join(root, 'i.idx'), idx(0x08, [6, 4, 4], images));
    writeFileSync(join(root, 'l.idx'), idx(0x08, [6], Uint8Array.from([0, 0, 0, 1, 1, 1])));
    const cfgRun = cli(['influence', '--images', join(root, 'i.idx'), '--labels', join(root, 'l.idx'), '--out', f7]);
    expect(cfgRun.status).toBe(0);
    writeFileSync(join(f7, 'config.json'), JSON.stringify({ command: 'reproduce fig7 --dataset mnist', config: {} }));
    const scores = readFileSync(join(f7, 'scores.npy'));
    const inf = cli(['influence', '--normalize', 'unit', '--images', join(root, 'i.idx'), '--labels', join(root, 'l.idx'), '--out', f7]);
    expect(inf.status).toBe(2);
    expect(inf.stderr).toMatch(/--out: .* holds a Figure 7 run \(config\.json\); influence would overwrite its scores\.npy/);
    expect(readFileSync(join(f7, 'scores.npy'))).toEqual(scores);
  });

  it('results.jsonl deleted but results.csv kept: refused, the CSV keeps its rows (fault 8)', () => {
    const file = cfgFile(tiny);
    const out = dir('csv');
    expect(cli(['sweep', '--config', file, '--out', out]).status).toBe(0);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8');
    unlinkSync(join(out, 'results.jsonl'));
    const r = cli(['sweep', '--config', file, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/results\.csv has 2 rows but .*results\.jsonl only 0/);
    expect(readFileSync(join(out, 'results.csv'), 'utf8')).toBe(csv);
  });

  it('a grouped sweep (train.*) saves rows before it ends (fault 9)', async () => {
    const file = cfgFile({
      data: { ...data, perClass: 20 },
      train: { steps: 400, width: 16 },
      sweep: { x: { param: 'train.lr', values: { from: 0.01, to: 0.5, count: 24 } } },
    });
    const out = dir('group');
    const run = await startAndWait(['sweep', '--config', file, '--out', out, '--workers', '1'], out, 1);
    // The 24 cells share their data (they were one group of 24, saved together when it ended):
    // stopped once the first rows are saved, some but not all of them are there.
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(143);
    const saved = indices(out).length;
    expect(saved).toBeGreaterThan(0);
    expect(saved).toBeLessThan(24);
  });

  it('failed cells are stored with their error, make the exit code 3 and are retried when run again (fault 10)', () => {
    const file = cfgFile({ data, train: { steps: 20, width: 4 }, sweep: { x: { param: 'train.lr', values: [0.1, 1e300, 0.2] } } });
    const out = dir('failed');
    const r = cli(['sweep', '--config', file, '--out', out]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/1 of 3 cells failed \(E_DIVERGED; first: cell 1: training diverged/);
    const rows = readResults(join(out, 'results.jsonl')).rows;
    expect(rows.find((x) => x.index === 1)!.error!.code).toBe('E_DIVERGED');
    const again = cli(['sweep', '--config', file, '--out', out]);
    expect(again.stderr).toMatch(/2 of 3 cells already done, 1 failed before \(retrying them\)/);
    expect(again.status).toBe(3);
  });

  it('--workers 0 and -1 are refused naming --workers, 200 is refused, and a large count starts no more threads than there are cells (item 13)', async () => {
    const file = cfgFile(tiny);
    const r0 = cli(['sweep', '--config', file, '--out', dir('w'), '--workers', '0']);
    expect(r0.status).toBe(2);
    expect(r0.stderr).toMatch(/error \[E_INVALID\]: --workers: got 0, expected an integer from 1 to \d+/);
    for (const w of [-1, 200, 1.5])
      expect(() => checkWorkers(w, '--workers')).toThrow(new RegExp(`--workers: got ${w}, expected an integer from 1 to ${maxWorkers()}`));
    expect(checkWorkers(3)).toBe(3);
    // 64 workers asked for, 2 cells: 2 threads.
    const ex = new NodeWorkerExecutor({ workers: 64 });
    try {
      const run = await runSweep(ex, tiny);
      expect(run.results.length).toBe(2);
      expect(ex.threads).toBe(2);
    } finally {
      await ex.close();
    }
    const t0 = Date.now();
    const r = cli(['sweep', '--config', file, '--out', dir('w64'), '--workers', '64']);
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('--set with an unknown section, or __proto__, is refused clearly (item 11)', () => {
    const file = cfgFile(tiny);
    let r = cli(['sweep', '--config', file, '--out', dir('set'), '--set', 'dat.gamma=10']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--set: got "dat\.gamma=10", expected a field of data\.\*, train\.\*, sweep\.\* \(this command has no section "dat"\)/);
    r = cli(['sweep', '--config', file, '--out', dir('set'), '--set', '__proto__.x=1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--set: got "__proto__\.x=1", expected .*not "__proto__"/);
    r = cli(['generate', '--out', dir('gen'), '--set', 'data.constructor.prototype.x=1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not "constructor"/);
  });

  it('a closed stderr pipe (`2>&1 | grep -m1 x`) does not stop a sweep (item 18)', async () => {
    const file = cfgFile({ ...tiny, train: { steps: 30, width: 8 }, sweep: { x: { param: 'data.gamma', values: { from: 1, to: 30, count: 30 } } } });
    const out = dir('epipe');
    const child = spawn(process.execPath, ['dist/cli/main.js', 'sweep', '--config', file, '--out', out, '--workers', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr.once('data', () => child.stderr.destroy());
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    expect(indices(out).sort((a, b) => a - b)).toEqual([...Array(30).keys()]);
  });

  it('train --out into an old folder leaves no stale noise_factors.npy (item 18)', () => {
    const out = dir('train');
    const args = ['train', '--out', out, '--classes', '2', '--dim', '8', '--per-class', '3', '--steps', '2', '--width', '2'];
    expect(cli(args).status).toBe(0);
    expect(existsSync(join(out, 'noise_factors.npy'))).toBe(true);
    expect(cli([...args, '--no-noise-factors']).status).toBe(0);
    expect(existsSync(join(out, 'noise_factors.npy'))).toBe(false);
  });
});

describe('result folders: writes checked before the work', () => {
  it('an --out that is a file, or a theory --out that is a folder, is refused before computing (fault 6)', () => {
    const f = join(root, 'a-file');
    writeFileSync(f, 'x');
    const r = cli(['sweep', '--config', cfgFile(tiny), '--out', join(f, 'sub')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error \[E_IO\]: --out: cannot create .*a-file\/sub: .*a-file is a file, not a folder/);
    const t = cli(['theory', '--out', root, '--classes', '2', '--dim', '8']);
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/error \[E_INVALID\]: --out: .* is a folder; expected a file name/);
    appendFileSync(join(root, 'ok.txt'), '');
  });
});
