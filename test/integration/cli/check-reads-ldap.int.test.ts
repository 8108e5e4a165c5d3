// `seatsync check` reads an LDAP directory once, seen from outside the command: it runs as users run it
// (its own process, a real slapd, the embedded database a sync created), the directory behind a proxy
// that lists the searches sent to it. The dry run's read is also the check's count of the users.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import { startCountingProxy, type CountingProxy } from '../../support/counting-proxy.ts';
import { ldifEntry, SEED_TIMESTAMP, startOpenLdap, type OpenLdapServer } from '../../support/openldap.ts';
import { REDIS_URL, requireRedis, uniquePrefix } from '../worker/worker-fixtures.ts';

const PEOPLE = 'ou=people,dc=example,dc=test';
const USERS = 12;
/** Smaller than the directory: one read is several requests, one per page, the first without a cookie. */
const PAGE_SIZE = 5;
const uids = Array.from({ length: USERS }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);

interface CheckJson { sources: { source: string; ok: boolean; steps: { name: string; ok: boolean; detail: string }[]; usersInScope: number | null }[] }

describe('check on an LDAP directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-check-reads-ldap-'));
  const config = join(dir, 'seatsync.yaml');
  let server: OpenLdapServer;
  let ldap: CountingProxy;
  const env = { READER_PASSWORD: '' };

  beforeAll(async () => {
    await requireRedis();
    const seed = uids.map((uid) =>
      ldifEntry(`uid=${uid},${PEOPLE}`, { objectClass: 'inetOrgPerson', uid, cn: `Person ${uid}`, sn: uid, createTimestamp: SEED_TIMESTAMP, modifyTimestamp: SEED_TIMESTAMP }),
    );
    server = await startOpenLdap({ seedLdif: seed.join('') });
    env.READER_PASSWORD = server.readerPassword;
    ldap = await startCountingProxy('127.0.0.1', Number(new URL(server.url).port));
    writeFileSync(config, [
      `dataDir: ${join(dir, 'data')}`,
      `redis: { url: "${REDIS_URL}", prefix: ${uniquePrefix('check-reads-ldap')} }`,
      'sources:',
      '  - name: corp',
      '    kind: ldap',
      '    flavor: openldap',
      `    url: ldap://127.0.0.1:${ldap.port}`,
      `    baseDN: "${PEOPLE}"`,
      `    bindDN: "${server.readerDn}"`,
      '    bindPassword: ${READER_PASSWORD}',
      `    pageSize: ${PAGE_SIZE}`,
      'pools: { primary: { seats: 20 } }',
      'profiles: [{ name: staff, pools: [primary] }]',
      '',
    ].join('\n'));
    // A sync first: the database is created and holds the accounts the dry run plans against.
    const sync = await runCli(['sync', '--config', config], { env });
    expect(sync.code, sync.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await ldap?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the directory once: the dry run\'s read counts the users', async () => {
    const searches = ldap.searches().length;
    const result = await runCli(['check', '--json', '--config', config], { env });
    expect(result.code, result.stderr).toBe(0);
    const [corp] = (JSON.parse(result.stdout) as CheckJson).sources;
    expect(corp).toMatchObject({ ok: true, usersInScope: USERS });
    expect(corp?.steps.find((step) => step.name === 'users')?.detail).toBe(`${USERS} users in scope`);
    // The check's own searches look up single entries (the base DN); the users are one paged search, page by page.
    const sent = ldap.searches().slice(searches);
    const reads = sent.filter((search) => search.scope === 'sub' && search.baseDn === PEOPLE);
    expect(reads.filter((search) => search.first)).toHaveLength(1);
    expect(reads).toHaveLength(Math.ceil(USERS / PAGE_SIZE));
  }, 120_000);
});
