// What `sync --dry-run` lists of the changes it would make: the flags that choose them (`--only`,
// `--limit`, `--offset`), the command that lists the ones left out, and the human listing, grouped by
// kind (blocks and removals first) with the count of each. `--json` carries the same numbers
// (sync/report.ts, `changeKinds`).
import { CHANGE_KINDS, changeKindOf, DRY_RUN_LISTED, isChangeKind, type ChangeKind } from '../domain/change-kinds.ts';
import type { ChangeListing, ListedChanges } from '../sync/apply-delta.ts';
import { changeKindSummaries, type NextListingCommand } from '../sync/report.ts';
import { UsageError } from './exit-codes.ts';
import { wholeNumberOption } from './option-values.ts';
import { formatCount, table, type Output } from './output.ts';
import { counted } from '../domain/counted.ts';

/** Changes of each kind the human listing shows unless `--limit` says otherwise (`--json`: DRY_RUN_LISTED). */
export const PRINTED_PER_KIND = 20;

export interface ListingFlags {
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly allowRemovals?: boolean;
  readonly full?: boolean;
  /** `--only`, repeatable, each a comma-separated list. */
  readonly only: string[];
  readonly limit?: string;
  readonly offset?: string;
}

/** The listing the flags ask for; a usage error for an unknown kind, a bad number, or listing flags without --dry-run. */
export function listingOf(flags: ListingFlags): ChangeListing {
  const given = flags.only.length > 0 || flags.limit !== undefined || flags.offset !== undefined;
  if (given && !flags.dryRun) throw new UsageError('--only, --limit and --offset choose which changes a dry run lists: add --dry-run');
  return {
    kinds: flags.only.length > 0 ? onlyKinds(flags.only) : CHANGE_KINDS,
    offset: flags.offset === undefined ? 0 : wholeNumberOption('--offset', flags.offset, { min: 0 }),
    limit: flags.limit === undefined ? (flags.json ? DRY_RUN_LISTED : PRINTED_PER_KIND) : wholeNumberOption('--limit', flags.limit, { min: 0 }),
  };
}

function onlyKinds(values: readonly string[]): ChangeKind[] {
  const named = values.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter((v) => v !== '');
  const unknown = named.filter((v) => !isChangeKind(v));
  if (unknown.length > 0 || named.length === 0) {
    const what = unknown.length > 0 ? `unknown change kind${unknown.length === 1 ? '' : 's'} ${unknown.map((v) => `"${v}"`).join(', ')}` : 'no change kind';
    throw new UsageError(`${what} in --only; the kinds are: ${CHANGE_KINDS.join(', ')}`);
  }
  // In the listing's order, each once, however they were given.
  return CHANGE_KINDS.filter((kind) => named.includes(kind));
}

/**
 * The command that lists a kind's changes from an offset on: this command line with that source,
 * kind and offset, and the flags that change the plan or the page (`--config` as given, `--full`,
 * `--allow-removals`, `--limit`).
 */
export function nextListingCommand(flags: ListingFlags, globals: { readonly config?: string }): NextListingCommand {
  return ({ source, kind, offset }) =>
    [
      'seatsync', 'sync', '--dry-run',
      ...(flags.json ? ['--json'] : []),
      ...(globals.config === undefined ? [] : ['--config', globals.config]),
      '--source', source,
      ...(flags.full ? ['--full'] : []),
      ...(flags.allowRemovals ? ['--allow-removals'] : []),
      '--only', kind,
      ...(offset > 0 ? ['--offset', String(offset)] : []),
      ...(flags.limit === undefined ? [] : ['--limit', flags.limit.trim()]),
    ].map(shellWord).join(' ');
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** "40 accounts would change state: 9 blocked, 4 disabled, 27 activated" (the kinds with any, in listing order). */
export function describeKinds(planned: Pick<ListedChanges, 'total' | 'byKind'>): string {
  if (planned.total === 0) return 'no account would change state';
  const kinds = CHANGE_KINDS.filter((kind) => planned.byKind[kind] > 0).map((kind) => `${formatCount(planned.byKind[kind])} ${kind}`);
  return `${counted(planned.total, 'account')} would change state: ${kinds.join(', ')}`;
}

/** A source's planned changes: the count of each kind, then the listed changes kind by kind, and how to see the rest. */
export function printPlanned(out: Output, source: string, planned: ListedChanges, next: NextListingCommand): void {
  if (planned.total === 0) {
    out.line(`\n${source}: ${describeKinds(planned)}.`);
    return;
  }
  const summaries = changeKindSummaries(planned).filter((s) => s.total > 0);
  out.line(`\n${source}: ${describeKinds(planned)}`);
  const asked = (kind: ChangeKind): boolean => planned.listing?.kinds.includes(kind) ?? false;
  for (const s of summaries.filter((k) => asked(k.kind))) {
    const window = s.listed === s.total ? '' : s.listed === 0 ? `; none from number ${formatCount(s.offset + 1)} on` : `; listed: ${formatCount(s.offset + 1)} to ${formatCount(s.offset + s.listed)}`;
    out.line(`\n${s.kind} (${formatCount(s.total)}${window}):`);
    if (s.listed > 0) out.line(kindTable(planned, s.kind));
    if (s.nextOffset !== null) out.line(`… ${formatCount(s.total - s.nextOffset)} more ${s.kind}: ${next({ source, kind: s.kind, offset: s.nextOffset })}`);
  }
  for (const s of summaries.filter((k) => !asked(k.kind))) {
    out.line(`\n${s.kind} (${formatCount(s.total)}): not listed (--only); ${next({ source, kind: s.kind, offset: 0 })}`);
  }
}

function kindTable(planned: ListedChanges, kind: ChangeKind): string {
  const rows = planned.changes
    .filter((c) => changeKindOf(c) === kind)
    .map((c) => {
      const pools = c.to.held.length > 0 ? c.to.held.join(', ') : c.to.waitingFor.length > 0 ? `waiting for ${c.to.waitingFor.join(', ')}` : '';
      return [c.username, c.from?.state ?? 'new', c.to.state, c.reason, pools];
    });
  return table(['account', 'from', 'to', 'reason', 'pools'], rows);
}
