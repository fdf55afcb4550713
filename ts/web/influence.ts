/**
 * The Influence view: open MNIST IDX files, CIFAR-10 binary batches, a .npy array with its
 * labels, a folder of PNG/JPEG images (one subfolder per class) or a CSV table of features from
 * disk (read in a worker in this browser; nothing is uploaded) or the built-in MNIST sample; score every image (eq. 10)
 * class by class with progress; show the Figure 6 matrix with Gamma and the predicted phase, the
 * Figure 5 grids of the highest and lowest scores; download scores and figures.
 */
import { scoresCsv } from '../figures/fig5.js';
import { frobeniusCsv } from '../figures/fig6.js';
import { encodeNpy } from '../npy.js';
import type { InfluenceOutput, InfluenceStep } from './jobs.js';
import { defaultWorkers } from '../sweep/browser.js';
import type { JobWorker } from './rpc.js';
import { download, el, errorText, fmt, progressBar, seconds, showSvg } from './util.js';

const SAMPLE = {
  images: new URL('./sample/mnist-sample-images-idx3-ubyte.gz', document.baseURI).href,
  labels: new URL('./sample/mnist-sample-labels-idx1-ubyte.gz', document.baseURI).href,
};

export function influenceView(heavy: JobWorker, quick: JobWorker): { root: HTMLElement } {
  const fileIn = el('input', { type: 'file', id: 'influence-files', multiple: true, accept: '.gz,.bin,.txt,.npy,.csv,application/octet-stream,*' });
  const folderIn = el('input', { type: 'file', id: 'influence-folder', multiple: true, webkitdirectory: true });
  const labelColumn = el('input', {
    id: 'influence-label-column',
    type: 'text',
    value: 'label',
    size: 10,
    title: 'the label column of a CSV table (integers or class names)',
  });
  const drop = el(
    'div',
    { class: 'drop', id: 'influence-drop' },
    el(
      'p',
      {},
      'Drop files here, or ',
      el('label', { class: 'filelabel' }, 'choose files', fileIn),
      ' or ',
      el('label', { class: 'filelabel' }, 'choose a folder', folderIn),
      '.',
    ),
    el(
      'p',
      { class: 'hint' },
      'MNIST / Fashion-MNIST: an IDX images file and its labels file (train-images-idx3-ubyte + train-labels-idx1-ubyte, .gz is fine). CIFAR-10: one or more binary batches (data_batch_1.bin …, with batches.meta.txt for the class names). Your own data: a .npy array (N x D features, or N x H x W [x C] images; uint8, float32 or float64) with its labels (.npy or a one-column CSV); a folder of PNG/JPEG images with one subfolder per class; or a CSV table of features with a label column. Floats are scored as they are; bytes are pixels (scaled to [0, 1]). The files are read here, in this browser: nothing is uploaded.',
    ),
  );
  const sampleBtn = el('button', { type: 'button', id: 'influence-sample' }, 'Use the built-in sample (500 MNIST digits)');
  const sel = (id: string, opts: [string, string][], title: string) =>
    el('select', { id, name: id, title }, ...opts.map(([v, l]) => el('option', { value: v }, l)));
  const normalize = sel(
    'influence-normalize',
    [
      ['scale', 'scale (bytes to [0, 1])'],
      ['standardize', 'standardize (per pixel)'],
      ['unit', 'unit (per image)'],
    ],
    'pixel scaling before the covariances',
  );
  const precision = sel(
    'influence-precision',
    [
      ['f32', 'f32 products'],
      ['f64', 'f64 products'],
    ],
    'precision of the matrix products (sums and scores are always f64)',
  );
  const route = sel(
    'influence-route',
    [
      ['auto', 'auto'],
      ['scatter', 'scatter (d x d)'],
      ['gram', 'gram (n x n)'],
    ],
    'how each class is computed (same scores)',
  );
  const fig6On = el('input', {
    id: 'influence-frobenius',
    type: 'checkbox',
    checked: true,
    title: "the Figure 6 matrix tr(S_i S_j): each worker hands its classes' d x d scatters back and they are combined in one instance",
  });
  const workersIn = el('input', {
    id: 'influence-workers',
    type: 'number',
    min: 1,
    max: 64,
    step: 1,
    value: defaultWorkers(),
    title: 'Web Workers that score classes side by side, one wasm instance each (1: one class after another)',
  });
  const grid = el('input', { id: 'influence-grid', type: 'number', min: 1, max: 30, step: 1, value: 10 });
  const c2 = el('input', { id: 'influence-c2', type: 'number', min: 0, step: 'any', value: 1 });
  const runBtn = el('button', { type: 'button', id: 'influence-run', class: 'primary', disabled: true }, 'Score the images');
  const cancelBtn = el('button', { type: 'button', id: 'influence-cancel', disabled: true }, 'Cancel');
  const chosen = el('p', { id: 'influence-chosen', class: 'hint' }, 'No files chosen.');
  const field = (label: string, input: HTMLElement) => el('label', { class: 'field' }, el('span', {}, label), input);
  const form = el(
    'form',
    { class: 'settings', onsubmit: (e: Event) => e.preventDefault() },
    el('fieldset', {}, el('legend', {}, 'images'), drop, sampleBtn, chosen),
    el(
      'fieldset',
      {},
      el('legend', {}, 'options'),
      field('label column (CSV table)', labelColumn),
      field('normalize', normalize),
      field('precision', precision),
      field('route', route),
      field('Figure 6', fig6On),
      field('workers', workersIn),
      field('images per grid row', grid),
      field('C2 for the phase', c2),
    ),
    el('div', { class: 'buttons' }, runBtn, cancelBtn),
  );

  const bar = progressBar();
  const status = el('p', { id: 'influence-status', 'data-state': 'idle' }, 'Choose a dataset.');
  const summary = el('div', { id: 'influence-summary' });
  const fig6 = el('div', { id: 'figure6', class: 'figure' });
  const top = el('div', { id: 'grid-top', class: 'figure wide' });
  const bottom = el('div', { id: 'grid-bottom', class: 'figure wide' });
  const dlNames = [
    'scores.csv',
    'scores.npy',
    'summary.json',
    'frobenius.csv',
    'figure6.svg',
    'figure6.png',
    'grid_top.svg',
    'grid_top.png',
    'grid_bottom.svg',
    'grid_bottom.png',
  ];
  const dls = Object.fromEntries(dlNames.map((n) => [n, el('button', { type: 'button', id: `dl-${n.replace('.', '-')}`, disabled: true }, n)]));
  const root = el(
    'div',
    { class: 'view-grid' },
    el('aside', {}, form),
    el(
      'div',
      { class: 'results' },
      el('div', { class: 'status-row' }, bar.root, status),
      summary,
      el('div', { class: 'downloads' }, el('span', {}, 'Download: '), ...Object.values(dls)),
      el('h3', {}, 'Figure 6: tr(S_i S_j)'),
      fig6,
      el('h3', {}, 'Figure 5: highest scores per class'),
      top,
      el('h3', {}, 'Figure 5: lowest scores per class'),
      bottom,
    ),
  );

  type Source = { kind: 'files'; files: File[]; paths?: string[]; labelColumn?: string } | { kind: 'sample'; images: string; labels: string; name: string };
  let source: Source | null = null;
  let result: InfluenceOutput | null = null;
  let ac: AbortController | null = null;
  let t0 = 0;

  const workerCount = () => Math.max(1, Math.min(64, Math.floor(Number(workersIn.value)) || defaultWorkers()));
  const choose = (s: Source, text: string) => {
    source = s;
    chosen.textContent = text;
    runBtn.disabled = false;
    // Start the Web Workers and their wasm now, so a run does not wait for them.
    heavy.call('influenceWarm', { workers: workerCount() }).catch(() => undefined);
  };
  fileIn.addEventListener('change', () => {
    const files = [...(fileIn.files ?? [])];
    if (files.length)
      choose(
        { kind: 'files', files },
        `${files.length} file${files.length > 1 ? 's' : ''}: ${files.map((f) => `${f.name} (${(f.size / 1e6).toFixed(1)} MB)`).join(', ')}`,
      );
  });
  folderIn.addEventListener('change', () => {
    const files = [...(folderIn.files ?? [])];
    const paths = files.map((f) => f.webkitRelativePath || f.name);
    const root = paths[0]?.split('/')[0] ?? '';
    const classes = new Set(paths.map((p) => p.split('/').slice(-2, -1)[0]).filter(Boolean));
    if (files.length)
      choose(
        { kind: 'files', files, paths },
        `folder ${root}: ${files.length} files in ${classes.size} subfolder${classes.size === 1 ? '' : 's'} (${(files.reduce((a, f) => a + f.size, 0) / 1e6).toFixed(1)} MB)`,
      );
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    // A dropped folder arrives as a directory entry: walk it for the class subfolders.
    const entries = [...(e.dataTransfer?.items ?? [])].map((it) => it.webkitGetAsEntry?.() ?? null);
    const dirEntry = entries.find((en) => en?.isDirectory) as FileSystemDirectoryEntry | undefined;
    if (dirEntry) {
      chosen.textContent = `reading the folder ${dirEntry.name}…`;
      void walkFolder(dirEntry).then(
        (found) =>
          choose(
            { kind: 'files', files: found.map((f) => f.file), paths: found.map((f) => f.path) },
            `folder ${dirEntry.name}: ${found.length} files (${(found.reduce((a, f) => a + f.file.size, 0) / 1e6).toFixed(1)} MB)`,
          ),
        (err) => (chosen.textContent = `could not read the folder ${dirEntry.name}: ${errorText(err)}`),
      );
      return;
    }
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) choose({ kind: 'files', files }, `${files.length} file${files.length > 1 ? 's' : ''}: ${files.map((f) => f.name).join(', ')}`);
  });
  sampleBtn.addEventListener('click', () => {
    choose({ kind: 'sample', ...SAMPLE, name: 'built-in sample' }, 'The built-in sample: the first 50 training images of each MNIST digit (500 images).');
    void run();
  });

  const setState = (s: string, text: string) => {
    status.dataset.state = s;
    status.textContent = text;
    const busy = s === 'running';
    runBtn.disabled = busy || !source;
    sampleBtn.disabled = busy;
    cancelBtn.disabled = !busy;
  };

  const onStep = (p: InfluenceStep) => {
    const el = (performance.now() - t0) / 1000;
    if (p.stage === 'read') {
      bar.set(null, '');
      status.textContent = `reading ${p.file} (${p.done + 1} of ${p.total})…`;
    } else if (p.stage === 'class-start') {
      bar.set(p.done / p.total, '');
      const eta = p.done > 0 ? (el / p.done) * (p.total - p.done) : NaN;
      status.textContent = `class ${p.class + 1} of ${p.total} (${p.images} images)… ${seconds(el)} elapsed${p.done > 0 ? ` · about ${seconds(eta)} left` : ''}`;
    } else if (p.stage === 'class-done') {
      bar.set(p.done / p.total, '');
    } else {
      bar.set(1, '');
      status.textContent = 'drawing the figures…';
    }
  };

  function render(r: InfluenceOutput) {
    const names = r.set.classNames;
    const f = r.frobenius;
    const perClass = el(
      'table',
      { class: 'data', id: 'influence-table' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...[
            'class',
            '|S_k|',
            'route',
            r.set.features ? 'features that vary' : 'pixels that vary',
            'tr(S_k S_k)',
            'min_j Gamma_kj',
            'argmin j',
            `phase (C2 = ${r.phase?.[0]?.c2 ?? '-'})`,
            'time',
          ].map((h) => el('th', {}, h)),
        ),
      ),
      el(
        'tbody',
        {},
        ...r.perClass.map((c, k) =>
          el(
            'tr',
            {},
            ...[
              names[k],
              String(c.n),
              c.route,
              `${c.keptPixels} / ${r.set.dim}`,
              fmt(f ? f.frobSq[k][k] : c.frobSq),
              fmt(r.phase?.[k]?.minGamma ?? null),
              r.phase?.[k]?.argminGamma === null || r.phase?.[k]?.argminGamma === undefined ? '-' : names[r.phase[k].argminGamma!],
              r.phase?.[k]?.phase ?? '-',
              seconds(c.seconds ?? 0),
            ].map((t) => el('td', {}, t)),
          ),
        ),
      ),
    );
    summary.replaceChildren(
      el(
        'p',
        {},
        `${r.set.n} ${r.set.features ? `feature vectors of ${r.set.dim}` : `images of ${r.set.height} x ${r.set.width}${r.set.channels > 1 ? ` x ${r.set.channels}` : ''}`} in ${r.classes} classes (${r.set.sources.join(', ')}${r.set.skipped ? `; ${r.set.skipped} files that are not PNG or JPEG skipped` : ''}), scored in ${seconds(r.seconds)} on ${r.backend}${r.workers > 1 ? ` in ${r.workers} Web Workers` : ''} (normalize ${String(r.config.normalize)}, ${String(r.config.precision)} products).`,
      ),
      el('div', { class: 'table-wrap' }, perClass),
    );
    if (r.frobeniusSvg) showSvg(fig6, r.frobeniusSvg);
    else
      fig6.replaceChildren(
        el('p', { class: 'hint' }, 'Not computed (tick "Figure 6" to compute it; the classes then run one after another in one wasm instance).'),
      );
    if (r.gridTop) showSvg(top, r.gridTop);
    else top.replaceChildren(el('p', { class: 'hint' }, 'Feature vectors: no images to show.'));
    if (r.gridBottom) showSvg(bottom, r.gridBottom);
    else bottom.replaceChildren();
  }

  async function run() {
    if (!source) return;
    result = null;
    for (const b of Object.values(dls)) b.disabled = true;
    summary.replaceChildren();
    fig6.replaceChildren();
    top.replaceChildren();
    bottom.replaceChildren();
    ac = new AbortController();
    t0 = performance.now();
    setState('running', 'starting…');
    bar.set(null, '');
    const options = {
      normalize: normalize.value as 'scale' | 'standardize' | 'unit',
      precision: precision.value as 'f32' | 'f64',
      route: route.value as 'auto' | 'scatter' | 'gram',
      c2: Number(c2.value) > 0 ? Number(c2.value) : 1,
      frobenius: fig6On.checked,
    };
    const count = Math.max(1, Math.min(30, Math.floor(Number(grid.value)) || 10));
    try {
      const src = source.kind === 'files' ? { ...source, labelColumn: labelColumn.value.trim() || 'label' } : source;
      const workers = workerCount();
      const r = await heavy.call('influence', { source: src, options, grid: count, workers }, { signal: ac.signal, onProgress: onStep });
      result = r;
      render(r);
      for (const b of Object.values(dls)) b.disabled = false;
      if (!r.frobeniusSvg) for (const n of ['frobenius.csv', 'figure6.svg', 'figure6.png']) dls[n].disabled = true;
      if (!r.gridTop) for (const n of ['grid_top.svg', 'grid_top.png', 'grid_bottom.svg', 'grid_bottom.png']) dls[n].disabled = true;
      bar.set(1, '');
      // The scoring time (reading the files not included) and the workers, for the bench's web group.
      status.dataset.seconds = String(r.seconds);
      status.dataset.workers = String(r.workers);
      status.dataset.classSeconds = String(r.perClass.reduce((a, c) => a + (c.seconds ?? 0), 0));
      setState('done', `done: ${r.set.n} images scored in ${seconds(r.seconds)}${r.workers > 1 ? ` in ${r.workers} Web Workers` : ''}`);
    } catch (e) {
      const err = e as { code?: string };
      if (err.code === 'E_ABORTED') {
        bar.set(0, '');
        setState('cancelled', 'cancelled');
      } else setState('error', `could not score the images: ${errorText(e)}`);
    } finally {
      ac = null;
    }
  }

  // A new grid size redraws Figure 5 from the scores already computed (no new scoring).
  grid.addEventListener('change', async () => {
    const count = Math.floor(Number(grid.value));
    if (!result || !(count >= 1 && count <= 30) || status.dataset.state === 'running') return;
    try {
      const g = await heavy.call('grids', { grid: count });
      result = { ...result, ...g };
      if (g.gridTop) showSvg(top, g.gridTop);
      if (g.gridBottom) showSvg(bottom, g.gridBottom);
    } catch (e) {
      status.textContent = `grids: ${errorText(e)}`;
    }
  });
  runBtn.addEventListener('click', () => void run());
  cancelBtn.addEventListener('click', () => ac?.abort());

  // ---- downloads ----
  const base = () =>
    result
      ? result.set.format === 'cifar'
        ? 'cifar10'
        : (result.set.sources[0] ?? 'images').replace(/[^A-Za-z0-9_-]+/g, '_').replace(/_gz$/, '')
      : 'influence';
  const png = async (name: string, svg: string, zoom: number) => {
    const b = dls[name];
    b.disabled = true;
    try {
      download(`${base()}-${name}`, await quick.call('png', { svg, zoom }), 'image/png');
    } catch (e) {
      status.textContent = `PNG: ${errorText(e)}`;
    } finally {
      b.disabled = false;
    }
  };
  const on = (name: string, f: (r: InfluenceOutput) => void) => dls[name].addEventListener('click', () => result && f(result));
  on('scores.csv', (r) => download(`${base()}-scores.csv`, scoresCsv(r, r.set.files), 'text/csv'));
  on('scores.npy', (r) => download(`${base()}-scores.npy`, encodeNpy(r.scores, [r.scores.length])));
  on('summary.json', (r) => {
    const doc = {
      command: 'influence (web page)',
      input: {
        format: r.set.format,
        sources: r.set.sources,
        images: r.set.n,
        dim: r.set.dim,
        ...(r.set.features ? {} : { height: r.set.height, width: r.set.width, channels: r.set.channels }),
        classes: r.classes,
        classNames: r.set.classNames,
      },
      config: { influence: r.config },
      seed: null,
      backend: r.backend,
      version: r.version,
      userAgent: navigator.userAgent,
      seconds: r.seconds,
      perClass: r.perClass,
      frobenius: r.frobenius,
      phase: r.phase,
      extremes: {
        top: Object.fromEntries(r.set.classNames.map((n, c) => [n, r.extremes.top[c]])),
        bottom: Object.fromEntries(r.set.classNames.map((n, c) => [n, r.extremes.bottom[c]])),
      },
    };
    download(`${base()}-summary.json`, `${JSON.stringify(doc, null, 1)}\n`, 'application/json');
  });
  on('frobenius.csv', (r) => download(`${base()}-frobenius.csv`, frobeniusCsv(r.frobenius!.frobSq), 'text/csv'));
  on('figure6.svg', (r) => download(`${base()}-figure6.svg`, r.frobeniusSvg!, 'image/svg+xml'));
  on('figure6.png', (r) => void png('figure6.png', r.frobeniusSvg!, 2));
  on('grid_top.svg', (r) => download(`${base()}-grid_top.svg`, r.gridTop, 'image/svg+xml'));
  on('grid_top.png', (r) => void png('grid_top.png', r.gridTop, 1));
  on('grid_bottom.svg', (r) => download(`${base()}-grid_bottom.svg`, r.gridBottom, 'image/svg+xml'));
  on('grid_bottom.png', (r) => void png('grid_bottom.png', r.gridBottom, 1));

  return { root };
}

/** Every file under a dropped folder, with its path from the folder ("root/class/file.png"). */
async function walkFolder(root: FileSystemDirectoryEntry): Promise<{ file: File; path: string }[]> {
  const out: { file: File; path: string }[] = [];
  const visit = async (dir: FileSystemDirectoryEntry, prefix: string): Promise<void> => {
    const reader = dir.createReader();
    for (;;) {
      // readEntries returns the entries in batches (about 100 in Chromium) until an empty one.
      const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
      if (!batch.length) break;
      for (const en of batch) {
        if (en.isDirectory) await visit(en as FileSystemDirectoryEntry, `${prefix}/${en.name}`);
        else out.push({ file: await new Promise<File>((res, rej) => (en as FileSystemFileEntry).file(res, rej)), path: `${prefix}/${en.name}` });
      }
    }
  };
  await visit(root, root.name);
  return out;
}
