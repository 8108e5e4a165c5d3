// The snapshot tells the accounts of unreadable entries (frozen: kept exactly) from ids listed only
// (kept, allocated as usual), when it looks accounts up page by page, once it has loaded them all, and
// while it loads them in the background (marks made meanwhile wait for the load); a readable occurrence
// of an id anywhere in the read wins; a stored data hash it cannot read makes its user changed, never
// unchanged. Real PostgreSQL and PGlite.
import { beforeEach, describe, expect, it } from 'vitest';
import { storeOf } from '../../../src/store/repositories.ts';
import { SourceSnapshot } from '../../../src/sync/source-snapshot.ts';
import { aConfig, aCsvFile, aFileSource } from '../../support/config-builder.ts';
import { DATABASE_KINDS, testDatabaseOf } from '../../support/databases.ts';
import { syncWithAllocation } from '../../support/sync.ts';

describe.each(DATABASE_KINDS)('the source snapshot on %s', (kind) => {
  const t = testDatabaseOf(kind);
  let ids: Map<string, number>;
  let hashes: Map<string, string>;
  beforeEach(async () => {
    const csv = aCsvFile(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id })));
    const config = aConfig({ sources: [aFileSource('hr', csv.path)] });
    await syncWithAllocation(t.db, config);
    const rows = (await t.db.query<{ id: number; external_id: string; data_hash: string }>('SELECT id, external_id, data_hash FROM accounts')).rows;
    ids = new Map(rows.map((r) => [r.external_id, r.id]));
    hashes = new Map(rows.map((r) => [r.external_id, r.data_hash]));
  });

  const user = (externalId: string) => ({ externalId, dataHash: hashes.get(externalId) ?? 'new' });
  const idsOf = (...externalIds: string[]): number[] => externalIds.map((e) => ids.get(e) ?? -1).sort((x, y) => x - y);
  const sortedIds = (list: readonly number[]): number[] => [...list].sort((x, y) => x - y);

  it.each([
    ['looking accounts up page by page, then loading them all in the background once ids are listed', 0, false],
    ['with every account loaded', 5_001, false],
    ['with every account loading from the start (a read of every user)', 0, true],
  ])('%s: frozen are the unreadable entries not read elsewhere; listed and unreadable ones are not swept', async (_case, strangers, whole) => {
    const snapshot = new SourceSnapshot(storeOf(t.db), 'hr', { whole });
    // A page larger than the lookup limit makes the snapshot load every account first.
    if (strangers > 0) await snapshot.classify(Array.from({ length: strangers }, (_, i) => ({ externalId: `x${i}`, dataHash: 'h' })));
    await snapshot.keep(['a', 'unknown'], { as: 'unreadable' });
    await snapshot.keep(['b', 'f'], { as: 'listed' });
    // c: unreadable, then read; d: read, then unreadable (a repeat); b: listed and unreadable; f: listed only.
    await snapshot.keep(['c', 'b'], { as: 'unreadable' });
    expect(await snapshot.classify([user('c'), user('d')])).toEqual(['unchanged', 'unchanged']);
    await snapshot.keep(['d'], { as: 'unreadable' });
    expect(sortedIds(await snapshot.frozenIds())).toEqual(idsOf('a', 'b'));
    expect(sortedIds(await snapshot.unseenIds())).toEqual(idsOf('e'));
  });

  it.each([
    ['looked up', false],
    ['loaded', true],
  ])('takes a stored data hash that is not base64url for a change, and refuses one of a user read (%s)', async (_case, whole) => {
    // Shorter than ten characters; ten of which one is not base64url (no version wrote either).
    await t.db.query(`UPDATE accounts SET data_hash = CASE external_id WHEN 'a' THEN 'short' ELSE 'AAAAAAAA=A' END WHERE external_id IN ('a', 'b')`);
    const snapshot = new SourceSnapshot(storeOf(t.db), 'hr', { whole });
    expect(await snapshot.classify([user('a'), user('b'), user('c')])).toEqual(['changed', 'changed', 'unchanged']);
    await expect(snapshot.classify([{ externalId: 'd', dataHash: `${hashes.get('d')?.slice(0, 9) ?? ''}!` }])).rejects.toThrow(/internal error.*not base64url/);
  });
});
