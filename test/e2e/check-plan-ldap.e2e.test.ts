// `seatsync check` on an OpenLDAP directory before seatsync ever ran: per profile and pool what the first
// sync would give (a dry run in a throwaway database, nothing created), the same numbers the real sync
// then gives; and a source that cannot be read reported with its error, failing the check.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, requireRedis, uniquePrefix } from '../integration/worker/worker-fixtures.ts';
import { runCli } from '../support/cli.ts';
import type { SourcePlanJson } from '../../src/cli/check-plan.ts';
import { ldifEntry, SEED_TIMESTAMP, startOpenLdap, type OpenLdapServer } from '../support/openldap.ts';

const SUFFIX = 'dc=example,dc=test';
const PEOPLE = `ou=people,${SUFFIX}`;
const PARTNERS = `cn=partners,ou=groups,${SUFFIX}`;
const stamps = { createTimestamp: SEED_TIMESTAMP, modifyTimestamp: SEED_TIMESTAMP };
const uids = Array.from({ length: 12 }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);

/** Twelve people: p01–p03 partners, the rest staff. */
function seed(): string {
  const people = uids.map((uid) =>
    ldifEntry(`uid=${uid},${PEOPLE}`, {
      objectClass: 'inetOrgPerson', uid, cn: `Person ${uid}`, sn: uid, mail: `${uid}@example.test`, ...stamps,
    }),
  );
  const partners = ldifEntry(PARTNERS, { objectClass: 'groupOfNames', cn: 'partners', member: ['p01', 'p02', 'p03'].map((u) => `uid=${u},${PEOPLE}`), ...stamps });
  return [...people, partners].join('');
}

interface CheckJson { sources: { source: string; ok: boolean; steps: { name: string; ok: boolean; detail: string }[]; plan: SourcePlanJson | null }[] }
interface Account { state: string; profile: string | null; pools: string[]; waitingFor: string[] }

describe('check on an LDAP directory before the first sync', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-check-ldap-'));
  const config = join(dir, 'seatsync.yaml');
  const env = { READER_PASSWORD: '', WRONG_PASSWORD: 'not-the-password' };
  let server: OpenLdapServer;

  beforeAll(async () => {
    await requireRedis();
    server = await startOpenLdap({ seedLdif: seed() });
    env.READER_PASSWORD = server.readerPassword;
    const source = (name: string, password: string): string[] => [
      `  - name: ${name}`,
      '    kind: ldap',
      '    flavor: openldap',
      `    url: ${server.url}`,
      `    baseDN: "${PEOPLE}"`,
      `    bindDN: "${server.readerDn}"`,
      `    bindPassword: \${${password}}`,
    ];
    writeFileSync(config, [
      `dataDir: ${join(dir, 'data')}`,
      `redis: { url: "${REDIS_URL}", prefix: ${uniquePrefix('check-ldap')} }`,
      'sources:',
      ...source('corp', 'READER_PASSWORD'),
      ...source('broken', 'WRONG_PASSWORD'),
      'pools: { primary: { seats: 5 }, extranet: { seats: 2 } }',
      'profiles:',
      '  - name: partner',
      `    when: { memberOf: "${PARTNERS}" }`,
      '    pools: [extranet]',
      '  - { name: staff, pools: [primary] }',
      '',
    ].join('\n'));
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('gives the first sync\'s numbers per profile and pool, reports the unreadable source, and creates nothing', async () => {
    const result = await runCli(['check', '--json', '--config', config], { env });
    expect(result.code, result.stderr).toBe(1);
    const check = JSON.parse(result.stdout) as CheckJson;
    const [corp, broken] = check.sources;
    expect(corp?.ok).toBe(true);
    expect(corp?.steps.at(-1)).toEqual({
      name: 'dry run', ok: true,
      detail: 'a dry run of a first sync (seatsync has no accounts yet): 12 accounts would change state: 5 blocked, 7 activated',
    });
    expect(corp?.plan).toEqual({
      accounts: 12,
      profiles: [
        { profile: 'partner', accounts: 3, active: 2, blocked: 1, other: 0 },
        { profile: 'staff', accounts: 9, active: 5, blocked: 4, other: 0 },
      ],
      pools: [
        { pool: 'primary', seats: 5, held: 5, blocked: 4, used: 5, waiting: 4 },
        { pool: 'extranet', seats: 2, held: 2, blocked: 1, used: 2, waiting: 1 },
      ],
      held: null,
    });
    expect(broken?.ok).toBe(false);
    expect(broken?.plan).toBeNull();
    expect(broken?.steps.some((s) => !s.ok && /credentials|bind/i.test(s.detail))).toBe(true);
    expect(broken?.steps.at(-1)).toEqual({ name: 'dry run', ok: false, detail: 'not run: the source could not be read' });
    expect(existsSync(join(dir, 'data', 'pglite'))).toBe(false);

    const human = await runCli(['check', '--config', config], { env });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/source broken \(ldap\): FAILED\n(?: {2}.*\n)* {2}✗ dry run: not run: the source could not be read/);
    expect(human.stdout).toMatch(/^ {4}extranet\s+2\s+2\s+1\s+2\s+1$/m);

    // The first sync does what check said.
    const sync = await runCli(['sync', '--json', '--source', 'corp', '--config', config], { env });
    expect(sync.code, sync.stderr).toBe(0);
    const accounts = JSON.parse((await runCli(['accounts', '--json', '--config', config], { env })).stdout) as Account[];
    for (const p of corp?.plan?.profiles ?? []) {
      const of = accounts.filter((a) => a.profile === p.profile);
      const count = (state: string): number => of.filter((a) => a.state === state).length;
      expect({ profile: p.profile, accounts: of.length, active: count('active'), blocked: count('blocked'), other: of.length - count('active') - count('blocked') }).toEqual(p);
    }
    for (const p of corp?.plan?.pools ?? []) {
      expect(accounts.filter((a) => a.pools.includes(p.pool))).toHaveLength(p.held);
      expect(accounts.filter((a) => a.state === 'blocked' && a.waitingFor.includes(p.pool))).toHaveLength(p.blocked);
    }
  }, 240_000);
});
