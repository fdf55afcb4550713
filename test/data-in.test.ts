/**
 * Anyone's data in (issue 17 item 1): .npy arrays, image folders (PNG, JPEG) and CSV tables give
 * the same eq. 10 scores as the same values in IDX, feature vectors are scored as given (brute
 * force), and malformed or too large inputs are refused naming the file. Also issue 16 item 14:
 * a huge label is refused before anything is sized by it.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { BenignfitError, decodeImage, encodeNpy, imageSetOf, parseTable, readData, readMnist, readTable } from '../ts/index.node.js';
import { BACKENDS, backend, frobCov, idx, lcg } from './helpers.js';

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number) {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `score ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(tol * scale);
}

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<BenignfitError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(BenignfitError);
    return e as BenignfitError;
  }
  throw new Error('expected a BenignfitError');
}

/** 3 classes x 5 grey images of 4 x 5, class-dependent; in class order. */
function tinyImages() {
  const r = lcg(7);
  const [n, h, w] = [15, 4, 5];
  const labels = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 5));
  const pixels = Uint8Array.from({ length: n * h * w }, (_, k) => Math.floor(r() * (80 + 60 * labels[Math.floor(k / (h * w))])));
  return { n, h, w, labels, pixels };
}

const classNames = ['ant', 'bee', 'cat'];

function writeTinyFiles(dir: string) {
  const t = tinyImages();
  const d = t.h * t.w;
  const folder = join(dir, 'folder');
  for (let i = 0; i < t.n; i++) {
    const c = join(folder, classNames[t.labels[i]]);
    mkdirSync(c, { recursive: true });
    writeFileSync(
      join(c, `img${String(i).padStart(2, '0')}.png`),
      encodePng({ width: t.w, height: t.h, data: t.pixels.subarray(i * d, (i + 1) * d), channels: 1, depth: 8 }),
    );
  }
  writeFileSync(join(folder, classNames[0], 'notes.txt'), 'not an image');
  writeFileSync(join(dir, 'x.npy'), encodeNpy(t.pixels, [t.n, t.h, t.w]));
  writeFileSync(
    join(dir, 'y.npy'),
    encodeNpy(
      BigInt64Array.from(t.labels, (l) => BigInt(l)),
      [t.n],
    ),
  );
  writeFileSync(join(dir, 'y.csv'), `label\n${[...t.labels].join('\n')}\n`);
  writeFileSync(join(dir, 'x.idx'), idx(0x08, [t.n, t.h, t.w], t.pixels));
  writeFileSync(join(dir, 'y.idx'), idx(0x08, [t.n], Uint8Array.from(t.labels)));
  return { ...t, folder };
}

/** N x D float64 features, 3 classes of unequal size, values as embeddings have them. */
function features() {
  const r = lcg(11);
  const sizes = [7, 9, 6];
  const d = 5;
  const labels = Int32Array.from(sizes.flatMap((s, c) => Array(s).fill(c)));
  const n = labels.length;
  const x = Float64Array.from({ length: n * d }, (_, k) => (r() - 0.5) * 4 + (k % d) * 0.3 * labels[Math.floor(k / d)]);
  return { n, d, labels, x };
}

describe.each(BACKENDS)('data in (%s)', (name) => {
  it('a folder of PNGs, the same pixels as .npy and as IDX give identical eq. 10 scores', async () => {
    const bf = await backend(name);
    const dir = mkdtempSync(join(tmpdir(), 'bf-data-in-'));
    const t = writeTinyFiles(dir);
    const folder = readData(t.folder, undefined);
    expect(folder.format).toBe('folder');
    expect(folder.classNames).toEqual(classNames);
    expect(folder.image).toEqual({ height: t.h, width: t.w, channels: 1, layout: 'hwc' });
    expect(folder.skipped).toEqual([join(t.folder, 'ant', 'notes.txt')]);
    expect(folder.files![5]).toBe(join(t.folder, 'bee', 'img05.png'));
    expect([...folder.pixels]).toEqual([...t.pixels]);
    const npy = readData(join(dir, 'x.npy'), join(dir, 'y.npy'));
    const npyCsv = readData(join(dir, 'x.npy'), join(dir, 'y.csv'));
    const idxSet = readData(join(dir, 'x.idx'), join(dir, 'y.idx'));
    const want = await bf.influence(readMnist(join(dir, 'x.idx'), join(dir, 'y.idx')));
    for (const set of [folder, npy, npyCsv, idxSet]) {
      const r = await bf.influence(set);
      expect([...r.labels]).toEqual([...t.labels]);
      expect(r.scores).toEqual(want.scores);
      expect(r.frobenius!.frobSq).toEqual(want.frobenius!.frobSq);
    }
  });

  it('the scores of an .npy feature matrix (float64) equal brute-force leave-one-out, and a CSV table gives the same', async () => {
    const bf = await backend(name);
    const dir = mkdtempSync(join(tmpdir(), 'bf-data-in-'));
    const f = features();
    writeFileSync(join(dir, 'emb.npy'), encodeNpy(f.x, [f.n, f.d]));
    writeFileSync(join(dir, 'lab.csv'), [...f.labels].join('\n'));
    const cols = Array.from({ length: f.d }, (_, j) => `f${j}`);
    const rows = Array.from({ length: f.n }, (_, i) => `row${i},${[...f.x.subarray(i * f.d, (i + 1) * f.d)].join(',')},"c${f.labels[i]}"`);
    writeFileSync(join(dir, 'table.csv'), [`id,${cols.join(',')},class`, ...rows].join('\r\n'));
    const set = readData(join(dir, 'emb.npy'), join(dir, 'lab.csv'));
    expect(set.pixels).toBeInstanceOf(Float32Array);
    expect(set.image).toBeNull();
    // Feature vectors are scored as given (float32): no pixel scaling.
    const x32 = Float32Array.from(f.x);
    expect(set.pixels).toEqual(x32);
    const want = new Float64Array(f.n);
    for (let c = 0; c < 3; c++) {
      const idx = [...Array(f.n).keys()].filter((i) => f.labels[i] === c);
      const rowsC = idx.map((i) => Float64Array.from(x32.subarray(i * f.d, (i + 1) * f.d)));
      const full = frobCov(rowsC);
      idx.forEach((i, k) => (want[i] = full - frobCov(rowsC.filter((_, j) => j !== k))));
    }
    for (const [precision, tol] of [
      ['f64', 1e-9],
      ['f32', 3e-5],
    ] as const)
      expectClose((await bf.influence(set, { precision })).scores, want, tol);
    // The same features as a CSV table (an id column ignored, class names as labels).
    const table = readTable(join(dir, 'table.csv'), { labelColumn: 'class', ignoreColumns: ['id'] });
    expect(table.classNames).toEqual(['c0', 'c1', 'c2']);
    expect([...table.labels]).toEqual([...f.labels]);
    expect(table.pixels).toEqual(x32);
    expect((await bf.influence(table)).scores).toEqual((await bf.influence(set)).scores);
    // A plain Float64Array is accepted by bf.influence too (rounded to float32 like the file).
    expect((await bf.influence({ pixels: f.x, labels: f.labels, dim: f.d })).scores).toEqual((await bf.influence(set)).scores);
  });

  it('a huge label is refused at once with a BenignfitError, before anything is sized by it (issue 16 item 14)', async () => {
    const bf = await backend(name);
    for (const L of [1e8, 1e9, 2 ** 32 - 1, 2 ** 53 - 1]) {
      const t0 = performance.now();
      const e = await rejection(bf.influence({ pixels: new Uint8Array(6), labels: [0, 0, 0, 1, 1, L], dim: 1 }));
      expect(performance.now() - t0).toBeLessThan(500);
      expect(e).toMatchObject({ code: 'E_INVALID', field: 'labels[5]' });
    }
    const e = await rejection(bf.influence({ pixels: new Uint8Array(6), labels: [0, 0, 0, 1, 1, 1], dim: 1 }, { classes: 1e9 }));
    expect(e).toMatchObject({ code: 'E_INVALID', field: 'influence.classes' });
  });
});

describe('data in: formats and errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bf-data-in-err-'));

  it('colour and grey images in one folder become RGB; JPEGs are decoded by jpeg-js', () => {
    const folder = join(dir, 'mixed');
    const r = lcg(3);
    const rgb = Uint8Array.from({ length: 6 * 4 * 3 }, () => Math.floor(r() * 256));
    const grey = Uint8Array.from({ length: 6 * 4 }, () => Math.floor(r() * 256));
    mkdirSync(join(folder, 'a'), { recursive: true });
    mkdirSync(join(folder, 'b'), { recursive: true });
    writeFileSync(join(folder, 'a', '1.png'), encodePng({ width: 6, height: 4, data: grey, channels: 1, depth: 8 }));
    writeFileSync(join(folder, 'a', '2.png'), encodePng({ width: 6, height: 4, data: rgb, channels: 3, depth: 8 }));
    const rgba = new Uint8Array(6 * 4 * 4);
    for (let i = 0; i < 24; i++) rgba.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);
    const jpg = jpeg.encode({ width: 6, height: 4, data: rgba }, 95).data;
    writeFileSync(join(folder, 'b', '3.jpg'), jpg);
    const set = readData(folder, undefined);
    expect(set.image).toEqual({ height: 4, width: 6, channels: 3, layout: 'hwc' });
    expect([...set.pixels.subarray(0, 3)]).toEqual([grey[0], grey[0], grey[0]]);
    expect([...set.pixels.subarray(72, 144)]).toEqual([...rgb]);
    const dec = jpeg.decode(jpg, { useTArray: true, formatAsRGBA: false });
    expect([...set.pixels.subarray(144)]).toEqual([...dec.data]);
    expect(decodeImage(jpg, 'x.jpg').channels).toBe(3);
  });

  it('malformed files get an error naming the file and what is wrong', async () => {
    const t = writeTinyFiles(join(dir, 'bad'));
    const base = join(dir, 'bad');
    // An image of another size: the first odd file is named.
    const odd = join(t.folder, 'bee', 'img07.png');
    writeFileSync(odd, encodePng({ width: 3, height: 4, data: new Uint8Array(12), channels: 1, depth: 8 }));
    let e = await rejection(() => readData(t.folder, undefined, { field: '--images' }));
    expect(e).toMatchObject({ code: 'E_FORMAT', field: '--images' });
    expect(e.message).toContain(odd);
    expect(e.message).toMatch(/3 x 4 pixels.*img00\.png.*5 x 4/);
    // A corrupt PNG.
    writeFileSync(odd, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
    e = await rejection(() => readData(t.folder, undefined));
    expect(e.code).toBe('E_FORMAT');
    expect(e.message).toContain(`${odd}: cannot decode this PNG file`);
    // Not an image at all, with an image's name.
    writeFileSync(odd, 'hello');
    expect((await rejection(() => readData(t.folder, undefined))).message).toContain(`${odd}: neither a PNG nor a JPEG`);
    // A truncated .npy; a dtype that is neither pixels nor floats; labels that do not match.
    const x = readFileSync(join(base, 'x.npy'));
    writeFileSync(join(base, 'short.npy'), x.subarray(0, x.length - 3));
    e = await rejection(() => readData(join(base, 'short.npy'), join(base, 'y.npy')));
    expect(e).toMatchObject({ code: 'E_FORMAT', field: '--images' });
    expect(e.message).toMatch(/short\.npy: truncated: shape \[15, 4, 5\] of \|u1 needs \d+ bytes, the file has \d+/);
    writeFileSync(join(base, 'i32.npy'), encodeNpy(new Int32Array(15 * 20), [15, 20]));
    expect((await rejection(() => readData(join(base, 'i32.npy'), join(base, 'y.npy')))).message).toContain(
      'i32.npy: dtype <i4, expected uint8 (pixels), float32 or float64',
    );
    writeFileSync(join(base, 'y14.csv'), [...t.labels].slice(0, 14).join('\n'));
    e = await rejection(() => readData(join(base, 'x.npy'), join(base, 'y14.csv')));
    expect(e.message).toContain('y14.csv: 14 labels, but');
    writeFileSync(join(base, 'ybad.csv'), 'label\n0\n1\n2.5\n');
    expect((await rejection(() => readData(join(base, 'x.npy'), join(base, 'ybad.csv')))).message).toContain(
      'ybad.csv: line 4: got "2.5", expected an integer label',
    );
    writeFileSync(join(base, 'nan.npy'), encodeNpy(Float64Array.from([1, 2, 3, 4, NaN, 6]), [3, 2]));
    expect((await rejection(() => readData(join(base, 'nan.npy'), join(base, 'y.npy')))).message).toContain('nan.npy: value NaN at row 2, column 0');
    writeFileSync(join(base, 'big.npy'), encodeNpy(Float64Array.from([1, 2, 3, 4, 1e39, 6]), [3, 2]));
    expect((await rejection(() => readData(join(base, 'big.npy'), join(base, 'y.npy')))).message).toContain('outside the float32 range');
    // Tables: a missing label column names the flag; a bad cell names the line and column.
    e = await rejection(() => parseTable(new TextEncoder().encode('a,b\n1,2\n'), 't.csv', { labelColumn: 'y' }));
    expect(e).toMatchObject({ code: 'E_INVALID', field: '--label-column' });
    e = await rejection(() => parseTable(new TextEncoder().encode('a,b,y\n1,2,0\n1,x,1\n'), 't.csv', { labelColumn: 'y' }));
    expect(e.message).toBe('t.csv: line 3, column "b": got "x", expected a finite number');
    e = await rejection(() => parseTable(new TextEncoder().encode('a,b,y\n1,2,0\n1,3\n'), 't.csv', { labelColumn: 'y' }));
    expect(e.message).toBe('t.csv: line 3 has 2 cells, the header has 3');
    e = await rejection(() => parseTable(new TextEncoder().encode('a,b,y\n1,2,0\n1,3,\n'), 't.csv', { labelColumn: 'y' }));
    expect(e.message).toBe('t.csv: line 3, column "y": no label, expected an integer or a class name');
  });

  it('float images get grids (spread over 0..255 for display only); feature vectors and RGBA arrays get none', () => {
    const base = join(dir, 'float-img');
    mkdirSync(base, { recursive: true });
    writeFileSync(
      join(base, 'x.npy'),
      encodeNpy(
        Float32Array.from({ length: 6 * 2 * 3 }, (_, i) => i / 10 - 1),
        [6, 2, 3],
      ),
    );
    writeFileSync(join(base, 'y.csv'), '0\n0\n0\n1\n1\n1\n');
    const set = readData(join(base, 'x.npy'), join(base, 'y.csv'));
    const img = imageSetOf(set)!;
    expect([img.height, img.width, img.channels]).toEqual([2, 3, 1]);
    expect([img.pixels[0], img.pixels[35]]).toEqual([0, 255]);
    expect(set.pixels[0]).toBeCloseTo(-1, 6); // the scored values stay as given
    writeFileSync(join(base, 'chw.npy'), encodeNpy(new Uint8Array(6 * 3 * 4 * 5), [6, 3, 4, 5]));
    expect(readData(join(base, 'chw.npy'), join(base, 'y.csv')).image).toEqual({ height: 4, width: 5, channels: 3, layout: 'chw' });
    writeFileSync(join(base, 'rgba.npy'), encodeNpy(new Uint8Array(6 * 2 * 2 * 4), [6, 2, 2, 4]));
    expect(imageSetOf(readData(join(base, 'rgba.npy'), join(base, 'y.csv')))).toBeNull();
    writeFileSync(join(base, 'f.npy'), encodeNpy(new Float32Array(12), [6, 2]));
    expect(imageSetOf(readData(join(base, 'f.npy'), join(base, 'y.csv')))).toBeNull();
  });

  it('labels as pandas writes them ("3.0", a header), a big-endian array named as such', async () => {
    const base = join(dir, 'pandas');
    const t = writeTinyFiles(base);
    writeFileSync(join(base, 'yf.csv'), `\ufefflabel\r\n${[...t.labels].map((l) => `${l}.0`).join('\r\n')}`);
    expect([...readData(join(base, 'x.npy'), join(base, 'yf.csv')).labels]).toEqual([...t.labels]);
    const tb = parseTable(new TextEncoder().encode('f,y\n1,10.0\n2,2.0\n3,10\n'), 't.csv', { labelColumn: 'y' });
    expect([...tb.labels]).toEqual([10, 2, 10]);
    expect(tb.classNames).toBeNull();
    const le = encodeNpy(new Float32Array(6), [3, 2]);
    const be = new Uint8Array(le);
    be.set(new TextEncoder().encode('>f4'), new TextDecoder().decode(le).indexOf('<f4'));
    writeFileSync(join(base, 'be.npy'), be);
    const e = await rejection(() => readData(join(base, 'be.npy'), join(base, 'y.npy')));
    expect(e.message).toContain('be.npy: dtype >f4, expected uint8 (pixels), float32 or float64 (this one is big-endian');
  });

  it('large inputs are refused with E_TOO_LARGE from the header, before allocating', async () => {
    const base = join(dir, 'large');
    const t = writeTinyFiles(base);
    // The influence memoryLimit is honoured.
    let e = await rejection(() => readData(join(base, 'x.npy'), join(base, 'y.npy'), { memoryLimit: 200 }));
    expect(e).toMatchObject({ code: 'E_TOO_LARGE', field: '--images' });
    expect(e.message).toContain('x.npy: 15 rows of 20 bytes need 300 bytes');
    e = await rejection(() => readData(t.folder, undefined, { memoryLimit: 200 }));
    expect(e.code).toBe('E_TOO_LARGE');
    // A PNG whose header announces 100,000 x 100,000 pixels is refused before it is decoded.
    const png = encodePng({ width: 2, height: 2, data: new Uint8Array(4), channels: 1, depth: 8 });
    new DataView(png.buffer, png.byteOffset).setUint32(16, 100000, false);
    new DataView(png.buffer, png.byteOffset).setUint32(20, 100000, false);
    e = await rejection(() => decodeImage(png, 'bomb.png'));
    expect(e).toMatchObject({ code: 'E_TOO_LARGE' });
    expect(e.message).toContain('bomb.png: a 100000 x 100000 PNG image');
    e = await rejection(() => readTable(join(base, 'y.csv'), { labelColumn: 'label', memoryLimit: 4 }));
    // (y.csv has no feature column besides its label)
    expect(e.code).toBe('E_FORMAT');
    // A 9.3 GB float32 array (a sparse file): refused at once under the default 8 GiB.
    const text = "{'descr': '<f4', 'fortran_order': False, 'shape': (50000, 50000), }";
    const total = Math.ceil((10 + text.length + 1) / 64) * 64;
    const bytes = new Uint8Array(total);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, total - 10, 0]);
    bytes.set(new TextEncoder().encode(`${text.padEnd(total - 11)}\n`), 10);
    const huge = join(base, 'huge.npy');
    const fd = openSync(huge, 'w');
    writeSync(fd, bytes);
    writeSync(fd, new Uint8Array(1), 0, 1, bytes.length + 50000 * 50000 * 4 - 1);
    closeSync(fd);
    const t0 = performance.now();
    e = await rejection(() => readData(huge, join(base, 'y.npy')));
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(e).toMatchObject({ code: 'E_TOO_LARGE' });
    expect(e.message).toContain('huge.npy: 50000 rows of 50000 float32 values need 9.3 GiB');
  });

  it('benignfit influence reads a folder, an .npy with CSV labels and a table from the command line', () => {
    const base = join(dir, 'cli');
    const t = writeTinyFiles(base);
    const f = features();
    writeFileSync(
      join(base, 'table.csv'),
      [
        `y,${Array.from({ length: f.d }, (_, j) => `f${j}`).join(',')}`,
        ...Array.from({ length: f.n }, (_, i) => `${f.labels[i]},${[...f.x.subarray(i * f.d, (i + 1) * f.d)].join(',')}`),
      ].join('\n'),
    );
    const run = (...args: string[]) => execFileSync('node', ['dist/cli/main.js', 'influence', ...args, '--backend', 'wasm'], { stdio: 'pipe' }).toString();
    run('--images', t.folder, '--out', join(base, 'o1'), '--grid', '2');
    run('--images', join(base, 'x.npy'), '--labels', join(base, 'y.csv'), '--out', join(base, 'o2'), '--grid', '2');
    run('--table', join(base, 'table.csv'), '--label-column', 'y', '--out', join(base, 'o3'));
    const s1 = readFileSync(join(base, 'o1', 'scores.csv'), 'utf8')
      .trim()
      .split('\n');
    const s2 = readFileSync(join(base, 'o2', 'scores.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(s1[0]).toBe('index,label,score,file');
    expect(s1[6]).toBe(`5,1,${s2[6].split(',')[2]},bee/img05.png`);
    expect(s1.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(s2.slice(1));
    const sum1 = JSON.parse(readFileSync(join(base, 'o1', 'summary.json'), 'utf8'));
    expect(sum1.input.classNames).toEqual(classNames);
    expect(sum1.files).toContain('grid_top.png');
    const sum3 = JSON.parse(readFileSync(join(base, 'o3', 'summary.json'), 'utf8'));
    expect(sum3.input.format).toBe('csv');
    expect(sum3.files).not.toContain('grid_top.png');
    expect(
      readFileSync(join(base, 'o3', 'scores.csv'), 'utf8')
        .trim()
        .split('\n').length,
    ).toBe(f.n + 1);
    let err = '';
    try {
      run('--table', join(base, 'table.csv'), '--label-column', 'nope', '--out', join(base, 'o4'));
    } catch (e) {
      err = String((e as { stderr: Buffer }).stderr);
    }
    expect(err).toContain('no column named "nope"');
  });
});
