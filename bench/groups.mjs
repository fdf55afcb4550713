// The benchmark groups. Each group lists its implementations ("impls"); `npm run bench` runs every
// (group, impl) in its own child process, so each row's peak memory is that implementation's own.
// Every row: { group, task, shape, impl, threads, meanMs, p50Ms, p99Ms, samples, flops (per call,
// of that implementation's algorithm), gflops, check, note }.
import { availableParallelism } from 'node:os';
import { load, measureBoundary, measureClock, measureGemm, kernelInfo, resolveTrainConfig } from '../dist/index.node.js';
import { NodeWorkerExecutor, sweep } from '../dist/sweep/node.js';
import { measureSpeedup } from '../dist/sweep/speedup.js';
import { loadInputs, machine, measure, runPython, stats, dataDir } from './lib.mjs';
import { SHAPES } from './shapes.mjs';
import { loadTf, tfModel } from './peers/tfjs.mjs';

const CORES = availableParallelism();

function row(group, task, shape, impl, threads, st, flops, extra = {}) {
  return { group, task, shape, impl, threads, ...st, flops, gflops: flops ? flops / (st.meanMs / 1e3) / 1e9 : null, ...extra };
}

/** Our backends: 'native' (all cores), 'native-1t' (one thread), 'native-plain' (no SIMD in our kernels), 'wasm'. */
async function backendFor(impl) {
  const name = impl.startsWith('wasm') ? 'wasm' : 'native';
  const threads = impl === 'native-1t' || impl === 'native-plain' ? 1 : 0;
  const bf = await load({ backend: name, threads });
  const used = name === 'wasm' ? 1 : threads || CORES;
  return { bf, threads: used };
}

/** A raw trainer over the bench inputs (the chunked core object the train() API drives). */
function rawTrainer(bf, inp, train, withTest = false) {
  const { meta } = inp;
  const cfg = resolveTrainConfig({ width: meta.width, lr: 0.05, init: 'pytorch', seed: meta.seed, ...train });
  return bf.call(
    (r) =>
      new r.Trainer(JSON.stringify(cfg), {
        classes: meta.classes,
        dim: meta.dim,
        trainX: inp.trainX,
        trainY: inp.trainY,
        trainPos: inp.trainPos,
        features: inp.features,
        ...(withTest ? { testX: inp.testX, testY: inp.testY, testPos: inp.testPos } : {}),
      }),
  );
}

const PEER_IMPLS = ['numpy', 'torch', 'tfjs-cpu', 'tfjs-wasm'];
const isPy = (impl) => impl === 'numpy' || impl === 'torch';

/** A Python peer. Batch-1 SGD runs on one thread: its products are too small for threads, and
 * on this machine OpenBLAS's and MKL's threads make a step several times slower. */
function pyPeer(impl, task, shape, extra = []) {
  const threads = task === 'full' ? CORES : 1;
  return runPython('train_peer.py', ['--framework', impl, '--task', task, '--data', dataDir, '--shape', shape, '--threads', String(threads), ...extra]);
}

function oneHot(tf, y, k) {
  return tf.cast(tf.oneHot(tf.tensor1d(Array.from(y), 'int32'), k), 'float32');
}

// ---------------------------------------------------------------------------------------------

export const GROUPS = {
  /** GEMM throughput of this machine (the peak every other row's fraction refers to). */
  peak: {
    impls: ['native', 'wasm'],
    async run(impl) {
      const { bf } = await backendFor(impl);
      const rows = [];
      if (impl === 'native') {
        // The theoretical FMA peak from the vector width and the clock measured now (turbo included).
        const mach = machine();
        const ghz = measureClock(bf) ?? mach.mhz / 1000;
        const per = ghz * mach.lanes * 2 * 2;
        for (const [dtype, f] of [
          ['f32', 1],
          ['f64', 0.5],
        ]) {
          for (const t of [1, CORES]) {
            rows.push({
              group: 'peak',
              task: `theoretical ${dtype}`,
              shape: '',
              impl: 'cpu',
              threads: t,
              gflops: per * f * t,
              note: `${ghz.toFixed(2)} GHz (measured, one core busy; /proc/cpuinfo says ${(mach.mhz / 1000).toFixed(2)}) x ${(mach.lanes * f).toFixed(0)} ${dtype} lanes (${mach.isa}) x 2 FMA pipes x 2 flops`,
            });
          }
        }
      }
      const sizes =
        impl === 'wasm'
          ? [
              [512, 512, 512],
              [1024, 1024, 1024],
            ]
          : [
              [512, 512, 512],
              [1024, 1024, 1024],
              [2048, 2048, 2048],
            ];
      const threadsList = impl === 'wasm' ? [1] : [1, 0];
      for (const dtype of ['f32', 'f64']) {
        for (const threads of threadsList) {
          let best = null;
          for (const [m, n, k] of sizes) {
            const g = measureGemm(bf, { m, n, k, dtype, threads, minSeconds: 1 });
            if (!best || g.gflops > best.gflops) best = g;
          }
          rows.push({
            group: 'peak',
            task: `gemm ${dtype}`,
            shape: `${best.m}^3`,
            impl,
            threads: best.threads,
            meanMs: best.seconds * 1e3,
            flops: 2 * best.m * best.n * best.k,
            gflops: best.gflops,
            note: `best of ${sizes.map((s) => s[0]).join(', ')} cubed; ${kernelInfo(bf).gemmAvx512 ? 'gemm AVX-512 kernels built in' : ''}`,
          });
        }
      }
      // The full-batch step's GEMM shape (Z = Z0 + G Coef^T: R x R times R x Km).
      const s = SHAPES.paper;
      const r = s.classes * s.perClass + s.classes;
      const km = s.classes * s.width;
      const g = measureGemm(bf, { m: r, n: km, k: r, dtype: 'f32', threads: 0, minSeconds: 1 });
      rows.push({
        group: 'peak',
        task: 'gemm f32 step shape',
        shape: `${r}x${km}x${r}`,
        impl,
        threads: g.threads,
        meanMs: g.seconds * 1e3,
        flops: 2 * r * km * r,
        gflops: g.gflops,
        note: 'the GEMM of one full-batch gram step, all threads',
      });
      const gb = measureGemm(bf, { m: r, n: km, k: r, dtype: 'f32block', threads: 1, minSeconds: 1 });
      rows.push({
        group: 'peak',
        task: 'block kernel step shape',
        shape: `${r}x${km}x${r}`,
        impl,
        threads: 1,
        meanMs: gb.seconds * 1e3,
        flops: 2 * r * km * r,
        gflops: gb.gflops,
        note: `the same product through the training kernels' block gather (${kernelInfo(bf).isa}, no FMA)`,
      });
      if (impl === 'native') {
        const g1 = measureGemm(bf, { m: r, n: km, k: r, dtype: 'f32', threads: 1, minSeconds: 1 });
        rows.push({
          group: 'peak',
          task: 'gemm f32 step shape',
          shape: `${r}x${km}x${r}`,
          impl,
          threads: 1,
          meanMs: g1.seconds * 1e3,
          flops: 2 * r * km * r,
          gflops: g1.gflops,
          note: 'the GEMM of one full-batch gram step, one thread',
        });
      }
      return rows;
    },
  },

  /** One full-batch GD step (eq. 4) at the paper's size. */
  step: {
    impls: ['native', 'native-1t', 'wasm', ...PEER_IMPLS],
    async run(impl) {
      const shape = 'paper';
      const inp = loadInputs(shape);
      const { meta } = inp;
      const { classes: k, width: m, dim: d, n } = meta;
      if (isPy(impl)) {
        const o = pyPeer(impl, 'full', shape);
        return [
          row('step', 'full-batch step', shape, impl, o.threads, stats(o.samples_ms), o.flops, {
            check: o.losses,
            note: `${o.blas}; forward on all 2n patches + backward GEMM`,
            versions: o.versions,
            peakRssMiB: o.peak_rss_mib,
          }),
        ];
      }
      if (impl.startsWith('tfjs')) {
        const { tf, threads, version } = await loadTf(impl.slice(5));
        const model = tfModel(tf, inp.w0, k, m, d, 0.05);
        const x = tf.tensor2d(inp.trainX, [2 * n, d]);
        const y = oneHot(tf, inp.trainY, k);
        const check = [0, 1, 2].map(() => model.step(x, y, n));
        const st = await measure(`step ${impl}`, () => model.step(x, y, n), { time: 3000, iterations: 5 });
        return [
          row('step', 'full-batch step', shape, impl, threads, st, 4 * 2 * n * d * k * m, { check, note: `tfjs ${version}; tf ops, gradient written out` }),
        ];
      }
      const { bf, threads } = await backendFor(impl);
      const check = (() => {
        const t = rawTrainer(bf, inp, { steps: 3, threads: impl === 'native' ? 0 : 1 });
        t.advance(3);
        const c = Array.from(t.finish().lossCurve);
        t.free?.();
        return c;
      })();
      const t = rawTrainer(bf, inp, { steps: 1_000_000, threads: impl === 'native' ? 0 : 1 });
      const st = await measure(`step ${impl}`, () => t.advance(1), { time: 2000, iterations: 20 });
      const flops = t.flopsPerStep();
      t.free?.();
      return [
        row('step', 'full-batch step', shape, impl, threads, st, flops, {
          check,
          note: `gram route: one ${n + k}x${n + k}x${k * m} GEMM + fused passes; kernels ${kernelInfo(bf).isa}`,
        }),
      ];
    },
  },

  /** One SGD step with batch size 1 (the paper preset's step: 10,000 of them per training). */
  sgd: {
    impls: ['native', 'native-plain', 'wasm', ...PEER_IMPLS],
    async run(impl) {
      const shape = 'paper';
      const inp = loadInputs(shape);
      const { meta } = inp;
      const { classes: k, width: m, dim: d, n } = meta;
      const peerFlops = 4 * 2 * d * k * m;
      const rows = [];
      if (isPy(impl)) {
        const o = pyPeer(impl, 'sgd', shape);
        rows.push(
          row('sgd', 'sgd step (batch 1)', shape, impl, o.threads, stats(o.samples_ms), o.flops, {
            check: o.losses.slice(0, 1),
            note: `${o.blas}; both patches of the sample, rank-2 update of W`,
            versions: o.versions,
          }),
        );
        const tr = pyPeer(impl, 'train', shape, ['--epochs', '1']);
        const ms = tr.samples_ms[0] * meta.epochs;
        rows.push(
          row('sgd', 'training (preset)', shape, impl, tr.threads, { meanMs: ms, samples: 1 }, tr.flops * meta.epochs, {
            note: `1 epoch measured (${(tr.samples_ms[0] / 1e3).toFixed(2)} s) x ${meta.epochs}`,
            peakRssMiB: Math.max(o.peak_rss_mib, tr.peak_rss_mib),
          }),
        );
        rows[0].peakRssMiB = Math.max(o.peak_rss_mib, tr.peak_rss_mib);
        return rows;
      }
      if (impl.startsWith('tfjs')) {
        const { tf, threads, version } = await loadTf(impl.slice(5));
        const model = tfModel(tf, inp.w0, k, m, d, 0.05);
        const xs = Array.from({ length: n }, (_, i) => tf.tensor2d(inp.trainX.subarray(i * 2 * d, (i + 1) * 2 * d), [2, d]));
        const ys = Array.from({ length: n }, (_, i) => oneHot(tf, [inp.trainY[i]], k));
        const order = inp.order;
        let s = 0;
        const one = () => {
          const i = order[s++ % order.length];
          return model.step(xs[i], ys[i], 1);
        };
        const check = [model.step(xs[order[0]], ys[order[0]], 1)];
        const block = 50;
        const st = await measure(
          `sgd ${impl}`,
          () => {
            for (let j = 0; j < block; j++) one();
          },
          { time: 2000, iterations: 5 },
        );
        const per = { meanMs: st.meanMs / block, p50Ms: st.p50Ms / block, p99Ms: st.p99Ms / block, samples: st.samples };
        rows.push(row('sgd', 'sgd step (batch 1)', shape, impl, threads, per, peerFlops, { check, note: `tfjs ${version}; tf ops, gradient written out` }));
        const t0 = performance.now();
        for (let j = 0; j < n; j++) one();
        const epochMs = performance.now() - t0;
        rows.push(
          row('sgd', 'training (preset)', shape, impl, threads, { meanMs: epochMs * meta.epochs, samples: 1 }, peerFlops * n * meta.epochs, {
            note: `1 epoch measured (${(epochMs / 1e3).toFixed(2)} s) x ${meta.epochs}`,
          }),
        );
        return rows;
      }
      const { bf, threads } = await backendFor(impl);
      const isa = kernelInfo(bf).isa;
      const t = rawTrainer(bf, inp, { epochs: 1000, batchSize: 1, threads: 1 });
      const r = n + k;
      const flops = 2 * r * k * m + 2 * 2 * k * k * m;
      t.advance(n); // one epoch first: after it every row of Coef^T is live
      // The loss of the peers' first sample at W0 (their first step's loss), from our forward pass.
      const check = (() => {
        const i = inp.order[0];
        const f = bf.predict(inp.w0, inp.trainX.subarray(i * 2 * d, (i + 1) * 2 * d), { classes: k, width: m, dim: d });
        const mx = Math.max(...f);
        const lse = mx + Math.log(f.reduce((a, v) => a + Math.exp(v - mx), 0));
        return [lse - f[inp.trainY[i]]];
      })();
      const block = n;
      const st = await measure(`sgd ${impl}`, () => t.advance(block), { time: 2000, iterations: 5 });
      t.free?.();
      const per = { meanMs: st.meanMs / block, p50Ms: st.p50Ms / block, p99Ms: st.p99Ms / block, samples: st.samples };
      rows.push(row('sgd', 'sgd step (batch 1)', shape, impl, 1, per, flops, { check, note: `gram route, one row of Z per step, kernels ${isa}` }));
      // The whole preset training through the public API (setup, 20 epochs, final evaluation).
      const data = {
        classes: k,
        dim: d,
        trainX: inp.trainX,
        trainY: inp.trainY,
        trainPos: inp.trainPos,
        features: inp.features,
        testX: inp.testX,
        testY: inp.testY,
        testPos: inp.testPos,
      };
      const cfg = { width: m, lr: 0.05, epochs: meta.epochs, batchSize: 1, init: 'pytorch', seed: meta.seed, threads: 1 };
      const tr = await measure(`train ${impl}`, () => bf.train(data, cfg), {
        time: 1,
        iterations: impl === 'wasm' ? 2 : 3,
        warmupIterations: 1,
        warmupTime: 1,
      });
      rows.push(
        row('sgd', 'training (preset)', shape, impl, 1, tr, flops * n * meta.epochs, {
          note: `${meta.epochs} epochs of batch 1, setup and final test evaluation included; kernels ${isa}`,
        }),
      );
      void threads;
      return rows;
    },
  },

  /** A sweep of 100 cells at the paper's size (preset training), against a loop of NumPy trainings. */
  sweep: {
    impls: ['native', 'native-lone', 'numpy'],
    async run(impl) {
      const s = SHAPES.paper;
      const cells = 100;
      if (impl === 'numpy') {
        const inp = loadInputs('paper');
        const o = pyPeer('numpy', 'train', 'paper', ['--epochs', String(inp.meta.epochs)]);
        const ms = o.samples_ms[0];
        return [
          row('sweep', `${cells} cells`, 'paper', 'numpy', 1, { meanMs: ms * cells, samples: 1 }, null, {
            note: `a loop of trainings: one measured (${(ms / 1e3).toFixed(2)} s, training only) x ${cells}`,
            peakRssMiB: o.peak_rss_mib,
          }),
        ];
      }
      const train = { width: s.width, lr: 0.05, epochs: 20, batchSize: 1, init: 'pytorch' };
      const data = { classes: s.classes, dim: s.dim, perClass: s.perClass, testPerClass: s.testPerClass };
      if (impl === 'native-lone') {
        const bf = await load({ backend: 'native', threads: 1 });
        const st = await measure(
          'lone',
          async () => {
            const ds = bf.generate({ ...data, seed: 7 });
            await bf.train(ds, { ...train, threads: 1 });
          },
          { time: 1, iterations: 3, warmupIterations: 1, warmupTime: 1 },
        );
        return [row('sweep', 'lone training', 'paper', 'native', 1, st, null, { note: 'generate + train + evaluate, one thread, no sweep machinery' })];
      }
      const config = {
        data,
        train,
        sweep: {
          x: { param: 'data.featureNorm', values: { from: 0.01, to: 3.8, count: 10, scale: 'log' } },
          y: { param: 'data.gamma', values: { from: 1, to: 1400, count: 10, scale: 'log' } },
          seeds: 1,
        },
      };
      const t0 = performance.now();
      const run = await sweep(config, { backend: 'native' });
      const ms = performance.now() - t0;
      const cellSec = run.results.reduce((a, r) => a + r.seconds, 0) / run.results.length;
      return [
        row('sweep', `${cells} cells`, 'paper', 'native', CORES, { meanMs: ms, samples: 1 }, null, {
          note: `${CORES} worker threads x 1 kernel thread; mean cell ${cellSec.toFixed(2)} s in its worker; ${run.results.filter((r) => r.error).length} failed`,
        }),
      ];
    },
  },

  /** Sweep cells that share their data (an axis over train.lr, full-batch GD, the paper's size):
   * a cell trained in a group of ten (Benignfit.trainGroup: data, G and the test Gram matrix made
   * once; narrow members in one joint GEMM per step) against a lone cell (generate + train +
   * evaluate). Both at the paper's width and at width 10 (K m = 50, where the joint product is used). */
  group: {
    impls: ['native', 'wasm'],
    async run(impl) {
      const { bf, threads } = await backendFor(impl);
      const s = SHAPES.paper;
      const data = { classes: s.classes, dim: s.dim, perClass: s.perClass, testPerClass: s.testPerClass, gamma: 10, seed: 3 };
      const cells = 10;
      const rows = [];
      for (const width of [s.width, 10]) {
        const cfgs = Array.from({ length: cells }, (_, i) => ({ width, lr: 0.01 * (i + 1), epochs: 20, init: 'pytorch', seed: 1 }));
        const iterations = impl === 'wasm' ? 1 : 2;
        const lone = await measure(
          `lone w${width}`,
          async () => {
            for (const c of cfgs) await bf.train(bf.generate(data), c);
          },
          { time: 0, iterations, warmupIterations: 1, warmupTime: 0 },
        );
        const grouped = await measure(
          `group w${width}`,
          async () => {
            const g = await bf.trainGroup(bf.generate(data), cfgs);
            if (g.errors.some((e) => e)) throw new Error(`a member failed: ${g.errors.find((e) => e).message}`);
          },
          { time: 0, iterations, warmupIterations: 1, warmupTime: 0 },
        );
        const per = (st) => ({ ...st, meanMs: st.meanMs / cells });
        const ratio = grouped.meanMs / lone.meanMs;
        rows.push(
          row('group', `lone cell, width ${width}`, 'paper', impl, threads, per(lone), null, {
            note: `generate + 20 full-batch steps + evaluate, one cell of ${cells} (lr 0.01..0.1), each alone`,
          }),
        );
        rows.push(
          row('group', `cell in a group of ${cells}, width ${width}`, 'paper', impl, threads, per(grouped), null, {
            note: `${ratio.toFixed(2)}x a lone cell's time, the same bits (trainGroup; K m = ${s.classes * width}${s.classes * width * 2 <= 256 ? ', joint product' : ', each member its own product'})`,
          }),
        );
      }
      return rows;
    },
  },

  /** wasm in Node worker threads (one instance each): the proxy for Web Workers in a browser
   * (the same measurement runs in a page with BrowserWorkerExecutor: ts/sweep/browser.ts). */
  workers: {
    impls: ['wasm', 'native'],
    async run(impl) {
      const s = SHAPES.paper;
      const cells = 4 * CORES;
      const config = {
        data: { classes: s.classes, dim: s.dim, perClass: s.perClass, testPerClass: s.testPerClass },
        train: { width: s.width, lr: 0.05, epochs: 20, batchSize: 1, init: 'pytorch' },
        sweep: { x: { param: 'data.gamma', values: { from: 1, to: 100, count: cells, scale: 'log' } }, seeds: 1 },
      };
      const points = await measureSpeedup((workers) => new NodeWorkerExecutor({ backend: impl, workers, threadsPerWorker: 1 }), config, [1, CORES]);
      return points.map((p) =>
        row('workers', `${cells} cells`, 'paper', impl, p.workers, { meanMs: p.seconds * 1e3, samples: 1 }, null, {
          note:
            p.workers === 1
              ? `one worker thread${impl === 'wasm' ? ' (one wasm instance)' : ''}, starting it included`
              : `${p.workers} worker threads: ${p.speedup.toFixed(2)}x the speed of one (efficiency ${(p.efficiency * 100).toFixed(0)}%)`,
        }),
      );
    },
  },

  /** The cost of moving one array across the JS/core boundary, on its own. */
  boundary: {
    impls: ['native', 'wasm'],
    async run(impl) {
      const { bf } = await backendFor(impl);
      const rows = [];
      for (const bytes of [4 << 20]) {
        const b = measureBoundary(bf, { bytes, minSeconds: 0.5 });
        const mib = bytes / 2 ** 20;
        const gbs = (sec) => `${(bytes / sec / 1e9).toFixed(1)} GB/s`;
        rows.push({
          group: 'boundary',
          task: `in ${mib} MiB`,
          shape: `${bytes / 4} f32`,
          impl,
          threads: 1,
          meanMs: b.inSeconds * 1e3,
          note: `${gbs(b.inSeconds)}; ${impl === 'native' ? 'borrowed, no copy (the time is the core reading it)' : 'copied into wasm memory'}; a JS loop reading it: ${(b.jsSeconds * 1e3).toFixed(2)} ms`,
        });
        rows.push({
          group: 'boundary',
          task: `out ${mib} MiB`,
          shape: `${bytes / 4} f32`,
          impl,
          threads: 1,
          meanMs: b.outSeconds * 1e3,
          note: `${impl === 'native' ? 'the Vec becomes the ArrayBuffer' : 'copied out of wasm memory'}; making the array in the core without returning it: ${(b.makeSeconds * 1e3).toFixed(2)} ms, so the way out costs ${((b.outSeconds - b.makeSeconds) * 1e3).toFixed(2)} ms (a fresh JS array of that size, pages touched: ${(b.jsAllocSeconds * 1e3).toFixed(2)} ms)`,
        });
      }
      return rows;
    },
  },

  /** Drawing a dataset from the data model (§5.1). */
  generate: {
    impls: ['native', 'wasm'],
    async run(impl) {
      const { bf, threads } = await backendFor(impl);
      const rows = [];
      for (const shapeName of ['paper', 'large']) {
        const s = SHAPES[shapeName];
        const cfg = { classes: s.classes, dim: s.dim, perClass: s.perClass, testPerClass: s.testPerClass, gamma: 10, seed: 1 };
        const st = await measure(`generate ${shapeName} ${impl}`, () => bf.generate(cfg), { time: 1000, iterations: 5 });
        rows.push(
          row('generate', `generate ${shapeName}`, shapeName, impl, threads, st, null, {
            note: `${s.classes * (s.perClass + s.testPerClass)} samples, d = ${s.dim}`,
          }),
        );
      }
      return rows;
    },
  },
};
