// Training (issues 3 and 7): one full-batch step and one batch-1 SGD step at the paper's size
// against NumPy, PyTorch and TensorFlow.js, whole preset trainings, a sweep against a loop of NumPy
// trainings, cells that share their data (trainGroup), sweeps on 1 and 2 worker threads, and
// drawing a dataset (§5.1). Each (group, impl) runs in its own child process.
import { load } from '../../dist/index.node.js';
import { kernelInfo } from 'benignfit/perf';
import { NodeWorkerExecutor, sweep } from '../../dist/sweep/node.js';
import { measureSpeedup } from '../../dist/sweep/speedup.js';
import { loadInputs, measure, stats } from '../lib.mjs';
import { SHAPES } from '../shapes.mjs';
import { loadTf, tfModel } from '../peers/tfjs.mjs';
import { CORES, row, backendFor, rawTrainer, PEER_IMPLS, isPy, pyPeer, oneHot } from './common.mjs';

export const TRAIN = {
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
