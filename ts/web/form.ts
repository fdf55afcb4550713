/**
 * Form fields bound to the settings store: each input writes its field on change and follows
 * changes made elsewhere (the same field may appear in two views).
 */
import type { Settings, SettingsStore } from './settings.js';
import { el } from './util.js';

export interface FieldSpec {
  /** Path in Settings, e.g. "data.dim". */
  path: string;
  label: string;
  title?: string;
  kind?: 'number' | 'select' | 'text';
  options?: { value: string; label: string }[];
  min?: number;
  max?: number;
  step?: number | 'any';
  /** Shown only when this returns true. */
  when?: (s: Settings) => boolean;
}

function getPath(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
}
function setPath(o: Record<string, unknown>, path: string, v: unknown): void {
  const ks = path.split('.');
  let cur = o;
  for (const k of ks.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  cur[ks[ks.length - 1]] = v;
}

/** A fieldset of bound inputs. */
export function fieldset(store: SettingsStore, legend: string, fields: FieldSpec[], opts: { id?: string } = {}): HTMLFieldSetElement {
  const fs = el('fieldset', { id: opts.id ?? null }, el('legend', {}, legend));
  const rows: { spec: FieldSpec; row: HTMLElement; input: HTMLInputElement | HTMLSelectElement }[] = [];
  for (const spec of fields) {
    const name = spec.path.replace(/\./g, '-');
    let input: HTMLInputElement | HTMLSelectElement;
    if (spec.kind === 'select') {
      input = el('select', { name, 'data-path': spec.path }, ...(spec.options ?? []).map((o) => el('option', { value: o.value }, o.label)));
    } else {
      input = el('input', {
        name,
        'data-path': spec.path,
        type: spec.kind === 'text' ? 'text' : 'number',
        min: spec.min ?? null,
        max: spec.max ?? null,
        step: spec.step ?? (spec.kind === 'text' ? null : 'any'),
        inputmode: spec.kind === 'text' ? null : 'decimal',
      });
    }
    const row = el('label', { class: 'field', title: spec.title ?? null }, el('span', {}, spec.label), input);
    const onChange = () => {
      const raw = input.value;
      let v: unknown = raw;
      if (spec.kind !== 'select' && spec.kind !== 'text') {
        if (raw.trim() === '' || !Number.isFinite(Number(raw))) {
          input.setCustomValidity('a number');
          input.reportValidity();
          return;
        }
        input.setCustomValidity('');
        v = Number(raw);
      }
      store.update((s) => setPath(s as unknown as Record<string, unknown>, spec.path, v), fs);
    };
    input.addEventListener(spec.kind === 'select' ? 'change' : 'input', onChange);
    rows.push({ spec, row, input });
    fs.append(row);
  }
  const sync = (s: Settings, from: unknown) => {
    for (const { spec, row, input } of rows) {
      const v = getPath(s, spec.path);
      // Do not rewrite the field being typed in.
      if (from !== fs || document.activeElement !== input) {
        const text = v === undefined || v === null ? '' : String(v);
        if (input.value !== text) input.value = text;
      }
      row.hidden = spec.when ? !spec.when(s) : false;
    }
  };
  sync(store.value, null);
  store.subscribe(sync);
  return fs;
}

export const DATA_FIELDS: FieldSpec[] = [
  { path: 'data.classes', label: 'K classes', min: 2, max: 1000, step: 1 },
  { path: 'data.dim', label: 'd dimension', min: 4, step: 1, title: 'dimension of each patch' },
  { path: 'data.perClass', label: '|S_k| per class', min: 1, step: 1, title: 'training examples per class' },
  { path: 'data.testPerClass', label: 'test per class', min: 0, step: 1 },
  { path: 'data.featureNorm', label: 'feature strength ||u||', min: 0 },
  { path: 'data.gamma', label: 'noise ratio Gamma', min: 1, title: 'size-free noise correlation ratio ||A_k^T A_k||_F^2 / ||A_k^T A_j||_F^2' },
  {
    path: 'data.noise',
    label: 'noise law',
    kind: 'select',
    options: [
      { value: 'gaussian', label: 'Gaussian' },
      { value: 'uniform', label: 'uniform' },
      { value: 'rademacher', label: 'Rademacher' },
    ],
  },
  { path: 'data.seed', label: 'data seed', min: 0, step: 1 },
];

export const TRAIN_FIELDS: FieldSpec[] = [
  { path: 'train.width', label: 'm width', min: 1, step: 1, title: 'neurons per class' },
  { path: 'train.lr', label: 'learning rate eta', min: 0 },
  {
    path: 'train.optimizer',
    label: 'optimiser',
    kind: 'select',
    options: [
      { value: 'sgd', label: 'SGD (epochs of mini-batches)' },
      { value: 'gd', label: 'GD (full batch, eq. 4)' },
    ],
  },
  { path: 'train.epochs', label: 'epochs', min: 0, step: 1, when: (s) => s.train.optimizer === 'sgd' },
  { path: 'train.batchSize', label: 'batch size', min: 1, step: 1, when: (s) => s.train.optimizer === 'sgd' },
  { path: 'train.steps', label: 'steps', min: 0, step: 1, when: (s) => s.train.optimizer === 'gd' },
  { path: 'train.sigma0', label: 'init sigma0 (0: PyTorch)', min: 0, title: "0: PyTorch's U(-1/sqrt d, 1/sqrt d) (§5.1); > 0: N(0, sigma0^2) (the theory)" },
  { path: 'train.seed', label: 'training seed', min: 0, step: 1 },
];

export const THEORY_FIELDS: FieldSpec[] = [
  { path: 'theory.C1', label: 'C1 (2(a): SNR >= C1)', min: 0 },
  { path: 'theory.C2', label: 'C2 (2(b): Gamma >= C2)', min: 0 },
  { path: 'theory.C3', label: 'C3 (3: both <= C3)', min: 0 },
  { path: 'theory.c1', label: 'c1 (2(a) rate)', min: 0 },
  { path: 'theory.c2', label: 'c2 (2(b) rate)', min: 0 },
  { path: 'theory.ls', label: 'L values', kind: 'text', title: 'L of Definition 1 (long-tailed test data), comma separated' },
];
