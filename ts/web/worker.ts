/**
 * The page's own worker: its own wasm instance for the work that is not a sweep cell — the
 * Theorem 1 table, the sweep figure with the theory's boundaries, influence scores of a dataset
 * read from disk, Figure 5/6 images, and SVG -> PNG (resvg). Keeps the page's main thread free.
 */
import resvgWasmUrl from '@resvg/resvg-wasm/index_bg.wasm?url';
import fontBoldUrl from 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf?url';
import fontUrl from 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf?url';
import type { Benignfit } from '../api.js';
import { BenignfitError } from '../errors.js';
import { maybeGunzip, toBytes } from '../formats/bytes.js';
import { imagesFromCifar, parseCifarBatch, parseCifarMeta } from '../formats/cifar.js';
import { checkSize, dataFromImageSet, imageFolderFromFiles, imageSetOf, isImageFile, npyData, parseLabels, parseTable, type DataSet } from '../formats/data.js';
import { imagesFromIdx, parseIdx } from '../formats/idx.js';
import { parseNpyHeader } from '../npy.js';
import { extremes, type InfluenceResult } from '../influence.js';
import { BrowserInfluenceExecutor } from '../influence-browser.js';
import { gridRows } from '../figures/fig5.js';
import { frobeniusSvg } from '../figures/fig6.js';
import { load } from '../load-browser.js';
import { imageGridSvg } from '../plot/grid.js';
import { initRasterizer, rasterizerReady, svgToPng } from '../plot/raster.js';
import { defaultWorkers } from '../sweep/browser.js';
import { sweepFigure } from '../sweep/figure.js';
import { resolveSweep } from '../sweep/spec.js';
import type { ImageSource, InfluenceOutput, JobArgs, JobKind, JobValue, Reply, Request } from './jobs.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let bfP: Promise<Benignfit> | null = null;
const backend = () => (bfP ??= load());
const aborts = new Map<number, AbortController>();
/** The last dataset scored (for new grids without scoring again). */
let last: { set: DataSet; result: InfluenceResult } | null = null;

function reply(m: Reply, transfer: Transferable[] = []): void {
  scope.postMessage(m, transfer);
}

/**
 * The influence Web Workers, kept between runs: their wasm is compiled, instantiated and warmed
 * once (when data is chosen, or at the first run), not at every run. A run that is stopped ends
 * the busy workers; the pool starts fresh ones at the next run.
 */
let pool: { workers: number; executor: BrowserInfluenceExecutor } | null = null;
function influencePool(workers: number): BrowserInfluenceExecutor | null {
  if (pool && pool.workers !== workers) {
    pool.executor.close();
    pool = null;
  }
  if (workers <= 1) return null;
  pool ??= { workers, executor: new BrowserInfluenceExecutor({ workers }) };
  pool.executor.warm().catch(() => undefined);
  return pool.executor;
}

/** The page's default memory limit for data read from disk: wasm32 holds at most 4 GiB, and the data is copied into it. */
const PAGE_MEMORY_LIMIT = 2 * 2 ** 30;

type Entry = { name: string; path: string; size: number; read: () => Promise<Uint8Array> };

/**
 * Read the chosen files as one data set: an IDX images + labels pair, CIFAR-10 batches, a .npy
 * array with its labels (.npy or one-column CSV), a picked folder of PNG/JPEG images with one
 * subfolder per class, or a CSV table with a label column. Sizes are checked from the files'
 * sizes (and .npy headers) before anything is read whole.
 */
async function readImages(
  src: ImageSource,
  memoryLimit: number | undefined,
  progress: (file: string, done: number, total: number) => void,
): Promise<{ set: DataSet; format: DataSet['format'] }> {
  const o = { memoryLimit: memoryLimit ?? PAGE_MEMORY_LIMIT, field: 'files' };
  const entries: Entry[] = [];
  if (src.kind === 'sample') {
    for (const url of [src.images, src.labels]) {
      const name = url.split('/').pop()!;
      entries.push({
        name,
        path: name,
        size: 0,
        read: async () => {
          const res = await fetch(url);
          if (!res.ok) throw new BenignfitError('E_IO', `the built-in sample (${url}) could not be fetched: HTTP ${res.status}`);
          return (await toBytes(res, name)).bytes;
        },
      });
    }
  } else {
    src.files.forEach((f, i) =>
      entries.push({ name: f.name, path: src.paths?.[i] || f.name, size: f.size, read: async () => (await toBytes(f, f.name)).bytes }),
    );
  }
  if (!entries.length)
    throw new BenignfitError(
      'E_INVALID',
      'files: got none, expected an IDX images file and its labels file, CIFAR-10 .bin batches, a .npy array with its labels, a folder of images or a CSV table',
      { field: 'files' },
    );
  const total = entries.reduce((a, e) => a + e.size, 0);
  checkSize(entries.length === 1 ? entries[0].name : `${entries.length} files`, 'the files', total, 1, o);
  let done = 0;
  const read = async (e: Entry) => {
    progress(e.name, done++, entries.length);
    return e.read();
  };
  // A picked folder: files in class subfolders (paths root/class/file).
  const inFolders = entries.filter((e) => e.path.split('/').filter(Boolean).length >= 3 && isImageFile(e.name));
  if (inFolders.length) {
    const root = entries[0].path.split('/')[0];
    const files = [];
    for (const e of entries) {
      const parts = e.path.split('/').filter(Boolean);
      files.push({
        path: parts.slice(1).join('/'),
        bytes: parts.length >= 3 && isImageFile(e.name) && !e.name.startsWith('.') ? await read(e) : new Uint8Array(0),
      });
    }
    return { set: imageFolderFromFiles(files, root, o), format: 'folder' };
  }
  const loose = entries.find((e) => isImageFile(e.name));
  if (loose) {
    throw new BenignfitError(
      'E_INVALID',
      `${loose.name}: an image on its own, expected a folder with one subfolder of images per class (use "choose a folder")`,
      { field: 'files' },
    );
  }
  const npys = entries.filter((e) => /\.npy$/i.test(e.name));
  const csvs = entries.filter((e) => /\.(csv|tsv|txt)$/i.test(e.name) && !/meta/i.test(e.name));
  if (npys.length) {
    // The images are the .npy of 2 or more dimensions; the labels a 1-D .npy or a CSV.
    const arrays = await Promise.all(npys.map(async (e) => ({ e, bytes: await read(e) })));
    const withShape = arrays.map((a) => ({ ...a, h: parseNpyHeader(a.bytes, a.e.name) }));
    const imgs = withShape.filter((a) => a.h.shape.length >= 2 && !(a.h.shape.length === 2 && a.h.shape[1] === 1));
    const labs = withShape.filter((a) => !imgs.includes(a));
    if (imgs.length !== 1)
      throw new BenignfitError(
        'E_INVALID',
        `files: got ${imgs.length} .npy arrays of images or features (${imgs.map((a) => a.e.name).join(', ') || 'none'}), expected one (N x D or N x H x W [x C]) with its labels`,
        { field: 'files' },
      );
    const labelFile = labs[0] ? { name: labs[0].e.name, bytes: labs[0].bytes } : csvs[0] ? { name: csvs[0].name, bytes: await read(csvs[0]) } : null;
    if (!labelFile)
      throw new BenignfitError('E_INVALID', `files: ${imgs[0].e.name} needs its labels, expected a .npy of integer labels or a one-column CSV chosen with it`, {
        field: 'files',
      });
    const labels = parseLabels(labelFile.bytes, labelFile.name, o);
    return { set: npyData(imgs[0].bytes, imgs[0].e.name, labels, labelFile.name, o), format: 'npy' };
  }
  if (csvs.length === 1 && entries.length === 1) {
    const e = csvs[0];
    return { set: parseTable(await read(e), e.name, { ...o, labelColumn: src.kind === 'files' ? src.labelColumn || 'label' : 'label' }), format: 'csv' };
  }
  const raws: { name: string; bytes: Uint8Array }[] = [];
  for (const e of entries) raws.push({ name: e.name, bytes: await read(e) });
  let images: { name: string; bytes: Uint8Array } | null = null;
  let labels: { name: string; bytes: Uint8Array } | null = null;
  const cifar: { name: string; bytes: Uint8Array }[] = [];
  let meta: string[] | null = null;
  for (const e of raws) {
    const raw = maybeGunzip(e.bytes, e.name);
    const isIdx = raw.length >= 4 && raw[0] === 0 && raw[1] === 0 && raw[2] === 0x08;
    if (isIdx && raw[3] === 1) labels = { name: e.name, bytes: raw };
    else if (isIdx && (raw[3] === 3 || raw[3] === 2)) images = { name: e.name, bytes: raw };
    else if (/\.txt$/i.test(e.name)) meta = parseCifarMeta(new TextDecoder().decode(raw));
    else if (/\.bin$/i.test(e.name) || raw.length % 3073 === 0) cifar.push({ name: e.name, bytes: raw });
    else
      throw new BenignfitError(
        'E_FORMAT',
        `${e.name}: neither an IDX file (magic 0x0000 08 01 labels / 08 03 images), a CIFAR-10 batch (records of 3073 bytes), a .npy array, a CSV table nor a PNG/JPEG image in a class folder`,
      );
  }
  if (cifar.length && (images || labels))
    throw new BenignfitError('E_INVALID', 'files: got IDX and CIFAR-10 files together, expected one dataset (an IDX pair, or CIFAR-10 batches)', {
      field: 'files',
    });
  if (cifar.length) {
    cifar.sort((a, b) => a.name.localeCompare(b.name));
    const set = imagesFromCifar(
      cifar.map((c) => parseCifarBatch(c.bytes, c.name)),
      cifar.map((c) => c.name),
      meta && meta.length >= 10 ? meta.slice(0, 10) : undefined,
    );
    return { set: dataFromImageSet(set, 'cifar'), format: 'cifar' };
  }
  if (!images || !labels) {
    throw new BenignfitError(
      'E_INVALID',
      `files: got ${images ? `images (${images.name}) without a labels file` : labels ? `labels (${labels.name}) without an images file` : 'no IDX file'}, expected an IDX images file and its labels file (e.g. train-images-idx3-ubyte and train-labels-idx1-ubyte, .gz is fine)`,
      { field: 'files' },
    );
  }
  const set = imagesFromIdx(parseIdx(images.bytes, images.name), parseIdx(labels.bytes, labels.name), images.name, labels.name);
  return { set: dataFromImageSet(set, 'idx'), format: 'idx' };
}

/** The Figure 5 grids with `count` images per row (empty for feature vectors), and the indices they show (per class). */
function grids(data: DataSet, r: InfluenceResult, count: number): { gridTop: string; gridBottom: string; extremes: InfluenceOutput['extremes'] } {
  const set = imageSetOf(data);
  const geom = set && { width: set.width, height: set.height, channels: set.channels, layout: set.layout };
  const make = (which: 'top' | 'bottom') =>
    !set || !geom
      ? ''
      : imageGridSvg(gridRows(set, r, which, count), geom, {
          title: `${which === 'top' ? 'Highest' : 'Lowest'} influence scores (eq. 10, normalize ${r.config.normalize})`,
        });
  const per = (which: 'top' | 'bottom') => Array.from({ length: r.classes }, (_, c) => extremes(r.scores, count, which, r.labels, c));
  return { gridTop: make('top'), gridBottom: make('bottom'), extremes: { top: per('top'), bottom: per('bottom') } };
}

async function ensureRaster(): Promise<void> {
  if (rasterizerReady()) return;
  const fonts = await Promise.all([fontUrl, fontBoldUrl].map(async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer())));
  await initRasterizer({ wasm: fetch(resvgWasmUrl), fonts });
}

type Handler<K extends JobKind> = (
  args: JobArgs[K],
  ctx: { signal: AbortSignal; progress: (d: unknown) => void },
) => Promise<{ value: JobValue[K]; transfer?: Transferable[] }>;

const handlers: { [K in JobKind]: Handler<K> } = {
  async version() {
    const bf = await backend();
    return { value: { backend: bf.backend, version: bf.version(), workers: navigator.hardwareConcurrency } };
  },
  async theory({ data, options }) {
    const bf = await backend();
    return { value: bf.theory(data, options) };
  },
  async boundaries({ options }) {
    const bf = await backend();
    return { value: bf.phaseBoundaries(options) };
  },
  async figure({ config, rows, fit }) {
    const bf = await backend();
    const resolved = resolveSweep(config);
    const f = sweepFigure(bf, resolved, rows, { fit, fitFile: 'results.json' });
    return {
      value: {
        svg: f.svg,
        z: f.z,
        notes: f.notes,
        fit: f.fit,
        boundaries: f.boundaries && { plane: f.boundaries.plane, constants: f.boundaries.constants, curves: f.boundaries.curves },
      },
    };
  },
  async influence({ source, options, grid, workers }, { signal, progress }) {
    const bf = await backend();
    last = null;
    // The classes run in Web Workers (with Figure 6, their scatters come back and are combined
    // here): the pool is kept between runs, and started (with its wasm) while the files are read
    // if choosing the data has not started it already.
    const executor = influencePool(workers ?? defaultWorkers());
    const read = await readImages(source, options.memoryLimit ?? undefined, (file, done, total) => progress({ stage: 'read', file, done, total }));
    let finished = 0;
    const r = await bf.influence(read.set, {
      ...options,
      workers,
      ...(executor ? { executor } : {}),
      signal,
      // In Web Workers several classes run at once and finish in any order.
      onClassStart: (c, images) => progress({ stage: 'class-start', class: c, images, done: finished, total: read.set.classes }),
      onProgress: (p) => {
        finished = p.done;
        progress({ stage: 'class-done', class: p.class, images: p.images, done: p.done, total: p.total, seconds: p.info.seconds ?? 0 });
      },
    });
    const { set, format } = read;
    last = { set, result: r };
    progress({ stage: 'figures' });
    const names = Array.from({ length: r.classes }, (_, c) => set.classNames?.[c] ?? String(c));
    const scores = r.scores.slice();
    const labels = r.labels.slice();
    const out: InfluenceOutput = {
      set: {
        n: set.n,
        dim: set.dim,
        height: set.image?.height ?? 0,
        width: set.image?.width ?? 0,
        channels: set.image?.channels ?? 0,
        features: !set.image,
        classes: r.classes,
        classNames: names,
        sources: set.sources,
        format,
        files: set.files,
        skipped: set.skipped?.length ?? 0,
      },
      scores,
      labels,
      classes: r.classes,
      perClass: r.perClass,
      frobenius: r.frobenius,
      phase: r.phase,
      config: r.config as unknown as Record<string, unknown>,
      seconds: r.seconds,
      workers: r.workers,
      backend: bf.backend,
      version: bf.version(),
      frobeniusSvg: r.frobenius ? frobeniusSvg(r.frobenius.frobSq, names) : null,
      ...grids(set, r, grid),
    };
    return { value: out, transfer: [scores.buffer, labels.buffer] };
  },
  async influenceWarm({ workers }) {
    influencePool(workers ?? defaultWorkers());
    return { value: null };
  },
  async grids({ grid }) {
    if (!last) throw new BenignfitError('E_INVALID', 'grids: no dataset has been scored yet');
    return { value: grids(last.set, last.result, grid) };
  },
  async png({ svg, zoom }) {
    await ensureRaster();
    const png = svgToPng(svg, { zoom: zoom ?? 2 });
    return { value: png, transfer: [png.buffer] };
  },
};

scope.onmessage = async (ev: MessageEvent<Request>) => {
  const m = ev.data;
  if (m.type === 'abort') {
    aborts.get(m.id)?.abort();
    return;
  }
  const ac = new AbortController();
  aborts.set(m.id, ac);
  try {
    const h = handlers[m.kind] as Handler<JobKind>;
    const { value, transfer } = await h(m.args, { signal: ac.signal, progress: (data) => reply({ type: 'progress', id: m.id, data }) });
    reply({ type: 'done', id: m.id, value }, transfer);
  } catch (e) {
    const err = e instanceof BenignfitError ? e : new BenignfitError('E_INTERNAL', String((e as Error)?.message ?? e));
    reply({ type: 'error', id: m.id, code: err.code, message: err.message });
  } finally {
    aborts.delete(m.id);
  }
};
