// Temporary files for file-source tests: one folder per test file, removed afterwards.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileSourceConfig } from '../../../../src/config/types.ts';
import type { DirectorySource, SourceItem, SourceReadOptions, SourceReadOutcome } from '../../../../src/sources/directory-source.ts';

export interface TempFolder {
  readonly path: string;
  /** Writes `content` (text as UTF-8, or raw bytes) to `name` in the folder; returns the full path. */
  write(name: string, content: string | Uint8Array): Promise<string>;
  remove(): Promise<void>;
}

export async function tempFolder(prefix: string): Promise<TempFolder> {
  const path = await mkdtemp(join(tmpdir(), `seatsync-${prefix}-`));
  return {
    path,
    write: async (name, content) => {
      const file = join(path, name);
      await writeFile(file, content);
      return file;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

export function fileConfig(path: string, format: FileSourceConfig['format']): FileSourceConfig {
  return { kind: 'file', name: 'contractors', path, format, schedule: null, fullEveryMs: 86_400_000 };
}

export interface ReadAll {
  readonly items: SourceItem[];
  readonly pageSizes: number[];
  readonly outcome: SourceReadOutcome;
}

/** Reads a source to the end, keeping every item and the size of every page. */
export async function readAll(source: DirectorySource, options: Partial<SourceReadOptions> = {}): Promise<ReadAll> {
  const reader = source.read({ cursor: null, forceFull: true, groupsOfInterest: [], attributes: [], ...options });
  const items: SourceItem[] = [];
  const pageSizes: number[] = [];
  for (;;) {
    const step = await reader.next();
    if (step.done === true) return { items, pageSizes, outcome: step.value };
    items.push(...step.value.items);
    pageSizes.push(step.value.items.length);
  }
}

export function usersOf(items: readonly SourceItem[]) {
  return items.flatMap((item) => (item.kind === 'user' ? [item.user] : []));
}

export function skippedOf(items: readonly SourceItem[]) {
  return items.flatMap((item) => (item.kind === 'skipped' ? [item] : []));
}
