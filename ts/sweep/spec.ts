/**
 * Sweep specifications: one or two axes over any config field (dotted path), seed replicates,
 * and the list of cells they expand to. Pure functions: used in Node and in browsers.
 */
import {
  resolveDataConfig,
  resolveSection,
  resolveTrainConfig,
  type DataConfig,
  type DataConfigInput,
  type TrainConfig,
  type TrainConfigInput,
} from '../config.js';
import { BenignfitError, invalid } from '../errors.js';
import type { AxisValue, AxisValues, Sweep, SweepInput } from '../generated/config.js';

// The sweep section is declared in the Rust core (crates/core/src/sweep.rs) and checked there.
export type { AxisValue, Sweep, SweepInput } from '../generated/config.js';

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

export function axisValues(v: AxisValues): AxisValue[] {
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
    if (!Object.hasOwn(o, p) || o[p] === null || typeof o[p] !== 'object') o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[path[path.length - 1]] = v;
}

function resolveAxis(a: Sweep['x'], field: string): ResolvedAxis {
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
  const sweep = resolveSection<Sweep>('sweep', input.sweep);
  const x = resolveAxis(sweep.x, 'sweep.x');
  const y = sweep.y ? resolveAxis(sweep.y, 'sweep.y') : null;
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

/** The environment variables `--shard auto` reads (a plain record: works without node:process). */
export type ShardEnv = Record<string, string | undefined>;

/**
 * Parse "i/N" (1-based shard i of N), or "auto" / "auto/N": the shard of this scheduler task.
 * - Slurm array (`sbatch --array=1-16`, `0-15`, `1-31:2`, ...): i = (SLURM_ARRAY_TASK_ID -
 *   SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP + 1 of N = SLURM_ARRAY_TASK_COUNT. A task
 *   requeued with `scontrol requeue JOB_TASK` keeps these, so it finds its own folder again.
 *   "auto/N" also checks that the array has N tasks (a single task resubmitted as
 *   `sbatch --array=3` is an array of 1: give it `--shard 3/16` instead).
 * - Kubernetes Indexed Job: i = JOB_COMPLETION_INDEX + 1; N from "auto/N" (the Job's
 *   `completions`), as Kubernetes sets no variable with it.
 */
export function parseShard(v: string, env: ShardEnv = {}): { i: number; n: number } {
  const auto = /^auto(?:\/(\d+))?$/.exec(v.trim());
  if (auto) return autoShard(auto[1] === undefined ? null : Number(auto[1]), env);
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n)
    throw invalid('--shard', v, 'i/N with 1 <= i <= N, e.g. 2/8, or auto (a Slurm array task) or auto/N (a Kubernetes Indexed Job of N completions)');
  return { i, n };
}

function autoShard(count: number | null, env: ShardEnv): { i: number; n: number } {
  const int = (name: string): number | null => {
    const s = env[name];
    if (s === undefined || s === '') return null;
    if (!/^\d+$/.test(s.trim())) throw invalid('--shard', `auto (${name}=${s})`, `${name} to be an integer >= 0`);
    return Number(s);
  };
  if (count !== null && count < 1) throw invalid('--shard', `auto/${count}`, 'auto/N with N >= 1');
  const id = int('SLURM_ARRAY_TASK_ID');
  if (id !== null) {
    const min = int('SLURM_ARRAY_TASK_MIN') ?? 0;
    const step = int('SLURM_ARRAY_TASK_STEP') || 1;
    const tasks = int('SLURM_ARRAY_TASK_COUNT');
    const max = int('SLURM_ARRAY_TASK_MAX');
    if (tasks === null)
      throw invalid('--shard', `auto (SLURM_ARRAY_TASK_ID=${id})`, 'SLURM_ARRAY_TASK_COUNT too (Slurm sets it for array jobs), or --shard i/N');
    const i = (id - min) / step + 1;
    // Indices with gaps (--array=1,4,9) have no shard number: refuse rather than guess.
    if (!Number.isInteger(i) || i < 1 || i > tasks || (max !== null && (max - min) / step + 1 !== tasks)) {
      throw invalid(
        '--shard',
        `auto (Slurm array task ${id} of ${env.SLURM_ARRAY_TASK_MIN ?? '?'}-${env.SLURM_ARRAY_TASK_MAX ?? '?'}, step ${step}, ${tasks} tasks)`,
        'an array without gaps (--array=1-N, 0-(N-1) or A-B:S), or --shard i/N',
      );
    }
    if (count !== null && count !== tasks) {
      throw invalid(
        '--shard',
        `auto/${count}`,
        `a Slurm array of ${count} tasks (this one has ${tasks}: SLURM_ARRAY_TASK_COUNT); to rerun one task, requeue it (scontrol requeue JOB_TASK) or give its shard explicitly (--shard i/${count})`,
      );
    }
    return { i, n: tasks };
  }
  const k = int('JOB_COMPLETION_INDEX');
  if (k !== null) {
    if (count === null)
      throw invalid(
        '--shard',
        `auto (JOB_COMPLETION_INDEX=${k})`,
        "auto/N in a Kubernetes Indexed Job, N = the Job's completions (Kubernetes does not set it in the environment)",
      );
    if (k + 1 > count) throw invalid('--shard', `auto/${count} (JOB_COMPLETION_INDEX=${k})`, `a completion index from 0 to ${count - 1}`);
    return { i: k + 1, n: count };
  }
  throw invalid(
    '--shard',
    count === null ? 'auto' : `auto/${count}`,
    'a Slurm array task (SLURM_ARRAY_TASK_ID, _COUNT, _MIN set) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX set); outside a scheduler give --shard i/N',
  );
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
