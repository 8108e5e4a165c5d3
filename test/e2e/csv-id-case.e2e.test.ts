// The `seatsync` command as a process, on a CSV export whose ids are GUIDs (objectGUID or entryUUID
// exported by a script): the same GUID written in another case is the same user, as on LDAP and in LDIF,
// so an export that changes the case of its ids keeps every account, its seat and its place in the
// queue; accounts kept under the upper-case spelling before seatsync wrote one spelling keep theirs too.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.ts';
import { runCli } from '../support/cli.ts';
import { aConfigYaml } from '../support/config-builder.ts';
import { createPostgresDatabase } from '../support/databases.ts';

const GUIDS = ['0B5D3F4E-1111-4000-8000-00000000000A', '0B5D3F4E-1111-4000-8000-00000000000B', '0B5D3F4E-1111-4000-8000-00000000000C'];
const NAMES = ['alice', 'bob', 'carol'];
const csvOf = (spell: (guid: string) => string): string =>
  ['id,username,createdAt', ...GUIDS.map((guid, i) => `${spell(guid)},${NAMES[i]},2024-01-0${i + 1}`)].join('\n');
const upper = (guid: string): string => guid;
const lower = (guid: string): string => guid.toLowerCase();

describe('a CSV export whose GUID ids change case', () => {
  let pg: { url: string; drop: () => Promise<void> };
  let csv: string;
  let config: string;

  beforeAll(async () => {
    pg = await createPostgresDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'seatsync-e2e-id-case-'));
    csv = join(dir, 'users.csv');
    config = join(dir, 'seatsync.yaml');
    writeFileSync(config, aConfigYaml({ databaseUrl: pg.url, sources: { hr: csv }, seats: { primary: 2 } }));
  });
  afterAll(async () => pg.drop());

  const accounts = async (): Promise<{ id: number; username: string; externalId: string; state: string; waitingSince: string | null }[]> => {
    const listed = await runCli(['accounts', '--json', '--config', config]);
    expect(listed.code, listed.stderr).toBe(0);
    return JSON.parse(listed.stdout) as { id: number; username: string; externalId: string; state: string; waitingSince: string | null }[];
  };
  const sync = async (): Promise<Record<string, unknown>> => {
    const result = await runCli(['sync', '--json', '--config', config]);
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as { runs: Record<string, unknown>[] }).runs[0] ?? {};
  };

  it('keeps every account, seat and place in the queue, in one spelling', async () => {
    writeFileSync(csv, csvOf(upper));
    await sync();
    const before = await accounts();
    expect(before.map((a) => [a.username, a.externalId, a.state])).toEqual([
      ['alice', lower(GUIDS[0] ?? ''), 'active'], ['bob', lower(GUIDS[1] ?? ''), 'active'], ['carol', lower(GUIDS[2] ?? ''), 'blocked'],
    ]);
    writeFileSync(csv, csvOf(lower));
    expect(await sync()).toMatchObject({ status: 'ok', created: 0, updated: 0, removed: 0, activated: 0, blocked: 0 });
    expect(await accounts()).toEqual(before);
  }, 120_000);

  it('keeps the accounts stored under an upper-case GUID before: the upgrade writes them in the one spelling', async () => {
    const before = await accounts();
    const db = await openDatabase({ url: pg.url, dataDir: 'unused' });
    try {
      // As an earlier seatsync left them: the ids as the export spelled them, the migration not yet applied.
      await db.query(`UPDATE accounts SET external_id = upper(external_id)`);
      await db.query(`DELETE FROM schema_migrations WHERE name = 'guid-ids-lowercase'`);
    } finally {
      await db.close();
    }
    writeFileSync(csv, csvOf(upper));
    expect(await sync()).toMatchObject({ status: 'ok', created: 0, updated: 0, removed: 0, activated: 0, blocked: 0 });
    expect(await accounts()).toEqual(before);
  }, 120_000);
});
