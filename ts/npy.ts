/**
 * NumPy .npy files (format 1.0/2.0/3.0, little-endian, C order): what every array benignfit writes
 * is in, so `numpy.load` reads it. Works on bytes, so it runs in Node and browsers alike.
 */
import { BenignfitError } from './errors.js';

export type NpyArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint32Array | BigInt64Array;

const DESCR: [string, new (n: number) => NpyArray, number][] = [
  ['<f4', Float32Array, 4],
  ['<f8', Float64Array, 8],
  ['<i4', Int32Array, 4],
  ['|u1', Uint8Array, 1],
  ['<u4', Uint32Array, 4],
  ['<i8', BigInt64Array, 8],
];

function descrOf(a: NpyArray): string {
  if (a instanceof Float32Array) return '<f4';
  if (a instanceof Float64Array) return '<f8';
  if (a instanceof Int32Array) return '<i4';
  if (a instanceof Uint8Array) return '|u1';
  if (a instanceof Uint32Array) return '<u4';
  return '<i8';
}

/** Encode an array with a shape as .npy bytes. */
export function encodeNpy(data: NpyArray, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new BenignfitError('E_SHAPE', `npy: shape [${shape.join(', ')}] holds ${count} values but the array has ${data.length}`);
  }
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const pre = 10;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = `${header.padEnd(total - pre - 1, ' ')}\n`;
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

/** What a .npy header says: the dtype, the shape and where the data starts (no data read). */
export interface NpyHeader {
  descr: string;
  shape: number[];
  /** Byte offset of the first value. */
  offset: number;
  /** Bytes per value (0 for a dtype this reader does not know). */
  itemSize: number;
  /** Values the shape holds. */
  count: number;
}

/** Bytes per value of the dtypes a header may name (known or not to decodeNpy), by descr. */
const ITEM_SIZES: Record<string, number> = {
  '|u1': 1,
  '|i1': 1,
  '|b1': 1,
  '<u2': 2,
  '<i2': 2,
  '<f2': 2,
  '<u4': 4,
  '<i4': 4,
  '<f4': 4,
  '<u8': 8,
  '<i8': 8,
  '<f8': 8,
};

/**
 * Parse the header of a .npy file from its first bytes (at least 12, and the whole header for a
 * complete answer): the sizes of what the file holds are known before its data is read. `name`
 * is used in error messages.
 */
export function parseNpyHeader(bytes: Uint8Array, name = 'npy'): NpyHeader {
  const bad = (what: string) => new BenignfitError('E_FORMAT', `${name}: ${what}`);
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') {
    throw bad('not a .npy file (magic string \\x93NUMPY missing)');
  }
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hlen: number;
  let start: number;
  if (major === 1) {
    hlen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad('truncated header');
    hlen = dv.getUint32(8, true);
    start = 12;
  } else throw bad(`unsupported format version ${major}`);
  if (start + hlen > bytes.length) throw bad('truncated header');
  const header = new TextDecoder().decode(bytes.subarray(start, start + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeM = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeM === undefined) throw bad('malformed header');
  if (fortran === 'True') throw bad('Fortran-ordered arrays are not supported (save with C order)');
  const shape = shapeM
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((v) => !Number.isSafeInteger(v) || v < 0)) throw bad(`bad shape (${shapeM})`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count)) throw bad(`shape [${shape.join(', ')}] holds more than 2^53 values`);
  // '=' and '<' mean little-endian on the machines numpy runs on; '|' is for one-byte types.
  const norm = descr
    .replace(/^=/, '<')
    .replace(/^<([ub]1)$/, '|$1')
    .replace(/^<(i1)$/, '|$1');
  return { descr: norm, shape, offset: start + hlen, itemSize: ITEM_SIZES[norm] ?? 0, count };
}

/** Decode .npy bytes. `name` is used in error messages. */
export function decodeNpy(bytes: Uint8Array, name = 'npy'): { data: NpyArray; shape: number[] } {
  const bad = (what: string) => new BenignfitError('E_FORMAT', `${name}: ${what}`);
  const { descr, shape, offset: off, count } = parseNpyHeader(bytes, name);
  const entry = DESCR.find((e) => e[0] === descr);
  if (!entry) throw bad(`dtype ${descr} is not supported (use float32, float64, int32, uint8, uint32 or int64)`);
  const [, Ctor, size] = entry;
  if (bytes.length - off !== count * size) {
    throw bad(`expected ${count * size} bytes of data for shape [${shape.join(', ')}] (${descr}), found ${bytes.length - off}`);
  }
  const data = new Ctor(count);
  new Uint8Array(data.buffer).set(bytes.subarray(off, off + count * size));
  return { data, shape };
}
