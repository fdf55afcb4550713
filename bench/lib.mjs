// Helpers shared by the benchmark groups: the machine's description and theoretical peak, timing
// with tinybench, the inputs every implementation gets (written once as .npy), peers in child
// processes, and the table.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { decodeNpy, encodeNpy } from '../dist/index.node.js';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..');
export const resultsDir = join(here, 'results');
export const dataDir = join(resultsDir, 'data');

/** CPU model, cores, clock and vector width from /proc/cpuinfo, and the theoretical FMA peak. */
export function machine() {
  let text = '';
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    /* not Linux */
  }
  const field = (name) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const mhz = Number(field('cpu MHz')) || cpus()[0]?.speed || 0;
  const cores = availableParallelism();
  // f32 lanes per FMA instruction; the peak group multiplies by the measured clock, 2 FMA pipes
  // (AMD Zen 2-5, Intel since Haswell: an assumption) and 2 flops per FMA.
  const lanes = flags.has('avx512f') ? 16 : flags.has('avx2') && flags.has('fma') ? 8 : 4;
  return {
    cpu: field('model name') ?? cpus()[0]?.model ?? 'unknown',
    cores,
    mhz,
    isa: flags.has('avx512f') ? 'avx512f' : flags.has('avx2') ? 'avx2+fma' : 'sse',
    l2: field('cache size') ?? null,
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    lanes,
    loadavg: loadavg().map((v) => +v.toFixed(2)),
  };
}

/** Peak resident memory of this process so far, MiB. */
export function peakRssMiB() {
  return +(process.resourceUsage().maxRSS / 1024).toFixed(1);
}

/**
 * Time `fn` with tinybench; returns latency statistics in ms. `opts.time` is the budget (ms) and
 * `opts.iterations` the minimum number of calls.
 */
export async function measure(name, fn, opts = {}) {
  const bench = new Bench({
    time: opts.time ?? 1500,
    iterations: opts.iterations ?? 10,
    warmupTime: opts.warmupTime ?? 200,
    warmupIterations: opts.warmupIterations ?? 2,
  });
  bench.add(name, fn);
  await bench.run();
  const t = bench.tasks[0];
  const r = t.result;
  if (!r || r.state === 'errored' || r.error) throw r?.error ?? new Error(`${name}: no result`);
  return {
    meanMs: r.latency.mean,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    minMs: r.latency.min,
    samples: r.latency.samplesCount ?? r.latency.samples?.length ?? null,
    rme: r.latency.rme,
  };
}

/** Statistics of a list of per-call milliseconds (peers time themselves). */
export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
  return { meanMs: s.reduce((a, b) => a + b, 0) / s.length, p50Ms: q(0.5), p99Ms: q(0.99), minMs: s[0], samples: s.length };
}

export function saveNpy(name, data, shape) {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, name), encodeNpy(data, shape));
}

export function loadNpy(name) {
  const { data, shape } = decodeNpy(new Uint8Array(readFileSync(join(dataDir, name))), name);
  return { data, shape };
}

/** The inputs of the training rows (written by the parent once; every implementation reads them). */
export function loadInputs(shapeName) {
  const meta = JSON.parse(readFileSync(join(dataDir, `${shapeName}.json`), 'utf8'));
  const get = (n) => loadNpy(`${shapeName}_${n}.npy`).data;
  return {
    meta,
    trainX: get('train_x'),
    trainY: get('train_y'),
    trainPos: get('train_pos'),
    features: get('features'),
    testX: get('test_x'),
    testY: get('test_y'),
    testPos: get('test_pos'),
    w0: get('w0'),
    order: get('order'),
  };
}

export function inputsExist(shapeName) {
  return existsSync(join(dataDir, `${shapeName}.json`));
}

/** Run a Python peer script in .venv-bench; returns its JSON output (last line of stdout). */
export function runPython(script, args, { timeoutMs = 600_000 } = {}) {
  const py = join(root, '.venv-bench', 'bin', 'python');
  if (!existsSync(py)) throw new Error('the Python peers are not installed: run `node bench/peers/setup.mjs`');
  const r = spawnSync(py, [join(here, 'peers', script), ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(`${script} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || '').trim().split('\n').slice(-5).join(' | ')}`);
  const line = r.stdout.trim().split('\n').pop();
  return JSON.parse(line);
}

// ---------------------------------------------------------------------------------------------
// The table.

const fmt = (v, d = 2) =>
  v === null || v === undefined || Number.isNaN(v) ? '' : v >= 1000 ? v.toFixed(0) : v >= 100 ? v.toFixed(1) : v >= 1 ? v.toFixed(d) : v.toPrecision(2);
export const fmtMs = (ms) =>
  ms === null || ms === undefined ? '' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} us`;

/** Rows -> a fixed-width text table (and markdown with `md`). */
export function table(rows, peers, md = false) {
  const head = ['group', 'task', 'impl', 'thr', 'time', 'GFLOP/s', 'GFLOP/op', ...peers.map((p) => `vs ${p}`), 'of peak', 'peak MiB', 'note'];
  const body = rows.map((r) =>
    [
      r.group,
      r.task,
      r.impl,
      r.threads ?? '',
      fmtMs(r.meanMs),
      fmt(r.gflops, 1),
      r.flops ? fmt(r.flops / 1e9, 3) : '',
      ...peers.map((p) => (r.ratios?.[p] ? `${fmt(r.ratios[p], 3)}x` : '')),
      r.ofPeak !== undefined && r.ofPeak !== null ? `${(r.ofPeak * 100).toFixed(0)}%` : '',
      r.peakRssMiB ? fmt(r.peakRssMiB, 0) : '',
      r.note ?? '',
    ].map(String),
  );
  if (md) {
    const esc = (s) => s.replace(/\|/g, '\\|');
    return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((b) => `| ${b.map(esc).join(' | ')} |`)].join('\n');
  }
  const widths = head.map((h, i) => Math.min(i === head.length - 1 ? 200 : 40, Math.max(h.length, ...body.map((b) => b[i].length))));
  const line = (cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
