// `seatsync check`: the config is valid (loading it proves that), every source answers, mail can go out,
// every target (application) answers.
import type { Command } from 'commander';
import { describeConfigWarnings, redactedConfig } from '../config/index.ts';
import { createSourceFactory } from '../sources/factory.ts';
import { readRequestOf } from '../sync/rules.ts';
import type { CommandContext, Runner } from './context.ts';
import { collect } from './sync-command.ts';
import { EXIT, UsageError, type ExitCode } from './exit-codes.ts';
import { formatCount, type Output } from './output.ts';
import { checkMailTransport } from './notify-wiring.ts';
import { checkDatabase, checkRedis, type ServiceCheck } from './check-services.ts';
import { checkTargets } from '../targets/check-targets.ts';

export function registerCheck(program: Command, run: Runner): void {
  program
    .command('check')
    .description('validate the config; test the database (connect, migrations), Redis (connect, maxmemory-policy), every source (connect, bind, count users in scope, show a mapped sample), the mail transport and every target')
    .option('--source <name>', 'test only this source (repeatable)', collect, [])
    .option('--show-config', 'also print the configuration as loaded (defaults filled in, secrets as ***)')
    .option('--json', 'print one JSON document')
    .action((flags: CheckFlags) => run((ctx, out) => checkCommand(ctx, out, flags)));
}

interface CheckFlags {
  readonly source: string[];
  readonly showConfig?: boolean;
  readonly json?: boolean;
}

async function checkCommand(ctx: CommandContext, out: Output, flags: CheckFlags): Promise<ExitCode> {
  const names = flags.source.length > 0 ? flags.source : ctx.config.sources.map((s) => s.name);
  for (const n of names) if (!ctx.config.sources.some((s) => s.name === n)) throw new UsageError(`unknown source ${n}`);
  const create = createSourceFactory(ctx.config, ctx.logger);
  const request = readRequestOf(ctx.config);
  const results = [];
  if (!flags.json) {
    out.line(`config ${ctx.config.path}: valid${ctx.warnings.length > 0 ? `, with ${ctx.warnings.length} warning(s):` : ''}`);
    if (ctx.warnings.length > 0) out.line(describeConfigWarnings(ctx.warnings));
    if (flags.showConfig) out.line(JSON.stringify(redactedConfig(ctx.config), null, 2));
  }
  const [database, redis] = await Promise.all([checkDatabase(ctx.config), checkRedis(ctx.config)]);
  if (!flags.json) {
    printService(out, `database (${database.kind === 'pglite' ? 'embedded' : 'PostgreSQL'})`, database);
    printService(out, 'redis (for seatsync run and resync)', redis);
  }
  for (const name of names) {
    const source = create(name);
    try {
      const report = await source.check(request);
      results.push({ source: name, ...report });
      if (!flags.json) {
        out.line(`\nsource ${name} (${source.kind}): ${report.ok ? 'OK' : 'FAILED'}`);
        for (const step of report.steps) out.line(`  ${step.ok ? '✓' : '✗'} ${step.name}: ${step.detail}`);
        if (report.usersInScope !== null) out.line(`  users in scope: ${formatCount(report.usersInScope)}`);
        for (const [group, size] of Object.entries(report.groupSizes)) out.line(`  group ${group}: ${formatCount(size)} members`);
        for (const u of report.sample) {
          out.line(`  sample: ${u.username} <${u.email ?? '-'}> "${u.displayName ?? ''}" id=${u.externalId} ${u.enabled ? 'enabled' : 'disabled'} groups=${u.groups.length}`);
        }
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.push({ source: name, ok: false, steps: [{ name: 'check', ok: false, detail: message }], usersInScope: null, sample: [], groupSizes: {} });
      if (!flags.json) out.line(`\nsource ${name}: FAILED: ${message}`);
    } finally {
      await source.close().catch(() => undefined);
    }
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

function printService(out: Output, title: string, check: ServiceCheck): void {
  out.line(`\n${title}: ${check.ok ? 'OK' : 'FAILED'}`);
  for (const step of check.steps) out.line(`  ${step.ok ? '✓' : '✗'} ${step.name}: ${step.detail}`);
}
