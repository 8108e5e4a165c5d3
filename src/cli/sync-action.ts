// `seatsync sync`'s action (registered in sync-command.ts): runs the sync, delivers what it queued, prints
// the report.
import { REPAIRED_UTF8 } from '../sources/directory-values.ts';
import { createSourceFactory, preloadAdapters } from '../sources/factory.ts';
import { syncJson, type NextListingCommand } from '../sync/report.ts';
import { runSync, type SyncReport } from '../sync/run-sync.ts';
import type { CommandContext } from './context.ts';
import { EXIT, requireConfigured, type ExitCode } from './exit-codes.ts';
import { deliverAfterRun, runHooksOf } from './notify-wiring.ts';
import { counted } from '../domain/counted.ts';
import { cellText, formatCount, heldText, moreInLogText, runsTable, table, type Output } from './output.ts';
import { listingOf, printPlanned } from './planned-changes.ts';
import type { SyncFlags } from './sync-command.ts';

export async function syncCommand(ctx: CommandContext, out: Output, flags: SyncFlags, next: NextListingCommand): Promise<ExitCode> {
  const listing = listingOf(flags);
  requireConfigured('source', flags.source, ctx.config.sources.map((s) => s.name));
  preloadAdapters(ctx.config, flags.source);
  const db = await ctx.openDb();
  const notifier = runHooksOf(ctx, db);
  const report = await runSync(
    { db, config: ctx.config, logger: ctx.logger, createSource: createSourceFactory(ctx.config, ctx.logger), ...(notifier ? { notifier } : {}) },
    {
      sources: flags.source,
      dryRun: Boolean(flags.dryRun),
      allowRemovals: Boolean(flags.allowRemovals),
      forceFull: Boolean(flags.full),
      listing,
      trigger: 'cli',
      onProgress: (source, p) => out.progress(`${source}: ${p.phase === 'read' ? `reading… ${formatCount(p.read)} users` : 'applying…'}`),
    },
  );
  out.endProgress();
  if (!flags.dryRun) await deliverAfterRun(ctx, db);
  if (flags.json) out.json(syncJson(report, { nextCommand: next }));
  else printReport(out, report, next);
  if (report.runs.some((r) => r.status === 'failed')) return EXIT.failure;
  if (report.runs.some((r) => r.status === 'held')) return EXIT.held;
  return EXIT.ok;
}

function printReport(out: Output, report: SyncReport, next: NextListingCommand): void {
  const dry = report.runs.some((r) => r.dryRun);
  if (dry) out.line('Dry run: nothing was written. This is what the sync would do:\n');
  out.line(runsTable(report.runs));
  for (const r of report.runs) {
    if (r.status === 'failed') out.line(`\n${r.source}: FAILED, nothing was applied: ${r.error ?? 'unknown error'}`);
    if (r.held) {
      out.line(heldText(r.source, r.held, 'sync'));
      // How many, where the hold's reason is those entries (the reason itself says what they mean).
      const unidentified = r.held.unidentified ?? 0;
      if (r.held.reason === 'unidentified' && unidentified > 0) out.line(`${r.source}: ${counted(unidentified, 'entry', 'entries')} came back without a readable id.`);
    }
    if (r.planned) printPlanned(out, r.source, r.planned, next);
    for (const s of r.skippedEntries.slice(0, 10)) out.line(`${r.source}: skipped ${cellText(s.entry)}${s.attribute ? ` (${cellText(s.attribute)})` : ''}: ${cellText(s.reason)}`);
    if (r.skipped > 10) out.line(moreInLogText(r.source, r.skipped - 10, 'skipped entries'));
    for (const s of (r.repairedEntries ?? []).slice(0, 10)) out.line(`${r.source}: repaired ${cellText(s.entry)} (${cellText(s.attribute)}): ${REPAIRED_UTF8}`);
    if ((r.repaired ?? 0) > 10) out.line(moreInLogText(r.source, (r.repaired ?? 0) - 10, 'repaired values'));
  }
  out.line('');
  out.line(table(['pool', 'seats', 'used', 'available', 'waiting'], report.pools.map((p) => [p.name, p.seats, p.used, p.available, p.waiting])));
}
