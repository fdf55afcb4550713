/**
 * `benignfit theory` and `benignfit fit-constants` end to end: a run folder made here (small
 * hand-made weights written with ts/npy.ts, no training), the JSON fields the issue requires,
 * and the table on the terminal.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpy, type NpyArray } from '../ts/index.node.js';
import { BACKENDS, backend } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'benignfit-theory-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function npy(dir: string, name: string, data: NpyArray, shape: number[]): void {
  writeFileSync(join(dir, name), encodeNpy(data, shape));
}

function run(args: string[], backendName: string): { stdout: string; status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args, '--backend', backendName], { encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe.each(BACKENDS)('benignfit theory on %s', (name) => {
  it('from a config: writes the required JSON fields and prints a table', () => {
    const cfgFile = join(tmp, `cfg-${name}.json`);
    writeFileSync(
      cfgFile,
      JSON.stringify({
        data: { classes: 3, dim: 80, perClass: [40, 40, 120], gamma: 5, featureNorm: 0.8 },
        train: { width: 20, lr: 0.01 },
        theory: { constants: { C2: 3 }, ls: [1, 2] },
      }),
    );
    const out = join(tmp, `theory-${name}.json`);
    const r = run(['theory', '--config', cfgFile, '--out', out], name);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/theory: K=3, d=80, n=200/);
    expect(r.stdout).toMatch(/Condition 1/);
    expect(r.stdout).toMatch(/benign-|harmful|uncharacterized/);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.frobSq).toHaveLength(3);
    expect(j.frobSq[0]).toHaveLength(3);
    expect(j.gammaRatio[1][1]).toBeNull();
    expect(j.gammaRatio[0][2]).toBeCloseTo((40 * j.frobSq[0][0]) / (120 * j.frobSq[0][2]), 10);
    expect(j.snr).toHaveLength(3);
    expect(j.phase).toHaveLength(3);
    for (const c of j.conditions) for (const f of ['id', 'lhs', 'rhs', 'holds']) expect(c).toHaveProperty(f);
    expect(j.bounds.implicit[0].perL.map((p: { L: number }) => p.L)).toEqual([1, 2]);
    // The train section's width and lr, the theory section's constants, recorded with the seed.
    expect(j.width).toBe(20);
    expect(j.lr).toBe(0.01);
    expect(j.constants.C2).toBe(3);
    expect(j.config.theory.constants.C2).toBe(3);
    expect(j.seed).toBe(0);
    expect(j.backend).toBe(name);
    expect(j.lemmas).toBeUndefined();
    // Flags override the files; --json prints the document.
    const r2 = run(['theory', '--config', cfgFile, '--out', out, '--width', '30', '--ls', '0.5', '--json'], name);
    expect(r2.status, r2.stderr).toBe(0);
    const j2 = JSON.parse(r2.stdout);
    expect(j2.width).toBe(30);
    expect(j2.ls).toEqual([0.5]);
    // Every theory field is a flag from the schema: --init sigma0=s and --sigma0 s say the same; --constants is JSON.
    const base = ['theory', '--classes', '3', '--dim', '20', '--out', out, '--json'];
    const viaInit = JSON.parse(run([...base, '--init', 'sigma0=0.01', '--constants', '{"C2":3}', '--theory-seed', '5'], name).stdout);
    const viaSigma = JSON.parse(run([...base, '--sigma0', '0.01', '--set', 'theory.constants.C2=3', '--set', 'theory.seed=5'], name).stdout);
    expect(viaInit.config.theory.init).toEqual({ sigma0: 0.01 });
    expect(viaInit.config.theory.constants.C2).toBe(3);
    expect(viaInit.config.theory.seed).toBe(5);
    expect(viaInit.config).toEqual(viaSigma.config);
    expect(viaInit.sigma0).toBe(0.01);
  });

  it('with --run: the lemmas of a run folder', async () => {
    const bf = await backend(name);
    const dir = join(tmp, `run-${name}`);
    const data = { classes: 2, dim: 20, perClass: 8, testPerClass: 30, gamma: 15, featureNorm: 0.5, seed: 6 };
    const ds = bf.generate(data);
    execFileSync('mkdir', ['-p', dir]);
    const m = 4;
    const d = 20;
    const w0 = Float32Array.from({ length: 2 * m * d }, (_, i) => Math.sin(i * 12.9898) * 0.1);
    const w = w0.map((v, i) => v + 0.05 * Math.cos(i));
    npy(dir, 'weights_init.npy', w0, [2 * m, d]);
    npy(dir, 'weights_final.npy', w, [2 * m, d]);
    npy(
      dir,
      'logit_sums.npy',
      Float64Array.from({ length: ds.nTrain }, (_, i) => 1 + i / 10),
      [ds.nTrain],
    );
    npy(dir, 'train_x.npy', ds.trainX, [ds.nTrain, 2, d]);
    npy(dir, 'train_y.npy', ds.trainY, [ds.nTrain]);
    npy(dir, 'train_pos.npy', ds.trainPos, [ds.nTrain]);
    npy(dir, 'test_x.npy', ds.testX, [ds.nTest, 2, d]);
    npy(dir, 'test_y.npy', ds.testY, [ds.nTest]);
    npy(dir, 'test_pos.npy', ds.testPos, [ds.nTest]);
    npy(dir, 'features.npy', ds.features, [2, d]);
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ config: { data: ds.config }, model: ds.model, seed: 6 }));
    writeFileSync(
      join(dir, 'summary.json'),
      JSON.stringify({ config: { data: ds.config, train: { lr: 0.02, init: { sigma0: 0.1 }, epochs: 3 } }, steps: 40, kappa: [1, 3.5, 2] }),
    );
    const out = join(tmp, `lemmas-${name}.json`);
    const r = run(['theory', '--run', dir, '--out', out], name);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/lemmas on the trained run \(T = 40/);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.width).toBe(4); // from the weights' shape
    expect(j.lr).toBe(0.02);
    expect(j.sigma0).toBe(0.1);
    expect(j.lemmas.steps).toBe(40);
    expect(j.lemmas.lemma7.max).toBe(3.5);
    expect(j.lemmas.lemma3).toHaveLength(2);
    expect(j.lemmas.lemma4[0].threshold).toBeCloseTo(0.4, 12);
    expect(j.lemmas.b).toHaveLength(2);
    expect(j.lemmas.longTailed.map((l: { L: number }) => l.L)).toEqual([0.5, 1, 2, 4]);
    expect(j.run).toBe(dir);
    // The same numbers as the library call.
    const lib = bf.theoryLemmas(
      data,
      {
        weights: w,
        weightsInit: w0,
        trainX: ds.trainX,
        trainY: ds.trainY,
        trainPos: ds.trainPos,
        logitSums: Float64Array.from({ length: ds.nTrain }, (_, i) => 1 + i / 10),
        kappa: Float64Array.from([1, 3.5, 2]),
        testX: ds.testX,
        testY: ds.testY,
        testPos: ds.testPos,
      },
      { width: 4, lr: 0.02, init: { sigma0: 0.1 }, steps: 40 },
    );
    expect(j.lemmas.b).toEqual(lib.lemmas!.b);
    expect(j.lemmas.longTailed).toEqual(lib.lemmas!.longTailed);
    // Optional arrays may be missing: a run folder without logit_sums.npy (native once refused it).
    rmSync(join(dir, 'logit_sums.npy'));
    const noSums = run(['theory', '--run', dir, '--out', out], name);
    expect(noSums.status, noSums.stderr).toBe(0);
    const j3 = JSON.parse(readFileSync(out, 'utf8'));
    expect(j3.lemmas.b).toBeNull();
    expect(j3.lemmas.lemma3).toEqual(j.lemmas.lemma3);
    // A missing required array is named.
    rmSync(join(dir, 'train_y.npy'));
    const bad = run(['theory', '--run', dir, '--out', out], name);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/train_y\.npy is missing/);
  });

  it('fit-constants reads results.jsonl and writes c1, c2 with intervals', () => {
    const K = 3;
    const gamma = (g: number) => Array.from({ length: K }, (_, a) => Array.from({ length: K }, (_, j) => (a === j ? null : g)));
    const lines = [];
    for (let i = 1; i <= 6; i++) {
      lines.push(
        JSON.stringify({ cell: i, snr: Array(K).fill(i), gamma: gamma(1), testAccPerClass: Array(K).fill(1 - 2 * Math.exp(-0.8 * i)), testPerClass: 1000 }),
      );
      lines.push(
        JSON.stringify({
          cell: 10 + i,
          snr: Array(K).fill(0.01),
          gamma: gamma(2 + i),
          longTailed: [{ L: 1, count: 1000, acc: 1 - 2 * Math.exp(-0.4 * (2 + i)) }],
        }),
      );
    }
    const file = join(tmp, `results-${name}.jsonl`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const out = join(tmp, `fit-${name}.json`);
    const r = run(['fit-constants', '--results', file, '--out', out, '--bootstrap', '200'], name);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/c1 .*\n.*c2/);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.c1.estimate).toBeGreaterThan(0.7);
    expect(j.c1.estimate).toBeLessThan(0.9);
    expect(j.c2.estimate).toBeGreaterThan(0.35);
    expect(j.c2.estimate).toBeLessThan(0.45);
    expect(j.c1.ci).toHaveLength(2);
    writeFileSync(file, `${lines[0]}\n{oops\n`);
    const bad = run(['fit-constants', '--results', file, '--out', out], name);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/line 2 .* is not JSON/);
  });
});
