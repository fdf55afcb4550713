/**
 * Node-only file reading for the dataset formats (kept apart so browser bundles never import
 * node:fs). Errors name the file: E_IO when it cannot be read, E_FORMAT when it is not valid.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync, type Stats } from 'node:fs';
import { basename, join } from 'node:path';
import { BenignfitError } from '../errors.js';
import { CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, imagesFromCifar, parseCifarBatch, parseCifarMeta } from './cifar.js';
import { parseNpyHeader, type NpyHeader } from '../npy.js';
import { maybeGunzip } from './bytes.js';
import {
  assemble,
  byName,
  checkNpyData,
  checkSize,
  convertNpyChunk,
  ImageFolderBuilder,
  isImageFile,
  parseLabels,
  TableReader,
  type DataSet,
  type ImageGeometry,
  type ReadOptions,
  type TableOptions,
} from './data.js';
import { imagesFromIdx, parseIdx, type IdxArray, type ImageSet } from './idx.js';

export function readBytes(path: string, field = 'file'): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new BenignfitError('E_IO', `${field}: cannot read ${path}: ${(e as Error).message}`, { field, cause: e });
  }
}

/** An IDX file (raw or .gz) from a path. */
export function readIdx(path: string): IdxArray {
  return parseIdx(readBytes(path), path);
}

/** MNIST / Fashion-MNIST: an image file and a label file (IDX, raw or .gz). */
export function readMnist(imagesPath: string, labelsPath: string): ImageSet {
  return imagesFromIdx(readIdx(imagesPath), readIdx(labelsPath), imagesPath, labelsPath);
}

/**
 * CIFAR-10 from the folder `cifar-10-batches-bin` (extracted cifar-10-binary.tar.gz): the five
 * training batches (split "train") or test_batch.bin ("test"); class names from
 * batches.meta.txt when it is there. A single .bin file path is read alone.
 */
export function readCifar(dirOrFile: string, split: 'train' | 'test' = 'train'): ImageSet {
  let isDir: boolean;
  try {
    isDir = statSync(dirOrFile).isDirectory();
  } catch (e) {
    throw new BenignfitError('E_IO', `--cifar: cannot read ${dirOrFile}: ${(e as Error).message}`, { field: '--cifar', cause: e });
  }
  const files = isDir ? (split === 'train' ? CIFAR10_TRAIN_FILES : CIFAR10_TEST_FILES).map((f) => join(dirOrFile, f)) : [dirOrFile];
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) {
    throw new BenignfitError(
      'E_IO',
      `--cifar: ${missing.map((f) => basename(f)).join(', ')} not found in ${dirOrFile} (expected the folder cifar-10-batches-bin of the extracted cifar-10-binary.tar.gz, with ${files.map((f) => basename(f)).join(', ')})`,
      { field: '--cifar' },
    );
  }
  const batches = files.map((f) => parseCifarBatch(readBytes(f, '--cifar'), f));
  const meta = isDir ? join(dirOrFile, 'batches.meta.txt') : null;
  const names = meta && existsSync(meta) ? parseCifarMeta(new TextDecoder().decode(readBytes(meta, '--cifar'))) : undefined;
  return imagesFromCifar(batches, files, names && names.length >= 10 ? names.slice(0, 10) : undefined);
}

// ---- anyone's data (./data.ts): .npy arrays, image folders, CSV tables, from paths ----

function statOf(path: string, field: string): Stats {
  try {
    return statSync(path);
  } catch (e) {
    throw new BenignfitError('E_IO', `${field}: cannot read ${path}: ${(e as Error).message}`, { field, cause: e });
  }
}

/** Read `length` bytes at `position` of an open file into `into` (whole, or an E_FORMAT error). */
function readAt(fd: number, into: Uint8Array, position: number, path: string, field: string): void {
  let got = 0;
  while (got < into.length) {
    const k = readSync(fd, into, got, into.length - got, position + got);
    if (k === 0) throw new BenignfitError('E_FORMAT', `${path}: truncated: ended after ${position + got} bytes`, { field });
    got += k;
  }
}

/** The header of a .npy file, read alone (a few hundred bytes) with the file's size. */
export function readNpyHeader(path: string, field = 'file'): { header: NpyHeader; size: number } {
  const size = statOf(path, field).size;
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(Math.min(size, 12));
    readAt(fd, head, 0, path, field);
    let hlen = 0;
    if (head.length >= 10 && head[0] === 0x93)
      hlen = head[6] === 1 ? head[8] | (head[9] << 8) : head.length >= 12 ? new DataView(head.buffer).getUint32(8, true) : 0;
    const all = new Uint8Array(Math.min(size, (head[6] === 1 ? 10 : 12) + hlen, 1 << 20));
    readAt(fd, all, 0, path, field);
    return { header: parseNpyHeader(all, path), size };
  } finally {
    closeSync(fd);
  }
}

/**
 * Images or feature vectors from a .npy file (N x D, N x H x W [x C]; uint8, float32 or float64,
 * the last rounded to float32): the header is read first and the size checked against the
 * limit; then the data is read in chunks straight into the array (never the whole file twice).
 */
export function readNpyRows(path: string, o: ReadOptions = {}): { pixels: Uint8Array | Float32Array; n: number; dim: number; image: ImageGeometry | null } {
  const field = o.field ?? 'images';
  const { header: h, size } = readNpyHeader(path, field);
  const { n, dim, image } = checkNpyData(h, path, { ...o, field }, size);
  const out = h.descr === '|u1' ? new Uint8Array(h.count) : new Float32Array(h.count);
  const fd = openSync(path, 'r');
  try {
    const per = Math.max(1, Math.floor((1 << 24) / h.itemSize));
    const buf = h.descr === '|u1' ? null : new Uint8Array(per * h.itemSize);
    for (let at = 0; at < h.count; at += per) {
      const m = Math.min(per, h.count - at);
      if (!buf) readAt(fd, (out as Uint8Array).subarray(at, at + m), h.offset + at, path, field);
      else {
        const chunk = buf.subarray(0, m * h.itemSize);
        readAt(fd, chunk, h.offset + at * h.itemSize, path, field);
        convertNpyChunk(h.descr, chunk, out, at, dim, path, { ...o, field });
      }
    }
  } finally {
    closeSync(fd);
  }
  return { pixels: out, n, dim, image };
}

/** Labels from a path: IDX (raw or .gz), .npy (integer) or a one-column CSV. */
export function readLabels(path: string, o: ReadOptions = {}): Int32Array {
  const field = o.field ?? 'labels';
  const size = statOf(path, field).size;
  checkSize(path, 'the labels file', size, 1, { ...o, field });
  const bytes = readBytes(path, field);
  const raw = maybeGunzip(bytes, path);
  if (raw.length >= 4 && raw[0] === 0 && raw[1] === 0) {
    const idx = parseIdx(raw, path);
    if (idx.shape.length !== 1)
      throw new BenignfitError('E_FORMAT', `${path}: shape [${idx.shape.join(', ')}], expected labels [n] (one dimension)`, { field });
    return Int32Array.from(idx.data);
  }
  return parseLabels(raw, path, { ...o, field });
}

/** A .npy array of images or feature vectors with its labels (.npy, one-column CSV or IDX). */
export function readNpyData(path: string, labelsPath: string, o: ReadOptions = {}): DataSet {
  const { header, size } = readNpyHeader(path, o.field ?? 'images');
  checkNpyData(header, path, { ...o, field: o.field ?? 'images' }, size); // sizes first: a large file is refused before its labels are read
  const labels = readLabels(labelsPath, { ...o, field: '--labels' });
  const r = readNpyRows(path, o);
  return assemble(r.pixels, r.n, r.dim, r.image, labels, path, labelsPath, 'npy', o);
}

/**
 * A folder with one subfolder per class of PNG/JPEG images (classes and files in name order;
 * hidden files ignored, other files listed in `skipped`). Images are read and decoded one at a
 * time into one array sized from the first image; all must have its size.
 */
export function readImageFolder(dir: string, o: ReadOptions = {}): DataSet {
  const field = o.field ?? 'images';
  const list = (d: string) => {
    try {
      return readdirSync(d)
        .filter((f) => !f.startsWith('.'))
        .sort(byName);
    } catch (e) {
      throw new BenignfitError('E_IO', `${field}: cannot read the folder ${d}: ${(e as Error).message}`, { field, cause: e });
    }
  };
  const classes = list(dir).filter((c) => statOf(join(dir, c), field).isDirectory());
  if (!classes.length) {
    throw new BenignfitError(
      'E_FORMAT',
      `${dir}: no subfolders, expected one subfolder per class holding its PNG/JPEG images (e.g. ${dir}/cat/001.png, ${dir}/dog/001.jpg)`,
      { field },
    );
  }
  const items: { path: string; cls: number }[] = [];
  const skipped: string[] = [];
  classes.forEach((c, k) => {
    const files = list(join(dir, c));
    const imgs = files.filter((f) => isImageFile(f));
    skipped.push(...files.filter((f) => !isImageFile(f)).map((f) => join(dir, c, f)));
    if (!imgs.length)
      throw new BenignfitError('E_FORMAT', `${join(dir, c)}: no PNG or JPEG images (.png, .jpg, .jpeg), expected at least one per class folder`, { field });
    for (const f of imgs) items.push({ path: join(dir, c, f), cls: k });
  });
  const b = new ImageFolderBuilder(dir, items.length, classes, { ...o, field });
  for (const it of items) b.add(it.path, it.cls, readBytes(it.path, field));
  return b.finish(skipped);
}

/** A CSV table of features with a label column, read in chunks (the text is never one string). */
export function readTable(path: string, o: TableOptions): DataSet {
  const field = o.field ?? '--table';
  statOf(path, field);
  const r = new TableReader(path, { ...o, field });
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(1 << 22);
    const dec = new TextDecoder();
    for (;;) {
      const k = readSync(fd, buf, 0, buf.length, null);
      if (k === 0) break;
      r.push(dec.decode(buf.subarray(0, k), { stream: true }));
    }
    r.push(dec.decode());
  } finally {
    closeSync(fd);
  }
  return r.finish();
}

/**
 * Any supported data from paths: a folder of class subfolders, a .npy array (with `labels`), an
 * IDX images file (with `labels`), or a CSV table (`table` options). The format is told from the
 * content (the .npy and IDX magic numbers), not the file name.
 */
export function readData(images: string, labels: string | undefined, o: ReadOptions = {}): DataSet {
  const field = o.field ?? '--images';
  const st = statOf(images, field);
  if (st.isDirectory()) {
    if (labels) throw invalidArg('--labels', labels, 'no --labels with an image folder (the class is the subfolder)');
    return readImageFolder(images, { ...o, field });
  }
  const fd = openSync(images, 'r');
  const head = new Uint8Array(Math.min(st.size, 6));
  try {
    readAt(fd, head, 0, images, field);
  } finally {
    closeSync(fd);
  }
  const npy = head.length >= 6 && head[0] === 0x93 && String.fromCharCode(...head.subarray(1, 6)) === 'NUMPY';
  if (!labels) throw new BenignfitError('E_INVALID', `--labels: missing (${images} needs a labels file: .npy, a one-column CSV or IDX)`, { field: '--labels' });
  if (npy) return readNpyData(images, labels, { ...o, field });
  const idxMagic = head.length >= 4 && head[0] === 0 && head[1] === 0;
  const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (!idxMagic && !gz) {
    throw new BenignfitError(
      'E_FORMAT',
      `${images}: neither a .npy file (magic \\x93NUMPY) nor an IDX file (magic 0x0000), expected images as .npy or IDX (a CSV table goes with --table, a folder of PNG/JPEG images with one subfolder per class as --images DIR)`,
      { field },
    );
  }
  checkSize(images, 'the images file', st.size, 1, { ...o, field });
  const idx = readIdx(images);
  if (!(idx.data instanceof Uint8Array) || (idx.shape.length !== 2 && idx.shape.length !== 3)) {
    throw new BenignfitError(
      'E_FORMAT',
      `${images}: IDX shape [${idx.shape.join(', ')}]${idx.data instanceof Uint8Array ? '' : ' not of unsigned bytes'}, expected images [n, rows, cols] (or [n, pixels]) of unsigned bytes`,
      { field },
    );
  }
  const [n, h, w] = idx.shape.length === 3 ? idx.shape : [idx.shape[0], 1, idx.shape[1]];
  const lab = readLabels(labels, { ...o, field: '--labels' });
  return assemble(idx.data, n, h * w, { height: h, width: w, channels: 1, layout: 'hwc' }, lab, images, labels, 'idx', o);
}

function invalidArg(field: string, v: string, expected: string): BenignfitError {
  return new BenignfitError('E_INVALID', `${field}: got ${JSON.stringify(v)}, expected ${expected}`, { field, got: v, expected });
}
