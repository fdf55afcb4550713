/**
 * eq. 10 on all the cores of a browser: `influence` scores its classes side by side in Web
 * Workers, one wasm instance each (as sweeps run their cells), when `frobenius` is off. Importing
 * this module (the browser entry does) registers the executor with `influence`:
 *
 * ```ts
 * import { load } from 'benignfit/wasm';
 * const bf = await load();
 * const r = await bf.influence(set, { frobenius: false, onProgress: (p) => bar(p.done / p.total), signal });
 * r.workers   // navigator.hardwareConcurrency, at most one per class
 * ```
 *
 * No SharedArrayBuffer and no cross-origin isolation: each class's rows are copied out of the
 * set and transferred to a worker, its scores transferred back. Cancelling ends the workers at
 * once (a class in progress is one wasm call, which cannot stop in the middle).
 */
import { BenignfitError, abortError, fromWire } from './errors.js';
import { setInfluenceExecutorFactory, type InfluenceExecutor, type InfluenceTask } from './influence-parallel.js';
import type { FromInfluenceWorker, ToInfluenceWorker } from './influence-worker-browser.js';
import { defaultWorkers, workerCount } from './sweep/browser.js';

export interface BrowserInfluenceOptions {
  /** Web Workers, each with its own wasm instance (default: navigator.hardwareConcurrency, at least 1). */
  workers?: number;
  /** Where the wasm file is, when not next to the glue code (bundlers put it there). */
  wasm?: string | URL;
  /** Makes a worker, for bundlers that do not handle `new Worker(new URL(..., import.meta.url))`. */
  createWorker?: () => Worker;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  onMessage: ((m: FromInfluenceWorker) => void) | null;
  onError: ((e: BenignfitError) => void) | null;
}

let calls = 0;

/**
 * The wasm module, compiled once per URL and handed to every worker: workers then share its
 * compiled code (V8 shares a posted WebAssembly.Module's code, optimised functions included), so a
 * fresh worker neither fetches nor compiles it again, and runs at the speed of a warm instance.
 */
const modules = new Map<string, Promise<WebAssembly.Module>>();
function compiled(url: string): Promise<WebAssembly.Module> {
  let p = modules.get(url);
  if (!p) {
    p = (async () => {
      try {
        return await WebAssembly.compileStreaming(fetch(url));
      } catch {
        // A server without the application/wasm MIME type: compile the bytes.
        const r = await fetch(url);
        if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
        return WebAssembly.compile(await r.arrayBuffer());
      }
    })();
    p.catch(() => modules.delete(url));
    modules.set(url, p);
  }
  return p;
}

/** A pool of influence Web Workers, each with its own wasm instance; reusable across calls (pass it as `executor`). */
export class BrowserInfluenceExecutor implements InfluenceExecutor {
  readonly workers: number;
  private slots: Slot[] = [];
  private ready: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly opts: BrowserInfluenceOptions = {}) {
    this.workers = workerCount(opts.workers);
  }

  private spawn(): Worker {
    if (this.opts.createWorker) return this.opts.createWorker();
    return new Worker(new URL('./influence-worker-browser.js', import.meta.url), { type: 'module', name: 'benignfit-influence' });
  }

  private start(): Promise<void> {
    if (this.closed) return Promise.reject(new BenignfitError('E_INTERNAL', 'this influence executor was closed'));
    if (this.ready) return this.ready;
    const wasm = String(this.opts.wasm ?? new URL('../wasm/benignfit_wasm_bg.wasm', import.meta.url));
    // Without a compiled module (no fetch, say), each worker loads the wasm itself.
    this.ready = compiled(wasm)
      .catch(() => undefined)
      .then((module) => this.spawnAll(wasm, module))
      .then(
        () => undefined,
        (e: unknown) => {
          this.reset();
          throw e;
        },
      );
    return this.ready;
  }

  private async spawnAll(wasm: string, module: WebAssembly.Module | undefined): Promise<void> {
    await Promise.all(
      Array.from({ length: this.workers }, () => {
        let worker: Worker;
        try {
          worker = this.spawn();
        } catch (e) {
          return Promise.reject(new BenignfitError('E_NO_BACKEND', `an influence worker could not be created: ${(e as Error).message}`, { cause: e }));
        }
        const slot: Slot = { worker, busy: false, onMessage: null, onError: null };
        this.slots.push(slot);
        return new Promise<void>((resolve, reject) => {
          let started = false;
          worker.onmessage = (ev: MessageEvent<FromInfluenceWorker>) => {
            const m = ev.data;
            if (!started) {
              started = true;
              if (m.type === 'ready') resolve();
              else if (m.type === 'error') reject(fromWire(m, 'an influence worker could not load the wasm backend: '));
              return;
            }
            slot.onMessage?.(m);
          };
          worker.onerror = (ev: ErrorEvent) => {
            ev.preventDefault?.();
            const err = new BenignfitError(
              'E_NO_BACKEND',
              `an influence worker failed${ev.message ? `: ${ev.message}` : ' to load (is influence-worker-browser.js served next to influence-browser.js?)'}`,
            );
            if (!started) {
              started = true;
              reject(err);
            } else slot.onError?.(err);
          };
          worker.postMessage({ type: 'init', wasm, ...(module ? { module } : {}) } satisfies ToInfluenceWorker);
        });
      }),
    );
  }

  /** Starts the workers and loads their wasm now (e.g. while the data is read); calls wait for it anyway. */
  warm(): Promise<void> {
    return this.start();
  }

  /** Ends every worker; the next call starts a fresh pool. */
  private reset(): void {
    for (const s of this.slots) s.worker.terminate();
    this.slots = [];
    this.ready = null;
  }

  /** The call in progress: calls on one pool run one after another. */
  private queue: Promise<void> = Promise.resolve();

  scoreClasses(task: InfluenceTask): Promise<void> {
    const run = this.queue.then(() => this.score(task));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async score(task: InfluenceTask): Promise<void> {
    if (task.signal?.aborted) throw abortError('influence');
    await this.start();
    if (task.signal?.aborted) throw abortError('influence');
    const id = ++calls;
    const queue = task.classes.slice();
    const slots = this.slots;
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      // e: the error to reject with (a worker's, an abort, or what a progress callback threw).
      const settle = (e: unknown) => {
        if (failed) return;
        failed = true;
        task.signal?.removeEventListener('abort', onAbort);
        for (const s of slots) {
          s.onMessage = null;
          s.onError = null;
        }
        if (e !== null) {
          // A class in progress is one wasm call: end its worker rather than wait for it.
          if (slots.some((s) => s.busy)) this.reset();
          reject(e);
        } else resolve();
      };
      const onAbort = () => settle(abortError('influence'));
      task.signal?.addEventListener('abort', onAbort, { once: true });
      // The next class's rows are gathered as soon as the free workers have theirs, while the
      // workers compute, so a worker that finishes does not wait for its next rows.
      let ahead: { cls: number; rows: ReturnType<InfluenceTask['rows']> } | null = null;
      const rowsOf = (cls: number) => {
        const r = ahead?.cls === cls ? ahead.rows : task.rows(cls);
        ahead = null;
        return r;
      };
      // Hands free workers their next classes; `settle` when every class is back.
      const feed = (finish = true) => {
        for (const s of slots) {
          if (failed) return;
          if (s.busy) continue;
          const cls = queue.shift();
          if (cls === undefined) break;
          s.busy = true;
          task.onStart(cls);
          const { bytes, floats, n } = rowsOf(cls);
          const msg: ToInfluenceWorker = {
            type: 'class',
            id,
            config: task.config,
            pixelStd: task.pixelStd,
            threads: task.threads,
            keepScatter: task.keepScatter,
            cls,
            bytes,
            floats,
            n,
          };
          s.worker.postMessage(msg, [(bytes ?? floats)!.buffer]);
        }
        if (finish && !failed && queue.length === 0 && !slots.some((s) => s.busy)) return settle(null);
        if (!failed && ahead === null && queue.length > 0) ahead = { cls: queue[0], rows: task.rows(queue[0]) };
      };
      for (const s of slots) {
        s.onMessage = (m) => {
          if (m.type === 'ready' || m.id !== id) return;
          s.busy = false;
          if (m.type === 'error') return settle(fromWire(m));
          // The worker gets its next class before this one's results are taken in (onDone may
          // combine a scatter: milliseconds the worker need not wait for).
          feed(false);
          try {
            task.onDone(m.cls, { scores: m.scores, info: m.info, seconds: m.seconds, scatter: m.scatter });
          } catch (e) {
            return settle(e);
          }
          feed();
        };
        s.onError = (e) => {
          s.busy = false;
          settle(e);
          this.reset();
        };
      }
      feed();
    });
  }

  /** Ends the workers (their wasm instances go with them). */
  close(): void {
    this.closed = true;
    this.reset();
  }
}

setInfluenceExecutorFactory((workers, most) => new BrowserInfluenceExecutor({ workers: Math.min(workers ?? defaultWorkers(), most) }));
