/** PNG encoding of raw pixel grids (fast-png: pure JavaScript, Node and browsers). */
import { encode } from 'fast-png';

/** Encode width x height pixels with 1 (grey), 3 (RGB) or 4 (RGBA) interleaved byte channels. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 | 4): Uint8Array {
  if (pixels.length !== width * height * channels) {
    throw new Error(`encodePng: ${pixels.length} bytes, expected width x height x channels = ${width} x ${height} x ${channels}`);
  }
  return encode({ width, height, data: pixels, channels, depth: 8 });
}

/** Nearest-neighbour upscaling by an integer factor (crisp pixels for small images). */
export function upscale(pixels: Uint8Array, width: number, height: number, channels: number, k: number): Uint8Array {
  const out = new Uint8Array(width * k * height * k * channels);
  for (let y = 0; y < height * k; y++) {
    const sy = Math.floor(y / k);
    for (let x = 0; x < width * k; x++) {
      const s = (sy * width + Math.floor(x / k)) * channels;
      const o = (y * width * k + x) * channels;
      for (let c = 0; c < channels; c++) out[o + c] = pixels[s + c];
    }
  }
  return out;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from a PNG's IHDR, or null when the bytes are not a PNG. */
export function pngSize(b: Uint8Array): { width: number; height: number } | null {
  if (b.length < 24 || PNG_SIGNATURE.some((v, i) => b[i] !== v)) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (String.fromCharCode(b[12], b[13], b[14], b[15]) !== 'IHDR') return null;
  return { width: dv.getUint32(16, false), height: dv.getUint32(20, false) };
}

/** Base64 (for data: URLs), without Node's Buffer. */
export function base64(bytes: Uint8Array): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a, b, c] = [bytes[i], bytes[i + 1], bytes[i + 2]];
    const t = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    s += A[(t >> 18) & 63] + A[(t >> 12) & 63] + (i + 1 < bytes.length ? A[(t >> 6) & 63] : '=') + (i + 2 < bytes.length ? A[t & 63] : '=');
  }
  return s;
}
