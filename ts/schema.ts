/**
 * The JSON Schema of the config sections, as the Rust core declares them (ts/generated/config.ts,
 * written by scripts/gen-types.mjs). Read by whatever shows a field to people: CLI flags and their
 * help, the web form, the docs. Checking values is the core's job (ts/config.ts).
 */
import { INPUT_SCHEMA } from './generated/config.js';

export type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  $ref?: string;
  [k: string]: unknown;
};

const root = INPUT_SCHEMA as { properties: Record<string, JsonSchema>; $defs: Record<string, JsonSchema> };

/** Follow `$ref`s into the schema's `$defs`, keeping the referring schema's own keys (description, default). */
export function deref(s: JsonSchema): JsonSchema {
  let out = s;
  for (let i = 0; i < 16 && out.$ref; i++) {
    const { $ref, ...own } = out;
    const target = root.$defs[$ref.replace('#/$defs/', '')];
    if (!target) break;
    out = { ...target, ...own };
  }
  return out;
}

/** The sections of an experiment file the core declares ("data", "train", ...). */
export const SECTIONS: readonly string[] = Object.keys(root.properties);

/** A section's schema (an object schema with `properties`). */
export function section(name: string): JsonSchema & { properties: Record<string, JsonSchema> } {
  const s = root.properties[name];
  if (!s) throw new Error(`no config section ${JSON.stringify(name)} in the schema`);
  return deref(s) as JsonSchema & { properties: Record<string, JsonSchema> };
}

export interface FieldInfo {
  name: string;
  schema: JsonSchema;
  description: string;
  default: unknown;
}

/** The fields of a section in declaration order, with their help text and defaults. */
export function fields(name: string): FieldInfo[] {
  return Object.entries(section(name).properties).map(([field, s]) => {
    const d = deref(s);
    return { name: field, schema: d, description: (d.description ?? '').replace(/\s*\n\s*/g, ' '), default: d.default };
  });
}

/** The string values a field accepts (its enum, or the string constants of its alternatives). */
export function choices(sectionName: string, field: string): string[] {
  const s = section(sectionName).properties[field];
  if (!s) throw new Error(`no field ${sectionName}.${field} in the schema`);
  const out: string[] = [];
  const walk = (x: JsonSchema) => {
    const d = deref(x);
    for (const v of d.enum ?? []) if (typeof v === 'string') out.push(v);
    if (typeof d.const === 'string') out.push(d.const);
    for (const a of [...(d.anyOf ?? []), ...(d.oneOf ?? [])]) walk(a);
  };
  walk(s);
  return out;
}
