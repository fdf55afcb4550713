/**
 * eq. 10 in Web Workers (issue 17 item 4): the library's browser `influence` scores the classes
 * side by side, one wasm instance per worker, and gives the bits one instance gives in the page's
 * own thread (and the Node API on the same wasm build); progress and cancelling work as in one
 * thread, and with the Figure 6 matrix on, the classes stay in one instance.
 *
 * A small page built with Vite from the library's sources (ts/index.browser.ts), served without
 * cross-origin isolation.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load } from '../../ts/index.node.js';
import { launch, repo, serve, type Browser } from './helpers.js';

/** Deterministic data (the same source runs in the page and here): K classes of uneven sizes. */
const MAKE = `(kind, K, dim, seed) => {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
  const sizes = Array.from({ length: K }, (_, k) => 30 + ((k * 37) % 50));
  const labels = [];
  sizes.forEach((n, k) => { for (let i = 0; i < n; i++) labels.push(k); });
  // Interleave the classes, as real files do.
  for (let i = labels.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [labels[i], labels[j]] = [labels[j], labels[i]]; }
  const n = labels.length;
  const pixels = kind === 'bytes' ? new Uint8Array(n * dim) : new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) {
    // Pixel 0 never varies (dropped by the core); the others depend on the class.
    const v = j === 0 ? 7 : (labels[i] * 13 + j * 5) % 200 + rnd() * 55;
    pixels[i * dim + j] = kind === 'bytes' ? Math.floor(v) : v / 17 - 3;
  }
  return { pixels, labels: Int32Array.from(labels), dim };
}`;

const CASES = [
  { name: 'bytes, scale, auto route', kind: 'bytes', K: 7, dim: 48, seed: 5, options: { normalize: 'scale' } },
  {
    name: 'floats, standardize (the whole set std), f64, gram',
    kind: 'floats',
    K: 5,
    dim: 40,
    seed: 9,
    options: { normalize: 'standardize', precision: 'f64', route: 'gram' },
  },
  { name: 'bytes, unit, scatter', kind: 'bytes', K: 4, dim: 30, seed: 2, options: { normalize: 'unit', route: 'scatter' } },
] as const;

let scratch = '';
let site: { url: string; close: () => Promise<void> };
let br: Browser;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'bf-influence-workers-'));
  writeFileSync(
    join(scratch, 'index.html'),
    '<!doctype html><html><head><link rel="icon" href="data:,"></head><body><script type="module" src="./main.ts"></script></body></html>',
  );
  writeFileSync(
    join(scratch, 'main.ts'),
    `import * as lib from ${JSON.stringify(join(repo, 'ts', 'index.browser.ts'))};
     const w = window as unknown as Record<string, unknown>;
     w.lib = lib;
     w.make = ${MAKE};
     lib.load().then((bf) => { w.bf = bf; document.body.dataset.ready = 'true'; }, (e) => { document.body.dataset.ready = 'error: ' + e.message; });`,
  );
  await build({
    root: scratch,
    base: './',
    logLevel: 'warn',
    configFile: false,
    worker: { format: 'es' },
    build: { outDir: join(scratch, 'dist'), target: 'es2022', assetsInlineLimit: 0, emptyOutDir: true },
  });
  site = await serve(join(scratch, 'dist'));
  br = await launch();
  await br.page.goto(site.url);
  await br.page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 60_000 });
  expect(await br.page.getAttribute('body', 'data-ready')).toBe('true');
}, 300_000);

afterAll(async () => {
  await br?.close();
  await site?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  scores: number[];
  perClass: Record<string, unknown>[];
  workers: number;
  frobenius: unknown;
  started: number[];
  done: [number, number][];
}

describe('influence in Web Workers', () => {
  for (const c of CASES) {
    it(`${c.name}: the same bits in 3 workers as in one instance, and as the Node API on wasm`, async () => {
      const got = await br.page.evaluate(
        async ({ c }) => {
          const w = window as unknown as {
            bf: { influence: (d: unknown, o: unknown) => Promise<Record<string, unknown>> };
            make: (...a: unknown[]) => unknown;
          };
          const data = w.make(c.kind, c.K, c.dim, c.seed);
          const once = async (workers: number, frobenius = false) => {
            const started: number[] = [];
            const done: [number, number][] = [];
            const r = await w.bf.influence(data, {
              ...c.options,
              frobenius,
              workers,
              onClassStart: (k: number) => started.push(k),
              onProgress: (p: { class: number; done: number }) => done.push([p.class, p.done]),
            });
            const perClass = (r.perClass as Record<string, unknown>[]).map(({ seconds, ...rest }) => rest);
            return { scores: [...(r.scores as Float64Array)], perClass, workers: r.workers, frobenius: r.frobenius, started, done };
          };
          // Bit patterns, so that -0 and NaN would count too.
          const bits = (xs: number[]) => [...new Uint32Array(Float64Array.from(xs).buffer)];
          const one = await once(1);
          const three = await once(3);
          // With Figure 6: the workers hand their scatters back and one instance combines them.
          const oneF = await once(1, true);
          const threeF = await once(3, true);
          return {
            one,
            three,
            same: JSON.stringify(bits(one.scores)) === JSON.stringify(bits(three.scores)),
            sameF:
              JSON.stringify(bits(oneF.scores)) === JSON.stringify(bits(threeF.scores)) && JSON.stringify(oneF.frobenius) === JSON.stringify(threeF.frobenius),
            fig6: { workers: threeF.workers, has: threeF.frobenius !== null },
          };
        },
        { c: c as unknown as Record<string, unknown> } as never,
      );
      const { one, three, same, sameF, fig6 } = got as { one: Run; three: Run; same: boolean; sameF: boolean; fig6: { workers: number; has: boolean } };
      expect(one.workers).toBe(1);
      expect(three.workers).toBe(3);
      expect(same).toBe(true);
      expect(sameF).toBe(true);
      expect(fig6).toEqual({ workers: 3, has: true });
      expect(three.scores).toEqual(one.scores);
      expect(three.perClass).toEqual(one.perClass);
      expect(three.frobenius).toBeNull();
      // Progress: every class started and finished once; done counts 1..K (in the order classes finish).
      expect([...three.started].sort((a, b) => a - b)).toEqual(Array.from({ length: c.K }, (_, k) => k));
      expect(three.done.map(([, d]) => d)).toEqual(Array.from({ length: c.K }, (_, k) => k + 1));
      expect(three.done.map(([k]) => k).sort((a, b) => a - b)).toEqual(Array.from({ length: c.K }, (_, k) => k));
      expect(one.done.map(([k]) => k)).toEqual(Array.from({ length: c.K }, (_, k) => k));
      // The Node API on the same wasm build, in one instance.
      const make = new Function(`return ${MAKE}`)() as (...a: unknown[]) => { pixels: Uint8Array | Float32Array; labels: Int32Array; dim: number };
      const ref = await (await load({ backend: 'wasm' })).influence(make(c.kind, c.K, c.dim, c.seed), { ...c.options, frobenius: false });
      expect(three.scores).toEqual([...ref.scores]);
      expect(br.errors, br.errors.join('\n')).toEqual([]);
    });
  }

  it('cancelling stops the workers at once and the same pool then gives the full result; calls on one pool queue; a callback error passes through', async () => {
    const got = await br.page.evaluate(async () => {
      const w = window as unknown as {
        lib: { BrowserInfluenceExecutor: new (o: unknown) => { close: () => void } };
        bf: { influence: (d: unknown, o: unknown) => Promise<Record<string, unknown>> };
        make: (...a: unknown[]) => unknown;
      };
      const data = w.make('bytes', 12, 400, 3);
      const executor = new w.lib.BrowserInfluenceExecutor({ workers: 2 });
      const ac = new AbortController();
      let finished = 0;
      let after = 0;
      let error: { code?: string; message?: string } = {};
      try {
        await w.bf.influence(data, {
          frobenius: false,
          executor,
          signal: ac.signal,
          onProgress: () => {
            if (ac.signal.aborted) after++;
            finished++;
            if (finished === 1) ac.abort();
          },
        });
      } catch (e) {
        error = { code: (e as { code?: string }).code, message: (e as Error).message };
      }
      // Messages of the cancelled call must not reach it later.
      await new Promise((r) => setTimeout(r, 300));
      const full = await w.bf.influence(data, { frobenius: false, executor });
      const single = await w.bf.influence(data, { frobenius: false, workers: 1 });
      // Two calls on one pool at once run one after the other, each with its own result.
      const other = w.make('floats', 5, 20, 8);
      const [a, b] = await Promise.all([w.bf.influence(data, { frobenius: false, executor }), w.bf.influence(other, { frobenius: false, executor })]);
      const otherOne = await w.bf.influence(other, { frobenius: false, workers: 1 });
      const key = (r: Record<string, unknown>) => JSON.stringify([...(r.scores as Float64Array)]);
      const both = key(a) === key(single) && key(b) === key(otherOne);
      // What a progress callback throws is what the call rejects with.
      let thrown = '';
      await w.bf
        .influence(other, {
          frobenius: false,
          executor,
          onProgress: () => {
            throw new RangeError('from the callback');
          },
        })
        .catch((e: Error) => (thrown = `${e.name}: ${e.message}`));
      executor.close();
      const aborted = new AbortController();
      aborted.abort();
      let early = '';
      await w.bf.influence(data, { frobenius: false, workers: 2, signal: aborted.signal }).catch((e: { code: string }) => (early = e.code));
      return {
        error,
        finished,
        after,
        early,
        both,
        thrown,
        workers: full.workers,
        same: JSON.stringify([...(full.scores as Float64Array)]) === JSON.stringify([...(single.scores as Float64Array)]),
      };
    });
    expect(got.error.code).toBe('E_ABORTED');
    expect(got.error.message).toBe('influence was cancelled');
    expect(got.finished).toBe(1);
    expect(got.after).toBe(0);
    expect(got.early).toBe('E_ABORTED');
    expect(got.both).toBe(true);
    expect(got.thrown).toBe('RangeError: from the callback');
    expect(got.workers).toBe(2);
    expect(got.same).toBe(true);
  });

  it('with the Figure 6 matrix on, the classes run in the workers too (the same matrix as one instance); errors cross from a worker whole', async () => {
    const got = await br.page.evaluate(async () => {
      const w = window as unknown as { bf: { influence: (d: unknown, o: unknown) => Promise<Record<string, unknown>> }; make: (...a: unknown[]) => unknown };
      const data = w.make('bytes', 4, 30, 1) as { pixels: Uint8Array; labels: Int32Array; dim: number };
      const fig6 = await w.bf.influence(data, { workers: 4 });
      const fig6one = await w.bf.influence(data, { workers: 1 });
      // A memory limit the first class's rows exceed: the core's E_TOO_LARGE, from a worker.
      let err: Record<string, unknown> = {};
      await w.bf
        .influence(data, { frobenius: false, workers: 2, memoryLimit: 64 })
        .catch((e: Record<string, unknown>) => (err = { code: e.code, message: e.message }));
      let one: Record<string, unknown> = {};
      await w.bf
        .influence(data, { frobenius: false, workers: 1, memoryLimit: 64 })
        .catch((e: Record<string, unknown>) => (one = { code: e.code, message: e.message }));
      let bad = '';
      await w.bf.influence(data, { workers: 0 }).catch((e: { code: string; message: string }) => (bad = `${e.code} ${e.message}`));
      return {
        workers: fig6.workers,
        hasFrob: fig6.frobenius !== null,
        sameFrob: JSON.stringify(fig6.frobenius) === JSON.stringify(fig6one.frobenius),
        err,
        one,
        bad,
      };
    });
    expect(got.workers).toBe(4);
    expect(got.hasFrob).toBe(true);
    expect(got.sameFrob).toBe(true);
    // The same refusal (of the first class each path starts: the largest in workers, class 0 in one thread).
    expect(got.err.code).toBeTruthy();
    expect(got.err.code).toBe(got.one.code);
    const shape = (m: unknown) => String(m).replace(/\d+/g, '#');
    expect(shape(got.err.message)).toBe(shape(got.one.message));
    expect(got.bad).toMatch(/^E_INVALID workers: got 0/);
  });
});
