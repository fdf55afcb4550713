/**
 * One declaration per config field: every field of every section the core declares gets a bad
 * value derived from its schema, and the refusal must be the same object on native and wasm (code,
 * field, got, expected, message) and the same line from the CLI. Fields are enumerated from the
 * generated schema, so a field added in Rust is covered without touching this file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BenignfitError, fromBinding } from '../ts/errors.js';
import { deref, fields, SECTIONS, type JsonSchema } from '../ts/schema.js';
import { loadNativeRaw, loadWasmRaw } from '../ts/load-node.js';
import type { RawBackend } from '../ts/types.js';

/** A value the schema refuses, or undefined when none is obvious. */
function badValue(s: JsonSchema): unknown {
  const d = deref(s);
  const alts = [...(d.anyOf ?? []), ...(d.oneOf ?? [])].map(deref);
  const numeric = alts.length ? alts.find((a) => a.type === 'integer' || a.type === 'number') : d;
  const t = Array.isArray(numeric?.type) ? numeric!.type.find((x) => x !== 'null') : numeric?.type;
  if (numeric && (t === 'integer' || t === 'number')) {
    if (typeof numeric.exclusiveMinimum === 'number') return numeric.exclusiveMinimum;
    if (typeof numeric.minimum === 'number') return numeric.minimum - 1;
    if (typeof numeric.maximum === 'number') return numeric.maximum + 1;
    if (t === 'integer') return 1.5;
    return 'not a number';
  }
  const type = Array.isArray(d.type) ? d.type.find((x) => x !== 'null') : d.type;
  if (d.enum || alts.some((a) => a.enum || typeof a.const === 'string')) return 'no-such-choice';
  if (type === 'boolean') return 'yes';
  if (type === 'array') {
    const item = deref(d.items ?? {});
    if (typeof item.exclusiveMinimum === 'number') return [item.exclusiveMinimum];
    if (typeof item.minimum === 'number') return [item.minimum - 1];
    return 'not an array';
  }
  if (type === 'object') return 42;
  return undefined;
}

/** Minimal valid sections (boundaries needs its plane and axes). */
const BASE: Record<string, Record<string, unknown>> = { boundaries: { plane: 'featureNorm-gamma', x: [0.1], y: [1], perClass: 10 } };

const cases: [string, string, unknown][] = [];
for (const section of SECTIONS) {
  for (const f of fields(section)) {
    const v = badValue(f.schema);
    if (v !== undefined) cases.push([section, f.name, v]);
  }
}

function refusal(raw: RawBackend, section: string, input: unknown) {
  try {
    raw.resolveConfig(section, JSON.stringify(input));
  } catch (e) {
    const b = fromBinding(e);
    return { code: b.code, field: b.field, got: b.got, expected: b.expected, message: b.message };
  }
  return null;
}

describe('config errors: one declaration, the same refusal everywhere', () => {
  const raws = Promise.all([loadNativeRaw(), loadWasmRaw()]);
  const tmp = mkdtempSync(join(tmpdir(), 'bf-cfg-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('enumerates a bad value for every field of every section', () => {
    expect(SECTIONS).toEqual(expect.arrayContaining(['data', 'train', 'classifier', 'influence', 'theory', 'fit', 'boundaries']));
    // Every numeric, enum, boolean and array field has one; only free-form ones (none today) may not.
    const all = SECTIONS.flatMap((s) => fields(s).map((f) => `${s}.${f.name}`));
    expect(cases.length).toBeGreaterThanOrEqual(all.length - 8);
  });

  it.each(cases)('%s.%s: the same E_INVALID from native and wasm, naming the field', async (section, field, bad) => {
    const [native, wasm] = await raws;
    const input = { ...BASE[section], [field]: bad };
    const a = refusal(native, section, input);
    const b = refusal(wasm, section, input);
    expect(a, `${section}.${field} = ${JSON.stringify(bad)} was accepted`).not.toBeNull();
    expect(a).toEqual(b);
    expect(a!.code).toBe('E_INVALID');
    expect(a!.field?.startsWith(`${section}.${field}`)).toBe(true);
    expect(a!.message).toBe(`${a!.field}: got ${a!.got}, expected ${a!.expected}`);
  });

  it('an unknown key names itself and the known ones', async () => {
    const [native, wasm] = await raws;
    const a = refusal(native, 'train', { lr: 0.1, lrr: 1 });
    expect(a).toEqual(refusal(wasm, 'train', { lr: 0.1, lrr: 1 }));
    expect(a!.field).toBe('train.lrr');
    expect(a!.expected).toMatch(/^no unknown keys \(known: width, lr, steps, /);
  });

  // The CLI prints the same refusal: every field of the data and train sections through `train`.
  const cliCases = cases.filter(([s]) => s === 'data' || s === 'train');
  it.each(cliCases)("CLI: %s.%s prints the core's words", async (section, field, bad) => {
    const [native] = await raws;
    const expected = refusal(native, section, { [field]: bad })!;
    let stderr = '';
    let status = 0;
    try {
      execFileSync(
        process.execPath,
        ['dist/cli/main.js', 'train', '--out', join(tmp, 'run'), '--no-plot', '--set', `${section}.${field}=${JSON.stringify(bad)}`],
        { stdio: 'pipe' },
      );
    } catch (e) {
      stderr = String((e as { stderr: Buffer }).stderr);
      status = (e as { status: number }).status;
    }
    expect(status).toBe(2);
    expect(stderr).toContain(`benignfit: error [E_INVALID]: ${expected.message}`);
  });

  // theory and fit-constants too: their flags come from the same schema, their errors from the core.
  const fitRows = join(tmp, 'fit-rows.jsonl');
  writeFileSync(
    fitRows,
    `${JSON.stringify({
      snr: [1, 1, 1],
      gamma: [
        [null, 1, 1],
        [1, null, 1],
        [1, 1, null],
      ],
      testAccPerClass: [0.9, 0.9, 0.9],
      testPerClass: 100,
    })}\n`,
  );
  const commandOf: Record<string, string[]> = {
    theory: ['theory', '--classes', '2', '--dim', '8', '--out', join(tmp, 'theory.json')],
    fit: ['fit-constants', '--results', fitRows, '--out', join(tmp, 'fit.json')],
  };
  const otherCliCases = cases.filter(([s]) => s in commandOf);
  it.each(otherCliCases)("CLI: %s.%s prints the core's words", async (section, field, bad) => {
    const [native] = await raws;
    const expected = refusal(native, section, { [field]: bad })!;
    let stderr = '';
    let status = 0;
    try {
      execFileSync(process.execPath, ['dist/cli/main.js', ...commandOf[section], '--set', `${section}.${field}=${JSON.stringify(bad)}`], { stdio: 'pipe' });
    } catch (e) {
      stderr = String((e as { stderr: Buffer }).stderr);
      status = (e as { status: number }).status;
    }
    expect(status).toBe(2);
    expect(stderr).toContain(`benignfit: error [E_INVALID]: ${expected.message}`);
  });

  it('one experiment file drives every command: other sections are accepted and checked, unknown keys refused', () => {
    const file = join(tmp, 'experiment.json');
    const cli = (args: string[]) => {
      try {
        return { status: 0, stderr: '', stdout: execFileSync(process.execPath, ['dist/cli/main.js', ...args], { stdio: 'pipe' }).toString() };
      } catch (e) {
        return { status: (e as { status: number }).status, stderr: String((e as { stderr: Buffer }).stderr), stdout: '' };
      }
    };
    const experiment = {
      data: { classes: 3, dim: 24, perClass: 4, testPerClass: 4 },
      train: { steps: 3, width: 4 },
      classifier: { epochs: 1 },
      influence: { normalize: 'unit' },
      theory: { freshSamples: 10 },
      sweep: { x: { param: 'data.gamma', values: [1, 2] } },
    };
    writeFileSync(file, JSON.stringify(experiment));
    expect(cli(['generate', '--config', file, '--out', join(tmp, 'gen')]).status).toBe(0);
    const th = cli(['theory', '--config', file, '--out', join(tmp, 'theory.json')]);
    expect(th.status, th.stderr).toBe(0);
    // A typo in a section this command does not read is still found, in the core's words.
    writeFileSync(file, JSON.stringify({ ...experiment, classifier: { epochz: 1 } }));
    const bad = cli(['generate', '--config', file, '--out', join(tmp, 'gen')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/\[E_INVALID\]: classifier\.epochz: got 1, expected no unknown keys/);
    // A key that is no section is refused, naming the sections there are.
    writeFileSync(file, JSON.stringify({ ...experiment, dat: {} }));
    expect(cli(['generate', '--config', file, '--out', join(tmp, 'gen')]).stderr).toMatch(
      /dat: got \{\}, expected a section of an experiment file \(data, train, /,
    );
    // theory checks the train section as a train section (train.lr, not theory.lr).
    writeFileSync(file, JSON.stringify({ ...experiment, train: { lr: -1 } }));
    expect(cli(['theory', '--config', file, '--out', join(tmp, 'theory.json')]).stderr).toMatch(
      /\[E_INVALID\]: train\.lr: got -1, expected a finite number > 0/,
    );
  });

  it('a refusal is a BenignfitError with its parts as properties (no message parsing)', async () => {
    const [native] = await raws;
    try {
      native.resolveConfig('data', '{"gamma": 0.5}');
      expect.unreachable();
    } catch (e) {
      expect(e).not.toBeInstanceOf(BenignfitError);
      expect(e).toMatchObject({ code: 'E_INVALID', field: 'data.gamma', got: '0.5', expected: 'a finite number >= 1' });
    }
  });
});
