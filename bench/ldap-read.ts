// Benchmark of the LDAP source's read path alone (no database) against `ldapsearch -E pr=1000/noprompt`
// reading the same entries (same base, filter, attributes, page size, LDAPS) from the same server in the
// same run. Not part of `npm run bench` (bench/ldap-sync.ts measures the SPEC targets); run it by name.
//
// 1. OpenLDAP (private slapd, seeded offline): BENCH_OPENLDAP_USERS users (default 100,000).
// 2. Samba AD DC (private, seeded offline with ldbadd): BENCH_AD_USERS users (default 10,000); then a
//    whole first sync of them into a new PostgreSQL database and a no-change full resync, against the
//    same ldapsearch floor (informative: the SPEC's sync targets are set on OpenLDAP).
//
// Each read runs BENCH_ROUNDS times (default 3), alternating with the other, after a warm-up; the best
// of each is reported, so the figures compare the two clients rather than the machine's load. No target is asserted: the
// SPEC §8 target (a full sync within 3× ldapsearch) belongs to the sync benchmark, which adds the store.
//
//   node bench/ldap-read.ts            (BENCH_ONLY=openldap|ad to run one of them)
import { performance } from 'node:perf_hooks';

import type { LdapSourceConfig } from '../src/config/types.ts';
import { silentLogger } from '../src/logging.ts';
import { createSourceFactory } from '../src/sources/factory.ts';
import { createLdapSource } from '../src/sources/ldap/ldap-source.ts';
import { runSync } from '../src/sync/run-sync.ts';
import { aConfig } from '../test/support/config-builder.ts';
import { openTestDatabase } from '../test/support/databases.ts';
import { ldapConfig } from '../test/integration/ldap/ldap-test-kit.ts';
import { adUser } from '../test/integration/ldap/samba-seed.ts';
import { ldifEntry, SEED_TIMESTAMP, startOpenLdap } from '../test/support/openldap.ts';
import { startSambaAd } from '../test/support/samba-ad.ts';
import { readThroughLdapsearch } from './lib/ldapsearch-floor.ts';
import { report, type Figure } from './support.ts';

const OPENLDAP_USERS = Number(process.env.BENCH_OPENLDAP_USERS ?? 100_000);
const AD_USERS = Number(process.env.BENCH_AD_USERS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ONLY = process.env.BENCH_ONLY ?? 'all';

interface Target {
  readonly label: string;
  readonly config: LdapSourceConfig;
  readonly caFile: string;
  readonly users: number;
}

/** Reads every user through the source, page by page as the sync does; returns how many. */
async function readThroughSource(config: LdapSourceConfig): Promise<number> {
  const reader = createLdapSource(config).read({ cursor: null, forceFull: true, groupsOfInterest: [], attributes: [] });
  let users = 0;
  for await (const page of reader) users += page.items.filter((item) => item.kind === 'user').length;
  return users;
}

/** Best time of each reader over the rounds, the two alternating so that load changes hit both alike. */
async function bestOfBoth(target: Target): Promise<{ floorMs: number; valueMs: number }> {
  const readers = [() => readThroughLdapsearch({ config: target.config, profileAttributes: [], caFile: target.caFile }), () => readThroughSource(target.config)];
  for (const read of readers) await read(); // warm-up: server caches, TLS, JIT
  const best = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [index, read] of readers.entries()) {
      const start = performance.now();
      const count = await read();
      const ms = performance.now() - start;
      if (count !== target.users) throw new Error(`read ${count} entries, expected ${target.users}`);
      best[index] = Math.min(best[index] ?? ms, ms);
    }
  }
  return { floorMs: best[0] ?? 0, valueMs: best[1] ?? 0 };
}

async function measure(target: Target): Promise<Figure> {
  const { floorMs, valueMs } = await bestOfBoth(target);
  return {
    name: `read ${target.users.toLocaleString('en')} users from ${target.label} through the LDAP source`,
    value: valueMs,
    floorValue: floorMs,
    floor: 'ldapsearch -E pr=1000/noprompt, same entries and attributes',
    target: null,
    extra: { users: target.users, rounds: ROUNDS, usersPerSecond: Math.round(target.users / (valueMs / 1000)) },
  };
}

async function openLdapFigure(): Promise<Figure> {
  const people = 'ou=people,dc=example,dc=test';
  const ldif: string[] = [];
  for (let n = 0; n < OPENLDAP_USERS; n += 1) {
    const uid = `user${n}`;
    ldif.push(
      ldifEntry(`uid=${uid},${people}`, {
        objectClass: 'inetOrgPerson', uid, cn: `User ${n}`, sn: String(n), mail: `${uid}@example.test`,
        createTimestamp: SEED_TIMESTAMP, modifyTimestamp: SEED_TIMESTAMP,
      }),
    );
  }
  const server = await startOpenLdap({ seedLdif: ldif.join('') });
  try {
    const config = ldapConfig({
      flavor: 'openldap', urls: [server.ldapsUrl], baseDN: people, bindDN: server.readerDn, bindPassword: server.readerPassword,
      tls: { caFile: server.ca.certPath, rejectUnauthorized: true, startTls: false },
    });
    return await measure({ label: 'OpenLDAP (slapd, mdb, LDAPS on loopback)', config, caFile: server.ca.certPath, users: OPENLDAP_USERS });
  } finally {
    await server.stop();
  }
}

async function sambaFigures(): Promise<Figure[]> {
  const base = 'DC=seatsync,DC=test';
  const ou = `OU=Bench,${base}`;
  const ldif = [ldifEntry(ou, { objectClass: ['top', 'organizationalUnit'] })];
  for (let n = 0; n < AD_USERS; n += 1) ldif.push(ldifEntry(`CN=bench${n},${ou}`, adUser(`bench${n}`)));
  const seedStart = performance.now();
  const dc = await startSambaAd({ seedLdif: ldif.join('') });
  console.log(`ldap-read: started a Samba DC with ${AD_USERS} users in ${Math.round(performance.now() - seedStart)} ms`);
  try {
    if (dc.baseDn !== base) throw new Error(`unexpected domain ${dc.baseDn}`);
    const config = ldapConfig({
      flavor: 'active-directory', urls: [dc.ldapsUrl], baseDN: ou, bindDN: dc.adminUpn, bindPassword: dc.adminPassword,
      tls: { caFile: dc.ca.certPath, rejectUnauthorized: true, startTls: false },
    });
    const read = await measure({ label: 'Samba AD DC (LDAPS on loopback)', config, caFile: dc.ca.certPath, users: AD_USERS });
    return [read, ...(await adSyncFigures(config, read.floorValue ?? 0))];
  } finally {
    await dc.stop();
  }
}

/** A first sync of the AD users into a new database, then a full resync with no change. */
async function adSyncFigures(config: LdapSourceConfig, floorMs: number): Promise<Figure[]> {
  const database = await openTestDatabase('postgres');
  try {
    const app = aConfig({ sources: [config], pools: [{ name: 'primary', seats: Math.floor(AD_USERS * 0.9), notify: null }] });
    const deps = { db: database.db, config: app, logger: silentLogger(), createSource: createSourceFactory(app, silentLogger()) };
    const sync = async (): Promise<{ ms: number; created: number }> => {
      const start = performance.now();
      const result = await runSync(deps, { sources: [], dryRun: false, allowRemovals: false, forceFull: true, trigger: 'bench' });
      const run = result.runs[0];
      if (run?.status !== 'ok' || run.seen !== AD_USERS) throw new Error(`unexpected sync result: ${JSON.stringify(run)}`);
      return { ms: performance.now() - start, created: run.created };
    };
    const first = await sync();
    if (first.created !== AD_USERS) throw new Error(`the first sync created ${first.created} accounts, expected ${AD_USERS}`);
    const resyncs = [await sync(), await sync()];
    const floor = 'ldapsearch -E pr=1000/noprompt, same entries and attributes (the read figure\'s)';
    const n = AD_USERS.toLocaleString('en');
    return [
      { name: `  first full sync of ${n} Samba AD users into PostgreSQL`, value: first.ms, floorValue: floorMs, floor, target: null },
      { name: `  no-change full resync of the same (best of 2)`, value: Math.min(...resyncs.map((r) => r.ms)), floorValue: floorMs, floor, target: null },
    ];
  } finally {
    await database.drop();
  }
}

const figures: Figure[] = [];
if (ONLY === 'all' || ONLY === 'openldap') figures.push(await openLdapFigure());
if (ONLY === 'all' || ONLY === 'ad') figures.push(...(await sambaFigures()));
report('ldap-read', figures);
