/** Progress display for long commands: a bar with ETA on a terminal, sparse plain lines otherwise. */
import cliProgress from 'cli-progress';

export interface ProgressBar {
  update(value: number, info?: string): void;
  setTotal(total: number): void;
  stop(): void;
}

export function progressBar(label: string, total: number, unit = 'steps'): ProgressBar {
  if (process.stderr.isTTY && !process.env.CI) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted} | {info}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: '' });
    return {
      update: (v, info = '') => bar.update(v, { info }),
      setTotal: (t) => bar.setTotal(t),
      stop: () => bar.stop(),
    };
  }
  // Not a terminal (CI, logs): a line at every 10% so logs stay short.
  let next = 0.1;
  let t = total;
  const t0 = Date.now();
  return {
    update: (v, info = '') => {
      if (t > 0 && v / t >= next) {
        const s = (Date.now() - t0) / 1000;
        const eta = v > 0 ? (s / v) * (t - v) : 0;
        console.error(`${label}: ${v}/${t} ${unit} (${Math.round((100 * v) / t)}%, ${s.toFixed(1)} s, ETA ${eta.toFixed(0)} s) ${info}`);
        while (v / t >= next) next += 0.1;
      }
    },
    setTotal: (x) => (t = x),
    stop: () => undefined,
  };
}

/** An AbortController that fires on a signal, and which signal it was (for the exit code). */
export type Interrupt = AbortController & {
  /** The signal that stopped the work (null: none). */
  readonly received: 'SIGINT' | 'SIGTERM' | null;
  /** The exit code of work stopped by `received`: 130 (SIGINT) or 143 (SIGTERM), as a shell reports them. */
  exitCode(): number;
  /** Stop listening for the signals (the work is over). */
  dispose(): void;
};

/**
 * An AbortController that fires on Ctrl-C (SIGINT) and SIGTERM, so work stops cleanly and saves
 * what is done; a second signal quits at once (finished rows are already saved).
 */
/** The last SIGINT/SIGTERM an interruptible() received (for the exit code of a run stopped by it). */
export let lastSignal: 'SIGINT' | 'SIGTERM' | null = null;

export function interruptible(what: string, note = 'after the current step (finished work is saved; press Ctrl-C again to quit at once)'): Interrupt {
  const ac = new AbortController() as Interrupt;
  let received: 'SIGINT' | 'SIGTERM' | null = null;
  const code = (sig: string) => (sig === 'SIGTERM' ? 143 : 130);
  const stop = (sig: 'SIGINT' | 'SIGTERM') => {
    if (ac.signal.aborted) process.exit(code(sig));
    received = sig;
    lastSignal = sig;
    safeError(`\n${sig}: stopping ${what} ${note}`);
    ac.abort();
  };
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  Object.defineProperty(ac, 'received', { get: () => received });
  ac.exitCode = () => (received ? code(received) : 0);
  ac.dispose = () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
  return ac;
}

/** console.error that never throws (stderr may be a closed pipe). */
export function safeError(msg: string): void {
  try {
    console.error(msg);
  } catch {
    /* stderr is gone: the work goes on */
  }
}
