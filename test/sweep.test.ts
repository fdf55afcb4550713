import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InProcessExecutor, MAX_UNIT, planUnits, runSweep } from '../ts/sweep/run.js';
import { cells, parseShard, resolveSweep, shardCells, type SweepConfigInput } from '../ts/sweep/spec.js';
import { readResults } from '../ts/sweep/store.js';
import { BenignfitError } from '../ts/index.node.js';
import { BACKENDS, backend } from './helpers.js';

const tiny: SweepConfigInput = {
  data: { classes: 3, dim: 60, perClass: 10, testPerClass: 20 },
  train: { width: 8, lr: 0.3, epochs: 3, batchSize: 2 },
  sweep: { x: { param: 'data.featureNorm', values: [0.01, 2] }, y: { param: 'data.gamma', values: { from: 1, to: 100, count: 3, scale: 'log' } }, seeds: 2 },
};

const cli = (args: string[]) => execFileSync(process.execPath, ['dist/cli/main.js', ...args], { stdio: 'pipe' }).toString();

describe('sweep specs', () => {
  it('expands axes, seeds and dotted paths into cells', () => {
    const r = resolveSweep(tiny);
    expect(r.y!.values).toEqual([1, 10, 100]);
    expect(r.y!.log).toBe(true);
    expect(r.x.log).toBe(true);
    const cs = cells(r);
    expect(cs.length).toBe(2 * 3 * 2);
    expect(cs[5]).toMatchObject({ index: 5, xi: 0, yi: 1, seed: 1, x: 0.01, y: 10 });
    expect(cs[5].data.featureNorm).toBe(0.01);
    expect(cs[5].data.gamma).toBe(10);
    expect(cs[5].data.seed).toBe(1);
    expect(cs[5].train.seed).toBe(1);
    expect(cs[5].train.epochs).toBe(3);
    // Three numbers are three values (not a range {from, to, count} read from an array).
    const three = resolveSweep({ ...tiny, sweep: { x: { param: 'data.gamma', values: [1, 4, 16] } } });
    expect(three.x.values).toEqual([1, 4, 16]);
    expect(cells(three).map((c) => c.data.gamma)).toEqual([1, 4, 16]);
  });

  it('shards are a deterministic partition of the cells', () => {
    const all = cells(resolveSweep(tiny));
    const parts = [1, 2, 3].map((i) => shardCells(all, { i, n: 3 }).map((c) => c.index));
    expect(parts.flat().sort((a, b) => a - b)).toEqual(all.map((c) => c.index));
    expect(parts[1]).toEqual(shardCells(all, parseShard('2/3')).map((c) => c.index));
    expect(() => parseShard('4/3')).toThrow(/--shard: got "4\/3", expected i\/N/);
  });

  it('refuses bad sweeps naming the field', () => {
    const bad: [SweepConfigInput, RegExp][] = [
      [{ sweep: { x: { param: 'gamma', values: [1] } } } as SweepConfigInput, /sweep\.x\.param: got "gamma"/],
      [{ sweep: { x: { param: 'data.gamma', values: [0.5, 2] } } }, /data\.gamma: got 0\.5, expected a finite number >= 1/],
      [{ sweep: { x: { param: 'data.gamma', values: { from: 0, to: 10, count: 3, scale: 'log' } } } }, /sweep\.x\.values.*from > 0/],
      [{ sweep: { x: { param: 'data.gamma', values: [1] }, seeds: 0 } }, /sweep\.seeds: got 0/],
      [{ sweep: { x: { param: 'data.gamma', values: [1] }, z: {} } } as unknown as SweepConfigInput, /sweep\.z: got \{\}, expected no unknown keys/],
    ];
    for (const [c, re] of bad) {
      let err: unknown;
      try {
        resolveSweep(c);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BenignfitError);
      expect((err as Error).message).toMatch(re);
    }
  });
});

/** A sweep over training fields only: every replicate's cells share one data set. */
const trainAxes: SweepConfigInput = {
  data: { classes: 3, dim: 40, perClass: 10, testPerClass: 10 },
  train: { steps: 8, evalEvery: 4 },
  sweep: { x: { param: 'train.lr', values: [0.05, 0.2, 0.8] }, y: { param: 'train.width', values: [2, 5] }, seeds: 2 },
};

describe('sweep units', () => {
  it('cells that share their data config go together, split so every worker has work', () => {
    const all = cells(resolveSweep(trainAxes));
    const idx = (us: { index: number }[][]) => us.map((u) => u.map((c) => c.index));
    // Replicate r adds r to data.seed: two data sets, six cells each.
    expect(idx(planUnits(all, 1))).toEqual([
      [0, 2, 4, 6, 8, 10],
      [1, 3, 5, 7, 9, 11],
    ]);
    const four = planUnits(all, 4);
    expect(four.length).toBe(4);
    expect(
      four
        .flat()
        .map((c) => c.index)
        .sort((a, b) => a - b),
    ).toEqual([...Array(12).keys()]);
    for (const u of four) expect(new Set(u.map((c) => c.data.seed)).size).toBe(1);
    expect(planUnits(all, 1, false).length).toBe(12);
    // Cells of different data never share a unit; a unit holds at most MAX_UNIT cells.
    expect(planUnits(cells(resolveSweep(tiny)), 1).every((u) => u.length === 1)).toBe(true);
    const many = cells(resolveSweep({ ...trainAxes, sweep: { x: { param: 'train.lr', values: { from: 0.01, to: 1, count: MAX_UNIT + 5 } } } }));
    expect(planUnits(many, 1).map((u) => u.length)).toEqual([MAX_UNIT, 5]);
  });
});

describe.each(BACKENDS)('sweep on %s', (name) => {
  it('cells trained as a group give the same rows as cells trained one by one', async () => {
    const bf = await backend(name);
    const [a, b] = [await runSweep(new InProcessExecutor(bf), trainAxes), await runSweep(new InProcessExecutor(bf, { group: false }), trainAxes)];
    expect(a.results.length).toBe(12);
    const strip = ({ seconds: _seconds, ...rest }: (typeof a.results)[number]) => rest;
    const byIndex = (rs: typeof a.results) => [...rs].sort((x, y) => x.index - y.index).map(strip);
    expect(byIndex(a.results)).toEqual(byIndex(b.results));
    expect(a.results.every((r) => r.testAcc !== null && !r.error)).toBe(true);
  });

  it('runs a tiny sweep end to end; every cell equals a lone training of its config', async () => {
    const bf = await backend(name);
    const seen: number[] = [];
    const run = await runSweep(new InProcessExecutor(bf), tiny, { onCell: (c) => seen.push(c.index) });
    expect(run.results.length).toBe(12);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    const c = cells(resolveSweep(tiny))[7];
    const ds = bf.generate(c.data);
    const lone = await bf.train(ds, c.train);
    const row = run.results.find((r) => r.index === 7)!;
    expect(row.testAcc).toBe(lone.summary.finalMetrics.testAcc);
    expect(row.trainLoss).toBe(lone.summary.finalMetrics.trainLoss);
    expect(row.gammaMin[0]).toBeCloseTo(c.data.gamma!, 8);
    expect(row.gamma[0][1]).toBeCloseTo(c.data.gamma!, 8);
    expect(row.gamma[0][0]).toBeNull();
    // Equal class sizes and features: SNR_k = n^2 ||u||^4 / (n ||A_k^T A_j||_F^2).
    const u = c.data.featureNorm as number;
    expect(row.snr[0] / ((10 * u ** 4) / ds.model!.frobSq[0][1])).toBeCloseTo(1, 10);
  });

  it('stops on an AbortSignal and reports only finished cells', async () => {
    const bf = await backend(name);
    const ac = new AbortController();
    const run = await runSweep(new InProcessExecutor(bf), tiny, { signal: ac.signal, onCell: () => ac.abort() });
    expect(run.aborted).toBe(true);
    expect(run.results.length).toBe(1);
  });
});

describe('native and wasm agree on sweeps', () => {
  it.runIf(BACKENDS.includes('native') && BACKENDS.includes('wasm'))('the same sweep gives the same numbers on both backends', async () => {
    const [a, b] = await Promise.all([
      runSweep(new InProcessExecutor(await backend('native')), tiny),
      runSweep(new InProcessExecutor(await backend('wasm')), tiny),
    ]);
    for (const r of a.results) {
      const s = b.results.find((x) => x.index === r.index)!;
      expect(Math.abs(r.testAcc! - s.testAcc!)).toBeLessThanOrEqual(0.05 + 1e-12);
      expect(Math.abs(r.trainLoss! - s.trainLoss!)).toBeLessThan(1e-3);
      expect(r.snr).toEqual(s.snr);
    }
    const mean = (rows: typeof a.results) => rows.reduce((t, r) => t + r.testAcc!, 0) / rows.length;
    expect(Math.abs(mean(a.results) - mean(b.results))).toBeLessThan(0.01);
  });
});

describe('sweep CLI', () => {
  it('a sweep killed mid-run resumes where it stopped, without losing or duplicating cells', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-sweep-'));
    try {
      const cfg = {
        data: { classes: 3, dim: 300, perClass: 40, testPerClass: 30 },
        train: { width: 30, lr: 0.05, epochs: 10, batchSize: 1 },
        sweep: {
          x: { param: 'data.featureNorm', values: { from: 0.01, to: 3, count: 6, scale: 'log' } },
          y: { param: 'data.gamma', values: [1, 10, 100, 1000] },
          seeds: 2,
        },
      };
      const file = join(dir, 'cfg.json');
      writeFileSync(file, JSON.stringify(cfg));
      const out = join(dir, 'out');
      const child = spawn(process.execPath, ['dist/cli/main.js', 'sweep', '--config', file, '--out', out, '--workers', '2'], { stdio: 'ignore' });
      // Kill it (SIGKILL: no cleanup) once some but not all cells are saved.
      const jsonl = join(out, 'results.jsonl');
      const t0 = Date.now();
      for (;;) {
        await new Promise((r) => setTimeout(r, 20));
        const n = existsSync(jsonl) ? readResults(jsonl).rows.length : 0;
        if (n >= 3 || Date.now() - t0 > 60_000) break;
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const before = readResults(jsonl).rows.length;
      expect(before).toBeGreaterThanOrEqual(3);
      expect(before).toBeLessThan(48);
      const log = execFileSync(process.execPath, ['dist/cli/main.js', 'sweep', '--config', file, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
      void log;
      const after = readResults(jsonl).rows;
      expect(after.length).toBe(48);
      expect(new Set(after.map((r) => r.index)).size).toBe(48);
      const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
      expect(csv.length).toBe(49);
      // The heatmap: one cell per (x, y), the theory's boundary curves, a valid PNG.
      const svg = readFileSync(join(out, 'heatmap.svg'), 'utf8');
      expect(svg.match(/class="cell"/g)!.length).toBe(24);
      expect(svg).toMatch(/class="overlay"/);
      expect(svg).toMatch(/SNR = C1 = 2/);
      const png = readFileSync(join(out, 'heatmap.png'));
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.readUInt32BE(16)).toBeGreaterThan(600);
      const theory = JSON.parse(readFileSync(join(out, 'theory.json'), 'utf8'));
      expect(theory.meanTestAcc.length).toBe(4);
      expect(theory.boundaries.plane).toBe('featureNorm-gamma');
      // A changed config in the same folder is refused.
      expect(() => cli(['sweep', '--config', file, '--out', out, '--set', 'train.lr=0.1'])).toThrow(/different config \(differs in: train\.lr\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--seeds and --title are fields of the sweep section (flags from the schema): they override the file, and reach the folder and the figure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-sweep-flags-'));
    try {
      const file = join(dir, 'cfg.json');
      writeFileSync(file, JSON.stringify({ ...tiny, sweep: { ...tiny.sweep, y: null, seeds: 2 } }));
      cli(['sweep', '--config', file, '--out', join(dir, 'out'), '--seeds', '1', '--title', 'flags from the schema', '--workers', '1']);
      const meta = JSON.parse(readFileSync(join(dir, 'out', 'sweep.json'), 'utf8'));
      expect(meta.config.sweep.seeds).toBe(1);
      expect(meta.config.sweep.title).toBe('flags from the schema');
      expect(readResults(join(dir, 'out', 'results.jsonl')).rows).toHaveLength(2);
      expect(readFileSync(join(dir, 'out', 'heatmap.svg'), 'utf8')).toContain('flags from the schema');
      // A bad value is the core's refusal, naming the field.
      expect(() => cli(['sweep', '--config', file, '--out', join(dir, 'bad'), '--seeds', '0'])).toThrow(
        /sweep\.seeds: got 0, expected an integer from 1 to 1000/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shards merge into the full sweep; mismatched shards are refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-shard-'));
    try {
      const file = join(dir, 'cfg.json');
      writeFileSync(file, JSON.stringify(tiny));
      for (const i of [1, 2]) cli(['sweep', '--config', file, '--out', join(dir, `s${i}`), '--shard', `${i}/2`, '--workers', '1']);
      cli(['sweep', '--config', file, '--out', join(dir, 'whole'), '--workers', '1']);
      cli(['merge', join(dir, 's1'), join(dir, 's2'), '--out', join(dir, 'merged')]);
      const merged = readResults(join(dir, 'merged', 'results.jsonl')).rows;
      const whole = readResults(join(dir, 'whole', 'results.jsonl')).rows;
      expect(merged.map((r) => r.index)).toEqual(whole.map((r) => r.index));
      merged.forEach((r, i) => expect(r.testAcc).toBe(whole[i].testAcc));
      writeFileSync(file, JSON.stringify({ ...tiny, train: { ...tiny.train, lr: 0.2 } }));
      cli(['sweep', '--config', file, '--out', join(dir, 'other'), '--shard', '1/2', '--workers', '1']);
      expect(() => cli(['merge', join(dir, 's1'), join(dir, 'other'), '--out', join(dir, 'bad')])).toThrow(/different sweep/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(BACKENDS)('sweep figure boundaries on %s', (name) => {
  it('draws SNR = C1 and Gamma = C2 where they cross the grid, and no line or legend entry where they do not', async () => {
    const { sweepFigure } = await import('../ts/sweep/figure.js');
    const { preset } = await import('../ts/figures/index.js');
    const bf = await backend(name);
    // Figure 3a: both lines cross the (featureNorm, Gamma) plane of the preset.
    const fig3a = sweepFigure(bf, resolveSweep(preset('fig3a', false)), [], { fit: false });
    expect(fig3a.svg).toContain('SNR = C1');
    expect(fig3a.svg).toContain('Gamma = C2');
    // Figure 4b: ||u|| = 1e-6 puts SNR = C1 far outside the (Gamma, |S_k|) plane; Gamma = C2 = 2 is inside.
    const fig4b = sweepFigure(bf, resolveSweep(preset('fig4b', false)), [], { fit: false });
    expect(fig4b.svg).not.toContain('SNR = C1');
    expect(fig4b.svg).toContain('Gamma = C2');
    // Figure 4a: Gamma = 1.2 is fixed below C2 = 2, so there is no Gamma = C2 line.
    const fig4a = sweepFigure(bf, resolveSweep(preset('fig4a', false)), [], { fit: false });
    expect(fig4a.svg).toContain('SNR = C1');
    expect(fig4a.svg).not.toContain('Gamma = C2');
  });
});
