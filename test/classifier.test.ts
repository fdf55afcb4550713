import { describe, expect, it } from 'vitest';
import { parseIdx } from '../ts/formats/idx.js';
import { drive } from '../ts/job.js';
import { BenignfitError, tensorsFromIdx, subsetImages, trainClassifier, type ClassifierInfo, type TensorSet } from '../ts/index.node.js';
import { BACKENDS, backend, rng } from './helpers.js';

function noiseImages(n: number, shape: [number, number, number], seed: number): TensorSet {
  const r = rng(seed);
  const len = shape[0] * shape[1] * shape[2];
  return {
    images: Float32Array.from({ length: n * len }, () => r() * 2 - 1),
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
    shape,
  };
}

/** Class k (of 4): a bright 6x6 square at one corner of a noisy 28x28 image. */
function cornerSquares(n: number, seed: number): TensorSet {
  const r = rng(seed);
  const images = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 4;
    labels[i] = k;
    const [r0, c0] = [
      [3, 3],
      [3, 19],
      [19, 3],
      [19, 19],
    ][k];
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const on = y >= r0 && y < r0 + 6 && x >= c0 && x < c0 + 6;
        images[i * 784 + y * 28 + x] = (on ? 1 : 0) + 0.3 * (r() + r() + r() - 1.5);
      }
    }
  }
  return { images, labels, shape: [1, 28, 28] };
}

/**
 * The network's logits in f64, straight from PyTorch's definitions (direct convolution loops),
 * reading the layer list and the flat state_dict-ordered parameters.
 */
function referenceLogits(info: ClassifierInfo, p: ArrayLike<number>, img: ArrayLike<number>): Float64Array {
  let [c, h, w] = info.inputShape;
  let x = Float64Array.from(img, (v, i) => (v - info.config.mean[Math.floor(i / (h * w))]) / info.config.std[Math.floor(i / (h * w))]);
  let off = 0;
  for (const l of info.layers) {
    if (l.kind === 'conv') {
      const [co, ci, k] = l.weightShape!;
      const [, ho, wo] = l.outShape;
      const pad = (ho - h + k - 1) / 2;
      const W = off;
      const B = off + co * ci * k * k;
      const y = new Float64Array(co * ho * wo);
      for (let o = 0; o < co; o++)
        for (let oy = 0; oy < ho; oy++)
          for (let ox = 0; ox < wo; ox++) {
            let s = p[B + o];
            for (let i = 0; i < ci; i++)
              for (let ky = 0; ky < k; ky++)
                for (let kx = 0; kx < k; kx++) {
                  const iy = oy + ky - pad;
                  const ix = ox + kx - pad;
                  if (iy >= 0 && ix >= 0 && iy < h && ix < w) s += p[W + ((o * ci + i) * k + ky) * k + kx] * x[(i * h + iy) * w + ix];
                }
            y[(o * ho + oy) * wo + ox] = s;
          }
      [c, h, w] = [co, ho, wo];
      x = y;
    } else if (l.kind === 'relu') {
      x = x.map((v) => Math.max(v, 0));
    } else if (l.kind === 'maxpool2') {
      const [ho, wo] = [Math.floor(h / 2), Math.floor(w / 2)];
      const y = new Float64Array(c * ho * wo);
      for (let i = 0; i < c; i++)
        for (let oy = 0; oy < ho; oy++)
          for (let ox = 0; ox < wo; ox++) {
            const at = (dy: number, dx: number) => x[(i * h + 2 * oy + dy) * w + 2 * ox + dx];
            y[(i * ho + oy) * wo + ox] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
          }
      [h, w] = [ho, wo];
      x = y;
    } else if (l.kind === 'linear') {
      const [fo, fi] = l.weightShape!;
      const y = new Float64Array(fo);
      for (let o = 0; o < fo; o++) {
        let s = p[off + fo * fi + o];
        for (let i = 0; i < fi; i++) s += p[off + o * fi + i] * x[i];
        y[o] = s;
      }
      x = y;
    }
    off += l.params;
  }
  return x;
}

function referenceLoss(info: ClassifierInfo, p: ArrayLike<number>, set: TensorSet): number {
  const len = set.shape[0] * set.shape[1] * set.shape[2];
  let total = 0;
  for (let i = 0; i < set.labels.length; i++) {
    const z = referenceLogits(info, p, set.images.subarray(i * len, (i + 1) * len));
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
    total += lse - z[set.labels[i]];
  }
  return total / set.labels.length;
}

describe.each(BACKENDS)('classifier on %s', (name) => {
  it("LeNet-5 has PyTorch's layers and parameter count, and predicts like a direct f64 reference", async () => {
    const bf = await backend(name);
    const set = noiseImages(21, [1, 28, 28], 1);
    const clf = bf.classifier({ arch: 'lenet5', seed: 3, normalize: { mean: [0.1], std: [0.6] } });
    const info = clf.info();
    expect(info.paramCount).toBe(61706);
    expect(info.layers.filter((l) => l.weightShape).map((l) => l.weightShape)).toEqual([
      [6, 1, 5, 5],
      [16, 6, 5, 5],
      [120, 400],
      [84, 120],
      [10, 84],
    ]);
    const p = clf.params();
    // PyTorch's default init: every weight and bias within 1/sqrt(fan_in).
    let off = 0;
    for (const l of info.layers.filter((x) => x.weightShape)) {
      const fanIn = l.weightShape!.slice(1).reduce((a, b) => a * b, 1);
      let worst = 0;
      for (let i = off; i < off + l.params; i++) worst = Math.max(worst, Math.abs(p[i]));
      expect(worst).toBeLessThanOrEqual(1 / Math.sqrt(fanIn));
      expect(worst).toBeGreaterThan(0.95 / Math.sqrt(fanIn));
      off += l.params;
    }
    const logits = clf.predict(set.images);
    expect(logits.length).toBe(21 * 10);
    for (let i = 0; i < 21; i++) {
      const z = referenceLogits(info, p, set.images.subarray(i * 784, (i + 1) * 784));
      for (let k = 0; k < 10; k++) expect(Math.abs(logits[i * 10 + k] - z[k])).toBeLessThan(1e-4 * (1 + Math.abs(z[k])));
    }
    clf.dispose();
  });

  it('the small CIFAR-10 network predicts like the reference', async () => {
    const bf = await backend(name);
    const set = noiseImages(3, [3, 32, 32], 2);
    const clf = bf.classifier({ arch: 'cifar-small', seed: 1 }, set);
    const info = clf.info();
    expect(info.inputShape).toEqual([3, 32, 32]);
    const p = clf.params();
    const logits = clf.predict(set.images);
    for (let i = 0; i < 3; i++) {
      const z = referenceLogits(info, p, set.images.subarray(i * 3072, (i + 1) * 3072));
      for (let k = 0; k < 10; k++) expect(Math.abs(logits[i * 10 + k] - z[k])).toBeLessThan(1e-4 * (1 + Math.abs(z[k])));
    }
    clf.dispose();
  });

  it('the gradient matches central differences of the reference loss along random directions', async () => {
    const bf = await backend(name);
    const set = noiseImages(5, [1, 28, 28], 3);
    const clf = bf.classifier({ seed: 5, normalize: 'none' });
    const info = clf.info();
    const p = clf.params();
    const { loss, grad } = clf.lossAndGradient(set);
    expect(Math.abs(loss - referenceLoss(info, p, set))).toBeLessThan(1e-5);
    const r = rng(9);
    for (let t = 0; t < 3; t++) {
      const d = Float64Array.from(p, () => r() * 2 - 1);
      // In f64 and small enough that no ReLU or max-pool switches: the error is O(eps^2).
      const eps = 1e-5;
      const plus = Float64Array.from(p, (v, i) => v + eps * d[i]);
      const minus = Float64Array.from(p, (v, i) => v - eps * d[i]);
      const fd = (referenceLoss(info, plus, set) - referenceLoss(info, minus, set)) / (2 * eps);
      let gd = 0;
      for (let i = 0; i < p.length; i++) gd += grad[i] * d[i];
      // The core computes in f32: about 1e-5 relative.
      expect(Math.abs(gd - fd)).toBeLessThan(1e-3 * Math.abs(fd) + 1e-3);
    }
    clf.dispose();
  });

  it('one SGD step is p - lr (grad + wd p), and the next adds momentum times the previous step', async () => {
    const bf = await backend(name);
    const set = noiseImages(24, [1, 28, 28], 4);
    const opts = { seed: 2, batchSize: 24, lr: 0.05, momentum: 0.8, weightDecay: 0.01, normalize: 'none' as const };
    const clf = bf.classifier(opts);
    clf.setTrainingData(set);
    const p0 = clf.params();
    const g0 = clf.lossAndGradient(set).grad;
    const s = clf.run(1);
    expect(s).toMatchObject({ batches: 1, samples: 24, epoch: 1, batchInEpoch: 0, step: 1 });
    const p1 = clf.params();
    const v1 = g0.map((g, i) => g + 0.01 * p0[i]);
    const worst = (f: (i: number) => number) => {
      let w = 0;
      for (let i = 0; i < p0.length; i++) w = Math.max(w, Math.abs(f(i)));
      return w;
    };
    expect(worst((i) => p1[i] - p0[i])).toBeGreaterThan(1e-4); // it moved
    expect(worst((i) => p1[i] - (p0[i] - 0.05 * v1[i]))).toBeLessThan(1e-6);
    const g1 = clf.lossAndGradient(set).grad;
    clf.run(1);
    const p2 = clf.params();
    expect(worst((i) => p2[i] - (p1[i] - 0.05 * (0.8 * v1[i] + g1[i] + 0.01 * p1[i])))).toBeLessThan(1e-6);
    // Without the momentum term the second step would be off by far more than that.
    expect(worst((i) => p2[i] - (p1[i] - 0.05 * (g1[i] + 0.01 * p1[i])))).toBeGreaterThan(1e-4);
    clf.dispose();
  });

  it('the same seed gives the same model; another seed another; threads do not matter', async () => {
    const bf = await backend(name);
    const set = cornerSquares(100, 5);
    const params = async (seed: number, threads: number) => {
      const r = await trainClassifier(bf, set, null, { seed, threads, epochs: 2, batchSize: 32 });
      const p = r.classifier.params();
      r.classifier.dispose();
      return p;
    };
    const a = await params(1, 1);
    expect(await params(1, 2)).toEqual(a);
    expect(await params(1, 0)).toEqual(a);
    expect(await params(2, 1)).not.toEqual(a);
  });

  it('learns a separable task, reports progress and epochs, and evaluates like predict', async () => {
    const bf = await backend(name);
    const train = cornerSquares(400, 6);
    const test = cornerSquares(200, 7);
    const progress: number[] = [];
    const epochs: number[] = [];
    const r = await trainClassifier(
      bf,
      train,
      test,
      { epochs: 3, batchSize: 32, lr: 0.05, evalEveryEpoch: true, seed: 1 },
      {
        onProgress: (p) => progress.push(p.step),
        onEpoch: (e) => epochs.push(e.epoch),
      },
    );
    expect(epochs).toEqual([0, 1, 2]);
    expect(progress[progress.length - 1]).toBe(3 * 13);
    expect(progress.every((s, i) => i === 0 || s > progress[i - 1])).toBe(true);
    expect(r.history.every((h) => h.testAcc !== null)).toBe(true);
    expect(r.testAcc).toBeGreaterThan(0.95);
    // Accuracy recomputed from the logits.
    const z = r.classifier.predict(test.images);
    let correct = 0;
    for (let i = 0; i < 200; i++) {
      let best = 0;
      for (let k = 1; k < 10; k++) if (z[i * 10 + k] > z[i * 10 + best]) best = k;
      if (best === test.labels[i]) correct++;
    }
    expect(correct / 200).toBe(r.testAcc);
    // In chunks (views into the arrays, at offsets) the same as in one call.
    const whole = r.classifier.evaluate(test);
    const chunked = await r.classifier.evaluateAsync(test, { chunk: 7 });
    expect(chunked.correct).toBe(whole.correct);
    expect(chunked.loss).toBeCloseTo(whole.loss, 10);
    // One image alone (another shard, so other rounding) gives the same logits to f32 precision.
    const one = r.classifier.predict(test.images.subarray(13 * 784, 14 * 784));
    for (let k = 0; k < 10; k++) expect(Math.abs(one[k] - z[130 + k])).toBeLessThan(1e-5 * (1 + Math.abs(z[130 + k])));
    expect(r.options.normalize).toHaveProperty('mean');
    r.classifier.dispose();
  });

  it('drive(upTo) stops the job at that step, across epoch ends, with the weights of run(steps)', async () => {
    const bf = await backend(name);
    const set = cornerSquares(100, 5);
    // 4 batches an epoch: 9 steps end inside the third epoch.
    const a = bf.classifier({ seed: 3, epochs: 5, batchSize: 32 }, set);
    const b = bf.classifier({ seed: 3, epochs: 5, batchSize: 32 }, set);
    try {
      a.setTrainingData(set);
      b.setTrainingData(set);
      const { progress } = await drive((f) => f(), a, { upTo: 9, budget: 3 });
      expect(progress).toMatchObject({ done: 9, total: 20, finished: false });
      b.run(9);
      expect(a.params()).toEqual(b.params());
      // On from there: `from` says where the job stands.
      expect((await drive((f) => f(), a, { from: 9, upTo: 12 })).progress?.done).toBe(12);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('stops with E_ABORTED when the signal fires between chunks', async () => {
    const bf = await backend(name);
    const ac = new AbortController();
    const p = trainClassifier(
      bf,
      cornerSquares(200, 8),
      null,
      { epochs: 50, batchSize: 16 },
      { signal: ac.signal, onProgress: (s) => s.step >= 3 && ac.abort() },
    );
    await expect(p).rejects.toMatchObject({ code: 'E_ABORTED' });
  });

  it('refuses bad options and data with the field named, the same on every backend', async () => {
    const bf = await backend(name);
    const set = cornerSquares(8, 9);
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(BenignfitError);
        return e as BenignfitError;
      }
      throw new Error('no error');
    };
    expect(err(() => bf.classifier({ lr: -1 }, set))).toMatchObject({ code: 'E_INVALID', field: 'classifier.lr' });
    expect(err(() => bf.classifier({ arch: 'resnet18' as 'lenet5' }, set))).toMatchObject({ code: 'E_INVALID', field: 'classifier.arch' });
    expect(err(() => bf.classifier({ epochs: 1, bogus: 1 } as object))).toMatchObject({ code: 'E_INVALID', field: 'classifier.bogus' });
    expect(err(() => bf.classifier({})).field).toBe('classifier.normalize');
    expect(err(() => bf.classifier({ arch: 'cifar-small' }, set))).toMatchObject({ code: 'E_INVALID', field: 'train.shape' });
    const clf = bf.classifier({}, set);
    expect(err(() => clf.run(1))).toMatchObject({ code: 'E_INVALID', field: 'images' });
    const bad = { ...set, labels: Int32Array.from(set.labels, (v, i) => (i === 3 ? 10 : v)) };
    expect(err(() => clf.setTrainingData(bad))).toMatchObject({ code: 'E_INVALID', field: 'labels[3]' });
    const nan = { ...set, images: set.images.slice() };
    nan.images[5] = NaN;
    expect(err(() => clf.setTrainingData(nan))).toMatchObject({ code: 'E_INVALID', field: 'images[5]' });
    expect(err(() => clf.setTrainingData({ ...set, labels: set.labels.subarray(1) })).code).toBe('E_SHAPE');
    expect(err(() => clf.setParams(new Float32Array(5))).code).toBe('E_SHAPE');
    expect(err(() => clf.predict(new Float32Array(100))).code).toBe('E_SHAPE');
    const p = clf.params();
    p[0] = 0.25;
    clf.setParams(p);
    expect(clf.params()[0]).toBe(0.25);
    clf.dispose();
    expect(err(() => clf.params()).code).toBe('E_INVALID');
  });

  it('the removal order is a seeded permutation, identical on every backend', async () => {
    const bf = await backend(name);
    const a = bf.removalOrder(4, 1000);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(bf.removalOrder(4, 1000)).toEqual(a);
    expect(bf.removalOrder(5, 1000)).not.toEqual(a);
    // Pinned: ChaCha8 draws are the same on native and wasm.
    expect(Array.from(bf.removalOrder(1, 8))).toEqual(PINNED_ORDER);
  });
});

const PINNED_ORDER = [1, 5, 0, 3, 2, 7, 4, 6];

describe.runIf(BACKENDS.includes('native') && BACKENDS.includes('wasm'))('classifier, native against wasm', () => {
  it('a few SGD steps from the same seed agree within 1e-4 (the GEMM kernels differ)', async () => {
    const set = cornerSquares(96, 10);
    const out: Float32Array[] = [];
    for (const name of ['native', 'wasm'] as const) {
      const bf = await backend(name);
      const clf = bf.classifier({ seed: 4, batchSize: 32 }, set);
      clf.setTrainingData(set);
      clf.run(6);
      out.push(clf.params());
      clf.dispose();
    }
    let worst = 0;
    for (let i = 0; i < out[0].length; i++) worst = Math.max(worst, Math.abs(out[0][i] - out[1][i]));
    expect(worst).toBeLessThan(1e-4);
  });
});

describe('image sets', () => {
  it('reads IDX images and labels, scales to [0, 1], and subsets', () => {
    const img = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 255, 51, 102, 10, 20, 30, 40]);
    const lab = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 3]);
    const set = tensorsFromIdx(parseIdx(img), parseIdx(lab));
    expect(set.shape).toEqual([1, 2, 2]);
    expect(Array.from(set.labels)).toEqual([7, 3]);
    expect(Array.from(set.images.subarray(0, 4))).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
    const sub = subsetImages(set, [1]);
    expect(Array.from(sub.labels)).toEqual([3]);
    expect(Array.from(sub.images)).toEqual([10, 20, 30, 40].map((v) => Math.fround(v / 255)));
    expect(() => tensorsFromIdx(parseIdx(img), parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3])))).toThrow(/one per image/);
  });
});
