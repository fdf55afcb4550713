/**
 * One error class for every failure, with the same `code` whichever backend raised it.
 *
 * Codes: E_INVALID (a field has a bad value; `field` names it), E_SHAPE (arrays disagree),
 * E_TOO_LARGE (would not fit in memory), E_DIVERGED (training loss became NaN/Inf),
 * E_NUMERICAL, E_INTERNAL, E_PANIC (a bug in the core, caught), E_NO_BACKEND (nothing loads),
 * E_ABORTED (cancelled), E_FORMAT (a corrupt or truncated file), E_IO.
 */
export type ErrorCode =
  | 'E_INVALID'
  | 'E_SHAPE'
  | 'E_TOO_LARGE'
  | 'E_DIVERGED'
  | 'E_NUMERICAL'
  | 'E_INTERNAL'
  | 'E_PANIC'
  | 'E_NO_BACKEND'
  | 'E_ABORTED'
  | 'E_FORMAT'
  | 'E_IO';

export interface ErrorDetails {
  /** The config field or argument at fault, e.g. "data.gamma" or "train[1].lr". */
  field?: string;
  /** The refused value, as the message shows it. */
  got?: string;
  /** What would have been accepted, in words. */
  expected?: string;
  cause?: unknown;
}

export class BenignfitError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly got?: string;
  readonly expected?: string;
  constructor(code: ErrorCode, message: string, options?: ErrorDetails) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BenignfitError';
    this.code = code;
    if (options?.field !== undefined) this.field = options.field;
    if (options?.got !== undefined) this.got = options.got;
    if (options?.expected !== undefined) this.expected = options.expected;
  }
}

const CODES = new Set<string>([
  'E_INVALID',
  'E_SHAPE',
  'E_TOO_LARGE',
  'E_DIVERGED',
  'E_NUMERICAL',
  'E_INTERNAL',
  'E_PANIC',
  'E_NO_BACKEND',
  'E_ABORTED',
  'E_FORMAT',
  'E_IO',
]);

/**
 * Turn whatever a binding threw into a BenignfitError. Both bindings throw `Error`s that carry
 * `code`, `field`, `got` and `expected` as properties (crates/node/src/lib.rs, crates/wasm/src/lib.rs);
 * anything else is an internal error.
 */
export function fromBinding(e: unknown): BenignfitError {
  if (e instanceof BenignfitError) return e;
  const o = (e ?? {}) as { code?: unknown; message?: unknown; field?: unknown; got?: unknown; expected?: unknown };
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const msg = e instanceof Error ? e.message : String(e);
  if (typeof o.code === 'string' && CODES.has(o.code)) {
    return new BenignfitError(o.code as ErrorCode, msg, { field: str(o.field), got: str(o.got), expected: str(o.expected), cause: e });
  }
  return new BenignfitError('E_INTERNAL', msg, { cause: e });
}

export function invalid(field: string, value: unknown, expected: string): BenignfitError {
  const got = show(value);
  return new BenignfitError('E_INVALID', `${field}: got ${got}, expected ${expected}`, { field, got, expected });
}

export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as unknown as { length: number }).length}`;
  if (Array.isArray(v)) {
    const s = JSON.stringify(v);
    return s.length > 60 ? `an array of length ${v.length}` : s;
  }
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}

export function abortError(what: string): BenignfitError {
  return new BenignfitError('E_ABORTED', `${what} was cancelled`);
}

/** A BenignfitError as plain data, to cross a worker's message port with all its parts. */
export interface WireError {
  code: ErrorCode;
  message: string;
  field?: string;
  got?: string;
  expected?: string;
}

export function toWire(e: BenignfitError): WireError {
  const w: WireError = { code: e.code, message: e.message };
  if (e.field !== undefined) w.field = e.field;
  if (e.got !== undefined) w.got = e.got;
  if (e.expected !== undefined) w.expected = e.expected;
  return w;
}

/** The error a worker sent, its message optionally prefixed (e.g. "cell 3: "). */
export function fromWire(w: WireError, prefix = ''): BenignfitError {
  return new BenignfitError(w.code, `${prefix}${w.message}`, { field: w.field, got: w.got, expected: w.expected });
}
