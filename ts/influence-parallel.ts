/**
 * How `influence` hands its classes to other threads: an executor scores whole classes, each in
 * its own wasm instance, while the caller keeps everything that spans classes (the checks, the
 * per-pixel standard deviations of the whole set, the order of the results). The browser entry
 * registers its Web Worker executor here (influence-browser.ts); Node registers none (the native
 * addon has its own threads), so `influence` then runs class by class in its own thread.
 */

/** What one class gave in an executor's instance (the binding's RawClassScores, plus its time). */
export interface InfluenceClassOutput {
  scores: Float64Array;
  /** JSON of the core's ClassInfo. */
  info: string;
  seconds: number;
  /** The class's scatter (d x d), when the task keeps them for the Figure 6 matrix. */
  scatter?: Float32Array;
}

/** The classes of one influence call, for an executor. */
export interface InfluenceTask {
  /** The core's InfluenceRun config (JSON), the same for every class. */
  config: string;
  /** Per-pixel standard deviations of the whole set (normalize "standardize"), else null. */
  pixelStd: Float64Array | null;
  threads: number;
  /** Send each class's scatter back (Figure 6 is combined from them in the caller's instance). */
  keepScatter: boolean;
  /** Classes in the order they should start (largest first). */
  classes: number[];
  /** A fresh copy of a class's rows (the executor may transfer its buffer). */
  rows: (cls: number) => { bytes: Uint8Array | null; floats: Float32Array | null; n: number };
  onStart: (cls: number) => void;
  onDone: (cls: number, out: InfluenceClassOutput) => void;
  signal?: AbortSignal;
}

export interface InfluenceExecutor {
  /** Classes it can score at the same time. */
  readonly workers: number;
  /** Scores every class of the task (each once, in any order); rejects on the first error or an abort. */
  scoreClasses(task: InfluenceTask): Promise<void>;
  /** Ends its workers. */
  close(): void;
}

/** Makes an executor of `workers` (default: the machine's logical processors), at most `most` (one per class). */
export type InfluenceExecutorFactory = (workers: number | undefined, most: number) => InfluenceExecutor;

let factory: InfluenceExecutorFactory | null = null;

/** Registered by the browser entry (influence-browser.ts). */
export function setInfluenceExecutorFactory(f: InfluenceExecutorFactory | null): void {
  factory = f;
}

export function influenceExecutorFactory(): InfluenceExecutorFactory | null {
  return factory;
}
