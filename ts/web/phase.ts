/**
 * The Phase diagram view: pick two axes, the data model and the training; the sweep runs in Web
 * Workers (one wasm instance each) and the heatmap fills in cell by cell with the theory's
 * boundaries drawn on it; click a cell for its training curves; download results and figure.
 */
import { trainingCurveSvgs } from '../plot/curves.js';
import { BrowserWorkerExecutor, defaultWorkers, sweep } from '../sweep/browser.js';
import type { CellResult } from '../sweep/cell.js';
import { resolveSweep, type ResolvedSweep, type SweepConfigInput } from '../sweep/spec.js';
import { resultsCsv } from '../sweep/table.js';
import { DATA_FIELDS, DATA_SHOWN, fieldset, schemaExtras, TRAIN_FIELDS, TRAIN_SHOWN } from './form.js';
import type { FigureOutput } from './jobs.js';
import type { JobWorker } from './rpc.js';
import { calibrate, estimate, roughly, sweepWork } from './estimate.js';
import {
  AXIS_PARAMS,
  axisValues,
  PRESETS,
  presetSettings,
  sweepConfig,
  type AxisParam,
  type AxisSetting,
  type Settings,
  type SettingsStore,
} from './settings.js';
import { download, el, errorText, fmt, progressBar, seconds, showSvg } from './util.js';

const AXIS_DEFAULTS: Record<AxisParam, Omit<AxisSetting, 'param'>> = {
  'data.featureNorm': { from: 0.01, to: 4, count: 8, scale: 'log', values: '' },
  'data.gamma': { from: 1, to: 1000, count: 8, scale: 'log', values: '' },
  'data.perClass': { from: 10, to: 200, count: 5, scale: 'linear', values: '' },
  'train.width': { from: 5, to: 200, count: 5, scale: 'log', values: '' },
  'data.noise': { from: 0, to: 0, count: 3, scale: 'linear', values: '' },
};

type State = 'idle' | 'running' | 'cancelling' | 'done' | 'cancelled' | 'error';

export interface PhaseView {
  root: HTMLElement;
}

function axisFieldset(store: SettingsStore, which: 'x' | 'y'): HTMLFieldSetElement {
  const params = Object.entries(AXIS_PARAMS).map(([value, p]) => ({ value, label: p.label }));
  const select = el(
    'select',
    { name: `${which}-param`, 'data-path': `${which}.param` },
    ...(which === 'y' ? [el('option', { value: '' }, 'none (one axis)')] : []),
    ...params.map((p) => el('option', { value: p.value }, p.label)),
  );
  select.addEventListener('change', () => {
    const v = select.value as AxisParam | '';
    store.update((s) => {
      if (which === 'y' && !v) s.y = null;
      else s[which] = { param: v as AxisParam, ...AXIS_DEFAULTS[v as AxisParam] };
    }, select);
  });
  const has = (s: Settings) => (which === 'x' || s.y !== null) && s[which]?.param !== 'data.noise';
  const rest = fieldset(store, '', [
    { path: `${which}.from`, label: 'from', when: has },
    { path: `${which}.to`, label: 'to', when: has },
    { path: `${which}.count`, label: 'cells', min: 1, max: 64, step: 1, when: has },
    {
      path: `${which}.scale`,
      label: 'scale',
      kind: 'select',
      options: [
        { value: 'log', label: 'log' },
        { value: 'linear', label: 'linear' },
      ],
      when: has,
    },
    { path: `${which}.values`, label: 'or values', kind: 'text', title: 'explicit values, comma separated (override from / to / cells)', when: has },
  ]);
  rest.classList.add('inner');
  const fs = el(
    'fieldset',
    { id: `axis-${which}` },
    el('legend', {}, which === 'x' ? 'x axis' : 'y axis'),
    el('label', { class: 'field' }, el('span', {}, 'parameter'), select),
    rest,
  );
  const sync = (s: Settings) => {
    const v = which === 'x' ? s.x.param : (s.y?.param ?? '');
    if (select.value !== v) select.value = v;
  };
  sync(store.value);
  store.subscribe(sync);
  return fs;
}

export function phaseView(store: SettingsStore, quick: JobWorker): PhaseView {
  // ---- the form ----
  const presetCells = (id: string) => sweepWork(presetSettings(id)).cells;
  const presetSel = el(
    'select',
    { id: 'preset', name: 'preset' },
    ...PRESETS.map((p) => el('option', { value: p.id }, `${p.label} (${presetCells(p.id)} cells)`)),
  );
  presetSel.value = 'demo';
  const loadPreset = el('button', { type: 'button', id: 'load-preset', onclick: () => store.replace(presetSettings(presetSel.value), presetSel) }, 'Load');
  const presetInfo = el('p', { class: 'hint', id: 'preset-info' });
  const workersIn = el('input', { id: 'workers', name: 'workers', type: 'number', min: 1, max: 64, step: 1, value: defaultWorkers() });
  const nWorkers = () => Math.max(1, Math.min(64, Math.floor(Number(workersIn.value)) || defaultWorkers()));
  /** "8 x 8 cells = 64 trainings · about 40 s on 2 workers (from ...)" for a preset's or the form's settings. */
  const describe = (st: Settings) => {
    const e = estimate(st, nWorkers());
    const x = axisValues(st.x).length;
    const y = st.y ? axisValues(st.y).length : 0;
    return `${x}${y ? ` x ${y}` : ''} cells${st.seeds > 1 ? ` x ${st.seeds} seeds` : ''} = ${e.cells} trainings · ${roughly(e.seconds)} on ${nWorkers()} worker${nWorkers() > 1 ? 's' : ''} (${e.source})`;
  };
  const showPresetInfo = () => {
    presetInfo.textContent = `${PRESETS.find((p) => p.id === presetSel.value)?.label}: ${describe(presetSettings(presetSel.value))}`;
  };
  presetSel.addEventListener('change', showPresetInfo);
  workersIn.addEventListener('input', () => {
    showPresetInfo();
    describeCells();
  });
  showPresetInfo();
  const sweepFs = fieldset(store, 'sweep', [
    { path: 'seeds', label: 'seeds per cell', min: 1, max: 100, step: 1, title: 'replicates: replicate r adds r to both seeds' },
    { path: 'curvePoints', label: 'curve points per cell', min: 0, max: 200, step: 1, title: 'training curves recorded per cell (0: none, a little faster)' },
  ]);
  sweepFs.append(
    el(
      'label',
      { class: 'field', title: 'Web Workers, each with its own wasm instance (default: navigator.hardwareConcurrency)' },
      el('span', {}, 'workers'),
      workersIn,
    ),
  );
  const runBtn = el('button', { type: 'submit', id: 'run-sweep', class: 'primary' }, 'Run sweep');
  const cancelBtn = el('button', { type: 'button', id: 'cancel-sweep', disabled: true }, 'Cancel');
  const formError = el('p', { class: 'error', id: 'phase-error', role: 'alert' });
  const cellCount = el('p', { class: 'hint', id: 'cell-count' });
  const form = el(
    'form',
    { class: 'settings', id: 'phase-form' },
    el('fieldset', { class: 'presets' }, el('legend', {}, 'preset'), presetSel, el('div', { class: 'preset-row' }, presetInfo, loadPreset)),
    axisFieldset(store, 'x'),
    axisFieldset(store, 'y'),
    fieldset(store, 'data model (§5.1)', DATA_FIELDS, { id: 'data-fields' }),
    fieldset(store, 'training', TRAIN_FIELDS, { id: 'train-fields' }),
    el(
      'details',
      { class: 'more-fields' },
      el('summary', {}, 'more fields (every other field the core declares)'),
      schemaExtras(store, 'data', DATA_SHOWN, 'more data fields'),
      schemaExtras(store, 'train', TRAIN_SHOWN, 'more training fields'),
    ),
    sweepFs,
    cellCount,
    el('div', { class: 'buttons' }, runBtn, cancelBtn),
    formError,
  );

  // ---- the results side ----
  const bar = progressBar();
  const status = el('p', { id: 'phase-status', 'data-state': 'idle' }, 'Pick the axes and press Run sweep.');
  const runningList = el('ul', { class: 'running', id: 'running-cells' });
  const heat = el('div', { id: 'heatmap', class: 'figure' });
  const notes = el('ul', { class: 'notes', id: 'figure-notes' });
  const dl = {
    csv: el('button', { type: 'button', id: 'dl-csv', disabled: true }, 'results.csv'),
    json: el('button', { type: 'button', id: 'dl-json', disabled: true }, 'results.json'),
    svg: el('button', { type: 'button', id: 'dl-svg', disabled: true }, 'heatmap.svg'),
    png: el('button', { type: 'button', id: 'dl-png', disabled: true }, 'heatmap.png'),
  };
  const details = el('section', { id: 'cell-details', class: 'details', hidden: true });
  const root = el(
    'div',
    { class: 'view-grid' },
    el('aside', {}, form),
    el(
      'div',
      { class: 'results' },
      el('div', { class: 'status-row' }, bar.root, status),
      runningList,
      heat,
      notes,
      el('div', { class: 'downloads' }, el('span', {}, 'Download: '), dl.csv, dl.json, dl.svg, dl.png),
      el('p', { class: 'hint' }, 'Click a cell of the heatmap to see its training curves.'),
      details,
    ),
  );

  // ---- state ----
  let executor: BrowserWorkerExecutor | null = null;
  let ac: AbortController | null = null;
  let state: State = 'idle';
  let config: SweepConfigInput | null = null;
  let resolved: ResolvedSweep | null = null;
  let rows: CellResult[] = [];
  let figure: FigureOutput | null = null;
  let selected: { xi: number; yi: number } | null = null;
  let startedAt = '';
  let runSeconds = 0;
  let aborted = false;
  let token = 0;
  const running = new Map<number, { step: number; totalSteps: number }>();

  const setState = (s: State, text: string) => {
    state = s;
    status.dataset.state = s;
    status.textContent = text;
    runBtn.disabled = s === 'running' || s === 'cancelling';
    cancelBtn.disabled = s !== 'running';
    form.classList.toggle('busy', s === 'running' || s === 'cancelling');
  };

  const describeCells = () => {
    try {
      resolveSweep(sweepConfig(store.value));
      cellCount.textContent = describe(store.value);
      formError.textContent = '';
      return true;
    } catch (e) {
      cellCount.textContent = '';
      formError.textContent = errorText(e);
      return false;
    }
  };
  describeCells();
  store.subscribe(() => {
    describeCells();
  });

  // ---- the figure: redrawn in the page worker after each finished cell, at most one at a time ----
  let figQueued: { fit: boolean } | null = null;
  let figRunning: Promise<void> | null = null;
  const slim = (r: CellResult): CellResult => {
    const { history: _h, ...rest } = r;
    void _h;
    return rest;
  };
  const render = (f: FigureOutput) => {
    figure = f;
    const svg = showSvg(heat, f.svg);
    svg?.setAttribute('role', 'img');
    notes.replaceChildren(...f.notes.map((n) => el('li', {}, ...linkDownloads(n))));
    markSelected();
  };
  const requestFigure = (fit: boolean): Promise<void> => {
    figQueued = { fit: (figQueued?.fit ?? false) || fit };
    if (!figRunning) {
      figRunning = (async () => {
        while (figQueued) {
          const q = figQueued;
          figQueued = null;
          const mine = token;
          try {
            const f = await quick.call('figure', { config: config!, rows: rows.map(slim), fit: q.fit });
            if (mine === token) render(f);
          } catch (e) {
            notes.replaceChildren(el('li', { class: 'error' }, `figure: ${errorText(e)}`));
          }
        }
        figRunning = null;
      })();
    }
    return figRunning;
  };

  const label = (v: unknown) => (typeof v === 'number' ? fmt(v) : String(v));
  const cellName = (r: { x: unknown; y: unknown }) => `${resolved!.x.label} = ${label(r.x)}${resolved!.y ? `, ${resolved!.y.label} = ${label(r.y)}` : ''}`;

  const showRunning = () => {
    if (!resolved) return;
    const byIndex = new Map(rows.map((r) => [r.index, r]));
    runningList.replaceChildren(
      ...[...running.entries()]
        .filter(([i]) => !byIndex.has(i))
        .slice(0, 16)
        .map(([i, p]) => el('li', {}, `cell ${i}: ${Math.round((100 * p.step) / Math.max(1, p.totalSteps))}% of ${p.totalSteps} steps`)),
    );
  };

  /** A note's text with "results.json" as a link that downloads it (the file holding the fit). */
  function linkDownloads(n: string): (string | HTMLElement)[] {
    return n.split(/(results\.json)/).map((part) =>
      part === 'results.json'
        ? el(
            'a',
            {
              href: '#',
              class: 'download-link',
              onclick: (e: Event) => {
                e.preventDefault();
                if (!dl.json.disabled) dl.json.click();
              },
            },
            'results.json',
          )
        : part,
    );
  }

  function markSelected() {
    heat.querySelectorAll('rect.cell.selected').forEach((r) => r.classList.remove('selected'));
    if (!selected) return;
    heat.querySelector(`rect.cell[data-row="${selected.yi}"][data-col="${selected.xi}"]`)?.classList.add('selected');
  }

  function showCell(xi: number, yi: number) {
    if (!resolved) return;
    selected = { xi, yi };
    markSelected();
    const mine = rows.filter((r) => r.xi === xi && r.yi === yi).sort((a, b) => a.seed - b.seed);
    details.hidden = false;
    const xv = resolved.x.values[xi];
    const yv = resolved.y ? resolved.y.values[yi] : null;
    const head = el('h3', {}, `Cell ${cellName({ x: xv, y: yv })}`);
    if (!mine.length) {
      details.replaceChildren(head, el('p', {}, 'Not finished yet.'));
      return;
    }
    const ls = [...new Set(mine.flatMap((r) => r.longTailed.map((l) => l.L)))];
    const table = el(
      'table',
      { class: 'data', id: 'cell-table' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['seed', 'test acc', 'train acc', 'train loss', ...ls.map((l) => `LT acc L=${l}`), 'min SNR_k', 'min Gamma_kj', 'steps', 'time'].map((h) =>
            el('th', {}, h),
          ),
        ),
      ),
      el(
        'tbody',
        {},
        ...mine.map((r) =>
          el(
            'tr',
            {},
            ...[
              String(r.seed),
              r.error ? `${r.error.code}` : fmt(r.testAcc),
              fmt(r.trainAcc),
              fmt(r.trainLoss),
              ...ls.map((l) => fmt(r.longTailed.find((v) => v.L === l)?.acc ?? null)),
              fmt(r.snr.length ? Math.min(...r.snr) : null),
              fmt(r.gammaMin.length ? Math.min(...r.gammaMin) : null),
              String(r.steps),
              seconds(r.seconds),
            ].map((t) => el('td', {}, t)),
          ),
        ),
      ),
    );
    const charts = el('div', { class: 'charts', id: 'cell-charts' });
    const seedSel = el('select', { id: 'cell-seed' }, ...mine.map((r) => el('option', { value: String(r.seed) }, `seed ${r.seed}`)));
    const drawCurves = () => {
      const r = mine.find((m) => String(m.seed) === seedSel.value) ?? mine[0];
      if (!r.history || r.history.length < 2) {
        charts.replaceChildren(
          el(
            'p',
            { class: 'hint' },
            r.error
              ? `This cell failed: ${r.error.message}`
              : 'No training curves (only the final metrics): set "curve points per cell" above 0 and run again.',
          ),
        );
        return;
      }
      charts.replaceChildren(...trainingCurveSvgs(r.history).map((svg) => el('div', { class: 'chart' }, showSvgNode(svg))));
    };
    seedSel.addEventListener('change', drawCurves);
    details.replaceChildren(
      head,
      el('div', { class: 'table-wrap' }, table),
      mine.length > 1 ? el('label', { class: 'field inline' }, el('span', {}, 'curves of'), seedSel) : '',
      charts,
    );
    drawCurves();
  }

  function showSvgNode(svg: string): HTMLElement {
    const d = el('div');
    showSvg(d, svg);
    return d;
  }

  heat.addEventListener('click', (ev) => {
    const rect = (ev.target as Element).closest?.('rect.cell');
    if (!rect) return;
    showCell(Number(rect.getAttribute('data-col')), Number(rect.getAttribute('data-row')));
  });

  // ---- run and cancel ----
  async function run() {
    if (state === 'running' || state === 'cancelling') return;
    let cfg: SweepConfigInput;
    try {
      cfg = sweepConfig(store.value);
      resolved = resolveSweep(cfg);
    } catch (e) {
      formError.textContent = errorText(e);
      return;
    }
    formError.textContent = '';
    config = cfg;
    rows = [];
    figure = null;
    selected = null;
    details.hidden = true;
    aborted = false;
    running.clear();
    runningList.replaceChildren();
    token++;
    for (const b of Object.values(dl)) b.disabled = true;
    const workers = nWorkers();
    const runSettings = store.value;
    if (executor && executor.workers !== workers) {
      await executor.close();
      executor = null;
    }
    executor ??= new BrowserWorkerExecutor({
      workers,
      keepHistory: true,
      onCellProgress: (p) => {
        running.set(p.index, p);
        showRunning();
      },
    });
    ac = new AbortController();
    startedAt = new Date().toISOString();
    setState('running', 'starting the workers…');
    bar.set(0, '');
    void requestFigure(false);
    try {
      const r = await sweep(cfg, {
        executor,
        signal: ac.signal,
        onCell: (c) => {
          rows.push(c);
          running.delete(c.index);
          void requestFigure(false);
          for (const b of [dl.csv, dl.json, dl.svg, dl.png]) b.disabled = false;
          if (selected && c.xi === selected.xi && c.yi === selected.yi) showCell(selected.xi, selected.yi);
        },
        onProgress: (p) => {
          bar.set(p.total ? p.done / p.total : 0, '');
          if (state === 'running') {
            status.textContent = `${p.done} of ${p.total} cells done · ${p.running} running in ${executor!.workers} workers · ${seconds(p.seconds)} elapsed${p.done > 0 && p.done < p.total ? ` · about ${seconds(p.eta)} left` : ''}`;
          }
          showRunning();
        },
      });
      runSeconds = r.seconds;
      aborted = r.aborted;
      running.clear();
      showRunning();
      if (r.aborted) {
        setState('cancelling', `cancelled: ${rows.length} of ${r.total} cells finished (kept); stopping the running cells…`);
        const busy = await waitIdle();
        if (busy > 0) {
          // A worker that does not answer is ended (its wasm instance goes with it).
          await executor?.close();
          executor = null;
          setState('error', `cancelled: ${rows.length} of ${r.total} cells finished (kept), but ${busy} workers did not stop within 30 s and were ended`);
        } else {
          const stopped = executor?.stoppedCells.length ?? 0;
          setState(
            'cancelled',
            `cancelled: ${rows.length} of ${r.total} cells finished (kept); ${stopped} running cell${stopped === 1 ? '' : 's'} stopped, the workers are idle`,
          );
        }
      } else {
        const failed = rows.filter((c) => c.error).length;
        // Later estimates use this browser's measured speed.
        calibrate(
          runSettings,
          rows.filter((c) => !c.error).map((c) => c.seconds),
        );
        describeCells();
        showPresetInfo();
        setState('done', `done: ${rows.length} cells in ${seconds(r.seconds)}${failed ? ` (${failed} failed: see their rows)` : ''}`);
      }
      if (rows.length) await requestFigure(true);
    } catch (e) {
      setState('error', `the sweep stopped: ${errorText(e)}`);
      await executor?.close();
      executor = null;
    } finally {
      ac = null;
    }
  }

  /** Wait until every worker has stopped its cell (a cancelled cell ends within one chunk); returns the workers still busy. */
  async function waitIdle(): Promise<number> {
    for (let i = 0; i < 600 && executor && executor.running > 0; i++) await new Promise((r) => setTimeout(r, 50));
    return executor?.running ?? 0;
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void run();
  });
  cancelBtn.addEventListener('click', () => {
    if (state !== 'running') return;
    ac?.abort();
  });

  // ---- downloads ----
  const stamp = () => startedAt.replace(/[:.]/g, '-').slice(0, 19);
  dl.csv.addEventListener('click', () => resolved && download(`benignfit-sweep-${stamp()}-results.csv`, resultsCsv(resolved, rows), 'text/csv'));
  dl.json.addEventListener('click', async () => {
    if (!resolved || !config) return;
    const v = await quick.call('version', {});
    const doc = {
      command: 'sweep (web page)',
      config,
      settings: store.value,
      axes: { x: resolved.x, y: resolved.y },
      seed: { data: config.data?.seed ?? 0, train: config.train?.seed ?? 0, replicates: resolved.sweep.seeds },
      cells: resolved.x.values.length * (resolved.y?.values.length ?? 1) * resolved.sweep.seeds,
      finished: rows.length,
      aborted,
      seconds: runSeconds,
      created: startedAt,
      backend: v.backend,
      version: v.version,
      userAgent: navigator.userAgent,
      figure: figure && { meanTestAcc: figure.z, fit: figure.fit, boundaries: figure.boundaries, notes: figure.notes },
      rows: [...rows].sort((a, b) => a.index - b.index),
    };
    download(`benignfit-sweep-${stamp()}-results.json`, `${JSON.stringify(doc, null, 1)}\n`, 'application/json');
  });
  dl.svg.addEventListener('click', () => figure && download(`benignfit-sweep-${stamp()}-heatmap.svg`, figure.svg, 'image/svg+xml'));
  dl.png.addEventListener('click', async () => {
    if (!figure) return;
    dl.png.disabled = true;
    try {
      download(`benignfit-sweep-${stamp()}-heatmap.png`, await quick.call('png', { svg: figure.svg }), 'image/png');
    } catch (e) {
      notes.append(el('li', { class: 'error' }, `PNG: ${errorText(e)}`));
    } finally {
      dl.png.disabled = false;
    }
  });

  return { root };
}
