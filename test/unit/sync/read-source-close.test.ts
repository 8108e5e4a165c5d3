// A read that fails on this side (a staging write refused) must still end the source's read, so that
// the source closes its connection at once: an LDAP session left suspended stays open until the process exits.
import { describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../../../src/domain/types.ts';
import { silentLogger } from '../../../src/logging.ts';
import type { DirectorySource, SourceReader } from '../../../src/sources/directory-source.ts';
import type { Store, StagingRepository } from '../../../src/store/repositories.ts';
import { readIntoStaging } from '../../../src/sync/read-source.ts';
import { SourceSnapshot } from '../../../src/sync/source-snapshot.ts';

const user = (externalId: string): DirectoryUser => ({
  externalId, username: externalId, email: null, displayName: null, dn: null, enabled: true, createdAt: null, groups: [], attributes: {},
});

describe('readIntoStaging', () => {
  it("ends the source's read when a staging write fails", async () => {
    let ended = false;
    async function* pages(): SourceReader {
      try {
        yield { items: [{ kind: 'user', user: user('a') }] };
        yield { items: [{ kind: 'user', user: user('b') }] };
        yield { items: [{ kind: 'user', user: user('c') }] };
        return { mode: 'full', cursor: null, stats: {} };
      } finally {
        ended = true;
      }
    }
    const source = { name: 'hr', kind: 'file', read: () => pages() } as unknown as DirectorySource;
    const staging = {
      addUsers: () => Promise.reject(new Error('staging write refused')),
      addDeletions: () => Promise.resolve(),
    } as unknown as StagingRepository;
    // No account is stored: every user is new.
    const store = { accounts: { lookupPresent: () => Promise.resolve() } } as unknown as Store;
    const read = readIntoStaging(staging, {
      snapshot: new SourceSnapshot(store, 'hr'),
      source,
      request: { cursor: null, forceFull: false, groupsOfInterest: [], attributes: [] },
      rules: { profiles: [], protect: null },
      queueKey: () => 'k',
      logger: silentLogger(),
    });
    await expect(read).rejects.toThrow('staging write refused');
    expect(ended).toBe(true);
  });
});
