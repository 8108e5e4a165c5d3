// `sources: - kind: file` — the schema of a CSV or LDIF file source (SPEC §4, §7) and its normalized
// config. src/config composes it with the other kinds.
import path from 'node:path';
import { z } from 'zod';
import type { SourceKind } from '../../config/schema.ts';
import { name, required, schedule, sourceTiming, textThat } from '../../config/values.ts';

const filePath = textThat((v) => /\.(csv|ldif)$/i.test(v), 'must be a .csv or .ldif file');

const fileSourceInput = z.strictObject({
  name: required(name),
  kind: z.literal('file'),
  path: required(filePath),
  schedule,
});

export const fileSource = {
  schema: (ctx) =>
    fileSourceInput.transform((v) => ({
      name: v.name,
      kind: v.kind,
      // Files are always read whole: there is no incremental read to bound (`fullEvery` is not a key).
      ...sourceTiming(v),
      /** Absolute (resolved against the working directory, as every relative path of the config). */
      path: path.resolve(ctx.baseDir, v.path),
      format: v.path.toLowerCase().endsWith('.ldif') ? ('ldif' as const) : ('csv' as const),
    })),
} satisfies SourceKind;
