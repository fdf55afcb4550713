/**
 * Golden outputs: the bits a handful of configs produce on each backend (generated data, weights
 * after a few steps, theory and lemma JSON, influence scores, classifier parameters), as SHA-256
 * digests in test/golden/golden.json. Refactors keep these bit-identical; a change of numerics
 * must update them on purpose: `BENIGNFIT_GOLDEN_UPDATE=1 npx vitest run test/golden.test.ts`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Benignfit } from '../ts/index.node.js';
import { BACKENDS, backend, rng } from './helpers.js';

const FILE = join(__dirname, 'golden', 'golden.json');
const UPDATE = process.env.BENIGNFIT_GOLDEN_UPDATE === '1';

type Digests = Record<string, string>;

/** JSON with every object's keys sorted: the order of keys carries no meaning, the values all of it. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

function digest(v: unknown): string {
  const h = createHash('sha256');
  if (ArrayBuffer.isView(v)) h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  else h.update(canonical(v));
  return h.digest('hex').slice(0, 24);
}

async function outputs(bf: Benignfit): Promise<Digests> {
  const out: Digests = {};
  bf.threads = 1;
  // Data: the §5.1 model, the homogeneous model and uniform noise.
  const a = bf.generate({ classes: 3, dim: 24, perClass: 4, testPerClass: 4, seed: 1 }, { includeNoiseFactors: true });
  const b = bf.generate({ classes: 5, dim: 200, perClass: 20, testPerClass: 10, gamma: 10, featureNorm: 0.5, seed: 7 });
  const c = bf.generate({ classes: 2, dim: 40, perClass: 6, testPerClass: 3, model: 'homogeneous', noise: 'uniform', seed: 3 });
  for (const [name, d] of [
    ['a', a],
    ['b', b],
    ['c', c],
  ] as const) {
    out[`generate.${name}.trainX`] = digest(d.trainX);
    out[`generate.${name}.trainY`] = digest(d.trainY);
    out[`generate.${name}.trainPos`] = digest(d.trainPos);
    out[`generate.${name}.testX`] = digest(d.testX);
    out[`generate.${name}.features`] = digest(d.features);
    out[`generate.${name}.model`] = digest(d.model);
  }
  out['generate.a.noiseFactors'] = digest(a.noiseFactors);
  // Training: full-batch gram, SGD, direct route, sigma0 init.
  const runs = {
    gd: await bf.train(b, { width: 8, steps: 5, lr: 0.1, evalEvery: 2, seed: 2 }),
    sgd: await bf.train(b, { width: 6, epochs: 2, batchSize: 7, lr: 0.05, seed: 3 }),
    direct: await bf.train(a, { width: 4, steps: 4, route: 'direct', init: { sigma0: 0.01 }, seed: 1 }),
  };
  for (const [name, r] of Object.entries(runs)) {
    out[`train.${name}.weights`] = digest(r.weights);
    out[`train.${name}.weightsInit`] = digest(r.weightsInit);
    out[`train.${name}.lossCurve`] = digest(r.lossCurve);
    out[`train.${name}.logitSums`] = digest(r.logitSums);
    out[`train.${name}.history`] = digest(r.history);
  }
  const group = await bf.trainGroup(b, [
    { width: 8, steps: 5, lr: 0.1, seed: 2 },
    { width: 4, steps: 3, lr: 0.2, seed: 5 },
  ]);
  group.results.forEach((r, i) => (out[`trainGroup.${i}.weights`] = digest(r!.weights)));
  out['predict.gd'] = digest(bf.predict(runs.gd.weights, b.testX, { classes: 5, width: 8, dim: 200 }));
  // Theorem 1 before and after training.
  out['theory.b'] = digest(bf.theory(b.config!));
  out['theory.numeric'] = digest(bf.theory({ classes: 3, dim: 24, gamma: 4, seed: 2 }, { method: 'numeric' }));
  out['theoryLemmas.gd'] = digest(
    bf.theoryLemmas(
      b,
      {
        weights: runs.gd.weights,
        weightsInit: runs.gd.weightsInit,
        trainX: b.trainX,
        trainY: b.trainY,
        trainPos: b.trainPos,
        logitSums: runs.gd.logitSums,
        kappa: runs.gd.kappaCurve,
        testX: b.testX,
        testY: b.testY,
        testPos: b.testPos,
      },
      { width: 8, lr: 0.1, steps: 5, freshSamples: 50 },
    ),
  );
  out.boundaries = digest(bf.phaseBoundaries({ plane: 'featureNorm-gamma', x: [0.01, 0.1, 1], y: [1, 10, 100], perClass: 100, levels: [0.1] }));
  // Influence (eq. 10) on bytes and floats, both routes.
  const rnd = rng(11);
  const n = 60;
  const dim = 30;
  const pixels = Uint8Array.from({ length: n * dim }, () => Math.floor(rnd() * 256));
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  for (const route of ['scatter', 'gram'] as const) {
    const r = await bf.influence({ pixels, labels, dim }, { route });
    out[`influence.${route}.scores`] = digest(r.scores);
    out[`influence.${route}.frobenius`] = digest(r.frobenius);
  }
  const floats = Float32Array.from(pixels, (p) => p / 255 - 0.3);
  out['influence.f64'] = digest((await bf.influence({ pixels: floats, labels, dim }, { precision: 'f64', normalize: 'standardize' })).scores);
  // The LeNet-5 classifier: parameters after a few batches.
  const imgs = Float32Array.from({ length: 16 * 784 }, () => rnd());
  const lab = Int32Array.from({ length: 16 }, (_, i) => i % 10);
  const set = { images: imgs, labels: lab, shape: [1, 28, 28] as [number, number, number] };
  const clf = bf.classifier({ epochs: 1, batchSize: 8, seed: 4, threads: 1 }, set);
  clf.setTrainingData(set);
  clf.run(2);
  out['classifier.params'] = digest(clf.params());
  clf.dispose();
  return out;
}

describe('golden outputs (bit-identical across refactors)', () => {
  const stored: Record<string, Digests> = existsSync(FILE) ? JSON.parse(readFileSync(FILE, 'utf8')) : {};
  const fresh: Record<string, Digests> = {};
  for (const name of BACKENDS) {
    it(`${name}: every digest matches test/golden/golden.json`, async () => {
      const got = await outputs(await backend(name));
      fresh[name] = got;
      if (UPDATE) {
        mkdirSync(join(__dirname, 'golden'), { recursive: true });
        writeFileSync(FILE, `${JSON.stringify({ ...stored, ...fresh }, null, 2)}\n`);
        return;
      }
      expect(stored[name], `no golden digests for ${name}: run with BENIGNFIT_GOLDEN_UPDATE=1`).toBeDefined();
      expect(got).toEqual(stored[name]);
    });
  }
});
