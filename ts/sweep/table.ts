/**
 * A sweep's rows as a CSV table (results.csv): one line per cell, the axis columns named after
 * their config fields. No node: imports, so the web page writes the same table as the CLI.
 */
import type { CellResult } from './cell.js';
import type { ResolvedSweep } from './spec.js';

const CSV_FIXED = ['index', 'x', 'y', 'seed', 'testAcc', 'trainAcc', 'trainLoss', 'snr', 'gamma', 'steps', 'seconds', 'backend', 'error'];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(resolved: ResolvedSweep, ls: number[]): string {
  const names = CSV_FIXED.map((c) => (c === 'x' ? resolved.x.param : c === 'y' ? (resolved.y?.param ?? 'y') : c));
  return `${[...names, ...ls.flatMap((l) => [`longTailedAcc_L${l}`, `longTailedCount_L${l}`])].join(',')}\n`;
}

/** One CSV line: snr and gamma are the worst (smallest) over classes; per-class values are in the JSONL. */
export function csvRow(r: CellResult, ls: number[]): string {
  const minOf = (a: number[]) => (a.length ? Math.min(...a) : null);
  const fixed = [
    r.index,
    Array.isArray(r.x) ? r.x.join(';') : r.x,
    Array.isArray(r.y) ? r.y.join(';') : r.y,
    r.seed,
    r.testAcc,
    r.trainAcc,
    r.trainLoss,
    minOf(r.snr),
    minOf(r.gammaMin),
    r.steps,
    +r.seconds.toFixed(4),
    r.backend,
    r.error ? `${r.error.code}: ${r.error.message}` : '',
  ];
  const lt = ls.flatMap((l) => {
    const e = r.longTailed.find((v) => v.L === l);
    return [e?.acc ?? null, e?.count ?? null];
  });
  return `${[...fixed, ...lt].map(csvCell).join(',')}\n`;
}

/** The L values of a sweep's long-tailed columns (train.longTailedL, default [1, 2]). */
export function longTailedLs(resolved: ResolvedSweep): number[] {
  return (resolved.train as { longTailedL?: number[] }).longTailedL ?? [1, 2];
}

/** The whole results.csv of some rows (sorted by cell index). */
export function resultsCsv(resolved: ResolvedSweep, rows: CellResult[]): string {
  const ls = longTailedLs(resolved);
  return (
    csvHeader(resolved, ls) +
    [...rows]
      .sort((a, b) => a.index - b.index)
      .map((r) => csvRow(r, ls))
      .join('')
  );
}
