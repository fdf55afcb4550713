// Theorem 1 and the long-tailed evaluation (rows of groups theory and longTailed).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { encodeNpy } from '../../dist/index.node.js';
import { ensurePeers } from '../peers/setup.mjs';
import { SHAPES } from '../shapes.mjs';
import { oneProcess } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));

// Theorem 1: closed forms at the paper's shape; the numerical route on user-given A_k (peer: NumPy
// SVD + Gram products + operator norms); the long-tailed evaluation of a trained network (peer: the
// same O(m^2)-per-sample algorithm in NumPy).
async function theoryGroup(backends, rows) {
  const s = SHAPES.paper;
  const paperCfg = { classes: s.classes, dim: s.dim, perClass: s.perClass, testPerClass: s.testPerClass, gamma: 10, featureNorm: 0.5, seed: 1 };
  const ex = SHAPES.theoryExplicit;
  const exCfg = { classes: ex.classes, dim: ex.dim, perClass: 10, testPerClass: 0, gamma: 10, seed: 1 };
  const [, bf0] = backends[0];
  const exData = bf0.generate(exCfg, { includeNoiseFactors: true });
  const exArrays = { features: exData.features, noiseFactors: exData.noiseFactors };
  const exModel = { ...exCfg, gamma: undefined, model: 'explicit' };
  const paper = bf0.generate(paperCfg, { includeNoiseFactors: true });
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  const weights = Float32Array.from({ length: s.classes * s.width * s.dim }, () => rand() * 0.1);
  const test = { x: paper.testX, y: paper.testY, pos: paper.testPos };
  const ls = [0.5, 1, 2, 4];
  const rowsOf = (bench, shape, group) => {
    for (const t of bench.tasks) {
      const r = t.result;
      rows.push({
        group,
        shape,
        task: t.name,
        backend: t.name.split(' ').pop(),
        meanMs: r.latency.mean,
        p99Ms: r.latency.p99,
        samples: r.latency.samples?.length ?? r.latency.samplesCount,
      });
    }
  };
  let bench = new Bench({ time: 1000, iterations: 5 });
  for (const [name, bf] of backends) bench.add(`theory closed-form paper ${name}`, () => bf.theory(paperCfg));
  await bench.run();
  rowsOf(bench, 'paper', 'theory');
  bench = new Bench({ time: 1000, iterations: 3 });
  for (const [name, bf] of backends) bench.add(`theory numeric explicit ${name}`, () => bf.theory(exModel, exArrays));
  await bench.run();
  rowsOf(bench, 'theoryExplicit', 'theory');
  bench = new Bench({ time: 1000, iterations: 5 });
  for (const [name, bf] of backends) bench.add(`longTailed paper ${name}`, () => bf.longTailed(paperCfg, weights, s.width, test, ls));
  await bench.run();
  rowsOf(bench, 'paper', 'longTailed');
  // NumPy peers, same inputs, same session.
  let py;
  try {
    py = ensurePeers({ quiet: true });
  } catch (e) {
    console.error(`skipping the NumPy peers: ${e.message}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'benignfit-bench-theory-'));
  try {
    const script = join(here, '..', 'peers', 'theory_numpy.py');
    writeFileSync(join(dir, 'noise_factors.npy'), encodeNpy(exData.noiseFactors, [ex.classes, ex.dim, ex.dim]));
    let r = JSON.parse(execFileSync(py, [script, 'spectra', dir, String(ex.classes), String(ex.dim)], { encoding: 'utf8' }));
    rows.push({ group: 'theory', shape: 'theoryExplicit', task: 'theory numeric explicit numpy', backend: 'numpy', ...r });
    writeFileSync(join(dir, 'noise_factors.npy'), encodeNpy(paper.noiseFactors, [s.classes, s.dim, s.dim]));
    writeFileSync(join(dir, 'weights.npy'), encodeNpy(weights, [s.classes * s.width, s.dim]));
    writeFileSync(join(dir, 'test_x.npy'), encodeNpy(paper.testX, [paper.nTest, 2, s.dim]));
    writeFileSync(join(dir, 'test_y.npy'), encodeNpy(paper.testY, [paper.nTest]));
    writeFileSync(join(dir, 'test_pos.npy'), encodeNpy(paper.testPos, [paper.nTest]));
    r = JSON.parse(execFileSync(py, [script, 'longtailed', dir, String(s.classes), String(s.width), String(s.dim)], { encoding: 'utf8' }));
    rows.push({ group: 'longTailed', shape: 'paper', task: 'longTailed paper numpy', backend: 'numpy', ...r });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const THEORY = { theory: oneProcess(theoryGroup) };
