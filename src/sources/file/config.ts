// `sources: - kind: file` — the schema of a CSV or LDIF file source (SPEC §4, §7) and its normalized
// config. src/config composes it with the other kinds.
import path from 'node:path';
import { z } from 'zod';
import { DEFAULTS } from '../../config/defaults.ts';
import type { SourceCommon, SourceKind } from '../../config/types.ts';
import { fail, name, required, schedule, sourceSchedule, text, type Parsed } from '../../config/values.ts';

export interface FileSourceConfig extends SourceCommon {
  readonly kind: 'file';
  /** Absolute path (resolved against the config file's folder). */
  readonly path: string;
  readonly format: 'csv' | 'ldif';
}

function filePath(input: unknown): Parsed<string> {
  const t = text(input);
  if ('error' in t) return t;
  return /\.(csv|ldif)$/i.test(t.value) ? t : fail('must be a .csv or .ldif file');
}

const fileSourceInput = z.strictObject({
  name: required(name),
  kind: z.literal('file'),
  path: required(filePath),
  schedule,
});

export const fileSource = {
  schema: (ctx) =>
    fileSourceInput.transform(
      (v): FileSourceConfig => ({
        name: v.name,
        kind: 'file',
        schedule: sourceSchedule(v.schedule),
        // Files are always read whole: there is no incremental read to bound.
        fullEveryMs: DEFAULTS.fullEveryMs,
        path: path.resolve(ctx.configDir, v.path),
        format: v.path.toLowerCase().endsWith('.ldif') ? 'ldif' : 'csv',
      }),
    ),
} satisfies SourceKind<FileSourceConfig>;
