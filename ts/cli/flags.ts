/**
 * CLI flags from the config schema (ts/schema.ts): one flag per field of a section, named after
 * the field (kebab-case), with the field's doc comment as help, its bounds in words, its default
 * (or "default: none") and its choices; the section's description follows the options. A field
 * added in Rust gets its flag here without any CLI code. Used by generate, train, theory,
 * fit-constants, sweep and influence. Docs named in help become links to package.json's repository.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { invalid } from '../errors.js';
import { deref, type FieldInfo, fields, type JsonSchema, section } from '../schema.js';

export interface SchemaFlagOptions {
  /** Flag names that differ from the field's (e.g. train.seed -> "train-seed", as data.seed is "seed"). */
  names?: Record<string, string>;
  /** Fields without a flag (set them with --set). */
  skip?: string[];
  /** Own parsers for fields with a friendlier syntax than JSON (e.g. init "sigma0=0.01"). */
  parsers?: Record<string, (v: string) => unknown>;
  /** Extra words appended to a field's help. */
  notes?: Record<string, string>;
  /** Placeholders of fields whose command-line syntax is not the schema's (e.g. init "<pytorch|sigma0=s>"). */
  placeholders?: Record<string, string>;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (s: string) => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The types a value of `s` may have, without "null" (an array's items are not counted). */
function ownTypes(s: JsonSchema): Set<string> {
  const d = deref(s);
  const out = new Set<string>();
  const t = d.type;
  if (typeof t === 'string') out.add(t);
  else if (Array.isArray(t)) t.forEach((x) => out.add(x));
  if (d.enum || typeof d.const === 'string') out.add('string');
  for (const a of [...(d.anyOf ?? []), ...(d.oneOf ?? [])]) for (const x of ownTypes(a)) out.add(x);
  out.delete('null');
  return out;
}

/** The item schemas of the array alternatives of `s`. */
function itemSchemas(s: JsonSchema): JsonSchema[] {
  const d = deref(s);
  const out: JsonSchema[] = [];
  if (d.items && (d.type === 'array' || (Array.isArray(d.type) && d.type.includes('array')))) out.push(deref(d.items));
  for (const a of [...(d.anyOf ?? []), ...(d.oneOf ?? [])]) out.push(...itemSchemas(a));
  return out;
}

/** ownTypes, plus "item-number" / "item-integer" for a list of numbers (written as a comma list). */
function types(s: JsonSchema): Set<string> {
  const out = ownTypes(s);
  // An array of numbers is written as a comma list: it counts as numeric.
  if (out.has('array')) for (const i of itemSchemas(s)) for (const x of ownTypes(i)) if (x === 'number' || x === 'integer') out.add(`item-${x}`);
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

/** A default as help shows it: null (an optional field left out) is "none". */
export function showDefault(v: unknown): string {
  if (v === null) return 'none';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** JavaScript's largest exact integer: a bound that only says "any u64 JSON can carry". */
const MAX_SAFE = 9_007_199_254_740_991;

/** The first numeric schema among `s` and its alternatives. */
function numericSchema(s: JsonSchema): JsonSchema | null {
  const d = deref(s);
  const t = Array.isArray(d.type) ? d.type : [d.type];
  if (t.includes('number') || t.includes('integer')) return d;
  for (const a of [...(d.anyOf ?? []), ...(d.oneOf ?? [])]) {
    const n = numericSchema(a);
    if (n) return n;
  }
  return null;
}

/** A number's bounds in words, from its schema: "an integer from 2 to 1000", "a number > 0 and < 1" (plural: "numbers > 0"). */
function rangeWords(n: JsonSchema, plural = false): string {
  const ts = Array.isArray(n.type) ? n.type : [n.type];
  const integer = ts.includes('integer') && !ts.includes('number');
  const kind = integer ? (plural ? 'integers' : 'an integer') : plural ? 'numbers' : 'a number';
  const max = typeof n.maximum === 'number' && n.maximum < MAX_SAFE ? n.maximum : undefined;
  const lo = typeof n.exclusiveMinimum === 'number' ? `> ${n.exclusiveMinimum}` : typeof n.minimum === 'number' ? `>= ${n.minimum}` : '';
  const hi = typeof n.exclusiveMaximum === 'number' ? `< ${n.exclusiveMaximum}` : max !== undefined ? `<= ${max}` : '';
  if (integer && typeof n.minimum === 'number' && max !== undefined) return `${kind} from ${n.minimum} to ${max}`;
  return [kind, [lo, hi].filter(Boolean).join(' and ')].filter(Boolean).join(' ');
}

/** What values a field takes, in words from its schema (bounds included), or '' when its help says it all. */
export function boundsWords(s: JsonSchema): string {
  const t = ownTypes(s);
  const n = numericSchema(s);
  const items = itemSchemas(s)
    .map(numericSchema)
    .find((x) => x);
  const one = n && (t.has('number') || t.has('integer')) ? rangeWords(n) : '';
  if (one && t.has('array') && items) return `${one}, or a comma list of them`;
  if (t.has('array') && items) return `a comma list of ${rangeWords(items, true)}`;
  return one;
}

/** The repository's web address, from package.json `repository` (git+https://..., ...git, owner/name on GitHub). */
export function repositoryUrl(): string | null {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { repository?: string | { url?: string } };
    const raw = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
    if (!raw) return null;
    let u = raw
      .trim()
      .replace(/^git\+/, '')
      .replace(/\.git$/, '')
      .replace(/\/+$/, '');
    const ssh = /^(?:ssh:\/\/)?git@([^:/]+)[:/](.+)$/.exec(u);
    if (ssh) u = `https://${ssh[1]}/${ssh[2]}`;
    else if (/^github:/.test(u)) u = `https://github.com/${u.slice(7)}`;
    else if (/^[\w.-]+\/[\w.-]+$/.test(u)) u = `https://github.com/${u}`;
    return u.replace(/^git:\/\//, 'https://');
  } catch {
    return null;
  }
}

/** A file of the repository as a link people can open (the package does not ship docs/). */
export function docLink(path: string): string {
  const repo = repositoryUrl();
  return repo ? `${repo}/blob/main/${path}` : path;
}

/** Help text with every docs/*.md it names turned into a link to the repository. */
export function linkDocs(text: string): string {
  return text.replace(/(^|[^\w/.:-])(docs\/[\w./-]+\.md)\b/g, (_m, pre: string, path: string) => `${pre}${docLink(path)}`);
}

/** The parser for a field's flag value: numbers, comma lists, choices, JSON for objects. */
function parserFor(flag: string, s: JsonSchema): ((v: string) => unknown) | null {
  const t = types(s);
  const numeric = t.has('integer') || t.has('number');
  const numericItems = t.has('item-integer') || t.has('item-number');
  const list = t.has('array');
  const num = (integer: boolean) => (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw invalid(flag, v, integer ? 'an integer' : 'a finite number');
    return n;
  };
  const one = num(t.has('integer') && !t.has('number'));
  const item = num(t.has('item-integer') && !t.has('item-number'));
  if (t.has('object') || (list && !numericItems)) {
    return (v: string) => {
      try {
        return JSON.parse(v);
      } catch {
        return v;
      }
    };
  }
  // One number or one per class ("3" or "3,4,5").
  if (numeric && list) return (v: string) => (v.includes(',') ? v.split(',').map((x) => item(x.trim())) : one(v));
  // A list only: "0.5" is the list [0.5].
  if (list) return (v: string) => v.split(',').map((x) => item(x.trim()));
  if (numeric) return one;
  if (t.has('boolean')) return null;
  return (v: string) => v;
}

/** A field's help: its doc comment, notes, what it takes, and its default (or that it has none). */
function fieldHelp(f: FieldInfo, note: string | undefined, showBounds: boolean): string {
  const text = linkDocs([f.description || f.name, note].filter(Boolean).join(' '));
  const bounds = showBounds ? boundsWords(f.schema) : '';
  // A description that words its own default ("default: the data seed") says it; others get "none".
  const dflt = f.default !== undefined ? `default: ${showDefault(f.default)}` : /\bdefault\b/i.test(text) ? '' : 'default: none';
  const extra = [bounds, dflt].filter(Boolean).join('; ');
  return extra ? `${text} (${extra})` : text;
}

/** Add a flag for every field of `section` to `cmd`, and the section's description after the options. */
export function schemaFlags(cmd: Command, sectionName: string, o: SchemaFlagOptions = {}): Command {
  const about = (section(sectionName).description ?? '').replace(/\s*\n\s*/g, ' ');
  if (about) cmd.addHelpText('after', `\n${sectionName}: ${linkDocs(about)}`);
  for (const f of fields(sectionName)) {
    if (o.skip?.includes(f.name)) continue;
    const name = o.names?.[f.name] ?? kebab(f.name);
    const flag = `--${name}`;
    const t = types(f.schema);
    if (t.size === 1 && t.has('boolean')) {
      // A switch: its help says what it does and which way it is by default.
      const help = linkDocs([f.description || f.name, o.notes?.[f.name]].filter(Boolean).join(' '));
      const how = f.default === true ? `a switch, on by default; --no-${name} turns it off` : 'a switch, off by default';
      cmd.addOption(new Option(f.default === true ? `--no-${name}` : flag, `${help} (${how})`));
      continue;
    }
    const list = t.has('array');
    const numeric = t.has('number') || t.has('integer') || t.has('item-number') || t.has('item-integer');
    const only = stringChoices(f.schema);
    const placeholder =
      list && numeric ? 'x,...' : t.has('object') || list ? 'json' : t.has('integer') && !t.has('number') ? 'n' : numeric ? 'x' : only.length ? 'name' : 'text';
    const choicesOnly = only.length > 0 && t.size === 1 && t.has('string');
    const opt = new Option(`${flag} <${o.placeholders?.[f.name] ?? placeholder}>`, fieldHelp(f, o.notes?.[f.name], !choicesOnly && !o.parsers?.[f.name]));
    if (choicesOnly) opt.choices(only);
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
