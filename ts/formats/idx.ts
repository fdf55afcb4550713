/**
 * IDX files (MNIST, Fashion-MNIST): magic 0x0000 <type> <ndim>, big-endian u32 dimensions, data,
 * raw or gzip-compressed (`train-images-idx3-ubyte.gz` as distributed).
 * Works on bytes, so it runs in Node and in browsers. Every inconsistency is an E_FORMAT error that
 * names the file and what was expected.
 */
import { BenignfitError } from '../errors.js';
import { maybeGunzip, toBytes, type BytesSource } from './bytes.js';

export interface IdxArray {
  /** Dimensions, e.g. [60000, 28, 28] for images, [60000] for labels. */
  shape: number[];
  /** The values (ubyte files; other IDX types are converted to Float64Array). */
  data: Uint8Array | Float64Array;
}

const TYPES: Record<number, [string, number]> = {
  0x08: ['ubyte', 1],
  0x09: ['byte', 1],
  0x0b: ['short', 2],
  0x0c: ['int', 4],
  0x0d: ['float', 4],
  0x0e: ['double', 8],
};

/** Parse one IDX file. `name` (a path or file name) appears in error messages. */
export function parseIdx(input: Uint8Array, name = 'IDX file'): IdxArray {
  const bytes = maybeGunzip(input, name);
  const bad = (what: string) => new BenignfitError('E_FORMAT', `${name}: ${what}`);
  if (bytes.length < 4) throw bad(`truncated: ${bytes.length} bytes, expected at least a 4-byte IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw bad(
      `not an IDX file (magic number starts with 0x${bytes[0].toString(16).padStart(2, '0')}${bytes[1].toString(16).padStart(2, '0')}, expected 0x0000)`,
    );
  }
  const type = TYPES[bytes[2]];
  if (!type) throw bad(`unknown IDX data type 0x${bytes[2].toString(16)} (expected one of 0x08, 0x09, 0x0b-0x0e)`);
  const ndim = bytes[3];
  if (ndim < 1 || ndim > 8) throw bad(`${ndim} dimensions, expected 1 to 8`);
  const head = 4 + 4 * ndim;
  if (bytes.length < head) throw bad(`truncated header: ${bytes.length} bytes, expected ${head}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(dv.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const [tname, size] = type;
  const need = head + count * size;
  if (bytes.length !== need) {
    throw bad(`${bytes.length < need ? 'truncated' : 'too long'}: shape [${shape.join(', ')}] of ${tname} needs ${need} bytes, the file has ${bytes.length}`);
  }
  if (tname === 'ubyte') return { shape, data: bytes.slice(head, need) };
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const o = head + i * size;
    out[i] =
      tname === 'byte'
        ? dv.getInt8(o)
        : tname === 'short'
          ? dv.getInt16(o, false)
          : tname === 'int'
            ? dv.getInt32(o, false)
            : tname === 'float'
              ? dv.getFloat32(o, false)
              : dv.getFloat64(o, false);
  }
  return { shape, data: out };
}

/** Parse an IDX file from bytes, an ArrayBuffer, a browser `File`/`Blob` or a `Response`. */
export async function loadIdx(source: BytesSource, name?: string): Promise<IdxArray> {
  const { bytes, name: n } = await toBytes(source, name ?? 'IDX file');
  return parseIdx(bytes, n);
}

/** A labelled image set (MNIST-like or CIFAR-like), pixels as bytes, row-major n x d. */
export interface ImageSet {
  n: number;
  height: number;
  width: number;
  /** 1 (grey) or 3 (colour). */
  channels: number;
  /** 'hwc' (pixels interleaved) or 'chw' (CIFAR's R, G, B planes). */
  layout: 'hwc' | 'chw';
  /** n x (height * width * channels) bytes. */
  pixels: Uint8Array;
  labels: Uint8Array;
  /** Number of classes (max label + 1, or the format's fixed count). */
  classes: number;
  classNames: string[] | null;
  /** The files it came from. */
  sources: string[];
}

/** An image file and a label file (IDX) as one image set; their counts must agree. */
export function imagesFromIdx(images: IdxArray, labels: IdxArray, imagesName = 'images file', labelsName = 'labels file'): ImageSet {
  const bad = (name: string, what: string) => new BenignfitError('E_FORMAT', `${name}: ${what}`);
  if (images.shape.length !== 3 && images.shape.length !== 2) {
    throw bad(imagesName, `shape [${images.shape.join(', ')}], expected images [n, rows, cols] (or [n, pixels])`);
  }
  if (!(images.data instanceof Uint8Array)) throw bad(imagesName, 'not unsigned bytes (IDX type 0x08), expected an image file');
  if (labels.shape.length !== 1) throw bad(labelsName, `shape [${labels.shape.join(', ')}], expected labels [n] (one dimension)`);
  if (!(labels.data instanceof Uint8Array)) throw bad(labelsName, 'not unsigned bytes (IDX type 0x08), expected a label file');
  const n = images.shape[0];
  if (labels.shape[0] !== n) {
    throw new BenignfitError('E_FORMAT', `${labelsName}: ${labels.shape[0]} labels, but ${imagesName} has ${n} images (expected the same count)`);
  }
  if (n === 0) throw bad(imagesName, '0 images, expected at least one');
  let max = 0;
  for (const l of labels.data) if (l > max) max = l;
  const [h, w] = images.shape.length === 3 ? [images.shape[1], images.shape[2]] : [1, images.shape[1]];
  return {
    n,
    height: h,
    width: w,
    channels: 1,
    layout: 'hwc',
    pixels: images.data,
    labels: labels.data,
    classes: max + 1,
    classNames: null,
    sources: [imagesName, labelsName],
  };
}
