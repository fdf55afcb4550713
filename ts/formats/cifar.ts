/**
 * CIFAR-10 binary batches (`data_batch_1.bin` ... `data_batch_5.bin`, `test_batch.bin` from
 * cifar-10-binary.tar.gz): records of 1 label byte (0-9) and 3072 pixel bytes, the 32 x 32 red,
 * green and blue planes one after another. Works on bytes (Node and browsers); a truncated or
 * corrupt batch is an E_FORMAT error naming the file and what was expected.
 */
import { BenignfitError } from '../errors.js';
import { maybeGunzip, toBytes, type BytesSource } from './bytes.js';
import type { ImageSet } from './idx.js';

export const CIFAR10_RECORD = 3073;
export const CIFAR10_PIXELS = 3072;
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR10_TEST_FILES = ['test_batch.bin'];

export interface CifarBatch {
  /** Records in the file (10000 for the real batches). */
  n: number;
  /** n x 3072 bytes, per image R plane, G plane, B plane (32 x 32 each, row-major). */
  pixels: Uint8Array;
  labels: Uint8Array;
}

/** Parse one CIFAR-10 binary batch. `name` appears in error messages. */
export function parseCifarBatch(input: Uint8Array, name = 'CIFAR-10 batch'): CifarBatch {
  const bytes = maybeGunzip(input, name);
  const bad = (what: string) => new BenignfitError('E_FORMAT', `${name}: ${what}`);
  if (bytes.length === 0) throw bad(`empty, expected records of ${CIFAR10_RECORD} bytes (1 label byte + 3072 pixel bytes)`);
  if (bytes.length % CIFAR10_RECORD !== 0) {
    const whole = Math.floor(bytes.length / CIFAR10_RECORD);
    const cifar100 = bytes.length % 3074 === 0 ? ' (the length fits CIFAR-100 records of 3074 bytes: only CIFAR-10 is supported)' : '';
    throw bad(
      `${bytes.length} bytes is not a whole number of ${CIFAR10_RECORD}-byte records (1 label byte + 3072 pixel bytes): record ${whole} is truncated after ${bytes.length - whole * CIFAR10_RECORD} bytes${cifar100}`,
    );
  }
  const n = bytes.length / CIFAR10_RECORD;
  const labels = new Uint8Array(n);
  const pixels = new Uint8Array(n * CIFAR10_PIXELS);
  for (let i = 0; i < n; i++) {
    const o = i * CIFAR10_RECORD;
    const l = bytes[o];
    if (l > 9) throw bad(`record ${i} (byte offset ${o}) has label ${l}, expected 0 to 9 (corrupt file, or not a CIFAR-10 batch)`);
    labels[i] = l;
    pixels.set(bytes.subarray(o + 1, o + CIFAR10_RECORD), i * CIFAR10_PIXELS);
  }
  return { n, pixels, labels };
}

/** Several batches (in the given order) as one image set. */
export function imagesFromCifar(batches: CifarBatch[], sources: string[], classNames: string[] = CIFAR10_CLASSES): ImageSet {
  const n = batches.reduce((a, b) => a + b.n, 0);
  const pixels = new Uint8Array(n * CIFAR10_PIXELS);
  const labels = new Uint8Array(n);
  let at = 0;
  for (const b of batches) {
    pixels.set(b.pixels, at * CIFAR10_PIXELS);
    labels.set(b.labels, at);
    at += b.n;
  }
  return { n, height: 32, width: 32, channels: 3, layout: 'chw', pixels, labels, classes: 10, classNames, sources };
}

/** Parse batches from bytes, ArrayBuffers, browser `File`s or `Response`s. */
export async function loadCifar(sources: BytesSource[], names?: string[]): Promise<ImageSet> {
  const batches: CifarBatch[] = [];
  const used: string[] = [];
  for (let i = 0; i < sources.length; i++) {
    const { bytes, name } = await toBytes(sources[i], names?.[i] ?? `CIFAR-10 batch ${i + 1}`);
    batches.push(parseCifarBatch(bytes, name));
    used.push(name);
  }
  return imagesFromCifar(batches, used);
}

/** `batches.meta.txt`: one class name a line (blank lines ignored). */
export function parseCifarMeta(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
}
