/**
 * CLI flags from the config schema (ts/schema.ts): one flag per field of a section, named after
 * the field (kebab-case), with the field's doc comment as help, its default and its choices. A
 * field added in Rust gets its flag here without any CLI code.
 */
import { Option, type Command } from 'commander';
import { invalid } from '../errors.js';
import { deref, fields, type JsonSchema } from '../schema.js';

export interface SchemaFlagOptions {
  /** Flag names that differ from the field's (e.g. train.seed -> "train-seed", as data.seed is "seed"). */
  names?: Record<string, string>;
  /** Fields without a flag (set them with --set). */
  skip?: string[];
  /** Own parsers for fields with a friendlier syntax than JSON (e.g. init "sigma0=0.01"). */
  parsers?: Record<string, (v: string) => unknown>;
  /** Extra words appended to a field's help. */
  notes?: Record<string, string>;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (s: string) => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

function types(s: JsonSchema): Set<string> {
  const d = deref(s);
  const out = new Set<string>();
  const t = d.type;
  if (typeof t === 'string') out.add(t);
  else if (Array.isArray(t)) t.forEach((x) => out.add(x));
  if (d.enum || typeof d.const === 'string') out.add('string');
  for (const a of [...(d.anyOf ?? []), ...(d.oneOf ?? [])]) for (const x of types(a)) out.add(x);
  // An array of numbers is written as a comma list: it counts as numeric.
  if (out.has('array') && d.items) for (const x of types(d.items)) if (x === 'number' || x === 'integer') out.add(x);
  out.delete('null');
  return out;
}

function stringChoices(s: JsonSchema): string[] {
  const d = deref(s);
  const out: string[] = [];
  for (const v of d.enum ?? []) if (typeof v === 'string') out.push(v);
  if (typeof d.const === 'string') out.push(d.const);
  for (const a of [...(d.anyOf ?? []), ...(d.oneOf ?? [])]) out.push(...stringChoices(a));
  return out;
}

function showDefault(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The parser for a field's flag value: numbers, comma lists, choices, JSON for objects. */
function parserFor(flag: string, s: JsonSchema): ((v: string) => unknown) | null {
  const t = types(s);
  const numeric = t.has('integer') || t.has('number');
  const list = t.has('array');
  const num = (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw invalid(flag, v, t.has('integer') && !t.has('number') ? 'an integer' : 'a finite number');
    return n;
  };
  if (t.has('object') || (list && !numeric)) {
    return (v: string) => {
      try {
        return JSON.parse(v);
      } catch {
        return v;
      }
    };
  }
  if (numeric && list) return (v: string) => (v.includes(',') ? v.split(',').map((x) => num(x.trim())) : t.has('integer') || t.has('number') ? num(v) : v);
  if (list) return (v: string) => v.split(',').map((x) => num(x.trim()));
  if (numeric) return num;
  if (t.has('boolean')) return null;
  return (v: string) => v;
}

/** Add a flag for every field of `section` to `cmd`. */
export function schemaFlags(cmd: Command, sectionName: string, o: SchemaFlagOptions = {}): Command {
  for (const f of fields(sectionName)) {
    if (o.skip?.includes(f.name)) continue;
    const name = o.names?.[f.name] ?? kebab(f.name);
    const flag = `--${name}`;
    const t = types(f.schema);
    const help = [f.description || f.name, o.notes?.[f.name]].filter(Boolean).join(' ');
    const dflt = f.default === undefined ? '' : ` (default: ${showDefault(f.default)})`;
    if (t.size === 1 && t.has('boolean')) {
      cmd.addOption(new Option(f.default === true ? `--no-${name}` : flag, `${help}${dflt}`));
      continue;
    }
    const list = t.has('array');
    const numeric = t.has('number') || t.has('integer');
    const placeholder = list && numeric ? 'x,...' : t.has('object') || list ? 'json' : t.has('integer') && !t.has('number') ? 'n' : numeric ? 'x' : 'name';
    const opt = new Option(`${flag} <${placeholder}>`, `${help}${dflt}`);
    const only = stringChoices(f.schema);
    if (only.length && t.size === 1 && t.has('string')) opt.choices(only);
    const parse = o.parsers?.[f.name] ?? parserFor(flag, f.schema);
    if (parse) opt.argParser((v: string) => parse(v));
    cmd.addOption(opt);
  }
  return cmd;
}

/** The fields of `section` that flags set, from commander's parsed options, into `cfg[section]`. */
export function applySchemaFlags(
  cfg: Record<string, Record<string, unknown> | undefined>,
  sectionName: string,
  opts: Record<string, unknown>,
  o: SchemaFlagOptions = {},
): void {
  for (const f of fields(sectionName)) {
    if (o.skip?.includes(f.name)) continue;
    const key = camel(o.names?.[f.name] ?? kebab(f.name));
    const v = opts[key];
    if (v === undefined) continue;
    // A `--no-x` flag of a field that defaults to true only says something when given.
    if (f.default === true && v === true) continue;
    cfg[sectionName] ??= {};
    cfg[sectionName]![f.name] = v;
  }
}
