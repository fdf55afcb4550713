/**
 * Fuzzing as a habit: seeded property tests over every reader (scripts/fuzz-cases.mjs) on both
 * backends, a few hundred mutated inputs each: the reader and the backend it feeds either accept
 * the input or throw a BenignfitError; never another error, never an E_PANIC (a wasm trap). The
 * long run is `npm run fuzz` (scripts/fuzz.mjs, >= 10,000 cases per reader and backend); the
 * counts it measured are in docs/reliability.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySets, readConfig } from '../ts/cli/common.js';
import { optionsFromTrain, readRunFolder } from '../ts/cli/theory.js';
import {
  BenignfitError,
  decodeNpy,
  encodeNpy,
  imageFolderFromFiles,
  imagesFromCifar,
  imagesFromIdx,
  npyData,
  parseCifarBatch,
  parseIdx,
  parseLabels,
  parseTable,
  type Benignfit,
} from '../ts/index.node.js';
import { cells, resolveSweep } from '../ts/sweep/spec.js';
import { readResults, SweepStore, type SweepMeta } from '../ts/sweep/store.js';
import { BACKEND_READERS, classify, makeReaders, READERS, WASM_USIZE } from '../scripts/fuzz-cases.mjs';
import { backend, BACKENDS } from './helpers.js';

const lib = {
  BenignfitError,
  decodeNpy,
  encodeNpy,
  imagesFromCifar,
  imagesFromIdx,
  parseCifarBatch,
  parseIdx,
  npyData,
  parseLabels,
  imageFolderFromFiles,
  parseTable,
  readConfig,
  applySets,
  readResults,
  SweepStore,
  resolveSweep,
  sweepCells: cells,
  readRunFolder,
  optionsFromTrain,
};

/** Cases per reader and backend in `npm test` (BENIGNFIT_FUZZ_RUNS to change). */
const RUNS: Record<string, number> = {
  npy: 300,
  npytrain: 300,
  runfolder: 200,
  idx: 300,
  cifar: 150,
  npydata: 300,
  images: 200,
  table: 300,
  results: 200,
  config: 400,
  set: 400,
};
const scale = Number(process.env.BENIGNFIT_FUZZ_RUNS ?? 0);
const SEED = 20261130;

/** Each case's outcome per reader and backend ("ok", "clean E_FORMAT", ...), to compare the backends. */
const outcomes: Record<string, Record<string, string[]>> = {};
const messages: Record<string, Record<string, (string | undefined)[]>> = {};

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
      const known: Record<string, number> = {};
      const seen: string[] = [];
      const said: (string | undefined)[] = [];
      outcomes[reader] ??= {};
      outcomes[reader][name] = seen;
      messages[reader] ??= {};
      messages[reader][name] = said;
      let id = 0;
      await fc.assert(
        fc.asyncProperty(r.arb as fc.Arbitrary<never>, async (input) => {
          const out = await classify(lib, bf, () => r.run(bf, input, id++));
          counts[out.cls] = (counts[out.cls] ?? 0) + 1;
          said.push(out.message ?? out.detail);
          seen.push(`${out.cls}${out.code ? ` ${out.code}` : ''}${(out.message && WASM_USIZE.test(out.message)) || out.known ? ' (known)' : ''}`);
          if (out.known) {
            known[out.known] = (known[out.known] ?? 0) + 1;
            return;
          }
          if (out.cls !== 'ok' && out.cls !== 'clean') throw new Error(`${reader} on ${name}: ${out.cls}: ${out.detail}`);
        }),
        { seed: SEED, numRuns: scale || RUNS[reader], endOnFailure: true },
      );
      for (const [bug, n] of Object.entries(known))
        console.warn(`fuzz ${reader} on ${name}: ${n} cases of a known open bug (scripts/fuzz-cases.mjs KNOWN_OPEN): ${bug}`);
      // The mutations reach past the first check: some inputs are still accepted.
      expect(counts.ok).toBeGreaterThan(0);
      expect(counts.clean).toBeGreaterThan(0);
    });
  }
});

describe.skipIf(BACKENDS.length < 2)('the backends agree', () => {
  for (const reader of READERS.filter((r) => BACKEND_READERS.has(r))) {
    it(`${reader}: the same outcome (accepted, or the same error code) case by case`, () => {
      const [a, b] = BACKENDS.map((n) => outcomes[reader]?.[n]);
      expect(a?.length, 'the fuzz cases ran on both backends').toBeGreaterThan(0);
      expect(b?.length).toBe(a.length);
      // Known core bug (reported, crates/** is not this file's to fix): integers above 2^32 - 1 in
      // usize fields (train.steps 4294967296, train.batchSize 1e12, data.perClass 1e15) are
      // refused on wasm32 as "invalid value: integer ..., expected usize" or "did not match any
      // variant of untagged enum OneOrMany", without the field's name, while native accepts them
      // or says E_TOO_LARGE. Those cases, and those of KNOWN_OPEN, are left out here; every other
      // case agrees.
      const known = a.map((o, i) => o.endsWith('(known)') || b![i].endsWith('(known)'));
      const differ = a
        .map((o, i) =>
          known[i] || o === b![i]
            ? null
            : `case ${i}: ${BACKENDS[0]} ${o} (${messages[reader][BACKENDS[0]][i]}), ${BACKENDS[1]} ${b![i]} (${messages[reader][BACKENDS[1]][i]})`,
        )
        .filter(Boolean);
      expect(differ).toEqual([]);
    });
  }
});

describe('results.jsonl rows the table cannot show (found by the fuzzer)', () => {
  it('a row without seconds, or with longTailed [null] / snr null, is set aside by line number, not a TypeError', async () => {
    await backend(BACKENDS[0]);
    const config = {
      data: { classes: 3, dim: 24, perClass: 4, testPerClass: 4 },
      train: { steps: 3, width: 4 },
      sweep: { x: { param: 'data.gamma', values: [1, 2] } },
    };
    const resolved = resolveSweep(config);
    const all = cells(resolved);
    const meta: SweepMeta = { config, cells: all.length, shard: null, backend: 'test', versions: {}, created: 'now' };
    const row = (i: number) => ({
      index: i,
      xi: all[i].xi,
      yi: all[i].yi,
      seed: 0,
      x: all[i].x,
      y: null,
      testAcc: 0.5,
      trainAcc: 1,
      trainLoss: 0.1,
      testAccPerClass: [0.5, 0.5, 0.5],
      longTailed: [],
      snr: [1, 1, 1],
      gamma: [
        [null, 1, 1],
        [1, null, 1],
        [1, 1, null],
      ],
      gammaMin: [1, 1, 1],
      testCountPerClass: [4, 4, 4],
      steps: 3,
      seconds: 0.01,
      backend: 'test',
    });
    for (const [what, bad] of [
      [
        'seconds missing',
        (() => {
          const r: Record<string, unknown> = row(0);
          delete r.seconds;
          return r;
        })(),
      ],
      ['longTailed [null]', { ...row(0), longTailed: [null] }],
      ['snr null', { ...row(0), snr: null }],
    ] as const) {
      const dir = join(tmp, `row-${what.replace(/\W/g, '')}`);
      const s0 = SweepStore.open(dir, resolved, meta, all, { note: () => undefined });
      s0.close();
      writeFileSync(join(dir, 'results.jsonl'), `${JSON.stringify(bad)}\n${JSON.stringify(row(1))}\n`);
      expect(
        readResults(join(dir, 'results.jsonl')).bad.map((b) => b.line),
        what,
      ).toEqual([1]);
      const notes: string[] = [];
      const s = SweepStore.open(dir, resolved, meta, all, { note: (m) => notes.push(m) });
      expect(
        s.rows().map((r) => r.index),
        what,
      ).toEqual([1]);
      expect(notes.join('\n')).toMatch(/results\.jsonl line 1 is not a result row/);
      s.close();
    }
  });
});

describe("sweep.json that is JSON but not a sweep's meta file (found by the fuzzer)", () => {
  it('is refused by name with E_FORMAT, not a TypeError', async () => {
    await backend(BACKENDS[0]);
    const config = {
      data: { classes: 3, dim: 24, perClass: 4, testPerClass: 4 },
      train: { steps: 3, width: 4 },
      sweep: { x: { param: 'data.gamma', values: [1, 2] } },
    };
    const resolved = resolveSweep(config);
    const all = cells(resolved);
    const meta: SweepMeta = { config, cells: all.length, shard: null, backend: 'test', versions: {}, created: 'now' };
    const dir = join(tmp, 'meta');
    SweepStore.open(dir, resolved, meta, all, { note: () => undefined }).close();
    const good = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'));
    for (const bad of [{ ...good, config: null }, { ...good, configHash: 5 }, [good], null, 'sweep']) {
      writeFileSync(join(dir, 'sweep.json'), JSON.stringify(bad));
      let err: unknown;
      try {
        SweepStore.open(dir, resolved, meta, all, { note: () => undefined }).close();
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(bad).slice(0, 60)).toBeInstanceOf(BenignfitError);
      expect((err as BenignfitError).code).toBe('E_FORMAT');
      expect((err as Error).message).toMatch(/sweep\.json is not the meta file of a sweep/);
    }
  });
});

describe('config files', () => {
  it('a UTF-8 byte order mark before the JSON is accepted (issue 16 item 18: it was refused as not JSON)', () => {
    const f = join(tmp, 'bom.json');
    writeFileSync(f, `\ufeff${JSON.stringify({ data: { classes: 3 } })}`);
    expect(readConfig(f, ['data'])).toEqual({ data: { classes: 3 } });
    // Only at the start: anywhere else it is still not JSON.
    writeFileSync(f, '{"data":\ufeff{}}');
    expect(() => readConfig(f, ['data'])).toThrow(/--config: .* is not valid JSON/);
  });
});
