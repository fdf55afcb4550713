/**
 * Node-only file reading for the dataset formats (kept apart so browser bundles never import
 * node:fs). Errors name the file: E_IO when it cannot be read, E_FORMAT when it is not valid.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BenignfitError } from '../errors.js';
import { CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, imagesFromCifar, parseCifarBatch, parseCifarMeta } from './cifar.js';
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
