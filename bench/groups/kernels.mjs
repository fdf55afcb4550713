// The machine and the boundary: GEMM throughput of this machine (the peak every other row's
// fraction refers to) and the cost of moving one array across the JS/core boundary.
import { measureBoundary, measureClock, measureGemm, kernelInfo } from 'benignfit/perf';
import { machine } from '../lib.mjs';
import { SHAPES } from '../shapes.mjs';
import { CORES, backendFor } from './common.mjs';

export const KERNELS = {
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
};
