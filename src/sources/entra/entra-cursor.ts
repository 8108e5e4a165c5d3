// The cursor an Entra source stores between runs, and the choice between a full and an incremental read.
import { createHash } from 'node:crypto';
import type { EntraSourceConfig } from '../../config/types.ts';
import type { SourceCursor } from '../directory-source.ts';

export interface EntraCursor {
  readonly kind: 'entra-delta';
  /** `@odata.deltaLink` of users/delta: changes after it are read next time. */
  readonly deltaLink: string;
  /** When the last full read started (ISO 8601). */
  readonly fullAt: string;
  /** What was read (tenant, Graph, scope, selected properties, groups of interest): a change forces a full read. */
  readonly fingerprint: string;
  /** Digest of the scope group's and the groups of interest's memberships; null when there are none. */
  readonly groups: string | null;
}

export function parseCursor(cursor: SourceCursor | null): EntraCursor | null {
  if (!cursor || cursor.kind !== 'entra-delta') return null;
  const { deltaLink, fullAt, fingerprint, groups } = cursor;
  if (typeof deltaLink !== 'string' || typeof fullAt !== 'string' || typeof fingerprint !== 'string') return null;
  if (Number.isNaN(Date.parse(fullAt)) || (groups !== null && typeof groups !== 'string')) return null;
  return { kind: 'entra-delta', deltaLink, fullAt, fingerprint, groups };
}

export function toSourceCursor(cursor: EntraCursor): SourceCursor {
  return { ...cursor };
}

export function readFingerprint(config: EntraSourceConfig, select: readonly string[], interest: readonly string[]): string {
  const basis = JSON.stringify({
    tenant: config.tenantId.toLowerCase(),
    graph: config.cloud.graph.replace(/\/+$/, '').toLowerCase(),
    group: config.group?.toLowerCase() ?? null,
    select: [...select].sort(),
    interest: [...interest].sort(),
  });
  return createHash('sha256').update(basis).digest('hex').slice(0, 32);
}

export type ReadPlan =
  | { readonly mode: 'full'; readonly reason: string }
  | { readonly mode: 'incremental'; readonly cursor: EntraCursor };

export function planRead(input: {
  readonly cursor: SourceCursor | null;
  readonly forceFull: boolean;
  readonly fingerprint: string;
  readonly nowMs: number;
  readonly fullEveryMs: number;
}): ReadPlan {
  if (input.forceFull) return { mode: 'full', reason: 'full read requested' };
  const cursor = parseCursor(input.cursor);
  if (!cursor) return { mode: 'full', reason: input.cursor ? 'stored cursor is not an Entra delta cursor' : 'no stored cursor' };
  if (cursor.fingerprint !== input.fingerprint) return { mode: 'full', reason: 'scope, groups or selected properties changed' };
  if (input.nowMs - Date.parse(cursor.fullAt) >= input.fullEveryMs) return { mode: 'full', reason: 'periodic full read (fullEvery)' };
  return { mode: 'incremental', cursor };
}
