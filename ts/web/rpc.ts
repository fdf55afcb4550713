/**
 * Jobs in a page worker (worker.ts): call(kind, args, { onProgress, signal, transfer }) resolves
 * with the job's value; `signal` sends an abort to the worker, which stops the job at its next
 * check (the job's value is then an E_ABORTED error).
 */
import type { JobArgs, JobKind, JobProgress, JobValue, Reply, Request } from './jobs.js';

export class JobWorker {
  private worker: Worker | null = null;
  private next = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; onProgress?: (p: unknown) => void }>();

  constructor(private readonly name: string) {}

  private get w(): Worker {
    if (!this.worker) {
      const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: this.name });
      w.onmessage = (ev: MessageEvent<Reply>) => {
        const m = ev.data;
        const p = this.pending.get(m.id);
        if (!p) return;
        if (m.type === 'progress') p.onProgress?.(m.data);
        else {
          this.pending.delete(m.id);
          if (m.type === 'done') p.resolve(m.value);
          else p.reject(Object.assign(new Error(m.message), { code: m.code, name: 'BenignfitError' }));
        }
      };
      w.onerror = (ev) => {
        ev.preventDefault();
        const err = Object.assign(new Error(`the ${this.name} worker failed: ${ev.message || 'could not load'}`), { code: 'E_NO_BACKEND' });
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        w.terminate();
        this.worker = null;
      };
      this.worker = w;
    }
    return this.worker;
  }

  call<K extends JobKind>(
    kind: K,
    args: JobArgs[K],
    opts: { onProgress?: (p: JobProgress[K]) => void; signal?: AbortSignal; transfer?: Transferable[] } = {},
  ): Promise<JobValue[K]> {
    const id = this.next++;
    const w = this.w;
    return new Promise<JobValue[K]>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(Object.assign(new Error(`${kind} was cancelled`), { code: 'E_ABORTED' }));
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress: opts.onProgress as ((p: unknown) => void) | undefined });
      opts.signal?.addEventListener('abort', () => w.postMessage({ type: 'abort', id } satisfies Request), { once: true });
      w.postMessage({ type: 'job', id, kind, args } as Request, opts.transfer ?? []);
    });
  }
}
