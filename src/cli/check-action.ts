// `seatsync check`'s action (registered in check-command.ts): the config's warnings, the database and
// Redis, each source's check, then one dry run of the sources that passed it, planned in config order as
// the sync would apply them (check-plan.ts), the mail transport and the targets.
import { describeConfigWarnings, redactedConfig } from '../config/index.ts';
import { createSourceFactory, preloadAdapters } from '../sources/factory.ts';
import { mappingRulesOf, readRequestOf } from '../sync/map-user.ts';
import type { CheckFlags } from './check-command.ts';
import type { CommandContext } from './context.ts';
import { EXIT, requireConfigured, type ExitCode } from './exit-codes.ts';
import { cellText, formatCount, type Output } from './output.ts';
import { checkMailTransport } from './notify-wiring.ts';
import { checkDatabase, checkRedis, type ServiceCheck } from './check-services.ts';
import { checkTargets } from '../targets/check-targets.ts';
import type { DirectorySource, SourceCheck, SourceCheckReport, SourceReader, SourceReadOptions, UsersCount } from '../sources/directory-source.ts';
import { planDatabase, planSources, printPlan, type PlanDatabase, type SourcePlanJson, type SourcePlanned } from './check-plan.ts';

export async function checkCommand(ctx: CommandContext, out: Output, flags: CheckFlags): Promise<ExitCode> {
  const names = flags.source.length > 0 ? flags.source : ctx.config.sources.map((s) => s.name);
  requireConfigured('source', names, ctx.config.sources.map((s) => s.name));
  const results: SourceCheckJson[] = [];
  if (!flags.json) {
    out.line(`config ${ctx.config.path}: valid${ctx.warnings.length > 0 ? `, with ${formatCount(ctx.warnings.length)} warning(s):` : ''}`);
    if (ctx.warnings.length > 0) out.line(describeConfigWarnings(ctx.warnings));
    if (flags.showConfig) out.line(JSON.stringify(redactedConfig(ctx.config), null, 2));
  }
  preloadAdapters(ctx.config, names);
  const [checked, redis] = await Promise.all([checkDatabase(ctx.config), checkRedis(ctx.config)]);
  const database = checked.check;
  if (!flags.json) {
    printService(out, `database (${database.kind === 'pglite' ? 'embedded' : 'PostgreSQL'})`, database);
    printService(out, 'redis (for seatsync run and resync)', redis);
  }
  // The database the check opened: the sources' dry run plans against it, and it is closed after it.
  const planDb = await planDatabase(checked);
  try {
    const checks: SourceChecked[] = [];
    for (const name of names) checks.push(await checkSource(ctx, planDb, name));
    results.push(...(await planChecked(ctx, planDb, checks)));
    if (!flags.json) for (const result of results) printSource(out, result);
  } finally {
    await planDb.db?.close().catch(() => undefined);
  }
  const mail = await checkMailTransport(ctx);
  if (!flags.json && mail) out.line(`\nmail (${mail.transport}): ${mail.ok ? 'OK' : 'FAILED'}: ${mail.detail}`);
  const targets = await checkTargets(ctx.config);
  if (!flags.json) for (const t of targets) out.line(`\ntarget ${t.target} (${t.kind}): ${t.ok ? 'OK' : 'FAILED'}: ${t.detail}`);
  if (flags.json) out.json({
      config: { path: ctx.config.path, valid: true, warnings: ctx.warnings, ...(flags.showConfig ? { loaded: redactedConfig(ctx.config) } : {}) },
      database,
      redis,
      sources: results,
      mail,
      targets,
    });
  return database.ok && redis.ok && results.every((r) => r.ok) && (mail?.ok ?? true) && targets.every((t) => t.ok) ? EXIT.ok : EXIT.failure;
}

interface SourceCheckJson extends SourceCheckReport {
  readonly source: string;
  readonly kind?: string;
  /** What a sync now would leave the source's accounts with (a dry run); null when it did not run. */
  readonly plan: SourcePlanJson | null;
}

/** A source's own check; `users`: the count its check left to the dry run's read. */
interface SourceChecked {
  readonly name: string;
  readonly kind: string;
  readonly report: SourceCheckReport;
  readonly users: UsersCount | undefined;
}

/** The source's own check; with a database to plan against, its users are left to the dry run's read to count. */
async function checkSource(ctx: CommandContext, planDb: PlanDatabase, name: string): Promise<SourceChecked> {
  const source = createSourceFactory(ctx.config, ctx.logger)(name);
  let checked: SourceCheck;
  try {
    checked = await source.check({ ...readRequestOf(mappingRulesOf(ctx.config)), ...(planDb.db === null ? {} : { usersReadByCaller: true }) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    checked = { report: { ok: false, steps: [{ name: 'check', ok: false, detail: message }], usersInScope: null, sample: [], groupSizes: {} } };
  } finally {
    await source.close().catch(() => undefined);
  }
  return { name, kind: source.kind, report: checked.report, users: checked.users };
}

/**
 * One dry run of the sources whose check passed, in config order, each planned after the ones before it
 * as the sync would apply them. Its read of a source is the check's count of the users too (a full
 * read), so the directory is read once.
 */
async function planChecked(ctx: CommandContext, planDb: PlanDatabase, checks: readonly SourceChecked[]): Promise<SourceCheckJson[]> {
  const { db } = planDb;
  if (db === null) {
    // Without a database to plan against the sources are still fine: the database's own check says what failed.
    const notRun = { name: 'dry run', ok: !planDb.failed, detail: planDb.detail };
    return checks.map(({ name, kind, report }) => ({ source: name, kind, ...report, steps: [...report.steps, report.ok ? notRun : NOT_READ], plan: null }));
  }
  const passed = new Map(checks.filter((c) => c.report.ok).map((c) => [c.name, c]));
  const reads = new Map(checks.map((c) => [c.name, { completed: false }]));
  const create = createSourceFactory(ctx.config, ctx.logger);
  const planned = await planSources(
    {
      config: ctx.config,
      logger: ctx.logger,
      createSource: (n) => {
        const users = passed.get(n)?.users;
        const read = reads.get(n);
        return users && read ? feeding(create(n), users, read) : create(n);
      },
    },
    db,
    {
      sources: ctx.config.sources.map((s) => s.name).filter((n) => passed.has(n)),
      fullReads: new Set([...passed.values()].filter((c) => c.users !== undefined).map((c) => c.name)),
    },
  );
  return checks.map((c) => {
    const { step, plan } = planned.get(c.name) ?? { step: NOT_READ, plan: null };
    return resultOf(c, { step: step.ok ? { ...step, detail: `${planDb.detail}: ${step.detail}` } : step, plan }, reads.get(c.name)?.completed === true);
  });
}

const NOT_READ = { name: 'dry run', ok: false, detail: 'not run: the source could not be read' } as const;

/** A source's check with its dry run's step and plan; `readCompleted`: the dry run's read of it reached its end. */
function resultOf({ name, kind, report, users }: SourceChecked, planned: SourcePlanned, readCompleted: boolean): SourceCheckJson {
  const base = { source: name, kind, ...report };
  if (!report.ok) return { ...base, steps: [...report.steps, NOT_READ], plan: null };
  const { step, plan } = planned;
  // A read that failed half-way counted only part of the users: the dry run's step says why. A read that
  // completed counts them all, even when the dry run failed after it.
  const found = users && readCompleted ? users.report() : null;
  if (found === null) return { ...base, ok: step.ok, steps: [...report.steps, step], plan };
  return {
    ...base,
    ok: step.ok && found.ok,
    steps: [...report.steps, ...found.steps, step],
    usersInScope: found.usersInScope,
    sample: found.sample,
    groupSizes: { ...report.groupSizes, ...found.groupSizes },
    plan,
  };
}

/** `source` with every page its reads return fed to `users` on the way; `read.completed` once a read reached its end. */
function feeding(source: DirectorySource, users: UsersCount, read: { completed: boolean }): DirectorySource {
  async function* fed(options: SourceReadOptions): SourceReader {
    // Disposed however the read ends: a run that stops early, or fails, still closes the source's reader.
    await using reader = source.read(options);
    for (;;) {
      const step = await reader.next();
      if (step.done === true) {
        read.completed = true;
        return step.value;
      }
      users.add(step.value);
      yield step.value;
    }
  }
  return { ...source, read: fed } satisfies Required<DirectorySource>;
}

function printSource(out: Output, result: SourceCheckJson): void {
  out.line(`\nsource ${result.source}${result.kind ? ` (${result.kind})` : ''}: ${result.ok ? 'OK' : 'FAILED'}`);
  for (const step of result.steps) out.line(`  ${step.ok ? '✓' : '✗'} ${step.name}: ${step.detail}`);
  if (result.usersInScope !== null) out.line(`  users in scope: ${formatCount(result.usersInScope)}`);
  for (const [group, size] of Object.entries(result.groupSizes)) out.line(`  group ${group}: ${formatCount(size)} members`);
  for (const u of result.sample) {
    out.line(`  sample: ${cellText(u.username)} <${cellText(u.email ?? '-')}> "${cellText(u.displayName ?? '')}" id=${cellText(u.externalId)} ${u.enabled ? 'enabled' : 'disabled'} groups=${formatCount(u.groups.length)}`);
  }
  if (result.plan) printPlan(out, result.plan);
}

function printService(out: Output, title: string, check: ServiceCheck): void {
  out.line(`\n${title}: ${check.ok ? 'OK' : 'FAILED'}`);
  for (const step of check.steps) out.line(`  ${step.ok ? '✓' : '✗'} ${step.name}: ${step.detail}`);
}
