// `seatsync check` for a file source: the file is there, it reads, how many users it holds, two mapped
// samples and the size of each group the config names (counted from a read of its own, or from the
// caller's: see `usersReadByCaller`).
import type { Stats } from 'node:fs';
import type { FileSourceConfig } from '../../config/types.ts';
import { normalizeGroupKey } from '../../domain/names.ts';
import type { DirectoryUser } from '../../domain/types.ts';
import { SourceError } from '../directory-source.ts';
import type { SourceCheck, SourceCheckOptions, SourceCheckReport, SourceItem, SourceReadOptions, SourceReader, UsersCount } from '../directory-source.ts';
import { counted } from '../../domain/counted.ts';

const SAMPLE_SIZE = 2;
/** Skipped entries quoted in the report; the count covers them all. */
const SKIPPED_QUOTED = 3;

export interface FileCheckOptions extends SourceCheckOptions {
  readonly read: (options: SourceReadOptions) => SourceReader;
  readonly statFile: () => Promise<Stats>;
}

type Step = SourceCheckReport['steps'][number];
type Skipped = Extract<SourceItem, { kind: 'skipped' }>;

interface Tally {
  users: number;
  disabled: number;
  skipped: number;
  readonly quoted: Skipped[];
  readonly sample: DirectoryUser[];
  readonly groupSizes: Record<string, number>;
}

/**
 * Reads the whole file once. `ok` is false only when the file can't be read; skipped entries make a
 * failing step (they need fixing) but the source stays usable: a sync skips them.
 */
export async function checkFileSource(config: FileSourceConfig, options: FileCheckOptions): Promise<SourceCheck> {
  const steps: Step[] = [];
  const interest = [...new Set(options.groupsOfInterest.map(normalizeGroupKey))];
  const users = usersCount(interest);
  try {
    const info = await options.statFile();
    steps.push({ name: 'file', ok: true, detail: `${config.path} (${config.format}, ${info.size} bytes)` });
    if (options.usersReadByCaller === true) return { report: { ok: true, steps, usersInScope: null, sample: [], groupSizes: {} }, users };
    for await (const page of options.read({ cursor: null, forceFull: true, groupsOfInterest: interest, attributes: options.attributes })) users.add(page);
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    steps.push({ name: steps.length === 0 ? 'file' : 'read', ok: false, detail: error.message });
    return { report: { ok: false, steps, usersInScope: null, sample: [], groupSizes: {} } };
  }
  const found = users.report();
  return { report: { ...found, steps: [...steps, ...found.steps] } };
}

/** The users, the disabled, the skipped entries (the first quoted), two samples and the members of each group of interest. */
function usersCount(interest: readonly string[]): UsersCount {
  const tally: Tally = { users: 0, disabled: 0, skipped: 0, quoted: [], sample: [], groupSizes: {} };
  for (const key of interest) tally.groupSizes[key] = 0;
  return {
    add: (page) => {
      for (const item of page.items) count(tally, item, interest);
    },
    report: () => {
      const steps: Step[] = [{ name: 'users', ok: true, detail: `${counted(tally.users, 'user')} in the file (${tally.disabled} disabled)` }];
      if (tally.skipped > 0) steps.push({ name: 'skipped entries', ok: false, detail: describeSkipped(tally) });
      return { ok: true, steps, usersInScope: tally.users, sample: tally.sample, groupSizes: tally.groupSizes };
    },
  };
}

function count(tally: Tally, item: SourceItem, interest: readonly string[]): void {
  if (item.kind === 'skipped') {
    tally.skipped += 1;
    if (tally.quoted.length < SKIPPED_QUOTED) tally.quoted.push(item);
    return;
  }
  if (item.kind !== 'user') return;
  const { user } = item;
  tally.users += 1;
  if (!user.enabled) tally.disabled += 1;
  if (tally.sample.length < SAMPLE_SIZE) tally.sample.push(user);
  for (const key of interest) {
    if (user.groups.includes(key)) tally.groupSizes[key] = (tally.groupSizes[key] ?? 0) + 1;
  }
}

function describeSkipped(tally: Tally): string {
  const quoted = tally.quoted.map((item) => `${item.entry}${item.attribute ? ` [${item.attribute}]` : ''}: ${item.reason}`);
  const more = tally.skipped > quoted.length ? `; and ${tally.skipped - quoted.length} more` : '';
  return `${tally.skipped} entries skipped: ${quoted.join('; ')}${more}`;
}
