#!/usr/bin/env node
// Writes what follows from the Rust declarations of the configs (crates/core/src/config):
//   schema/benignfit.schema.json   the JSON Schema of an experiment file (every section, as users write it)
//   schema/resolved.schema.json    the schema of resolved configs (every field present)
//   ts/generated/config.ts         their TypeScript types (json-schema-to-typescript) and the schemas as values
// The schemas come from the built core itself (`configSchemas()` of the native addon, or of the wasm
// package), so nothing here restates a field. `--check` fails when a committed file differs
// (CI runs it through `npm test`).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

async function core() {
  const dir = join(root, 'native');
  const addon = existsSync(dir) && readdirSync(dir).find((f) => f.endsWith('.node'));
  if (addon) return createRequire(import.meta.url)(join(dir, addon));
  const js = join(root, 'wasm', 'benignfit_wasm.js');
  if (!existsSync(js)) throw new Error('no built core: run `npm run build` first');
  const mod = await import(pathToFileURL(js).href);
  mod.initSync({ module: readFileSync(join(root, 'wasm', 'benignfit_wasm_bg.wasm')) });
  return mod;
}

const pascal = (s) => s[0].toUpperCase() + s.slice(1);
// The TypeScript name of each section's type (inputs get `Input` appended).
const TYPE_NAMES = {
  data: 'DataConfig',
  train: 'TrainConfig',
  classifier: 'ClassifierOptions',
  influence: 'InfluenceConfig',
  theory: 'TheoryOptions',
  fit: 'FitOptions',
  boundaries: 'BoundaryOptions',
  sweep: 'Sweep',
};

/** One document: each section's schema with its $defs hoisted to the root (names must not clash). */
function document(sections, suffix, title, description, extra = {}) {
  const defs = {};
  for (const [name, schema] of Object.entries(extra)) {
    const { $defs = {}, $schema: _, ...rest } = schema;
    Object.assign(defs, $defs);
    defs[name] = { ...rest, title: name };
  }
  const properties = {};
  for (const [name, schema] of Object.entries(sections)) {
    const { $defs = {}, $schema: _, ...rest } = schema;
    for (const [k, v] of Object.entries($defs)) {
      if (defs[k] && JSON.stringify(defs[k]) !== JSON.stringify(v))
        throw new Error(`two config types are both named ${k}: rename one with #[schemars(rename = "...")]`);
      defs[k] = v;
    }
    const type = (TYPE_NAMES[name] ?? `${pascal(name)}Config`) + suffix;
    defs[type] = { ...rest, title: type };
    properties[name] = { $ref: `#/$defs/${type}` };
  }
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', title, description, type: 'object', additionalProperties: false, properties, $defs: defs };
}

const raw = await core();
const schemas = JSON.parse(raw.configSchemas());
const input = document(
  schemas.input,
  'Input',
  'BenignfitExperiment',
  'A benignfit experiment file: one section per part of the toolkit; every field is optional and takes the default shown.',
);
const resolved = document(
  schemas.resolved,
  '',
  'BenignfitResolved',
  'Resolved configs: every field present, as the core fills them; and the result types the core hands over as JSON.',
  schemas.results ?? {},
);

const opts = {
  bannerComment: '',
  additionalProperties: false,
  declareExternallyReferenced: true,
  unreachableDefinitions: true,
  format: true,
  style: { printWidth: 140, singleQuote: true },
};
/** For TypeScript, fixed-size arrays ([f64; 2]) become tuples; other bounds on lengths stay out of the types; each type is declared once. */
function tupleBounds(v) {
  if (Array.isArray(v)) return v.map(tupleBounds);
  if (!v || typeof v !== 'object') return v;
  const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tupleBounds(x)]));
  // A $ref with siblings (a field's description and default) makes json-schema-to-typescript
  // declare a copy of the referenced type (Constants1, Constants2, ...): keep the reference and
  // the description only, so each type is declared once.
  if (o.$ref && Object.keys(o).length > 1) return o.description ? { allOf: [{ $ref: o.$ref }], description: o.description } : { $ref: o.$ref };
  if (o.type === 'array' && !(o.minItems !== undefined && o.minItems === o.maxItems)) {
    delete o.minItems;
    delete o.maxItems;
  }
  return o;
}
const tsIn = await compile(tupleBounds(input), 'BenignfitExperiment', opts);
const tsOut = await compile(tupleBounds(resolved), 'BenignfitResolved', opts);
// Types of the resolved document whose names the input document also declares are the same type.
const declared = new Set([...tsIn.matchAll(/^export (?:interface|type) (\w+)/gm)].map((m) => m[1]));
const outBlocks = tsOut.split(/\n(?=(?:\/\*\*[\s\S]*?\*\/\n)?export )/).filter((b) => {
  const m = /^(?:\/\*\*[\s\S]*?\*\/\n)?export (?:interface|type) (\w+)/.exec(b.trim());
  return !m || !declared.has(m[1]);
});

const header = `// Generated by scripts/gen-types.mjs from the Rust declarations (crates/core/src/config): do not edit.
// \`npm run gen\` rewrites it; \`npm test\` fails when it is stale.
/* eslint-disable */
`;
const files = {
  'schema/benignfit.schema.json': `${JSON.stringify(input, null, 2)}\n`,
  'schema/resolved.schema.json': `${JSON.stringify(resolved, null, 2)}\n`,
  'ts/generated/config.ts':
    header +
    '\n' +
    tsIn.trim() +
    '\n\n' +
    outBlocks.join('\n').trim() +
    '\n\n/** The JSON Schema of each section as users write it (defaults, bounds and help text of every field). */\n' +
    `export const INPUT_SCHEMA: Record<string, unknown> = ${JSON.stringify(input)};\n`,
};

// The declarations each binding generates (napi-rs --dts, wasm-bindgen), kept next to the check
// that they satisfy RawBackend (ts/generated/bindings-check.ts). Copied when the builds made them.
for (const [from, to] of [
  ['target/napi-types.d.ts', 'ts/generated/native.d.ts'],
  ['wasm/benignfit_wasm.d.ts', 'ts/generated/wasm.d.ts'],
]) {
  if (existsSync(join(root, from))) files[to] = readFileSync(join(root, from), 'utf8');
}

const stale = [];
for (const [rel, text] of Object.entries(files)) {
  const p = join(root, rel);
  const old = existsSync(p) ? readFileSync(p, 'utf8') : null;
  if (old === text) continue;
  if (check) stale.push(rel);
  else {
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    console.error(`[benignfit gen] wrote ${rel}`);
  }
}
if (check && stale.length) {
  console.error(`[benignfit gen] stale generated files: ${stale.join(', ')}. The Rust declarations changed: run \`npm run gen\` and commit the result.`);
  process.exit(1);
}
if (check) console.error('[benignfit gen] generated files match the Rust declarations');
