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

/** An AbortController that fires on Ctrl-C (SIGINT) and SIGTERM, so work stops cleanly. */
export function interruptible(what: string): AbortController {
  const ac = new AbortController();
  const stop = (sig: string) => {
    if (ac.signal.aborted) process.exit(130);
    console.error(`\n${sig}: stopping ${what} after the current step (press Ctrl-C again to quit at once)`);
    ac.abort();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return ac;
}
