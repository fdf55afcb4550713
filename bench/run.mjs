#!/usr/bin/env node
// `npm run bench`: every benchmark group on native and wasm, with the peers (NumPy, PyTorch CPU,
// TensorFlow.js cpu and wasm) measured in the same run on the same inputs. Prints the table (time,
// GFLOP/s, ratio to each peer, fraction of the measured GEMM peak, peak memory) and writes
// bench/results/latest.json (and latest.md).
//
//   npm run bench                     every group
//   npm run bench -- step sgd         only these groups
//   npm run bench -- --no-peers       without the Python and TensorFlow.js peers
//   npm run bench -- --list           the groups, by the file of their area (bench/groups/<area>.mjs)
//
// Each (group, implementation) runs in its own child process, so its peak memory is its own.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from '../dist/index.node.js';
import { AREAS, GROUPS } from './groups/index.mjs';
import { dataDir, machine, peakRssMiB, resultsDir, saveNpy, table } from './lib.mjs';
import { ensurePeers } from './peers/setup.mjs';
import { SHAPES } from './shapes.mjs';

const CHILD = '--child';
const PEERS = ['numpy', 'torch', 'tfjs-cpu', 'tfjs-wasm'];

async function child(group, impl) {
  const rows = await GROUPS[group].run(impl);
  const rss = peakRssMiB();
  for (const r of rows) r.peakRssMiB ??= rss;
  process.stdout.write(`\n@@ROWS ${JSON.stringify(rows)}\n`);
}

/** The inputs every implementation gets: the paper-size data, initial weights, SGD order. */
async function writeInputs() {
  const bf = await load({ backend: 'native' });
  for (const name of ['paper']) {
    const s = SHAPES[name];
    const seed = 1;
    const ds = bf.generate({ classes: s.classes, dim: s.dim, perClass: s.perClass, testPerClass: s.testPerClass, gamma: 10, featureNorm: 1, seed });
    const km = s.classes * s.width;
    const r = await bf.train(ds, { width: s.width, lr: 0.05, steps: 0, init: 'pytorch', seed });
    const n = ds.nTrain;
    const epochs = 20;
    // The SGD sample order of the peers: a seeded permutation per epoch (timing does not depend on it).
    const order = new Int32Array(n * epochs);
    let state = 12345;
    for (let e = 0; e < epochs; e++) {
      const p = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        const j = state % (i + 1);
        [p[i], p[j]] = [p[j], p[i]];
      }
      order.set(p, e * n);
    }
    saveNpy(`${name}_train_x.npy`, ds.trainX, [n, 2, s.dim]);
    saveNpy(`${name}_train_y.npy`, ds.trainY, [n]);
    saveNpy(`${name}_train_pos.npy`, ds.trainPos, [n]);
    saveNpy(`${name}_features.npy`, ds.features, [s.classes, s.dim]);
    saveNpy(`${name}_test_x.npy`, ds.testX, [ds.nTest, 2, s.dim]);
    saveNpy(`${name}_test_y.npy`, ds.testY, [ds.nTest]);
    saveNpy(`${name}_test_pos.npy`, ds.testPos, [ds.nTest]);
    saveNpy(`${name}_w0.npy`, r.weightsInit, [km, s.dim]);
    saveNpy(`${name}_order.npy`, order, [n * epochs]);
    writeFileSync(
      join(dataDir, `${name}.json`),
      JSON.stringify(
        { shape: name, classes: s.classes, dim: s.dim, width: s.width, n, nTest: ds.nTest, seed, gamma: 10, featureNorm: 1, epochs, data: ds.config },
        null,
        2,
      ),
    );
  }
}

function runChild(group, impl) {
  const env = { ...process.env };
  if (impl === 'native-plain') env.BENIGNFIT_SIMD = 'plain';
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), CHILD, group, impl], { encoding: 'utf8', env, maxBuffer: 64 << 20, timeout: 900_000 });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const m = /@@ROWS (.*)$/m.exec(r.stdout ?? '');
  if (r.status !== 0 || !m) {
    const why = (r.stderr || r.stdout || String(r.error ?? r.signal)).trim().split('\n').slice(-4).join(' | ');
    console.error(`  ${group}/${impl}: FAILED after ${secs} s: ${why}`);
    return [{ group, task: '(failed)', impl, note: why.slice(0, 300), failed: true }];
  }
  const rows = JSON.parse(m[1]);
  console.error(`  ${group}/${impl}: ${secs} s`);
  return rows;
}

/** Ratios to each peer (same group and task), fraction of the measured GEMM peak. */
function derive(rows, mach) {
  // The measured peak: the best GEMM throughput of each (backend, dtype, threads) in the peak group.
  const peak = {};
  for (const r of rows) {
    if (r.group !== 'peak' || !r.meanMs || !r.gflops) continue;
    const key = `${r.impl === 'wasm' ? 'wasm' : 'native'}-${r.task.includes('f64') ? 'f64' : 'f32'}-${r.threads}`;
    peak[key] = Math.max(peak[key] ?? 0, r.gflops);
  }
  // In the peak group, "of peak" is the fraction of the theoretical peak (native rows).
  for (const r of rows) {
    if (r.group !== 'peak' || r.impl !== 'native' || !r.gflops) continue;
    const theory = rows.find((x) => x.impl === 'cpu' && x.task === `theoretical ${r.task.includes('f64') ? 'f64' : 'f32'}` && x.threads === r.threads);
    if (theory) r.ofPeak = r.gflops / theory.gflops;
  }
  for (const r of rows) {
    if (r.group === 'peak' || !r.meanMs) continue;
    if (!PEERS.includes(r.impl) && !r.ratios) {
      r.ratios = {};
      for (const p of PEERS) {
        const q = rows.find((x) => x.group === r.group && x.task === r.task && x.impl === p && x.meanMs);
        if (q) r.ratios[p] = r.meanMs / q.meanMs;
      }
      if (r.group === 'sweep' && r.impl === 'native') {
        const q = rows.find((x) => x.group === 'sweep' && x.impl === 'numpy');
        if (q) r.ratios.numpy = r.meanMs / q.meanMs;
      }
    }
    // The same step: losses against the native row's (same inputs, same W0).
    if (r.check?.length && r.impl !== 'native') {
      const ref = rows.find((x) => x.group === r.group && x.task === r.task && x.impl === 'native' && x.check?.length);
      if (ref) {
        const len = Math.min(ref.check.length, r.check.length);
        let worst = 0;
        for (let i = 0; i < len; i++) worst = Math.max(worst, Math.abs(r.check[i] - ref.check[i]) / Math.max(Math.abs(ref.check[i]), 1e-12));
        r.note = `${r.note ? `${r.note}; ` : ''}loss${len > 1 ? `es of ${len} steps` : ''} vs native: ${worst.toExponential(1)}`;
      }
    }
    if (r.gflops) {
      const key = r.impl.startsWith('wasm') || r.impl === 'tfjs-wasm' ? `wasm-f32-1` : `native-f32-${r.threads === 1 ? 1 : mach.cores}`;
      if (peak[key]) r.ofPeak = r.gflops / peak[key];
    }
  }
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === CHILD) return child(args[1], args[2]);
  if (args.includes('--list')) {
    for (const [area, names] of Object.entries(AREAS)) console.log(`bench/groups/${area}.mjs: ${names.join(', ')}`);
    return;
  }
  const noPeers = args.includes('--no-peers');
  const only = args.filter((a) => !a.startsWith('--'));
  for (const g of only) if (!GROUPS[g]) throw new Error(`unknown group "${g}" (groups: ${Object.keys(GROUPS).join(', ')})`);
  const groups = Object.keys(GROUPS).filter((g) => !only.length || only.includes(g));
  const mach = machine();
  console.error(`benignfit bench: ${groups.join(', ')} on ${mach.cpu} (${mach.cores} cores, ${mach.isa}), load average ${mach.loadavg.join(' ')}`);
  if (!noPeers) ensurePeers();
  mkdirSync(resultsDir, { recursive: true });
  await writeInputs();
  const t0 = Date.now();
  const rows = [];
  for (const g of groups) {
    for (const impl of GROUPS[g].impls) {
      if (noPeers && PEERS.includes(impl)) continue;
      rows.push(...runChild(g, impl));
    }
  }
  derive(rows, mach);
  const seconds = (Date.now() - t0) / 1000;
  const after = machine().loadavg;
  const peers = PEERS.filter((p) => rows.some((r) => r.impl === p));
  const text = table(rows, peers);
  const cmd = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
  const head = `${cmd}: ${mach.cpu}, ${mach.cores} cores (${mach.isa}, ${(mach.mhz / 1000).toFixed(2)} GHz), ${mach.memGiB} GiB, node ${mach.node}; load average before ${mach.loadavg.join(' ')}, after ${after.join(' ')}; ${seconds.toFixed(0)} s`;
  console.log(head);
  console.log(text);
  const out = { date: new Date().toISOString(), command: cmd, machine: mach, loadavgAfter: after, seconds, rows };
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'latest.md'), `${head}\n\n${table(rows, peers, true)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
