// What the benchmark groups share: the row format, our backends per implementation name, the
// Python peers, and the wrapper of the groups that measure every implementation in one process.
// Every row: { group, task, shape, impl, threads, meanMs, p50Ms, p99Ms, samples, flops (per call,
// of that implementation's algorithm), gflops, check, note }.
import { availableParallelism, cpus } from 'node:os';
import { load, resolveTrainConfig } from '../../dist/index.node.js';
import { dataDir, runPython } from '../lib.mjs';

export const CORES = availableParallelism();

export function row(group, task, shape, impl, threads, st, flops, extra = {}) {
  return { group, task, shape, impl, threads, ...st, flops, gflops: flops ? flops / (st.meanMs / 1e3) / 1e9 : null, ...extra };
}

/** Our backends: 'native' (all cores), 'native-1t' (one thread), 'native-plain' (no SIMD in our kernels), 'wasm'. */
export async function backendFor(impl) {
  const name = impl.startsWith('wasm') ? 'wasm' : 'native';
  const threads = impl === 'native-1t' || impl === 'native-plain' ? 1 : 0;
  const bf = await load({ backend: name, threads });
  const used = name === 'wasm' ? 1 : threads || CORES;
  return { bf, threads: used };
}

/** A raw trainer over the bench inputs (the chunked core object the train() API drives). */
export function rawTrainer(bf, inp, train, withTest = false) {
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

export const PEER_IMPLS = ['numpy', 'torch', 'tfjs-cpu', 'tfjs-wasm'];
export const isPy = (impl) => impl === 'numpy' || impl === 'torch';

/** A Python peer. Batch-1 SGD runs on one thread: its products are too small for threads, and
 * on this machine OpenBLAS's and MKL's threads make a step several times slower. */
export function pyPeer(impl, task, shape, extra = []) {
  const threads = task === 'full' ? CORES : 1;
  return runPython('train_peer.py', ['--framework', impl, '--task', task, '--data', dataDir, '--shape', shape, '--threads', String(threads), ...extra]);
}

export function oneHot(tf, y, k) {
  return tf.cast(tf.oneHot(tf.tensor1d(Array.from(y), 'int32'), k), 'float32');
}

/** The backends that load here, as [name, Benignfit] pairs. */
export async function backends() {
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
export function convert(r) {
  const notes = [];
  if (r.note) notes.push(r.note);
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

/**
 * A group that measures native, wasm and its peers in one process (impl "all"): `fn(backends, rows)`
 * pushes its rows, which become the table's rows here.
 */
export function oneProcess(fn) {
  return {
    impls: ['all'],
    async run() {
      const rows = [];
      await fn(await backends(), rows);
      return rows.map(convert);
    },
  };
}
