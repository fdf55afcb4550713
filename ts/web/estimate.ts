/**
 * How long a sweep will take, before Run: cells x seconds per cell / workers. Seconds per cell
 * follow the training's work (samples processed x K m d) from a measured rate, plus a fixed cost
 * per cell (data generation, evaluation, worker messages). Pure data: no DOM (tested in Node).
 *
 * The rate comes from docs/presets-measured.json: 20 epochs of batch-1 SGD at the paper's size
 * (K = 5, d = 1000, m = 100, n = 500) on the quick grids of Figures 3a and 4b, native, two worker
 * threads. It is used as it is: those native timings predate the batch-1 kernels (about 4x faster
 * since, docs/presets.md), and wasm in a page is slower than native by about as much (checked on
 * a shared 2-core machine: 16 cells of Figure 3a took 17 to 24 s in Chromium, estimated 17 s).
 * After a run, the page uses the speed it measured in this browser instead (`calibrate`).
 */
import measured from '../../docs/presets-measured.json';
import type { Settings } from './settings.js';
import { axisValues, trainingSteps } from './settings.js';

const READING = 'SGD batch 1, 20 epochs';
/** Measured workers of docs/presets-measured.json (a 2-core machine, one worker a core). */
const MEASURED_WORKERS = 2;
/** docs/performance.md, "workers": 2 wasm workers run 1.56x the speed of one. */
const WORKER_EFFICIENCY = 0.78;
/** Fixed seconds per cell in one worker (docs/performance.md, "web demo-sweep": 64 tiny cells in 2.71 s on 2 workers). */
const CELL_OVERHEAD = 0.06;
/** The paper's cell: 20 epochs x 500 samples, batch 1, K m d = 5 x 100 x 1000. */
const PAPER_WORK = 20 * 500 * 5 * 100 * 1000;

interface Reading {
  seconds: number;
  cells: unknown[];
}

/** Seconds of one worker per unit of work (samples x K m d), from the measured readings. */
function measuredRate(): { rate: number; perCell: number } {
  const figs = Object.values((measured as { figures: Record<string, { readings: Record<string, Reading> }> }).figures);
  let seconds = 0;
  let cells = 0;
  for (const f of figs) {
    const r = f.readings[READING];
    if (!r) continue;
    seconds += r.seconds;
    cells += r.cells.length;
  }
  // Wall time x workers / cells = seconds of one worker per cell at the paper's size, then.
  const perCell = (seconds * MEASURED_WORKERS * WORKER_EFFICIENCY) / Math.max(1, cells);
  return { perCell, rate: perCell / PAPER_WORK };
}

const MEASURED = measuredRate();
let rate = MEASURED.rate;
let source: 'docs/presets-measured.json' | 'this browser' = 'docs/presets-measured.json';

/** Work of one cell: samples processed in training x K m d. */
export function cellWork(s: Settings): number {
  const n = s.data.classes * s.data.perClass;
  const batch = s.train.optimizer === 'gd' ? n : Math.min(s.train.batchSize, n);
  return trainingSteps(s) * batch * s.data.classes * s.train.width * s.data.dim;
}

/**
 * Work of a whole sweep, cell by cell (an axis over |S_k| or m changes the work of its cells).
 */
export function sweepWork(s: Settings): { cells: number; work: number } {
  const xs = axisValues(s.x);
  const ys = s.y ? axisValues(s.y) : [null];
  let work = 0;
  for (const x of xs) {
    for (const y of ys) {
      const c = structuredClone(s);
      for (const [a, v] of [
        [s.x, x],
        [s.y, y],
      ] as const) {
        if (!a || v === null || typeof v !== 'number') continue;
        if (a.param === 'data.perClass') c.data.perClass = v;
        if (a.param === 'train.width') c.train.width = v;
      }
      work += cellWork(c);
    }
  }
  const cells = xs.length * ys.length * Math.max(1, s.seeds);
  return { cells, work: work * Math.max(1, s.seeds) };
}

export interface Estimate {
  cells: number;
  seconds: number;
  /** Where the rate comes from. */
  source: string;
}

/** Estimated wall-clock seconds of the sweep on `workers` Web Workers. */
export function estimate(s: Settings, workers: number): Estimate {
  const { cells, work } = sweepWork(s);
  const w = Math.max(1, workers);
  const speed = w === 1 ? 1 : w * WORKER_EFFICIENCY;
  // Cells are whole: with fewer cells than workers, the slowest cell sets the time.
  const oneWorker = cells * CELL_OVERHEAD + work * rate;
  const seconds = Math.max(oneWorker / speed, oneWorker / Math.max(1, cells));
  return { cells, seconds, source: source === 'this browser' ? 'measured in this browser by the last run' : 'from docs/presets-measured.json' };
}

/** After a run: use this browser's speed (seconds of one worker per cell, and the cells' settings). */
export function calibrate(s: Settings, cellSeconds: number[]): void {
  const { cells, work } = sweepWork(s);
  const total = cellSeconds.reduce((a, b) => a + b, 0);
  if (cellSeconds.length < Math.min(4, cells) || !(total > 0) || !(work > 0)) return;
  const perCellWork = (work / cells) * cellSeconds.length;
  const r = (total - cellSeconds.length * CELL_OVERHEAD) / perCellWork;
  if (r > 0 && Number.isFinite(r)) {
    rate = r;
    source = 'this browser';
  }
}

/** For tests: back to the measured rate. */
export function resetCalibration(): void {
  rate = MEASURED.rate;
  source = 'docs/presets-measured.json';
}

/** "about 40 s", "about 3 min", "about 1.5 h". */
export function roughly(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < 10) return 'a few seconds';
  if (seconds < 90) return `about ${Math.round(seconds / 5) * 5} s`;
  if (seconds < 90 * 60) return `about ${Math.round(seconds / 60)} min`;
  return `about ${(seconds / 3600).toFixed(1)} h`;
}
