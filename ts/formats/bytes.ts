/**
 * Bytes from anywhere a browser or Node program has them, and gzip detection. No node: imports.
 */
import { gunzipSync } from 'fflate';
import { BenignfitError } from '../errors.js';

/** Bytes, an ArrayBuffer, a `Blob`/`File`, or a fetch `Response`. */
export type BytesSource = Uint8Array | ArrayBuffer | ArrayBufferView | { arrayBuffer(): Promise<ArrayBuffer>; name?: string };

export async function toBytes(source: BytesSource, fallbackName: string): Promise<{ bytes: Uint8Array; name: string }> {
  if (source instanceof Uint8Array) return { bytes: source, name: fallbackName };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), name: fallbackName };
  if (ArrayBuffer.isView(source)) return { bytes: new Uint8Array(source.buffer, source.byteOffset, source.byteLength), name: fallbackName };
  if (source && typeof (source as { arrayBuffer?: unknown }).arrayBuffer === 'function') {
    const s = source as { arrayBuffer(): Promise<ArrayBuffer>; name?: string; url?: string };
    const name = typeof s.name === 'string' && s.name ? s.name : typeof s.url === 'string' && s.url ? s.url : fallbackName;
    try {
      return { bytes: new Uint8Array(await s.arrayBuffer()), name };
    } catch (e) {
      throw new BenignfitError('E_IO', `${name}: cannot read: ${(e as Error).message}`, { cause: e });
    }
  }
  throw new BenignfitError('E_INVALID', `${fallbackName}: got ${typeof source}, expected bytes (Uint8Array, ArrayBuffer), a File/Blob or a Response`, {
    field: 'source',
  });
}

/** Largest decompressed file accepted (bytes): far above any MNIST/CIFAR file. */
export const MAX_GUNZIP_BYTES = 1 << 30;

/** Gunzip when the bytes start with the gzip magic 1f 8b; corrupt gzip is an E_FORMAT error. */
export function maybeGunzip(bytes: Uint8Array, name: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const bad = (what: string) => new BenignfitError('E_FORMAT', `${name}: ${what}`);
  if (bytes.length < 18) throw bad(`truncated gzip: ${bytes.length} bytes, expected at least 18 (header and trailer)`);
  const l = bytes.length;
  // ISIZE: the uncompressed length mod 2^32, in the last 4 bytes (fflate sizes its output by it).
  const isize = (bytes[l - 4] | (bytes[l - 3] << 8) | (bytes[l - 2] << 16) | (bytes[l - 1] << 24)) >>> 0;
  if (isize > MAX_GUNZIP_BYTES) throw bad(`gzip trailer announces ${isize} bytes, expected at most ${MAX_GUNZIP_BYTES} (corrupt or not a dataset file)`);
  let out: Uint8Array;
  try {
    out = gunzipSync(bytes);
  } catch (e) {
    throw new BenignfitError('E_FORMAT', `${name}: corrupt gzip data (${(e as Error).message})`, { cause: e });
  }
  if (out.length !== isize) throw bad(`corrupt or truncated gzip: ${out.length} bytes decompressed, the trailer announces ${isize}`);
  return out;
}
