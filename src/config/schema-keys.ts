// Lists every key path the schema accepts (`sources[kind=ldap].tls.ca`, `pools.<name>.seats`), read from the
// zod schema itself. Used for "did you mean" suggestions and by the test that keeps docs/configuration.md
// in step with the schema.
import type { z } from 'zod';
import { objectFormOf } from './schema-alternatives.ts';
import { configInput } from './schema.ts';

/** The parts of zod's internal definitions this walker reads. */
interface Def {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly discriminator?: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly out?: z.ZodType;
  readonly values?: readonly unknown[];
}

const defOf = (schema: z.ZodType): Def => schema._zod.def as unknown as Def;

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);

/** Strips optional/nullable/pipe wrappers down to the schema that shapes the value. */
function unwrap(schema: z.ZodType): z.ZodType {
  if (objectFormOf(schema) !== undefined) return schema;
  const def = defOf(schema);
  if (WRAPPERS.has(def.type) && def.innerType !== undefined) return unwrap(def.innerType);
  if (def.type === 'pipe' && def.in !== undefined) {
    const inner = unwrap(def.in);
    // z.preprocess puts a transform first: the real shape is the output side.
    return defOf(inner).type === 'transform' && def.out !== undefined ? unwrap(def.out) : inner;
  }
  return schema;
}

function walk(schema: z.ZodType, prefix: string, out: string[]): void {
  const target = unwrap(schema);
  const def = defOf(target);
  const alternative = objectFormOf(target);
  if (alternative !== undefined) return walk(alternative, prefix, out);
  if (def.type === 'object' && def.shape !== undefined) {
    for (const [key, child] of Object.entries(def.shape)) {
      const at = prefix === '' ? key : `${prefix}.${key}`;
      out.push(at);
      walk(child, at, out);
    }
  } else if (def.type === 'array' && def.element !== undefined) {
    walkElement(def.element, prefix, out);
  } else if (def.type === 'record' && def.valueType !== undefined) {
    const inner: string[] = [];
    walk(def.valueType, `${prefix}.<name>`, inner);
    if (inner.length > 0) out.push(`${prefix}.<name>`, ...inner);
  } else if (def.type === 'union' && def.options !== undefined) {
    for (const option of def.options) walk(option, prefix, out);
  }
}

function walkElement(element: z.ZodType, prefix: string, out: string[]): void {
  const target = unwrap(element);
  const def = defOf(target);
  if (def.type === 'union' && def.discriminator !== undefined && def.options !== undefined) {
    for (const option of def.options) {
      const literal = defOf(unwrap(option)).shape?.[def.discriminator];
      const value = literal === undefined ? '?' : String(defOf(literal).values?.[0]);
      walk(option, `${prefix}[${def.discriminator}=${value}]`, out);
    }
  } else {
    walk(target, `${prefix}[]`, out);
  }
}

let cached: readonly string[] | undefined;

/** Every key path of the config file, in schema order. */
export function listConfigKeys(): readonly string[] {
  if (cached === undefined) {
    const out: string[] = [];
    walk(configInput({ configDir: '/', cwd: '/' }), '', out);
    cached = [...new Set(out)];
  }
  return cached;
}

function isKnownPrefix(known: readonly string[], prefix: string): boolean {
  return known.some((k) => k === prefix || k.startsWith(`${prefix}.`) || k.startsWith(`${prefix}[`));
}

/** The schema path (`sources[kind=ldap].tls`) of a concrete key path (`sources[0].tls`) in `tree`. */
function schemaPathOf(segments: readonly (string | number)[], tree: unknown): string {
  const known = listConfigKeys();
  let prefix = '';
  let node = tree;
  for (const segment of segments) {
    const child: unknown = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[segment] : undefined;
    if (typeof segment === 'number') {
      const kind = child !== null && typeof child === 'object' ? (child as Record<string, unknown>).kind : undefined;
      const labelled = `${prefix}[kind=${String(kind)}]`;
      prefix = isKnownPrefix(known, labelled) ? labelled : `${prefix}[]`;
    } else {
      const named = prefix === '' ? segment : `${prefix}.${segment}`;
      prefix = isKnownPrefix(known, named) ? named : `${prefix}.<name>`;
    }
    node = child;
  }
  return prefix;
}

/** Keys allowed directly inside the mapping at `segments` (for "did you mean"). */
export function keysAllowedAt(segments: readonly (string | number)[], tree: unknown): string[] {
  const prefix = schemaPathOf(segments, tree);
  const start = prefix === '' ? '' : `${prefix}.`;
  return listConfigKeys()
    .filter((k) => k.startsWith(start))
    .map((k) => k.slice(start.length))
    .filter((rest) => rest !== '' && !/[.[]/.test(rest) && !rest.startsWith('<'));
}
