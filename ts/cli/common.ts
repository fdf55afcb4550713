/** Shared pieces of the CLI: backend choice, config files and flag overrides, output files. */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { load } from '../load-node.js';
import type { Benignfit } from '../api.js';
import { BenignfitError, invalid } from '../errors.js';
import { encodeNpy, type NpyArray } from '../npy.js';
import { resolveSection } from '../config.js';
import { SECTIONS as SCHEMA_SECTIONS } from '../schema.js';
import { applySchemaFlags, schemaFlags, type SchemaFlagOptions } from './flags.js';

export const backendOption = () =>
  new Option('--backend <name>', 'compute backend (default: native, falling back to wasm; env BENIGNFIT_BACKEND)').choices(['native', 'wasm', 'auto']);
export const threadsOption = () =>
  new Option('--threads <n>', "native threads (0 = all cores; default: 0, or the config file's)").argParser((v) => parseInteger('--threads', v));

/** Help of a flag without a default: says so, as every value-taking flag's help states its default. */
export const noDefault = (help: string) => `${help} (default: none)`;
/** Help of a flag that must be given. */
export const required = (help: string) => `${help} (required)`;

/** `--init` on the command line: "pytorch" or "sigma0=<s>" (or a bare number). */
export function parseInit(v: string): 'pytorch' | { sigma0: number } {
  if (v === 'pytorch') return 'pytorch';
  const m = /^(?:sigma0=)?([0-9.eE+-]+)$/.exec(v);
  if (m) return { sigma0: parseNumber('--init', m[1]) };
  throw invalid('--init', v, '"pytorch" or sigma0=<s>');
}

export function parseInteger(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw invalid(flag, v, 'an integer');
  return n;
}
export function parseNumber(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw invalid(flag, v, 'a finite number');
  return n;
}
/** "1" or "1,2,3" -> number or number[]. */
export function parseNumberOrList(flag: string, v: string): number | number[] {
  const parts = v.split(',').map((s) => parseNumber(flag, s.trim()));
  return parts.length === 1 ? parts[0] : parts;
}

export async function backendFor(opts: { backend?: string; threads?: number }): Promise<Benignfit> {
  return load({ backend: (opts.backend as 'native' | 'wasm' | 'auto' | undefined) ?? undefined, threads: opts.threads ?? 0 });
}

export type ConfigFile = Record<string, Record<string, unknown> | undefined>;

/** The top-level sections a config was read with (readConfig), for applySets to check `--set` paths. */
const SECTIONS = Symbol('sections');
/** Keys that would reach Object.prototype (`--set __proto__.x=1`). */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function withSections(cfg: ConfigFile, sections: string[]): ConfigFile {
  Object.defineProperty(cfg, SECTIONS, { value: sections, enumerable: false });
  return cfg;
}

/** Every section of an experiment file: those the core declares (crates/core/src/config/mod.rs). */
export const EXPERIMENT_SECTIONS: readonly string[] = SCHEMA_SECTIONS;

/**
 * Read a JSON experiment file. `sections` are the ones this command reads; the file may hold the
 * others too (one file per experiment drives every command): those the core declares are checked
 * here all the same, so a typo anywhere is found by any command, and they are left out of the
 * result. A key that is no section at all is refused.
 */
export function readConfig(file: string | undefined, sections: string[]): ConfigFile {
  if (!file) return withSections({}, sections);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BenignfitError('E_IO', `--config: cannot read ${file}: ${(e as Error).message}`, { field: '--config' });
  }
  // A UTF-8 byte order mark (Windows editors write one) is not part of the JSON.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new BenignfitError('E_INVALID', `--config: ${file} is not valid JSON: ${(e as Error).message}`, { field: '--config' });
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw invalid('config', obj, 'a JSON object');
  const own: ConfigFile = {};
  for (const [k, v] of Object.entries(obj)) {
    if (!EXPERIMENT_SECTIONS.includes(k))
      throw invalid(k, v, `a section of an experiment file (${EXPERIMENT_SECTIONS.join(', ')}; this command reads ${sections.join(', ')})`);
    if (v === null || typeof v !== 'object' || (Array.isArray(v) && k !== 'sweep')) throw invalid(k, v, 'an object');
    if (sections.includes(k)) own[k] = v as Record<string, unknown>;
    else if (SCHEMA_SECTIONS.includes(k)) checkSection(k, v);
  }
  return withSections(own, sections);
}

/** Check a section this command does not read (the core's words); skipped when no core can load yet. */
function checkSection(section: string, value: unknown): void {
  try {
    resolveSection(section, value);
  } catch (e) {
    if (e instanceof BenignfitError && e.code === 'E_NO_BACKEND') return;
    throw e;
  }
}

/** Apply `--set a.b=value` overrides (value parsed as JSON when it can be, else a string). */
export function applySets(cfg: ConfigFile, sets: string[] | undefined): ConfigFile {
  for (const s of sets ?? []) {
    const eq = s.indexOf('=');
    if (eq < 1) throw invalid('--set', s, 'section.field=value, e.g. data.gamma=10');
    const path = s.slice(0, eq).split('.');
    const unsafe = path.find((p) => UNSAFE_KEYS.has(p) || p === '');
    if (unsafe !== undefined) throw invalid('--set', s, `section.field=value with plain field names (not "${unsafe}"), e.g. data.gamma=10`);
    const sections = (cfg as { [SECTIONS]?: string[] })[SECTIONS];
    if (sections && !sections.includes(path[0])) {
      throw invalid('--set', s, `a field of ${sections.map((x) => `${x}.*`).join(', ')} (this command has no section "${path[0]}")`);
    }
    let value: unknown = s.slice(eq + 1);
    try {
      value = JSON.parse(value as string);
    } catch {
      /* a plain string */
    }
    setPath(cfg as Record<string, unknown>, path, value);
  }
  return cfg;
}

export function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  const unsafe = path.find((p) => UNSAFE_KEYS.has(p));
  if (unsafe !== undefined) throw invalid('--set', path.join('.'), `plain field names (not "${unsafe}")`);
  let o = obj;
  for (const p of path.slice(0, -1)) {
    if (!Object.hasOwn(o, p) || o[p] === null || typeof o[p] !== 'object') o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[path[path.length - 1]] = value;
}

export function setIf(cfg: ConfigFile, section: string, key: string, v: unknown): void {
  if (v === undefined) return;
  cfg[section] ??= {};
  cfg[section]![key] = v;
}

/** The real reason a path cannot be created: recursive mkdir reports ENOENT for EROFS and EACCES below an existing folder. */
function mkdirReason(d: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
    // Find the deepest folder that exists and create the next level alone: that error is the real one.
    let p = d;
    while (!existsSync(dirname(p)) && dirname(p) !== p) p = dirname(p);
    if (existsSync(dirname(p)) && !statSync(dirname(p)).isDirectory()) return `${dirname(p)} is a file, not a folder`;
    try {
      mkdirSync(p);
    } catch (e2) {
      return (e2 as Error).message;
    }
  }
  if (err.code === 'EEXIST') return `${d} exists and is not a folder`;
  return err.message;
}

/**
 * Create an output folder and check now, before any work, that files can be written there (a
 * read-only file system, no permission, a file in the way): E_IO naming the folder and the cause.
 */
export function outDir(dir: string, flag = '--out'): string {
  const d = resolve(dir);
  try {
    mkdirSync(d, { recursive: true });
  } catch (e) {
    throw new BenignfitError('E_IO', `${flag}: cannot create ${d}: ${mkdirReason(d, e)}`, { field: flag, cause: e });
  }
  if (!statSync(d).isDirectory()) throw new BenignfitError('E_IO', `${flag}: ${d} exists and is not a folder`, { field: flag });
  const probe = join(d, `.benignfit-write-test-${process.pid}`);
  try {
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
  } catch (e) {
    throw new BenignfitError('E_IO', `${flag}: cannot write into ${d}: ${(e as Error).message}`, { field: flag, cause: e });
  }
  return d;
}

/** An output file: its folder is created and the file checked writable now (not a folder, not read-only). */
export function outFile(file: string, flag = '--out'): string {
  const f = resolve(file);
  if (existsSync(f) && statSync(f).isDirectory()) {
    throw new BenignfitError('E_INVALID', `${flag}: ${f} is a folder; expected a file name, e.g. ${join(f, 'out.json')}`, { field: flag });
  }
  outDir(dirname(f), flag);
  try {
    if (existsSync(f)) closeSync(openSync(f, 'r+'));
  } catch (e) {
    throw new BenignfitError('E_IO', `${flag}: cannot write ${f}: ${(e as Error).message}`, { field: flag, cause: e });
  }
  return f;
}

export function writeNpy(dir: string, name: string, data: NpyArray, shape: number[]): void {
  writeFileSync(join(dir, name), encodeNpy(data, shape));
}

export function writeJson(dir: string, name: string, value: unknown): void {
  writeFileSync(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
}

export const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The data section's flags (from the schema the core declares), for every command that generates data. */
const DATA_FLAGS: SchemaFlagOptions = { skip: ['memoryLimit'] };

/** Common data-config flags of every command that generates data: one per field of the data section. */
export function dataFlags(cmd: Command): Command {
  return schemaFlags(cmd, 'data', DATA_FLAGS).option(
    '--set <path=value>',
    noDefault('override any config field, e.g. --set data.baseEigenvalue=0.4 (repeatable)'),
    collect,
  );
}

export function dataOverrides(cfg: ConfigFile, o: Record<string, unknown>): void {
  applySchemaFlags(cfg, 'data', o, DATA_FLAGS);
}

/** Right-aligned plain-text table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const w = header.map((_, j) => Math.max(...cells.map((r) => String(r[j]).length)));
  return cells.map((r, i) => r.map((c, j) => String(c).padStart(w[j])).join('  ') + (i === 0 ? `\n${w.map((x) => '-'.repeat(x)).join('  ')}` : '')).join('\n');
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(3);
  if (Number.isInteger(x)) return String(x);
  return x.toPrecision(4);
}
