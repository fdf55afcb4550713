/**
 * The Theory view: Theorem 1 for the current settings (the phase diagram's data model and
 * training, its axes at their base values): SNR_k, min_j Gamma_kj, the bounds of Statements
 * 2(a), 2(b) and 3 and the phase of every class, and Condition 1 item by item — recomputed (in
 * the page worker, closed forms: milliseconds) as the inputs change.
 */
import { fig2Svg } from '../figures/fig2.js';
import type { BoundaryReport, TheoryResult } from '../theory.js';
import { DATA_FIELDS, fieldset, THEORY_FIELDS, TRAIN_FIELDS } from './form.js';
import type { JobWorker } from './rpc.js';
import { dataConfig, theoryOptions, type Settings, type SettingsStore } from './settings.js';
import { docLink, download, el, errorText, fmt, showSvg } from './util.js';

/** The Theory view's sliders: the three quantities of the §5.1 phase diagrams. */
interface SliderSpec {
  path: 'data.featureNorm' | 'data.gamma' | 'data.perClass';
  name: 'featureNorm' | 'gamma' | 'perClass';
  label: string;
  min: number;
  max: number;
  integer?: boolean;
}

/** Log-scaled, over the ranges of the paper's figures and beyond (Figure 3: ||u|| 0.001-3.8, Gamma 1-1400). */
export const SLIDERS: SliderSpec[] = [
  { path: 'data.featureNorm', name: 'featureNorm', label: 'feature strength ||u||', min: 1e-4, max: 100 },
  { path: 'data.gamma', name: 'gamma', label: 'noise ratio Gamma', min: 1, max: 1e4 },
  { path: 'data.perClass', name: 'perClass', label: 'class size |S_k|', min: 2, max: 2000, integer: true },
];

const STEPS = 1000;

function toPos(v: number, s: SliderSpec): number {
  const t = (Math.log(Math.min(s.max, Math.max(s.min, v))) - Math.log(s.min)) / (Math.log(s.max) - Math.log(s.min));
  return Math.round(t * STEPS);
}

function fromPos(p: number, s: SliderSpec): number {
  const v = Math.exp(Math.log(s.min) + (p / STEPS) * (Math.log(s.max) - Math.log(s.min)));
  return s.integer ? Math.round(v) : +v.toPrecision(3);
}

/** Log sliders bound to the settings: moving one changes the shared field (and the form's). */
function sliderPanel(store: SettingsStore): HTMLElement {
  const rows = SLIDERS.map((spec) => {
    const input = el('input', {
      type: 'range',
      min: 0,
      max: STEPS,
      step: 1,
      name: `slider-${spec.name}`,
      id: `slider-${spec.name}`,
      'aria-label': `${spec.label} (log scale from ${spec.min} to ${spec.max})`,
    });
    const out = el('output', { for: `slider-${spec.name}`, class: 'slider-value' });
    input.addEventListener('input', () => {
      const v = fromPos(Number(input.value), spec);
      store.update((st) => {
        st.data[spec.name] = v;
      }, input);
    });
    const row = el(
      'div',
      { class: 'slider' },
      el('label', { for: `slider-${spec.name}`, class: 'slider-label' }, spec.label, ' = ', out),
      el('div', { class: 'slider-track' }, el('span', { class: 'bound' }, fmt(spec.min)), input, el('span', { class: 'bound' }, fmt(spec.max))),
    );
    return { spec, input, out, row };
  });
  const sync = (st: Settings, from: unknown) => {
    for (const r of rows) {
      const v = st.data[r.spec.name];
      r.out.textContent = fmt(v);
      if (from !== r.input) r.input.value = String(toPos(v, r.spec));
      r.input.title =
        v < r.spec.min || v > r.spec.max
          ? `${fmt(v)} is outside the slider's range (${fmt(r.spec.min)} to ${fmt(r.spec.max)}); the field in the form takes any value`
          : '';
    }
  };
  sync(store.value, null);
  store.subscribe(sync);
  return el(
    'fieldset',
    { class: 'sliders', id: 'theory-sliders' },
    el('legend', {}, 'explore (log scales): the phase follows as you move'),
    ...rows.map((r) => r.row),
  );
}

const PHASE_TEXT: Record<string, string> = {
  'benign-explicit': 'benign (explicit: SNR_k >= C1, Statement 2(a))',
  'benign-implicit': 'benign (implicit: min_j Gamma_kj >= C2, Statement 2(b))',
  harmful: 'harmful (SNR_k <= C3 and min_j Gamma_kj <= C3, Statement 3)',
  uncharacterized: 'not characterised (between the thresholds)',
};

/** A table cell: text, or text with a class (e.g. 'na': the statement's condition fails). */
type Cell = string | number | { text: string; cls: string; title?: string };

function cells(...vals: Cell[]): HTMLTableCellElement[] {
  return vals.map((v) => (typeof v === 'object' ? el('td', { class: v.cls, title: v.title ?? null }, v.text) : el('td', {}, String(v))));
}

function table(id: string, head: string[], body: Cell[][]): HTMLTableElement {
  return el(
    'table',
    { class: 'data', id },
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))),
    el('tbody', {}, ...body.map((r) => el('tr', {}, ...cells(...r)))),
  );
}

/** Points of the map's axes: the sliders' ranges, log-spaced. */
function logspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => +Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (n - 1)).toPrecision(6));
}
const MAP_X = logspace(SLIDERS[0].min, SLIDERS[0].max, 49);
const MAP_Y = logspace(SLIDERS[1].min, SLIDERS[1].max, 41);

/** The map of the phase over (||u||, Gamma) at the current |S_k|, K, d and constants: Figure 2's map, with this setting marked. */
function mapSvg(b: BoundaryReport, s: Settings): string {
  return fig2Svg(b, {
    point: { x: s.data.featureNorm, y: s.data.gamma, label: `this setting (||u|| = ${fmt(s.data.featureNorm)}, Gamma = ${fmt(s.data.gamma)})` },
    title: `Phase of Theorem 1 at |S_k| = ${s.data.perClass}, K = ${s.data.classes}, d = ${s.data.dim}`,
  });
}

export function theoryView(store: SettingsStore, quick: JobWorker): { root: HTMLElement; activate: () => void } {
  const out = el('div', { id: 'theory-out' });
  const map = el('div', { id: 'theory-map', class: 'figure' });
  const status = el('p', { id: 'theory-status', 'data-state': 'idle', role: 'status' });
  const dlBtn = el('button', { type: 'button', id: 'dl-theory', disabled: true }, 'theory.json');
  const root = el(
    'div',
    { class: 'view-grid' },
    el(
      'aside',
      {},
      el(
        'form',
        { class: 'settings', onsubmit: (e: Event) => e.preventDefault() },
        fieldset(store, 'data model (§5.1)', DATA_FIELDS),
        fieldset(store, 'training', TRAIN_FIELDS),
        fieldset(store, 'constants of Theorem 1', THEORY_FIELDS, { id: 'theory-constants' }),
      ),
      el(
        'p',
        { class: 'hint' },
        'The same settings as the Phase diagram view (its axes at these base values). The paper gives no values for the constants; the defaults are explained in ',
        docLink('docs/theory.md'),
        '.',
      ),
    ),
    el(
      'div',
      { class: 'results' },
      el('div', { class: 'explore' }, sliderPanel(store), map),
      status,
      out,
      el('div', { class: 'downloads' }, el('span', {}, 'Download: '), dlBtn),
    ),
  );

  let seq = 0;
  let last: TheoryResult | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let visible = false;
  let stale = true;

  const bound = (text: string, holds: boolean, cond: string): Cell =>
    holds ? { text, cls: 'holds', title: `applies: ${cond}` } : { text, cls: 'na', title: `does not apply: ${cond} fails for this class` };

  function render(t: TheoryResult) {
    const K = t.classes;
    const ls = t.ls;
    const phases = el(
      'ul',
      { class: 'phases', id: 'theory-phases' },
      ...t.phase.map((p, k) => el('li', { class: `phase ${p}`, 'data-class': k, 'data-phase': p }, el('strong', {}, `class ${k}: `), PHASE_TEXT[p] ?? p)),
    );
    const rows = Array.from({ length: K }, (_, k) => {
      const ex = t.bounds.explicit[k];
      const im = t.bounds.implicit[k];
      const ha = t.bounds.harmful[k];
      return [
        k,
        t.classSizes[k],
        fmt(t.featureNorms[k]),
        fmt(t.snr[k]),
        fmt(t.gammaMin[k]),
        bound(fmt(ex.bound), ex.holds, `SNR_k >= C1 = ${t.constants.C1}`),
        ...ls.map((_, i) => bound(fmt(im.perL[i]?.bound ?? null), im.holds, `min_j Gamma_kj >= C2 = ${t.constants.C2}`)),
        bound(`>= ${fmt(ha.lowerBound)}`, ha.holds, `SNR_k <= C3 and min_j Gamma_kj <= C3 = ${t.constants.C3}`),
        t.phase[k],
      ];
    });
    const main = table(
      'theory-table',
      ['class k', '|S_k|', '||u_k||', 'SNR_k', 'min_j Gamma_kj', '2(a) bound', ...ls.map((l) => `2(b) bound, L = ${l}`), '3: error', 'phase'],
      rows,
    );
    const cond = table(
      'condition-table',
      ['item', 'inequality', 'lhs', 'rhs', 'margin', 'holds', 'at'],
      t.conditions.map((c) => [
        c.id,
        c.text,
        fmt(c.lhs),
        fmt(c.rhs),
        fmt(c.margin),
        c.holds === null ? 'n/a' : c.holds ? 'yes' : 'no',
        c.at ? c.at.join(', ') : '',
      ]),
    );
    const it = t.iterations;
    out.replaceChildren(
      el('h3', {}, 'Phase per class'),
      phases,
      el('h3', {}, 'Theorem 1, class by class'),
      el(
        'p',
        { class: 'hint' },
        `Bounds on the test error of class k: 2(a) = sum_j exp(-c1 |S_k|^2 ||u_k||^4 / (|S_j| ||A_k^T A_j||_F^2)), when SNR_k >= C1 = ${t.constants.C1}; 2(b) = sum_j exp(-c2 L^2 Gamma_kj) on L-long-tailed test data, when min_j Gamma_kj >= C2 = ${t.constants.C2}; 3: the error is at least c3 when both ratios are <= C3 = ${t.constants.C3}. Bold: the statement applies to the class; grey: its condition fails, so the value is not a guarantee.`,
      ),
      el('div', { class: 'table-wrap' }, main),
      el('h3', {}, 'Condition 1, item by item'),
      el(
        'p',
        { class: 'hint' },
        `margin = lhs / rhs (>= items) or rhs / lhs (<= items): an item holds when its margin is >= 1. C = ${t.constants.C}, delta = ${t.constants.delta}. Iterations T = ${fmt(it.value)} (${it.note}).`,
      ),
      el('div', { class: 'table-wrap' }, cond),
    );
  }

  async function compute() {
    const mine = ++seq;
    let data: ReturnType<typeof dataConfig>;
    let options: ReturnType<typeof theoryOptions>;
    try {
      data = dataConfig(store.value);
      options = theoryOptions(store.value);
    } catch (e) {
      status.dataset.state = 'error';
      status.textContent = errorText(e);
      return;
    }
    status.dataset.state = 'computing';
    const t0 = performance.now();
    try {
      const s = store.value;
      const { C1, C2, C3, c1, c2 } = s.theory;
      const [t, b] = await Promise.all([
        quick.call('theory', { data, options }),
        quick.call('boundaries', {
          options: {
            plane: 'featureNorm-gamma',
            x: MAP_X,
            y: MAP_Y,
            classes: s.data.classes,
            dim: s.data.dim,
            perClass: s.data.perClass,
            constants: { C1, C2, C3, c1, c2 },
          },
        }),
      ]);
      if (mine !== seq) return;
      showSvg(map, mapSvg(b, s))?.setAttribute('role', 'img');
      last = t;
      dlBtn.disabled = false;
      render(t);
      status.dataset.state = 'done';
      status.textContent = `Theorem 1 for K = ${t.classes}, d = ${t.dim}, n = ${t.n}, m = ${t.width} (${t.numerics.method}, ${Math.max(1, Math.round(performance.now() - t0))} ms)`;
    } catch (e) {
      if (mine !== seq) return;
      status.dataset.state = 'error';
      status.textContent = errorText(e);
    }
  }

  const schedule = () => {
    stale = true;
    if (!visible) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      stale = false;
      void compute();
    }, 30);
  };
  store.subscribe(schedule);
  dlBtn.addEventListener('click', () => {
    if (!last) return;
    download('benignfit-theory.json', `${JSON.stringify({ command: 'theory (web page)', ...last }, null, 1)}\n`, 'application/json');
  });
  return {
    root,
    activate() {
      visible = true;
      if (stale) schedule();
    },
  };
}
