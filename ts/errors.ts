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

export class BenignfitError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  constructor(code: ErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BenignfitError';
    this.code = code;
    if (options?.field !== undefined) this.field = options.field;
  }
}

const CODED = /^\[(E_[A-Z_]+)\] ([\s\S]*)$/;

/** Turn whatever a binding threw into a BenignfitError (bindings encode the code as "[CODE] ..."). */
export function fromBinding(e: unknown): BenignfitError {
  if (e instanceof BenignfitError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const m = CODED.exec(msg);
  if (m) {
    const code = m[1] as ErrorCode;
    const text = m[2];
    const field = code === 'E_INVALID' ? /^([A-Za-z0-9_.[\]]+): got /.exec(text)?.[1] : undefined;
    return new BenignfitError(code, text, { field, cause: e });
  }
  return new BenignfitError('E_INTERNAL', msg, { cause: e });
}

export function invalid(field: string, value: unknown, expected: string): BenignfitError {
  return new BenignfitError('E_INVALID', `${field}: got ${show(value)}, expected ${expected}`, { field });
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
    return s.length > 80 ? s.slice(0, 77) + '...' : s;
  } catch {
    return String(v);
  }
}

export function abortError(what: string): BenignfitError {
  return new BenignfitError('E_ABORTED', `${what} was cancelled`);
}
