/**
 * Anyone's data for the influence scores (eq. 10), from bytes, so Node and browsers share it:
 * `.npy` arrays of images or feature vectors (N x D, N x H x W, N x H x W x C; uint8, float32 or
 * float64) with labels as `.npy` or a one-column CSV, folders of PNG/JPEG images with one
 * subfolder per class (decoded by fast-png and jpeg-js), and CSV tables of features with a label
 * column. Node's path readers are in ./node.ts.
 *
 * Sizes are computed from headers (or file sizes) and refused with E_TOO_LARGE before anything
 * is allocated; every malformed file gets an E_FORMAT error naming the file and what is wrong.
 * uint8 values are pixels (the core scales them to [0, 1]); floats are taken as given.
 */
import { convertIndexedToRgb, decode as decodePng, hasPngSignature } from 'fast-png';
import jpeg from 'jpeg-js';
import { BenignfitError } from '../errors.js';
import { parseNpyHeader, type NpyHeader } from '../npy.js';
import type { ImageSet } from './idx.js';

/** How the rows of a data set are laid out as images (for the Figure 5 grids). */
export interface ImageGeometry {
  height: number;
  width: number;
  channels: number;
  layout: 'hwc' | 'chw';
}

/**
 * A labelled data set: n rows of `dim` values (images or feature vectors), one label each. It is
 * an `InfluenceData`, so `bf.influence(set)` scores it as it is.
 */
export interface DataSet {
  n: number;
  dim: number;
  /** n x dim, row-major: bytes (pixels, scaled to [0, 1] by the core) or floats (taken as given). */
  pixels: Uint8Array | Float32Array;
  labels: Int32Array;
  /** Largest label + 1 (or the number of class folders / names). */
  classes: number;
  classNames: string[] | null;
  /** The rows as images, or null for feature vectors. */
  image: ImageGeometry | null;
  /** The files it came from. */
  sources: string[];
  format: 'idx' | 'cifar' | 'npy' | 'folder' | 'csv';
  /** Per row, the file it came from (image folders). */
  files?: string[];
  /** Files of an image folder that were not read (not PNG or JPEG). */
  skipped?: string[];
}

/** Options of every reader. */
export interface ReadOptions {
  /**
   * Bytes the data may take in memory (the influence config's `memoryLimit`; default 8 GiB, the
   * core's default). Larger inputs are refused with E_TOO_LARGE before allocating.
   */
  memoryLimit?: number;
  /** The argument or flag named in errors (e.g. "--images"). */
  field?: string;
}

/** The core's default memory limit (crates/core/src/error.rs DEFAULT_MEMORY_LIMIT): 8 GiB. */
export const DEFAULT_MEMORY_LIMIT = 8 * 2 ** 30;
/** The longest typed array a JavaScript engine makes (and the core's u32 row indices). */
const MAX_ELEMENTS = 2 ** 32 - 1;

export function formatBytes(b: number): string {
  const u = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) {
    b /= 1024;
    i++;
  }
  return i === 0 ? `${b} bytes` : `${b.toFixed(1)} ${u[i]}`;
}

/** Refuse `elements` values of `size` bytes each when they exceed the limit (nothing allocated yet). */
export function checkSize(name: string, what: string, elements: number, size: number, o: ReadOptions = {}): void {
  const limit = o.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  const bytes = elements * size;
  if (bytes > limit || elements > MAX_ELEMENTS) {
    const why =
      bytes > limit
        ? `more than the memory limit of ${formatBytes(limit)} (raise influence.memoryLimit, e.g. --memory-limit ${Math.ceil(bytes)})`
        : `more than ${MAX_ELEMENTS} values, the most one array can hold`;
    throw new BenignfitError('E_TOO_LARGE', `${name}: ${what} need ${formatBytes(bytes)} (${elements} values), ${why}`, {
      field: o.field,
      got: `${bytes} bytes`,
      expected: `at most ${limit} bytes`,
    });
  }
}

function formatError(name: string, what: string, o: ReadOptions): BenignfitError {
  return new BenignfitError('E_FORMAT', `${name}: ${what}`, { field: o.field });
}

/** The image geometry an array shape implies (N x H x W, N x H x W x C, N x C x H x W), or null. */
function geometryOf(shape: number[]): ImageGeometry | null {
  if (shape.length === 3) return { height: shape[1], width: shape[2], channels: 1, layout: 'hwc' };
  if (shape.length === 4) {
    if ([1, 3].includes(shape[3])) return { height: shape[1], width: shape[2], channels: shape[3], layout: 'hwc' };
    if ([1, 3].includes(shape[1])) return { height: shape[2], width: shape[3], channels: shape[1], layout: 'chw' };
    return { height: shape[1], width: shape[2], channels: shape[3], layout: 'hwc' };
  }
  return null;
}

/**
 * Check a .npy header of images or feature vectors: 2 to 4 dimensions, uint8 / float32 / float64,
 * and a size within the limit. Returns n, dim and the geometry. `fileBytes` is the file's size
 * when known (a truncated file is refused before its data is read).
 */
export function checkNpyData(h: NpyHeader, name: string, o: ReadOptions = {}, fileBytes?: number): { n: number; dim: number; image: ImageGeometry | null } {
  const { shape, descr } = h;
  if (shape.length < 2 || shape.length > 4) {
    throw formatError(name, `shape [${shape.join(', ')}], expected N x D (feature vectors) or N x H x W [x C] (images)`, o);
  }
  if (!['|u1', '<f4', '<f8'].includes(descr)) {
    const hint = descr.startsWith('>')
      ? ' (this one is big-endian: save it with arr.astype(arr.dtype.newbyteorder("<")))'
      : descr === '<f2'
        ? ' (float16: save it with arr.astype("float32"))'
        : '';
    throw formatError(name, `dtype ${descr}, expected uint8 (pixels), float32 or float64${hint}`, o);
  }
  const n = shape[0];
  const dim = h.count / Math.max(n, 1);
  if (n === 0 || shape.some((s) => s === 0))
    throw formatError(name, `shape [${shape.join(', ')}] holds no values, expected at least one row of at least one value`, o);
  if (fileBytes !== undefined && fileBytes !== h.offset + h.count * h.itemSize) {
    throw formatError(
      name,
      `${fileBytes < h.offset + h.count * h.itemSize ? 'truncated' : 'too long'}: shape [${shape.join(', ')}] of ${descr} needs ${h.offset + h.count * h.itemSize} bytes, the file has ${fileBytes}`,
      o,
    );
  }
  checkSize(name, `${n} rows of ${dim} ${descr === '|u1' ? 'bytes' : 'float32 values'}`, h.count, descr === '|u1' ? 1 : 4, o);
  return { n, dim, image: geometryOf(shape) };
}

/**
 * Copy (and for float64, round to float32) `count` values of the dtype from `src`, a chunk of
 * the data starting at value `at`, into `out`. Non-finite floats are refused naming the row.
 */
export function convertNpyChunk(descr: string, src: Uint8Array, out: Uint8Array | Float32Array, at: number, dim: number, name: string, o: ReadOptions): void {
  if (descr === '|u1') {
    (out as Uint8Array).set(src, at);
    return;
  }
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const f = out as Float32Array;
  const size = descr === '<f4' ? 4 : 8;
  const m = src.byteLength / size;
  for (let i = 0; i < m; i++) {
    const v = size === 4 ? dv.getFloat32(i * 4, true) : dv.getFloat64(i * 8, true);
    const w = Math.fround(v);
    if (!Number.isFinite(w)) {
      const k = at + i;
      throw formatError(
        name,
        `value ${v} at row ${Math.floor(k / dim)}, column ${k % dim}${Number.isFinite(v) ? ' is outside the float32 range' : ''}, expected finite values`,
        o,
      );
    }
    f[at + i] = w;
  }
}

/** The values of a .npy file (whole bytes) of images or feature vectors, with its labels. */
export function npyData(bytes: Uint8Array, name: string, labels: Int32Array, labelsName: string, o: ReadOptions = {}): DataSet {
  const h = parseNpyHeader(bytes, name);
  const { n, dim, image } = checkNpyData(h, name, o, bytes.length);
  const out = h.descr === '|u1' ? new Uint8Array(h.count) : new Float32Array(h.count);
  convertNpyChunk(h.descr, bytes.subarray(h.offset), out, 0, dim, name, o);
  return assemble(out, n, dim, image, labels, name, labelsName, 'npy', o);
}

/** Rows and labels as one data set: the counts must agree (E_FORMAT naming the labels file). */
export function assemble(
  pixels: Uint8Array | Float32Array,
  n: number,
  dim: number,
  image: ImageGeometry | null,
  labels: Int32Array,
  name: string,
  labelsName: string,
  format: DataSet['format'],
  o: ReadOptions = {},
): DataSet {
  if (labels.length !== n) {
    throw new BenignfitError('E_FORMAT', `${labelsName}: ${labels.length} labels, but ${name} has ${n} rows (expected the same count)`, { field: o.field });
  }
  let max = 0;
  for (const l of labels) if (l > max) max = l;
  return { n, dim, pixels, labels, classes: max + 1, classNames: null, image, sources: [name, labelsName], format };
}

/** An integer label as text: "3", or "3.0" as pandas writes integer labels stored as floats. */
const INT_LABEL = /^\s*\+?\d+(\.0*)?\s*$/;

/** Integer labels from a value, or an E_FORMAT error naming the file and the row. */
function labelValue(v: number, i: number, name: string, o: ReadOptions): number {
  if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) throw formatError(name, `label ${v} at row ${i}, expected an integer from 0 to 2^31 - 1`, o);
  return v;
}

/**
 * Labels from a .npy file (any integer dtype, or floats with integer values; shape [N] or
 * [N, 1]) or a one-column CSV (an optional header line, then one integer per line).
 */
export function parseLabels(bytes: Uint8Array, name: string, o: ReadOptions = {}): Int32Array {
  if (bytes.length >= 6 && bytes[0] === 0x93 && bytes[1] === 0x4e) {
    const h = parseNpyHeader(bytes, name);
    if (!(h.shape.length === 1 || (h.shape.length === 2 && h.shape[1] === 1)))
      throw formatError(name, `shape [${h.shape.join(', ')}], expected labels [N] (or [N, 1])`, o);
    const kinds = ['|u1', '|i1', '<u2', '<i2', '<u4', '<i4', '<u8', '<i8', '<f4', '<f8'];
    if (!kinds.includes(h.descr)) throw formatError(name, `dtype ${h.descr}, expected integer labels (int8 to int64, uint8 to uint64)`, o);
    if (bytes.length !== h.offset + h.count * h.itemSize) {
      throw formatError(name, `shape [${h.shape.join(', ')}] of ${h.descr} needs ${h.offset + h.count * h.itemSize} bytes, the file has ${bytes.length}`, o);
    }
    checkSize(name, `${h.count} labels`, h.count, 4, o);
    const dv = new DataView(bytes.buffer, bytes.byteOffset + h.offset, h.count * h.itemSize);
    const read: Record<string, (i: number) => number> = {
      '|u1': (i) => dv.getUint8(i),
      '|i1': (i) => dv.getInt8(i),
      '<u2': (i) => dv.getUint16(2 * i, true),
      '<i2': (i) => dv.getInt16(2 * i, true),
      '<u4': (i) => dv.getUint32(4 * i, true),
      '<i4': (i) => dv.getInt32(4 * i, true),
      '<u8': (i) => Number(dv.getBigUint64(8 * i, true)),
      '<i8': (i) => Number(dv.getBigInt64(8 * i, true)),
      '<f4': (i) => dv.getFloat32(4 * i, true),
      '<f8': (i) => dv.getFloat64(8 * i, true),
    };
    const get = read[h.descr];
    const out = new Int32Array(h.count);
    for (let i = 0; i < h.count; i++) out[i] = labelValue(get(i), i, name, o);
    return out;
  }
  checkSize(name, 'the labels', bytes.length, 4, o);
  const text = new TextDecoder().decode(bytes);
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  let first = 0;
  if (lines.length && !INT_LABEL.test(unquote(lines[0]))) first = 1; // a header line
  const out = new Int32Array(Math.max(0, lines.length - first));
  for (let i = first; i < lines.length; i++) {
    const cell = unquote(lines[i]);
    if (lines[i].includes(',')) throw formatError(name, `line ${i + 1} has ${lines[i].split(',').length} columns, expected one label per line`, o);
    if (!INT_LABEL.test(cell)) throw formatError(name, `line ${i + 1}: got ${JSON.stringify(lines[i].slice(0, 40))}, expected an integer label`, o);
    out[i - first] = labelValue(Number(cell), i - first, name, o);
  }
  if (!out.length) throw formatError(name, 'no labels, expected one integer per line', o);
  return out;
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"').trim() : t;
}

// ---- CSV tables ----

/** Split one CSV line into cells (RFC 4180 quotes; a quoted cell may not span lines). */
function splitCsvLine(line: string, lineNo: number, name: string, o: ReadOptions): string[] {
  if (!line.includes('"')) return line.split(',');
  const cells: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      cells.push(cur);
      cur = '';
    } else cur += c;
  }
  if (q) throw formatError(name, `line ${lineNo}: a quoted cell does not end on its line`, o);
  cells.push(cur);
  return cells;
}

export interface TableOptions extends ReadOptions {
  /** The column that holds the labels (integers, or names mapped to classes in sorted order). */
  labelColumn: string;
  /** Columns that are neither features nor labels (ids, file names). */
  ignoreColumns?: string[];
}

/**
 * A CSV table of feature vectors, fed in text chunks (so a large file is never one string): a
 * header line naming the columns, then one row per example. Every column but the label column
 * (and `ignoreColumns`) must hold numbers; they are stored as float32 and scored as given.
 */
export class TableReader {
  private rest = '';
  private lineNo = 0;
  private header: string[] | null = null;
  private labelAt = -1;
  private featureAt: number[] = [];
  private values = new Float32Array(1024);
  private count = 0;
  private labelCells: string[] = [];

  constructor(
    readonly name: string,
    readonly o: TableOptions,
  ) {}

  /** Feed the next chunk of text. */
  push(text: string): void {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop()!;
    for (const l of lines) this.line(l);
  }

  private line(raw: string): void {
    this.lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const cells = splitCsvLine(line, this.lineNo, this.name, this.o);
    if (!this.header) {
      const hdr = cells.map((c) => c.trim());
      this.header = hdr;
      this.labelAt = hdr.indexOf(this.o.labelColumn);
      if (this.labelAt < 0) {
        throw new BenignfitError(
          'E_INVALID',
          `${this.name}: no column named ${JSON.stringify(this.o.labelColumn)} for the labels (the header has ${hdr
            .slice(0, 12)
            .map((h) => JSON.stringify(h))
            .join(', ')}${hdr.length > 12 ? ', ...' : ''})`,
          {
            field: '--label-column',
            got: this.o.labelColumn,
            expected: 'a column of the header',
          },
        );
      }
      const ignore = new Set(this.o.ignoreColumns ?? []);
      for (const c of ignore)
        if (!hdr.includes(c))
          throw new BenignfitError('E_INVALID', `${this.name}: no column named ${JSON.stringify(c)} to ignore`, {
            field: '--ignore-columns',
            got: c,
            expected: 'a column of the header',
          });
      this.featureAt = hdr.map((_, i) => i).filter((i) => i !== this.labelAt && !ignore.has(hdr[i]));
      if (!this.featureAt.length) throw formatError(this.name, 'no feature columns, expected at least one column besides the labels', this.o);
      return;
    }
    if (cells.length !== this.header.length)
      throw formatError(this.name, `line ${this.lineNo} has ${cells.length} cells, the header has ${this.header.length}`, this.o);
    const d = this.featureAt.length;
    const need = (this.count + 1) * d;
    if (need > this.values.length) {
      checkSize(this.name, `the feature values (${this.count + 1} rows so far of ${d})`, need, 4, this.o);
      const limit = Math.floor((this.o.memoryLimit ?? DEFAULT_MEMORY_LIMIT) / 4);
      const grown = new Float32Array(Math.min(Math.max(need, this.values.length * 2), limit, MAX_ELEMENTS));
      grown.set(this.values.subarray(0, this.count * d));
      this.values = grown;
    }
    const base = this.count * d;
    for (let j = 0; j < d; j++) {
      const cell = cells[this.featureAt[j]].trim();
      const v = cell === '' ? NaN : Number(cell);
      const w = Math.fround(v);
      if (!Number.isFinite(w)) {
        throw formatError(
          this.name,
          `line ${this.lineNo}, column ${JSON.stringify(this.header[this.featureAt[j]])}: got ${JSON.stringify(cell.slice(0, 40))}, expected a finite number${Number.isFinite(v) ? ' within the float32 range' : ''}`,
          this.o,
        );
      }
      this.values[base + j] = w;
    }
    const label = cells[this.labelAt].trim();
    if (label === '')
      throw formatError(this.name, `line ${this.lineNo}, column ${JSON.stringify(this.o.labelColumn)}: no label, expected an integer or a class name`, this.o);
    this.labelCells.push(label);
    this.count++;
  }

  /** The table as a data set (labels: integers as given, or names sorted and numbered). */
  finish(): DataSet {
    if (this.rest) {
      this.line(this.rest);
      this.rest = '';
    }
    if (!this.header) throw formatError(this.name, 'empty, expected a header line and rows', this.o);
    if (!this.count) throw formatError(this.name, 'no rows after the header', this.o);
    const d = this.featureAt.length;
    const labels = new Int32Array(this.count);
    let names: string[] | null = null;
    if (this.labelCells.every((c) => INT_LABEL.test(c))) {
      this.labelCells.forEach((c, i) => (labels[i] = labelValue(Number(c), i, this.name, this.o)));
    } else {
      names = [...new Set(this.labelCells)].sort();
      const at = new Map(names.map((nm, i) => [nm, i]));
      this.labelCells.forEach((c, i) => (labels[i] = at.get(c)!));
    }
    const pixels = this.values.length === this.count * d ? this.values : this.values.slice(0, this.count * d);
    let max = 0;
    for (const l of labels) if (l > max) max = l;
    return {
      n: this.count,
      dim: d,
      pixels,
      labels,
      classes: names ? names.length : max + 1,
      classNames: names,
      image: null,
      sources: [this.name],
      format: 'csv',
    };
  }
}

/** A CSV table from its bytes, decoded in chunks. */
export function parseTable(bytes: Uint8Array, name: string, o: TableOptions): DataSet {
  const r = new TableReader(name, o);
  const dec = new TextDecoder();
  const step = 1 << 22;
  for (let at = 0; at < bytes.length; at += step) r.push(dec.decode(bytes.subarray(at, at + step), { stream: at + step < bytes.length }));
  return r.finish();
}

// ---- image folders ----

/** One decoded image: 1 (grey) or 3 (RGB) channels of bytes. */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

const JPEG = /\.(jpe?g)$/i;
const PNG = /\.png$/i;

/** Whether a file name is one the image folder reader decodes. */
export function isImageFile(name: string): boolean {
  return JPEG.test(name) || PNG.test(name);
}

/**
 * Decode a PNG (fast-png) or JPEG (jpeg-js) to grey or RGB bytes: alpha is dropped, 16-bit
 * samples keep their high byte, palettes are expanded, and an RGB image whose every pixel has
 * R = G = B counts as grey (so grey JPEGs, which decoders return as RGB, read as grey).
 */
export function decodeImage(bytes: Uint8Array, name: string, o: ReadOptions = {}): DecodedImage {
  const png = hasPngSignature(bytes);
  const isJpeg = bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!png && !isJpeg)
    throw formatError(
      name,
      `neither a PNG nor a JPEG file (starts with ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')})`,
      o,
    );
  let width: number;
  let height: number;
  let ch: number;
  let src: ArrayLike<number>;
  let shift = 0;
  if (png && bytes.length >= 24) {
    // IHDR's width and height (bytes 16-23): a PNG that would decode to more than the limit is
    // refused before fast-png allocates it (a few bytes can announce gigapixels).
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const [w, h] = [dv.getUint32(16, false), dv.getUint32(20, false)];
    checkSize(name, `a ${w} x ${h} PNG image (up to 4 channels of 16 bits)`, w * h * 4, 2, o);
  }
  try {
    if (png) {
      let img = decodePng(bytes);
      if (img.palette) {
        const rgb = convertIndexedToRgb(img);
        img = { ...img, data: rgb, channels: rgb.length / (img.width * img.height), depth: 8 };
      }
      width = img.width;
      height = img.height;
      ch = img.channels;
      if (img.depth < 8) {
        // Grey samples of 1, 2 or 4 bits, packed per row: unpacked and spread over 0..255.
        const bits = img.depth;
        const perRow = Math.ceil((width * ch * bits) / 8);
        const out = new Uint8Array(width * height * ch);
        const mask = (1 << bits) - 1;
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width * ch; x++) {
            const bit = x * bits;
            const v = (img.data[y * perRow + (bit >> 3)] >> (8 - bits - (bit & 7))) & mask;
            out[y * width * ch + x] = Math.round((v * 255) / mask);
          }
        }
        src = out;
      } else {
        src = img.data;
        if (img.depth === 16) shift = 8;
      }
    } else {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        maxMemoryUsageInMB: Math.max(64, Math.floor((o.memoryLimit ?? DEFAULT_MEMORY_LIMIT) / 2 ** 20)),
      });
      width = img.width;
      height = img.height;
      ch = 3;
      src = img.data;
    }
  } catch (e) {
    if (e instanceof BenignfitError) throw e;
    throw new BenignfitError('E_FORMAT', `${name}: cannot decode this ${png ? 'PNG' : 'JPEG'} file (${(e as Error).message})`, { field: o.field, cause: e });
  }
  const px = width * height;
  const colour = ch >= 3;
  let grey = !colour;
  if (colour) {
    grey = true;
    for (let i = 0; i < px && grey; i++) if (src[i * ch] !== src[i * ch + 1] || src[i * ch] !== src[i * ch + 2]) grey = false;
  }
  const out = new Uint8Array(px * (grey ? 1 : 3));
  if (grey) for (let i = 0; i < px; i++) out[i] = src[i * ch] >> shift;
  else for (let i = 0; i < px; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = src[i * ch + c] >> shift;
  return { width, height, channels: grey ? 1 : 3, data: out };
}

/**
 * Builds a data set from images added one at a time (so a folder is never held as files): all
 * must have the size of the first (else E_FORMAT naming the first odd file); grey until the first
 * colour image, then RGB for all (grey ones repeated over R, G and B). The pixel array is sized
 * from the first image and the file count, and refused with E_TOO_LARGE before it is allocated.
 */
export class ImageFolderBuilder {
  private pixels: Uint8Array | null = null;
  private width = 0;
  private height = 0;
  private channels: 1 | 3 = 1;
  private first = '';
  private labels: Int32Array;
  private files: string[] = [];
  private count = 0;

  constructor(
    readonly name: string,
    readonly total: number,
    readonly classNames: string[],
    readonly o: ReadOptions = {},
  ) {
    this.labels = new Int32Array(total);
  }

  add(file: string, cls: number, bytes: Uint8Array): void {
    const img = decodeImage(bytes, file, this.o);
    if (!this.pixels) {
      this.width = img.width;
      this.height = img.height;
      this.first = file;
      checkSize(
        this.name,
        `${this.total} images of ${img.height} x ${img.width}${img.channels === 3 ? ' x 3' : ''}`,
        this.total * img.width * img.height,
        img.channels,
        this.o,
      );
      this.channels = img.channels;
      this.pixels = new Uint8Array(this.total * img.width * img.height * img.channels);
    } else if (img.width !== this.width || img.height !== this.height) {
      throw formatError(
        file,
        `${img.width} x ${img.height} pixels, but ${this.first} (the first image) is ${this.width} x ${this.height}; every image must have the same size`,
        this.o,
      );
    }
    const px = this.width * this.height;
    if (img.channels === 3 && this.channels === 1) {
      // The first colour image: every image so far becomes RGB.
      checkSize(this.name, `${this.total} images of ${this.height} x ${this.width} x 3 (${file} is in colour)`, this.total * px, 3, this.o);
      const rgb = new Uint8Array(this.total * px * 3);
      const old = this.pixels;
      for (let i = 0; i < this.count * px; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = old[i];
      this.pixels = rgb;
      this.channels = 3;
    }
    const at = this.count * px * this.channels;
    if (img.channels === this.channels) this.pixels.set(img.data, at);
    else for (let i = 0; i < px; i++) this.pixels[at + 3 * i] = this.pixels[at + 3 * i + 1] = this.pixels[at + 3 * i + 2] = img.data[i];
    this.labels[this.count] = cls;
    this.files.push(file);
    this.count++;
  }

  finish(skipped: string[] = []): DataSet {
    if (!this.pixels || this.count === 0)
      throw formatError(this.name, 'no PNG or JPEG images, expected one subfolder per class holding .png/.jpg/.jpeg files', this.o);
    const d = this.width * this.height * this.channels;
    const pixels = this.count === this.total ? this.pixels : this.pixels.slice(0, this.count * d);
    return {
      n: this.count,
      dim: d,
      pixels,
      labels: this.count === this.total ? this.labels : this.labels.slice(0, this.count),
      classes: this.classNames.length,
      classNames: this.classNames,
      image: { height: this.height, width: this.width, channels: this.channels, layout: 'hwc' },
      sources: [this.name],
      format: 'folder',
      files: this.files,
      skipped,
    };
  }
}

/** Sort names the same way everywhere (code points, like `ls` in the C locale). */
export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * An image folder from (path, bytes) pairs, as a browser gives a picked folder: paths are
 * "root/class/file.png" (the class is the parent folder's name).
 */
export function imageFolderFromFiles(files: { path: string; bytes: Uint8Array }[], name: string, o: ReadOptions = {}): DataSet {
  const images: { path: string; cls: string }[] = [];
  const skipped: string[] = [];
  for (const f of files) {
    const parts = f.path.split('/').filter(Boolean);
    const base = parts[parts.length - 1] ?? '';
    if (base.startsWith('.')) continue;
    if (!isImageFile(base) || parts.length < 2) skipped.push(f.path);
    else images.push({ path: f.path, cls: parts[parts.length - 2] });
  }
  const classNames = [...new Set(images.map((i) => i.cls))].sort(byName);
  if (!classNames.length)
    throw formatError(name, 'no PNG or JPEG images in class subfolders, expected one subfolder per class holding .png/.jpg/.jpeg files', o);
  const at = new Map(classNames.map((c, i) => [c, i]));
  images.sort((a, b) => at.get(a.cls)! - at.get(b.cls)! || byName(a.path, b.path));
  const bytes = new Map(files.map((f) => [f.path, f.bytes]));
  const b = new ImageFolderBuilder(name, images.length, classNames, o);
  for (const im of images) b.add(im.path, at.get(im.cls)!, bytes.get(im.path)!);
  return b.finish(skipped);
}

// ---- conversions ----

/** An IDX or CIFAR image set as a data set. */
export function dataFromImageSet(set: ImageSet, format: 'idx' | 'cifar' = set.layout === 'chw' ? 'cifar' : 'idx'): DataSet {
  return {
    n: set.n,
    dim: set.height * set.width * set.channels,
    pixels: set.pixels,
    labels: Int32Array.from(set.labels),
    classes: set.classes,
    classNames: set.classNames,
    image: { height: set.height, width: set.width, channels: set.channels, layout: set.layout },
    sources: set.sources,
    format,
  };
}

/**
 * The data set as an ImageSet, for the Figure 5 grids: rows that are 1- or 3-channel images.
 * Float images are spread over 0..255 (the min and max of the whole set) for display only.
 * Null for feature vectors (and for more than 256 classes, which an ImageSet cannot label).
 */
export function imageSetOf(d: DataSet): ImageSet | null {
  const g = d.image;
  if (!g || !(g.channels === 1 || g.channels === 3) || d.classes > 256) return null;
  let pixels: Uint8Array;
  if (d.pixels instanceof Uint8Array) pixels = d.pixels;
  else {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of d.pixels) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const s = hi > lo ? 255 / (hi - lo) : 0;
    pixels = Uint8Array.from(d.pixels, (v) => Math.round((v - lo) * s));
  }
  return {
    n: d.n,
    height: g.height,
    width: g.width,
    channels: g.channels,
    layout: g.layout,
    pixels,
    labels: Uint8Array.from(d.labels),
    classes: d.classes,
    classNames: d.classNames,
    sources: d.sources,
  };
}
