// Keys that take either a short string or a mapping (`schedule: "*/15 * * * *"` or `schedule: { every: 15m }`).
// A zod union would report both branches' failures; this dispatches on the value's type instead, so the
// message is about the form the user chose. The mapping schemas are remembered for `listConfigKeys`.
import { z } from 'zod';
import type { Parsed } from './schema-values.ts';

const objectForms = new WeakMap<z.ZodType, z.ZodType>();

/** The mapping schema behind a string-or-mapping key, if `schema` is one. */
export function objectFormOf(schema: z.ZodType): z.ZodType | undefined {
  return objectForms.get(schema);
}

function isPlainObject(input: unknown): input is Record<string, unknown> {
  return input !== null && typeof input === 'object' && !Array.isArray(input);
}

export function stringOrObject<T, O extends z.ZodType>(options: {
  readonly parseString: (input: string) => Parsed<T>;
  readonly object: O;
  /** What to say when the value is neither, e.g. 'must be a cron expression or { every: 15m }'. */
  readonly expected: string;
}): z.ZodType<T | z.output<O> | undefined> {
  // These keys are all optional: absent or empty gives undefined and the default applies.
  const schema = z.unknown().transform((input, ctx): T | z.output<O> | undefined => {
    if (input === undefined || input === null) return undefined;
    if (typeof input === 'string') {
      const result = options.parseString(input);
      if ('value' in result) return result.value;
      ctx.issues.push({ code: 'custom', message: result.error, input });
      return z.NEVER;
    }
    if (!isPlainObject(input)) {
      ctx.issues.push({ code: 'custom', message: options.expected, input });
      return z.NEVER;
    }
    const parsed = options.object.safeParse(input, { reportInput: true });
    if (parsed.success) return parsed.data;
    // The nested issues keep their own codes (unknown keys stay unknown keys); zod prefixes our path.
    for (const issue of parsed.error.issues) ctx.issues.push(issue as unknown as z.core.$ZodRawIssue);
    return z.NEVER;
  });
  objectForms.set(schema, options.object);
  return schema.optional(); // tells the object that the key may be absent
}
