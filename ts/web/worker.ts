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
import { imagesFromIdx, parseIdx, type ImageSet } from '../formats/idx.js';
import { extremes, type InfluenceResult } from '../influence.js';
import { frobeniusSvg, gridRows } from '../influence-report.js';
import { load } from '../load-browser.js';
import { imageGridSvg } from '../plot/grid.js';
import { initRasterizer, rasterizerReady, svgToPng } from '../plot/raster.js';
import { sweepFigure } from '../sweep/figure.js';
import { resolveSweep } from '../sweep/spec.js';
import type { ImageSource, InfluenceOutput, JobArgs, JobKind, JobValue, Reply, Request } from './jobs.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let bfP: Promise<Benignfit> | null = null;
const backend = () => (bfP ??= load());
const aborts = new Map<number, AbortController>();
/** The last dataset scored (for new grids without scoring again). */
let last: { set: ImageSet; result: InfluenceResult } | null = null;

function reply(m: Reply, transfer: Transferable[] = []): void {
  scope.postMessage(m, transfer);
}

/** Read the chosen files as one image set: an IDX images + labels pair, or CIFAR-10 batches. */
async function readImages(src: ImageSource, progress: (file: string, done: number, total: number) => void): Promise<{ set: ImageSet; format: 'idx' | 'cifar' }> {
  const entries: { name: string; bytes: Uint8Array }[] = [];
  if (src.kind === 'sample') {
    for (const [i, url] of [src.images, src.labels].entries()) {
      const res = await fetch(url);
      if (!res.ok) throw new BenignfitError('E_IO', `the built-in sample (${url}) could not be fetched: HTTP ${res.status}`);
      const name = url.split('/').pop()!;
      progress(name, i, 2);
      entries.push({ name, bytes: (await toBytes(res, name)).bytes });
    }
  } else {
    for (const [i, f] of src.files.entries()) {
      progress(f.name, i, src.files.length);
      entries.push({ name: f.name, bytes: (await toBytes(f, f.name)).bytes });
    }
  }
  if (!entries.length) throw new BenignfitError('E_INVALID', 'files: got none, expected an IDX images file and its labels file, or CIFAR-10 .bin batches', { field: 'files' });
  let images: { name: string; bytes: Uint8Array } | null = null;
  let labels: { name: string; bytes: Uint8Array } | null = null;
  const cifar: { name: string; bytes: Uint8Array }[] = [];
  let meta: string[] | null = null;
  for (const e of entries) {
    const raw = maybeGunzip(e.bytes, e.name);
    const isIdx = raw.length >= 4 && raw[0] === 0 && raw[1] === 0 && raw[2] === 0x08;
    if (isIdx && raw[3] === 1) labels = { name: e.name, bytes: raw };
    else if (isIdx && (raw[3] === 3 || raw[3] === 2)) images = { name: e.name, bytes: raw };
    else if (/\.txt$/i.test(e.name)) meta = parseCifarMeta(new TextDecoder().decode(raw));
    else if (/\.bin$/i.test(e.name) || raw.length % 3073 === 0) cifar.push({ name: e.name, bytes: raw });
    else throw new BenignfitError('E_FORMAT', `${e.name}: neither an IDX file (magic 0x0000 08 01 labels / 08 03 images) nor a CIFAR-10 batch (records of 3073 bytes)`);
  }
  if (cifar.length && (images || labels)) throw new BenignfitError('E_INVALID', 'files: got IDX and CIFAR-10 files together, expected one dataset (an IDX pair, or CIFAR-10 batches)', { field: 'files' });
  if (cifar.length) {
    cifar.sort((a, b) => a.name.localeCompare(b.name));
    const set = imagesFromCifar(cifar.map((c) => parseCifarBatch(c.bytes, c.name)), cifar.map((c) => c.name), meta && meta.length >= 10 ? meta.slice(0, 10) : undefined);
    return { set, format: 'cifar' };
  }
  if (!images || !labels) {
    throw new BenignfitError('E_INVALID', `files: got ${images ? `images (${images.name}) without a labels file` : labels ? `labels (${labels.name}) without an images file` : 'no IDX file'}, expected an IDX images file and its labels file (e.g. train-images-idx3-ubyte and train-labels-idx1-ubyte, .gz is fine)`, { field: 'files' });
  }
  const set = imagesFromIdx(parseIdx(images.bytes, images.name), parseIdx(labels.bytes, labels.name), images.name, labels.name);
  return { set, format: 'idx' };
}

/** The Figure 5 grids with `count` images per row, and the indices they show (per class). */
function grids(set: ImageSet, r: InfluenceResult, count: number): { gridTop: string; gridBottom: string; extremes: InfluenceOutput['extremes'] } {
  const geom = { width: set.width, height: set.height, channels: set.channels, layout: set.layout };
  const make = (which: 'top' | 'bottom') =>
    imageGridSvg(gridRows(set, r, which, count), geom, { title: `${which === 'top' ? 'Highest' : 'Lowest'} influence scores (eq. 10, normalize ${r.config.normalize})` });
  const per = (which: 'top' | 'bottom') => Array.from({ length: r.classes }, (_, c) => extremes(r.scores, count, which, r.labels, c));
  return { gridTop: make('top'), gridBottom: make('bottom'), extremes: { top: per('top'), bottom: per('bottom') } };
}

async function ensureRaster(): Promise<void> {
  if (rasterizerReady()) return;
  const fonts = await Promise.all([fontUrl, fontBoldUrl].map(async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer())));
  await initRasterizer({ wasm: fetch(resvgWasmUrl), fonts });
}

type Handler<K extends JobKind> = (args: JobArgs[K], ctx: { signal: AbortSignal; progress: (d: unknown) => void }) => Promise<{ value: JobValue[K]; transfer?: Transferable[] }>;

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
    return { value: { svg: f.svg, z: f.z, notes: f.notes, fit: f.fit, boundaries: f.boundaries && { plane: f.boundaries.plane, constants: f.boundaries.constants, curves: f.boundaries.curves } } };
  },
  async influence({ source, options, grid }, { signal, progress }) {
    const bf = await backend();
    last = null;
    const { set, format } = await readImages(source, (file, done, total) => progress({ stage: 'read', file, done, total }));
    const r = await bf.influence(set, {
      ...options,
      signal,
      onClassStart: (c, images) => progress({ stage: 'class-start', class: c, images, done: c, total: set.classes }),
      onProgress: (p) => progress({ stage: 'class-done', class: p.class, images: p.images, done: p.done, total: p.total, seconds: p.info.seconds ?? 0 }),
    });
    last = { set, result: r };
    progress({ stage: 'figures' });
    const names = Array.from({ length: r.classes }, (_, c) => set.classNames?.[c] ?? String(c));
    const scores = r.scores.slice();
    const labels = r.labels.slice();
    const out: InfluenceOutput = {
      set: { n: set.n, height: set.height, width: set.width, channels: set.channels, classes: r.classes, classNames: names, sources: set.sources, format },
      scores,
      labels,
      classes: r.classes,
      perClass: r.perClass,
      frobenius: r.frobenius,
      phase: r.phase,
      config: r.config as unknown as Record<string, unknown>,
      seconds: r.seconds,
      backend: bf.backend,
      version: bf.version(),
      frobeniusSvg: r.frobenius ? frobeniusSvg(r.frobenius.frobSq, names) : null,
      ...grids(set, r, grid),
    };
    return { value: out, transfer: [scores.buffer, labels.buffer] };
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
