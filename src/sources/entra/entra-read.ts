// One read of an Entra source: authenticate, choose full or incremental, stream, return the new cursor.
// Any failure throws (never a short read), so the run applies nothing on partial data.
import { SourceError, type SourceItem, type SourcePage, type SourceReader, type SourceReadOptions } from '../directory-source.ts';
import { readChanges } from './delta-read.ts';
import { planRead, readFingerprint, toSourceCursor } from './entra-cursor.ts';
import { authenticate, openSession, splitGroupKeys, type EntraDeps } from './entra-session.ts';
import { fullRead } from './full-read.ts';
import type { GraphApi } from './graph-api.ts';
import type { ReadContext } from './read-context.ts';
import { selectionFor } from './user-mapping.ts';

export async function* readEntra(deps: EntraDeps, options: SourceReadOptions): SourceReader {
  const { config, logger } = deps;
  const startedMs = Date.now();
  const { api, stats } = openSession(deps, options.signal);
  let mode = 'unknown';
  try {
    await authenticate(deps, options.signal);
    const ctx = readContext(deps, options, api);
    const plan = planRead({ cursor: options.cursor, forceFull: options.forceFull, fingerprint: ctx.fingerprint, nowMs: deps.nowMs(), fullEveryMs: config.fullEveryMs });
    let preloaded = null;
    if (plan.mode === 'incremental') {
      const delta = await readChanges(ctx, plan.cursor);
      if (delta.kind === 'changes') {
        mode = 'incremental';
        yield* changePages(ctx, delta.items);
        const cursor = toSourceCursor({ ...plan.cursor, deltaLink: delta.deltaLink, groups: delta.groups });
        return { mode: 'incremental', cursor, stats: { ...stats, changes: delta.items.length } };
      }
      logger.info({ reason: delta.reason }, 'entra: full read instead of an incremental one');
      preloaded = delta.memberships;
    } else {
      logger.info({ reason: plan.reason }, 'entra: full read');
    }
    mode = 'full';
    const outcome = yield* fullRead(ctx, preloaded);
    return { ...outcome, stats: { ...stats } };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof SourceError) throw error;
    throw new SourceError(config.name, 'protocol', `read failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    logger.info({ mode, ...stats, durationMs: Date.now() - startedMs }, 'entra read ended');
  }
}

function readContext(deps: EntraDeps, options: SourceReadOptions, api: GraphApi): ReadContext {
  const selection = selectionFor(options.attributes);
  const groupKeys = splitGroupKeys(options.groupsOfInterest);
  if (selection.ignored.length > 0 || groupKeys.ignored.length > 0) {
    deps.logger.debug({ attributes: selection.ignored, groups: groupKeys.ignored }, 'entra: names that do not apply to Entra are ignored');
  }
  return {
    api,
    errors: deps.errors,
    selection,
    interestIds: groupKeys.ids,
    fingerprint: readFingerprint(deps.config, selection.select, groupKeys.ids),
    logger: deps.logger,
    maxBufferedChanges: deps.maxBufferedChanges,
    nowMs: deps.nowMs,
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/** Buffered changes go out in pages of the configured size, like a full read's. */
function* changePages(ctx: ReadContext, items: readonly SourceItem[]): Generator<SourcePage, void> {
  const size = Math.min(999, Math.max(1, ctx.errors.config.pageSize));
  for (let i = 0; i < items.length; i += size) {
    ctx.signal?.throwIfAborted();
    yield { items: items.slice(i, i + size) };
  }
  ctx.signal?.throwIfAborted();
}
