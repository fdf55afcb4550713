/**
 * Fuzzing as a habit: seeded property tests over every reader (scripts/fuzz-cases.mjs) on both
 * backends, a few hundred mutated inputs each: the reader and the backend it feeds either accept
 * the input or throw a BenignfitError; never another error, never an E_PANIC (a wasm trap). The
 * long run is `npm run fuzz` (scripts/fuzz.mjs, >= 10,000 cases per reader and backend); the
 * counts it measured are in docs/reliability.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySets, readConfig } from '../ts/cli/common.js';
import { BenignfitError, decodeNpy, encodeNpy, imagesFromCifar, imagesFromIdx, parseCifarBatch, parseIdx, type Benignfit } from '../ts/index.node.js';
import { cells, resolveSweep } from '../ts/sweep/spec.js';
import { readResults, SweepStore, type SweepMeta } from '../ts/sweep/store.js';
import { BACKEND_READERS, classify, makeReaders, READERS } from '../scripts/fuzz-cases.mjs';
import { backend, BACKENDS } from './helpers.js';

const lib = { BenignfitError, decodeNpy, encodeNpy, imagesFromCifar, imagesFromIdx, parseCifarBatch, parseIdx, readConfig, applySets, readResults, SweepStore, resolveSweep, sweepCells: cells };

/** Cases per reader and backend in `npm test` (BENIGNFIT_FUZZ_RUNS to change). */
const RUNS: Record<string, number> = { npy: 300, idx: 300, cifar: 150, results: 200, config: 400, set: 400 };
const scale = Number(process.env.BENIGNFIT_FUZZ_RUNS ?? 0);
const SEED = 20261130;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bf-fuzz-test-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(BACKENDS)('fuzz (%s)', (name) => {
  let bf: Benignfit;
  beforeAll(async () => {
    bf = await backend(name);
  });

  for (const reader of READERS) {
    // Readers that reach no backend (results.jsonl) run once, with the first backend.
    const skip = !BACKEND_READERS.has(reader) && name !== BACKENDS[0];
    it.skipIf(skip)(`${reader}: every mutated input is accepted or a BenignfitError`, async () => {
      const readers = makeReaders(lib, join(tmp, `${reader}-${name}`));
      const r = readers[reader as keyof typeof readers];
      const counts: Record<string, number> = { ok: 0, clean: 0 };
      let id = 0;
      await fc.assert(
        fc.asyncProperty(r.arb as fc.Arbitrary<never>, async (input) => {
          const out = await classify(lib, bf, () => r.run(bf, input, id++));
          counts[out.cls] = (counts[out.cls] ?? 0) + 1;
          if (out.cls !== 'ok' && out.cls !== 'clean') throw new Error(`${reader} on ${name}: ${out.cls}: ${out.detail}`);
        }),
        { seed: SEED, numRuns: scale || RUNS[reader], endOnFailure: true },
      );
      // The mutations reach past the first check: some inputs are still accepted.
      expect(counts.ok).toBeGreaterThan(0);
      expect(counts.clean).toBeGreaterThan(0);
    });
  }
});

describe('results.jsonl rows the table cannot show (found by the fuzzer)', () => {
  it('a row without seconds, or with longTailed [null] / snr null, is set aside by line number, not a TypeError', async () => {
    await backend(BACKENDS[0]);
    const config = { data: { classes: 3, dim: 24, perClass: 4, testPerClass: 4 }, train: { steps: 3, width: 4 }, sweep: { x: { param: 'data.gamma', values: [1, 2] } } };
    const resolved = resolveSweep(config);
    const all = cells(resolved);
    const meta: SweepMeta = { config, cells: all.length, shard: null, backend: 'test', versions: {}, created: 'now' };
    const row = (i: number) => ({ index: i, xi: all[i].xi, yi: all[i].yi, seed: 0, x: all[i].x, y: null, testAcc: 0.5, trainAcc: 1, trainLoss: 0.1, testAccPerClass: [0.5, 0.5, 0.5], longTailed: [], snr: [1, 1, 1], gamma: [[null, 1, 1], [1, null, 1], [1, 1, null]], gammaMin: [1, 1, 1], testCountPerClass: [4, 4, 4], steps: 3, seconds: 0.01, backend: 'test' });
    for (const [what, bad] of [
      ['seconds missing', (() => { const r: Record<string, unknown> = row(0); delete r.seconds; return r; })()],
      ['longTailed [null]', { ...row(0), longTailed: [null] }],
      ['snr null', { ...row(0), snr: null }],
    ] as const) {
      const dir = join(tmp, `row-${what.replace(/\W/g, '')}`);
      const s0 = SweepStore.open(dir, resolved, meta, all, { note: () => undefined });
      s0.close();
      writeFileSync(join(dir, 'results.jsonl'), JSON.stringify(bad) + '\n' + JSON.stringify(row(1)) + '\n');
      expect(readResults(join(dir, 'results.jsonl')).bad.map((b) => b.line), what).toEqual([1]);
      const notes: string[] = [];
      const s = SweepStore.open(dir, resolved, meta, all, { note: (m) => notes.push(m) });
      expect(s.rows().map((r) => r.index), what).toEqual([1]);
      expect(notes.join('\n')).toMatch(/results\.jsonl line 1 is not a result row/);
      s.close();
    }
  });
});

describe('config files', () => {
  it('a UTF-8 byte order mark before the JSON is accepted (issue 16 item 18: it was refused as not JSON)', () => {
    const f = join(tmp, 'bom.json');
    writeFileSync(f, '\ufeff' + JSON.stringify({ data: { classes: 3 } }));
    expect(readConfig(f, ['data'])).toEqual({ data: { classes: 3 } });
    // Only at the start: anywhere else it is still not JSON.
    writeFileSync(f, '{"data":\ufeff{}}');
    expect(() => readConfig(f, ['data'])).toThrow(/--config: .* is not valid JSON/);
  });
});
