// Which audit entries to list, read once from what `seatsync audit` and `GET /api/v1/audit` are given:
// each filter as typed (account, since, reason, source, run, to, limit), checked the same way for both,
// with the sentences that refuse a value naming the option or parameter as each edge names it (`--since`,
// `since`). The CLI makes the problems a usage error; the API a 400, checking the values before its schema
// (which stops at the first it refuses) so that one answer names them all.
import { AUDIT_REASONS } from '../domain/explain.ts';
import { INSTANT_EXAMPLES, parseInstant } from '../domain/iso-time.ts';
import { quotedInput } from '../domain/quoted-input.ts';
import { isRunId, MAX_RUN_ID } from '../domain/run-id.ts';
import { ACCOUNT_STATES } from '../domain/types.ts';
import { readWholeNumber } from '../domain/whole-number.ts';
import type { AuditFilter, Repositories } from '../store/repositories.ts';
import { resolveAccount } from './admin-actions.ts';
import { storedSourceProblem } from './stored-source.ts';

/** The filters, as their options (`--since`) and query parameters (`since`) are named without the edge's marks. */
export const AUDIT_PARAMETERS = ['account', 'since', 'reason', 'source', 'run', 'to', 'limit'] as const;
export type AuditParameter = (typeof AUDIT_PARAMETERS)[number];

/** Each filter as it was given; a filter left out is undefined (an empty value is a value, checked as any other). */
export type AuditFilterText = Readonly<Partial<Record<AuditParameter, string>>>;

/** A value that cannot filter the trail: which parameter, and the sentence that says why. */
export interface AuditFilterProblem {
  readonly parameter: AuditParameter;
  readonly message: string;
}

/** What to ask the audit store for: the filters and how many of the latest entries. */
export type AuditListFilter = AuditFilter & { readonly limit: number };

export interface AuditFilterContext {
  /** The stores a source's and an account's look-up read: asked for only once every other value is good. */
  readonly repos: () => Promise<Pick<Repositories, 'runs' | 'accounts'>>;
  /** The configured sources' names. */
  readonly sources: readonly string[];
  /** The number of entries when `limit` is left out, and the most that may be asked for. */
  readonly limit: { readonly default: number; readonly max: number };
  /** The parameter as the edge names it: `--since` on the command line, `since` in a query. */
  readonly nameOf: (parameter: AuditParameter) => string;
}

/**
 * The filter the values give, or every problem with them. The values are checked first; a source and an
 * account are looked up only when they are all good (a bad date is refused before the database is opened).
 * An account that matches none or several is the account look-up's error (AdminActionError), thrown.
 */
export async function auditFilterOf(
  given: AuditFilterText,
  context: AuditFilterContext,
): Promise<{ readonly filter: AuditListFilter; readonly problems: readonly [] } | { readonly filter: null; readonly problems: readonly AuditFilterProblem[] }> {
  const { account, reason, source, run, to } = given;
  const values = auditValuesOf(given, context);
  if ('problems' in values) return { filter: null, problems: values.problems };
  const { since: sinceDate, limit: count } = values;

  let accountIds: number[] | undefined;
  if (source !== undefined || account !== undefined) {
    const repos = await context.repos();
    const sourceProblem = source === undefined ? null : await storedSourceProblem(repos.runs, source, context.sources);
    if (sourceProblem !== null) return { filter: null, problems: [{ parameter: 'source', message: sourceProblem }] };
    if (account !== undefined) accountIds = [(await resolveAccount(repos.accounts, account)).id];
  }
  const filter: AuditListFilter = {
    limit: count,
    ...(sinceDate ? { since: sinceDate } : {}),
    ...(accountIds ? { accountIds } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(source !== undefined ? { source } : {}),
    ...(run !== undefined ? { runId: run } : {}),
    ...(to !== undefined ? { to } : {}),
  };
  return { filter, problems: [] };
}

/**
 * What the values say by themselves, before any look-up: the time `since` names and the number of
 * entries, or every problem with `since`, `reason`, `to`, `run` and `limit` at once.
 */
export function auditValuesOf(
  given: AuditFilterText,
  context: Pick<AuditFilterContext, 'limit' | 'nameOf'>,
): { readonly since: Date | undefined; readonly limit: number } | { readonly problems: readonly AuditFilterProblem[] } {
  const { nameOf } = context;
  const problems: AuditFilterProblem[] = [];
  const problem = (parameter: AuditParameter, message: string): void => void problems.push({ parameter, message });
  const { since, reason, run, to, limit } = given;

  const sinceDate = since === undefined ? undefined : parseInstant(since);
  // Each refused value is quoted cut short (`quotedInput`): a query may carry kilobytes of it.
  if (since !== undefined && sinceDate === null) problem('since', `${nameOf('since')}: not a date: ${quotedInput(since)} (${INSTANT_EXAMPLES})`);
  if (reason !== undefined && !(AUDIT_REASONS as readonly string[]).includes(reason)) {
    problem('reason', `${nameOf('reason')} must be one of ${AUDIT_REASONS.join(', ')}, not ${quotedInput(reason)}`);
  }
  if (to !== undefined && !(ACCOUNT_STATES as readonly string[]).includes(to)) {
    problem('to', `${nameOf('to')} must be one of ${ACCOUNT_STATES.join(', ')}, not ${quotedInput(to)}`);
  }
  if (run !== undefined && !isRunId(run)) problem('run', `${nameOf('run')} must be a run's numeric id (at most ${MAX_RUN_ID}), not ${quotedInput(run)}`);
  const count = limit === undefined ? { value: context.limit.default } : readWholeNumber(nameOf('limit'), limit, { min: 1, max: context.limit.max });
  if ('problem' in count) problem('limit', count.problem);
  if (problems.length > 0 || 'problem' in count || sinceDate === null) return { problems };
  return { since: sinceDate, limit: count.value };
}
