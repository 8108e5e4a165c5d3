// The `file` source (SPEC §7): a CSV or LDIF export read as a directory. Every read streams the whole
// file (mode `full`, so users missing from it are swept), page by page, without holding it in memory.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FileSourceConfig } from '../../config/types.ts';
import { normalizeGroupKey } from '../../domain/names.ts';
import { SourceError } from '../directory-source.ts';
import type { DirectorySource, SourceItem, SourceReadOptions, SourceReader } from '../directory-source.ts';
import { readCsvEntries } from './csv-entries.ts';
import { DuplicateIds } from './duplicate-ids.ts';
import type { FileEntryOptions } from './entry-options.ts';
import { checkFileSource } from './file-check.ts';
import { readLdifEntries } from './ldif-entries.ts';

/** Items per page: the same ceiling as the LDAP source's paged search. */
export const FILE_PAGE_SIZE = 1000;

/** Bytes read from disk at a time. */
const READ_CHUNK_BYTES = 64 * 1024;

export interface FileSourceOptions {
  /** Items (users and skipped entries) per page, 1–1000; default 1000. Smaller pages are for tests. */
  readonly pageSize?: number;
}

export function createFileSource(config: FileSourceConfig, options: FileSourceOptions = {}): DirectorySource {
  const pageSize = Math.max(1, Math.min(FILE_PAGE_SIZE, Math.floor(options.pageSize ?? FILE_PAGE_SIZE)));
  const read = (readOptions: SourceReadOptions): SourceReader => readFileSource(config, { ...readOptions, pageSize });
  return {
    name: config.name,
    kind: 'file',
    read,
    check: (checkOptions) => checkFileSource(config, { ...checkOptions, read, statFile: () => statSourceFile(config) }),
    close: async () => {},
  };
}

async function* readFileSource(config: FileSourceConfig, options: SourceReadOptions & { readonly pageSize: number }): SourceReader {
  options.signal?.throwIfAborted();
  await statSourceFile(config);
  const input = createReadStream(config.path, { highWaterMark: READ_CHUNK_BYTES, ...(options.signal ? { signal: options.signal } : {}) });
  const entryOptions: FileEntryOptions = {
    sourceName: config.name,
    path: config.path,
    groupsOfInterest: options.groupsOfInterest.map(normalizeGroupKey),
    attributes: options.attributes,
    ids: new DuplicateIds(),
  };
  let page: SourceItem[] = [];
  try {
    for await (const item of entriesOf(config.format, input, entryOptions)) {
      page.push(item);
      if (page.length < options.pageSize) continue;
      options.signal?.throwIfAborted();
      yield { items: page };
      page = [];
    }
  } catch (error) {
    throw readFailure(config, error, options.signal);
  } finally {
    input.destroy();
  }
  options.signal?.throwIfAborted();
  if (page.length > 0) yield { items: page };
  return { mode: 'full', cursor: null };
}

function entriesOf(format: FileSourceConfig['format'], input: Readable, options: FileEntryOptions): AsyncGenerator<SourceItem, void, undefined> {
  switch (format) {
    case 'csv':
      return readCsvEntries(input, options);
    case 'ldif':
      return readLdifEntries(input, options);
    default: {
      const unknown: never = format;
      throw new SourceError(options.sourceName, 'invalid-data', `unknown file format ${String(unknown)}`);
    }
  }
}

/** Checks the file exists and is a regular file, mapping the failure to a source error. */
export async function statSourceFile(config: FileSourceConfig): Promise<Stats> {
  let info: Stats;
  try {
    info = await stat(config.path);
  } catch (error) {
    throw readFailure(config, error, undefined);
  }
  if (!info.isFile()) throw new SourceError(config.name, 'invalid-data', `${config.path} is not a regular file`);
  return info;
}

/** Maps a failure while reading to what the sync expects: SourceError, or the abort reason when aborted. */
function readFailure(config: FileSourceConfig, error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted === true) return signal.reason;
  if (error instanceof SourceError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new SourceError(config.name, 'not-found', `file ${config.path} does not exist`, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new SourceError(config.name, 'permission', `file ${config.path} is not readable (permission denied)`, { cause: error });
    case 'EISDIR':
      return new SourceError(config.name, 'invalid-data', `${config.path} is a directory, not a file`, { cause: error });
    default:
      if (typeof code === 'string') {
        return new SourceError(config.name, 'invalid-data', `cannot read ${config.path}: ${code}`, { cause: error });
      }
      return error;
  }
}
