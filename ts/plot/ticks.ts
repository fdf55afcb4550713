/** Axis tick placement for linear and log scales (pure functions, unit-tested). */

/** "Nice" linear ticks covering [min, max]: steps of 1, 2 or 5 times a power of ten. */
export function linearTicks(min: number, max: number, count = 6): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  if (min > max) [min, max] = [max, min];
  const raw = (max - min) / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  const first = Math.ceil(min / step - 1e-9);
  for (let k = first; k * step <= max + step * 1e-9; k++) out.push(+(k * step).toPrecision(12));
  return out;
}

/**
 * Log-scale ticks in [min, max] (both > 0): every power of ten inside, or every k-th when there
 * are many decades; with fewer than two powers inside, 1-2-5 multiples (and finally the ends).
 */
export function logTicks(min: number, max: number, maxTicks = 8): number[] {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min > max) [min, max] = [max, min];
  const eps = 1e-9;
  const lo = Math.ceil(Math.log10(min) - eps);
  const hi = Math.floor(Math.log10(max) + eps);
  const decades = hi - lo + 1;
  if (decades >= 2) {
    const every = Math.max(1, Math.ceil(decades / maxTicks));
    const out: number[] = [];
    for (let e = lo; e <= hi; e++) if ((e - lo) % every === 0) out.push(10 ** e);
    return out.map((v) => +v.toPrecision(12));
  }
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)) - 1; e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = +(m * 10 ** e).toPrecision(12);
      if (v >= min * (1 - eps) && v <= max * (1 + eps)) out.push(v);
    }
  }
  if (out.length >= 2) return out;
  return [min, max].map((v) => +v.toPrecision(3));
}

/** Short tick label: 0.001, 0.5, 12, 1e+4 style. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) {
    const e = Math.floor(Math.log10(a) + 1e-12);
    const m = +(v / 10 ** e).toPrecision(3);
    return m === 1 ? `1e${e}` : `${m}e${e}`;
  }
  return String(+v.toPrecision(4));
}
