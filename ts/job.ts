/**
 * The one driver of the core's jobs (crates/core/src/job.rs): a training, a group of trainings,
 * Theorem 1, a Figure 7 classifier. `advance(budget)` does up to `budget` units of work and says where the job stands;
 * between calls the driver reports progress, yields to the event loop (so timers, UI and an
 * AbortSignal run) and sizes the next budget to take about 50 ms.
 */
import type { JobProgress, RawJob } from './types.js';

/** Yield to the event loop (so timers, AbortSignals and UI run between chunks). */
export function yieldNow(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  return new Promise((r) => setTimeout(r, 0));
}

export interface DriveOptions {
  signal?: AbortSignal;
  /** After every call, with where the job stands; a promise it returns is awaited (the classifier evaluates between epochs). */
  onChunk?: (p: JobProgress) => void | Promise<void>;
  /** Units of the first call (default 1). */
  budget?: number;
  /** Largest budget of one call (default 100,000). */
  maxBudget?: number;
  /** The wall time one call should take (default 50 ms). */
  chunkMs?: number;
  /**
   * Stop once the job's `done` reaches this many units, even if it is not finished (budgets are
   * capped so it is not passed; `from`: the job's `done` before this drive, default 0). EL2N
   * trains a fraction of the epochs this way.
   */
  upTo?: number;
  from?: number;
}

/**
 * Advance `job` until it is finished (or has done `upTo` units), or until `signal` aborts (then
 * `aborted` is true: the work so far stays in the job). `call` maps a binding's errors (Benignfit.call).
 */
export async function drive(call: <T>(f: () => T) => T, job: RawJob, o: DriveOptions = {}): Promise<{ aborted: boolean; progress: JobProgress | null }> {
  let budget = o.budget ?? 1;
  const max = o.maxBudget ?? 100_000;
  const target = o.chunkMs ?? 50;
  let progress: JobProgress | null = null;
  const upTo = o.upTo ?? Number.POSITIVE_INFINITY;
  while (!progress?.finished && (progress?.done ?? o.from ?? 0) < upTo) {
    if (o.signal?.aborted) return { aborted: true, progress };
    const t0 = performance.now();
    const b = Math.min(budget, upTo - (progress?.done ?? o.from ?? 0));
    progress = JSON.parse(call(() => job.advance(b))) as JobProgress;
    const dt = performance.now() - t0;
    budget = Math.max(1, Math.min(max, Math.round((b * target) / Math.max(dt, 0.01))));
    await o.onChunk?.(progress);
    if (!progress.finished && progress.done < upTo) await yieldNow();
  }
  return { aborted: false, progress };
}
