/**
 * Form fields bound to the settings store: each input writes its field on change and follows
 * changes made elsewhere (the same field may appear in two views).
 */
import type { Settings, SettingsStore } from './settings.js';
import { deref, fields, section, type JsonSchema } from '../schema.js';
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
  /** An empty input removes the value (the core then uses its default); text is read as JSON when it parses. */
  optional?: boolean;
}

function getPath(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
}
function setPath(o: Record<string, unknown>, path: string, v: unknown): void {
  const ks = path.split('.');
  let cur = o;
  for (const k of ks.slice(0, -1)) {
    cur[k] ??= {};
    cur = cur[k] as Record<string, unknown>;
  }
  if (v === undefined) delete cur[ks[ks.length - 1]];
  else cur[ks[ks.length - 1]] = v;
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
      if (spec.optional && raw.trim() === '') {
        input.setCustomValidity('');
        store.update((s) => setPath(s as unknown as Record<string, unknown>, spec.path, undefined), fs);
        return;
      }
      if (spec.optional && spec.kind === 'text') {
        try {
          v = JSON.parse(raw);
        } catch {
          v = raw;
        }
      } else if (spec.kind !== 'select' && spec.kind !== 'text') {
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

/**
 * A field whose bounds, help text and choices come from the schema the Rust core declares
 * (ts/schema.ts): `schemaPath` is "section.field" or "section.field.sub" (default: `path`).
 */
export function schemaField(path: string, label: string, extra: Partial<FieldSpec> & { schemaPath?: string } = {}): FieldSpec {
  const { schemaPath = path, ...rest } = extra;
  const [sec, ...keys] = schemaPath.split('.');
  let sch: JsonSchema = section(sec);
  for (const k of keys) sch = deref(sch.properties?.[k] ?? {});
  // One-or-many fields (perClass, featureNorm) are anyOf [number, array]: the form edits the number.
  const alts = [sch, ...(sch.anyOf ?? []).map(deref)];
  const numeric = alts.find((a) => ([] as string[]).concat(a.type ?? []).some((t) => t === 'integer' || t === 'number'));
  if (numeric && numeric !== sch) sch = { ...numeric, description: sch.description };
  const types = ([] as string[]).concat(sch.type ?? []);
  const spec: FieldSpec = { path, label, title: sch.description?.replace(/\s*\n\s*/g, ' ') };
  const choices = [...(sch.enum ?? []), ...(sch.oneOf ?? []).map((o) => deref(o).const)].filter((v): v is string => typeof v === 'string');
  if (choices.length) {
    spec.kind = 'select';
    spec.options = choices.map((v) => ({ value: v, label: v }));
  } else if (types.includes('integer') || types.includes('number')) {
    const lo = sch.minimum ?? sch.exclusiveMinimum;
    if (lo !== undefined) spec.min = lo;
    if (sch.maximum !== undefined) spec.max = sch.maximum;
    spec.step = types.includes('integer') && !types.includes('number') ? 1 : 'any';
  } else {
    spec.kind = 'text';
  }
  return { ...spec, ...rest };
}

/**
 * Inputs for every field of a config section that the page's own form does not show, taken
 * from the schema: a field added in Rust appears here without page code. Values are written to
 * `extra.<section>.<field>` of the settings and merged into the config the page runs.
 */
export function schemaExtras(store: SettingsStore, sec: 'data' | 'train', shown: string[], legend: string): HTMLFieldSetElement {
  const specs: FieldSpec[] = [];
  for (const f of fields(sec)) {
    if (shown.includes(f.name)) continue;
    const spec = schemaField(`extra.${sec}.${f.name}`, f.name, { schemaPath: `${sec}.${f.name}` });
    if (spec.kind !== 'select' && spec.step === undefined) spec.kind = 'text';
    const dflt = f.default === undefined ? '' : ` (default: ${JSON.stringify(f.default)})`;
    spec.title = `${spec.title ?? ''}${dflt}; leave empty for the default`;
    if (spec.kind === 'select')
      spec.options = [{ value: '', label: `default${f.default === undefined ? '' : ` (${String(f.default)})`}` }, ...(spec.options ?? [])];
    specs.push({ ...spec, optional: true });
  }
  return fieldset(store, legend, specs, { id: `${sec}-extra` });
}

// Labels are the page's; bounds, help text and choices are the core's declaration (schemaField).
export const DATA_FIELDS: FieldSpec[] = [
  schemaField('data.classes', 'K classes'),
  schemaField('data.dim', 'd dimension'),
  schemaField('data.perClass', '|S_k| per class'),
  schemaField('data.testPerClass', 'test per class'),
  schemaField('data.featureNorm', 'feature strength ||u||'),
  schemaField('data.gamma', 'noise ratio Gamma'),
  schemaField('data.noise', 'noise law'),
  schemaField('data.seed', 'data seed'),
];

/** The data fields the page's form shows (the rest are in "more data fields"). */
export const DATA_SHOWN = ['classes', 'dim', 'perClass', 'testPerClass', 'featureNorm', 'gamma', 'noise', 'seed', 'model', 'memoryLimit'];

export const TRAIN_FIELDS: FieldSpec[] = [
  schemaField('train.width', 'm width'),
  schemaField('train.lr', 'learning rate eta'),
  {
    path: 'train.optimizer',
    label: 'optimiser',
    kind: 'select',
    options: [
      { value: 'sgd', label: 'SGD (epochs of mini-batches)' },
      { value: 'gd', label: 'GD (full batch, eq. 4)' },
    ],
  },
  schemaField('train.epochs', 'epochs', { when: (s) => s.train.optimizer === 'sgd' }),
  schemaField('train.batchSize', 'batch size', { when: (s) => s.train.optimizer === 'sgd' }),
  schemaField('train.steps', 'steps', { when: (s) => s.train.optimizer === 'gd' }),
  { path: 'train.sigma0', label: 'init sigma0 (0: PyTorch)', min: 0, title: "0: PyTorch's U(-1/sqrt d, 1/sqrt d) (§5.1); > 0: N(0, sigma0^2) (the theory)" },
  schemaField('train.seed', 'training seed'),
];

/** The train fields the page's form shows or sets itself (the rest are in "more training fields"). */
export const TRAIN_SHOWN = ['width', 'lr', 'steps', 'epochs', 'batchSize', 'init', 'seed', 'evalEvery', 'longTailedL', 'threads', 'memoryLimit'];

export const THEORY_FIELDS: FieldSpec[] = [
  schemaField('theory.C1', 'C1 (2(a): SNR >= C1)', { schemaPath: 'theory.constants.C1' }),
  schemaField('theory.C2', 'C2 (2(b): Gamma >= C2)', { schemaPath: 'theory.constants.C2' }),
  schemaField('theory.C3', 'C3 (3: both <= C3)', { schemaPath: 'theory.constants.C3' }),
  schemaField('theory.c1', 'c1 (2(a) rate)', { schemaPath: 'theory.constants.c1' }),
  schemaField('theory.c2', 'c2 (2(b) rate)', { schemaPath: 'theory.constants.c2' }),
  { path: 'theory.ls', label: 'L values', kind: 'text', title: 'L of Definition 1 (long-tailed test data), comma separated' },
];
