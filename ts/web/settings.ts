/**
 * The page's settings: the data model, the training, the sweep's axes and the theory's constants,
 * in one store shared by the views (the Theory view shows the phase diagram's current settings),
 * kept in the URL (#s=...) so a link reproduces the page's state. Pure data: no DOM here.
 */
import type { DataConfigInput, TheoryOptionsInput, TrainConfigInput } from '../config.js';
import { PAPER_DATA, PAPER_TRAIN, preset, type FigureName } from '../figures/index.js';
import type { SweepConfigInput } from '../sweep/spec.js';

export const AXIS_PARAMS = {
  'data.featureNorm': { label: 'feature strength ||u||', integer: false, min: 0 },
  'data.gamma': { label: 'noise correlation ratio Gamma', integer: false, min: 1 },
  'data.perClass': { label: 'class size |S_k|', integer: true, min: 1 },
  'train.width': { label: 'width m (neurons per class)', integer: true, min: 1 },
  'data.noise': { label: 'noise law', integer: false, min: 0 },
} as const;
export type AxisParam = keyof typeof AXIS_PARAMS;
export const NOISES = ['gaussian', 'uniform', 'rademacher'] as const;

export interface AxisSetting {
  param: AxisParam;
  from: number;
  to: number;
  count: number;
  scale: 'log' | 'linear';
  /** Explicit values, comma separated (overrides from / to / count when not empty). */
  values: string;
}

export interface Settings {
  data: {
    classes: number;
    dim: number;
    perClass: number;
    testPerClass: number;
    featureNorm: number;
    gamma: number;
    noise: (typeof NOISES)[number];
    seed: number;
  };
  train: {
    width: number;
    lr: number;
    /** 'sgd': epochs of mini-batches of batchSize; 'gd': full-batch steps (eq. 4). */
    optimizer: 'sgd' | 'gd';
    epochs: number;
    batchSize: number;
    steps: number;
    /** 0: PyTorch's default U(-1/sqrt d, 1/sqrt d); > 0: N(0, sigma0^2). */
    sigma0: number;
    seed: number;
  };
  x: AxisSetting;
  /** null: a one-dimensional sweep. */
  y: AxisSetting | null;
  seeds: number;
  /** Points of each cell's training curves (0: none, faster). */
  curvePoints: number;
  theory: { C1: number; C2: number; C3: number; c1: number; c2: number; ls: string };
  /** Fields of the data and train sections the form does not show, set in "more fields" (ts/web/form.ts schemaExtras). */
  extra?: { data?: Record<string, unknown>; train?: Record<string, unknown> };
}

const THEORY_DEFAULTS: Settings['theory'] = { C1: 2, C2: 2, C3: 1, c1: 1, c2: 1, ls: '0.5, 1, 2, 4' };

function paperTrain(): Settings['train'] {
  return {
    width: PAPER_TRAIN.width,
    lr: PAPER_TRAIN.lr,
    optimizer: 'sgd',
    epochs: PAPER_TRAIN.epochs,
    batchSize: PAPER_TRAIN.batchSize,
    steps: 2000,
    sigma0: 0,
    seed: 0,
  };
}

/** A small phase diagram that runs in about a minute on two cores (the page's default). */
export function demoSettings(): Settings {
  return {
    data: { classes: 3, dim: 200, perClass: 20, testPerClass: 100, featureNorm: 1, gamma: 1, noise: 'gaussian', seed: 0 },
    train: { width: 20, lr: 0.05, optimizer: 'sgd', epochs: 20, batchSize: 1, steps: 2000, sigma0: 0, seed: 0 },
    x: { param: 'data.featureNorm', from: 0.01, to: 4, count: 8, scale: 'log', values: '' },
    y: { param: 'data.gamma', from: 1, to: 1000, count: 8, scale: 'log', values: '' },
    seeds: 1,
    curvePoints: 20,
    theory: { ...THEORY_DEFAULTS },
  };
}

export const PRESETS: { id: string; label: string }[] = [
  { id: 'demo', label: 'Demo: K = 3, d = 200' },
  ...(['fig3a', 'fig3b', 'fig4a', 'fig4b'] as FigureName[]).flatMap((f) => [
    { id: `${f}-quick`, label: `Figure ${f.slice(3)}, quick grid` },
    { id: `${f}-full`, label: `Figure ${f.slice(3)}, full, 3 seeds` },
  ]),
];

function axisFrom(a: { param: string; values: unknown }): AxisSetting {
  const v = a.values as number[] | { from: number; to: number; count: number; scale?: 'log' | 'linear' };
  const param = a.param as AxisParam;
  if (Array.isArray(v)) return { param, from: v[0], to: v[v.length - 1], count: v.length, scale: 'linear', values: v.join(', ') };
  return { param, from: v.from, to: v.to, count: v.count, scale: v.scale ?? 'linear', values: '' };
}

/** The settings of a preset (the paper's figures come from ts/sweep/presets.ts). */
export function presetSettings(id: string): Settings {
  if (id === 'demo') return demoSettings();
  const [fig, size] = id.split('-') as [FigureName, 'quick' | 'full'];
  const p = preset(fig, size === 'quick');
  const d = { ...PAPER_DATA, ...p.data } as DataConfigInput & typeof PAPER_DATA;
  return {
    data: {
      classes: d.classes,
      dim: d.dim,
      perClass: typeof d.perClass === 'number' ? d.perClass : 100,
      testPerClass: typeof d.testPerClass === 'number' ? d.testPerClass : 200,
      featureNorm: typeof d.featureNorm === 'number' ? d.featureNorm : 1,
      gamma: typeof d.gamma === 'number' ? d.gamma : 1,
      noise: d.noise,
      seed: 0,
    },
    train: paperTrain(),
    x: axisFrom(p.sweep.x),
    y: p.sweep.y ? axisFrom(p.sweep.y) : null,
    seeds: p.sweep.seeds ?? 1,
    curvePoints: 10,
    theory: { ...THEORY_DEFAULTS },
  };
}

/** The values of an axis (integers for class sizes and widths; the three laws for noise). */
export function axisValues(a: AxisSetting): (number | string)[] {
  const spec = AXIS_PARAMS[a.param];
  if (a.param === 'data.noise') return [...NOISES];
  let vals: number[];
  if (a.values.trim()) {
    vals = a.values
      .split(/[\s,;]+/)
      .filter(Boolean)
      .map(Number);
    const bad = vals.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`${a.param} values: "${a.values.split(/[\s,;]+/).filter(Boolean)[bad]}" is not a number`);
  } else {
    const n = Math.max(1, Math.floor(a.count));
    if (a.scale === 'log' && !(a.from > 0 && a.to > 0)) throw new Error(`${a.param}: a log scale needs from > 0 and to > 0`);
    vals = Array.from({ length: n }, (_, i) => {
      const t = n === 1 ? 0 : i / (n - 1);
      return a.scale === 'log' ? Math.exp(Math.log(a.from) + t * (Math.log(a.to) - Math.log(a.from))) : a.from + t * (a.to - a.from);
    });
    vals = vals.map((v) => +v.toPrecision(6));
  }
  if (spec.integer) vals = vals.map((v) => Math.max(1, Math.round(v)));
  return [...new Set(vals)];
}

export function trainingSteps(s: Settings): number {
  const t = s.train;
  if (t.optimizer === 'gd') return t.steps;
  return t.epochs * Math.ceil((s.data.classes * s.data.perClass) / Math.max(1, t.batchSize));
}

export function dataConfig(s: Settings): DataConfigInput {
  const d = s.data;
  return {
    classes: d.classes,
    dim: d.dim,
    perClass: d.perClass,
    testPerClass: d.testPerClass,
    featureNorm: d.featureNorm,
    gamma: d.gamma,
    noise: d.noise,
    model: 'heterogeneous',
    seed: d.seed,
    ...(s.extra?.data ?? {}),
  };
}

export function trainConfig(s: Settings): TrainConfigInput {
  const t = s.train;
  const steps = trainingSteps(s);
  return {
    width: t.width,
    lr: t.lr,
    ...(t.optimizer === 'gd' ? { steps: t.steps } : { epochs: t.epochs, batchSize: t.batchSize }),
    init: t.sigma0 > 0 ? { sigma0: t.sigma0 } : 'pytorch',
    seed: t.seed,
    evalEvery: s.curvePoints > 0 ? Math.max(1, Math.ceil(steps / s.curvePoints)) : 0,
    longTailedL: [1, 2],
    ...(s.extra?.train ?? {}),
  };
}

/** The sweep config the settings describe (what `benignfit sweep --config` would take). */
export function sweepConfig(s: Settings): SweepConfigInput {
  const axis = (a: AxisSetting) => ({ param: a.param, values: axisValues(a), label: AXIS_PARAMS[a.param].label });
  return {
    data: dataConfig(s),
    train: trainConfig(s),
    sweep: { x: axis(s.x), ...(s.y ? { y: axis(s.y) } : {}), seeds: s.seeds },
  };
}

export function parseLs(text: string): number[] {
  const ls = text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map(Number);
  if (!ls.length || ls.some((l) => !(l > 0) || !Number.isFinite(l))) throw new Error(`L values: "${text}" is not a list of numbers > 0`);
  return ls;
}

/** Options of `theory` for the current settings (the training's m, eta, init and steps). */
export function theoryOptions(s: Settings): TheoryOptionsInput {
  const { C1, C2, C3, c1, c2 } = s.theory;
  return {
    width: s.train.width,
    lr: s.train.lr,
    init: s.train.sigma0 > 0 ? { sigma0: s.train.sigma0 } : 'pytorch',
    steps: Math.max(1, trainingSteps(s)),
    constants: { C1, C2, C3, c1, c2 },
    ls: parseLs(s.theory.ls),
  };
}

type Listener = (s: Settings, from: unknown) => void;

/** The shared, observable settings. */
export class SettingsStore {
  private listeners = new Set<Listener>();
  constructor(public value: Settings) {}
  /** Change some fields; `from` (the form that changed it) is passed to listeners. */
  update(f: (s: Settings) => void, from?: unknown): void {
    const next = structuredClone(this.value);
    f(next);
    this.value = next;
    for (const l of this.listeners) l(next, from);
  }
  replace(s: Settings, from?: unknown): void {
    this.value = structuredClone(s);
    for (const l of this.listeners) l(this.value, from);
  }
  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

/** Settings from the URL hash (#s=<json>), filled up with the demo's for missing fields. */
export function settingsFromHash(hash: string): Settings | null {
  const m = /(?:^#|&)s=([^&]*)/.exec(hash);
  if (!m) return null;
  try {
    const v = JSON.parse(decodeURIComponent(m[1])) as Partial<Settings>;
    const base = demoSettings();
    return {
      ...base,
      ...v,
      data: { ...base.data, ...(v.data ?? {}) },
      train: { ...base.train, ...(v.train ?? {}) },
      x: { ...base.x, ...(v.x ?? {}) },
      y: v.y === null ? null : { ...base.y!, ...(v.y ?? {}) },
      theory: { ...base.theory, ...(v.theory ?? {}) },
    };
  } catch {
    return null;
  }
}

export function settingsHash(s: Settings): string {
  return `s=${encodeURIComponent(JSON.stringify(s))}`;
}
