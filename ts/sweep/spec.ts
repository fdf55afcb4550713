/**
 * Sweep specifications: one or two axes over any config field (dotted path), seed replicates,
 * and the list of cells they expand to. Pure functions: used in Node and in browsers.
 */
import { z } from 'zod';
import { resolveDataConfig, resolveTrainConfig, zodError, type DataConfig, type DataConfigInput, type TrainConfig, type TrainConfigInput } from '../config.js';
import { BenignfitError, invalid } from '../errors.js';

const finite = z.number().refine(Number.isFinite, { message: 'finite' });
const range = z
  .object({
    from: finite,
    to: finite,
    count: z.number().int().min(1).max(10_000),
    scale: z.enum(['log', 'linear']).default('linear'),
  })
  .strict();
const value = z.union([finite, z.string(), z.boolean(), z.null(), z.array(finite)]);
export const AxisSchema = z
  .object({
    /** Dotted config path, e.g. "data.featureNorm", "data.gamma", "train.lr". */
    param: z.string().regex(/^(data|train)\.[A-Za-z0-9_.]+$/),
    /** Explicit values, or a range. */
    values: z.union([z.array(value).min(1).max(10_000), range]),
    /** Axis title (default: the param). */
    label: z.string().optional(),
    /** Draw the axis in log scale (default: when the values are positive and span >= 2 decades). */
    log: z.boolean().optional(),
  })
  .strict();
export const SweepSchema = z
  .object({
    x: AxisSchema,
    y: AxisSchema.optional(),
    /** Replicates per cell: replicate r adds r to data.seed and train.seed. */
    seeds: z.number().int().min(1).max(1000).default(1),
    /** Title of the figure. */
    title: z.string().optional(),
  })
  .strict();
export type SweepInput = z.input<typeof SweepSchema>;
export type Sweep = z.output<typeof SweepSchema>;
export type AxisValue = z.output<typeof value>;

export interface SweepConfigInput {
  data?: DataConfigInput;
  train?: TrainConfigInput;
  sweep: SweepInput;
}
export interface ResolvedAxis {
  param: string;
  label: string;
  values: AxisValue[];
  log: boolean;
}
export interface ResolvedSweep {
  data: DataConfigInput;
  train: TrainConfigInput;
  sweep: Sweep;
  x: ResolvedAxis;
  y: ResolvedAxis | null;
}

/** One unit of work: a data config and a training config. */
export interface Cell {
  /** Position in the full grid (stable: y-major, then x, then seed). */
  index: number;
  xi: number;
  yi: number;
  seed: number;
  x: AxisValue;
  y: AxisValue | null;
  data: DataConfig;
  train: TrainConfig;
}

export function axisValues(v: z.output<typeof AxisSchema>['values']): AxisValue[] {
  if (Array.isArray(v)) return v;
  const { from, to, count, scale } = v;
  if (count === 1) return [from];
  if (scale === 'log') {
    if (!(from > 0 && to > 0)) throw invalid('sweep.values', v, 'from > 0 and to > 0 for a log scale');
    const a = Math.log(from);
    const b = Math.log(to);
    return Array.from({ length: count }, (_, i) => +Math.exp(a + ((b - a) * i) / (count - 1)).toPrecision(6));
  }
  return Array.from({ length: count }, (_, i) => +(from + ((to - from) * i) / (count - 1)).toPrecision(12));
}

function autoLog(values: AxisValue[]): boolean {
  const nums = values.filter((v): v is number => typeof v === 'number');
  if (nums.length !== values.length || nums.some((v) => v <= 0)) return false;
  return Math.max(...nums) / Math.min(...nums) >= 100;
}

/** Keys that would reach Object.prototype through a dotted path. */
export const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function setPath(obj: Record<string, unknown>, path: string[], v: unknown): void {
  const bad = path.find((p) => UNSAFE_KEYS.has(p) || p === '');
  if (bad !== undefined) throw invalid('sweep.param', path.join('.'), `a config field path (not "${bad}")`);
  let o = obj;
  for (const p of path.slice(0, -1)) {
    if (!Object.prototype.hasOwnProperty.call(o, p) || o[p] === null || typeof o[p] !== 'object') o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[path[path.length - 1]] = v;
}

function resolveAxis(a: z.output<typeof AxisSchema>, field: string): ResolvedAxis {
  const unsafe = a.param.split('.').find((p) => UNSAFE_KEYS.has(p) || p === '');
  if (unsafe !== undefined) throw invalid(`${field}.param`, a.param, `a config field path (not "${unsafe}")`);
  let values: AxisValue[];
  try {
    values = axisValues(a.values);
  } catch (e) {
    throw invalid(`${field}.values`, a.values, (e as Error).message.replace(/^.*expected /, ''));
  }
  return { param: a.param, label: a.label ?? a.param, values, log: a.log ?? autoLog(values) };
}

/** The most cells a sweep may have (its plan holds every cell's config: about 2 KB each). */
export const MAX_CELLS = 100_000;

/** Check a sweep config and expand its axes (every cell's config is validated too). */
export function resolveSweep(input: SweepConfigInput): ResolvedSweep {
  if (!input || typeof input !== 'object' || !input.sweep) throw invalid('sweep', input?.sweep, 'a "sweep" section with at least an x axis');
  const r = SweepSchema.safeParse(input.sweep);
  if (!r.success) throw zodError('sweep', input.sweep, r.error);
  const sweep = r.data;
  const x = resolveAxis(sweep.x, 'sweep.x');
  const y = sweep.y ? resolveAxis(sweep.y, 'sweep.y') : null;
  if (y && y.param === x.param) throw invalid('sweep.y.param', y.param, 'a different field than sweep.x.param');
  const count = x.values.length * (y ? y.values.length : 1) * sweep.seeds;
  if (count > MAX_CELLS) {
    throw new BenignfitError(
      'E_TOO_LARGE',
      `sweep: ${count} cells (x: ${x.values.length} values${y ? ` x y: ${y.values.length} values` : ''} x ${sweep.seeds} seeds) is more than the ${MAX_CELLS} a sweep may have; use fewer values or seeds, or split it into several sweeps`,
      { field: 'sweep' },
    );
  }
  const out: ResolvedSweep = { data: input.data ?? {}, train: input.train ?? {}, sweep, x, y };
  // Validate the corner cells now, so a bad value fails before any work starts.
  for (const xv of [x.values[0], x.values[x.values.length - 1]]) {
    for (const yv of y ? [y.values[0], y.values[y.values.length - 1]] : [null]) {
      cellConfig(out, xv, yv, 0);
    }
  }
  return out;
}

function cellConfig(s: ResolvedSweep, xv: AxisValue, yv: AxisValue | null, seed: number): { data: DataConfig; train: TrainConfig } {
  const root = JSON.parse(JSON.stringify({ data: s.data, train: s.train })) as Record<string, Record<string, unknown>>;
  setPath(root, s.x.param.split('.'), xv);
  if (s.y && yv !== null) setPath(root, s.y.param.split('.'), yv);
  const data = resolveDataConfig(root.data as DataConfigInput);
  const train = resolveTrainConfig(root.train as TrainConfigInput);
  data.seed += seed;
  train.seed += seed;
  return { data, train };
}

/** Every cell of the grid, in a stable order. */
export function cells(s: ResolvedSweep): Cell[] {
  const out: Cell[] = [];
  const ys = s.y ? s.y.values : [null];
  let index = 0;
  ys.forEach((yv, yi) => {
    s.x.values.forEach((xv, xi) => {
      for (let seed = 0; seed < s.sweep.seeds; seed++) {
        const { data, train } = cellConfig(s, xv, yv, seed);
        out.push({ index: index++, xi, yi, seed, x: xv, y: yv, data, train });
      }
    });
  });
  return out;
}

/** Parse "i/N" (1-based shard i of N). */
export function parseShard(v: string): { i: number; n: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n) throw invalid('--shard', v, 'i/N with 1 <= i <= N, e.g. 2/8');
  return { i, n };
}

/** The deterministic 1/N of the cells that shard i runs (round robin over the stable order). */
export function shardCells(all: Cell[], shard: { i: number; n: number } | null): Cell[] {
  return shard ? all.filter((c) => c.index % shard.n === shard.i - 1) : all;
}

/** JSON with sorted keys: equal configs give equal strings (for the resume check). */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
