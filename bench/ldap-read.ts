// Benchmark of the LDAP source's read alone (no database), from the source factory as a sync builds it,
// against `ldapsearch -E pr=1000/noprompt` reading the same entries (same base, filter, attributes, page
// size, transport) from the same server in the same run. Informative (what limits the sync figures of
// bench/ldap-sync.ts); not part of `npm run bench`, run it by name. In-process: the CLI has no command
// that reads without syncing.
//
// 1. OpenLDAP (the cached directory of bench/lib/slapd-fixture.ts): BENCH_OPENLDAP_USERS users (default
//    100,000), over plain LDAP and over LDAPS, each also with ldapts' decoder
//    (SEATSYNC_USE_LIBRARY=ldap-decoder).
// 2. Samba AD DC (private, seeded offline with ldbadd): BENCH_AD_USERS users (default 10,000); then a
//    whole first sync of them into a new PostgreSQL database and a no-change full resync, each the
//    `seatsync sync` process from a config file, against the same ldapsearch floor.
//
// Each read runs BENCH_ROUNDS times (default 5), alternating with the others, after a warm-up; medians
// with their spread.
//
//   node bench/ldap-read.ts            (BENCH_ONLY=openldap|ad to run one of them)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import type { LdapSourceConfig } from '../src/config/types.ts';
import { silentLogger } from '../src/logging.ts';
import { createSourceFactory } from '../src/sources/factory.ts';
import { LIBRARY_ENV } from '../src/sources/library-choice.ts';
import { aConfig } from '../test/support/config-builder.ts';
import { openTestDatabase } from '../test/support/databases.ts';
import { ldapConfig } from '../test/integration/ldap/ldap-test-kit.ts';
import { adUser } from '../test/integration/ldap/samba-seed.ts';
import { ldifEntry } from '../test/support/openldap.ts';
import { startSambaAd } from '../test/support/samba-ad.ts';
import { timedSync } from './lib/cli-process.ts';
import { benchLdapSource, PROFILE_ATTRIBUTES, TRANSPORTS } from './lib/ldap-bench-config.ts';
import { readThroughLdapsearch } from './lib/ldapsearch-floor.ts';
import { startBenchSlapd } from './lib/slapd-fixture.ts';
import { figureOf, report, roundTurn, roundsFromEnv, type Figure } from './support.ts';

const OPENLDAP_USERS = Number(process.env.BENCH_OPENLDAP_USERS ?? 100_000);
const AD_USERS = Number(process.env.BENCH_AD_USERS ?? 10_000);
const ROUNDS = roundsFromEnv(5);
const ONLY = process.env.BENCH_ONLY ?? 'all';

/** Reads every user through the source the factory builds, page by page as the sync does; returns how many. */
async function readThroughSource(config: LdapSourceConfig, attributes: readonly string[], library: boolean): Promise<number> {
  if (library) process.env[LIBRARY_ENV] = 'ldap-decoder';
  try {
    const source = createSourceFactory(aConfig({ sources: [config] }), silentLogger())(config.name);
    const reader = source.read({ cursor: null, forceFull: true, groupsOfInterest: [], attributes: [...attributes] });
    let users = 0;
    for await (const page of reader) users += page.items.filter((item) => item.kind === 'user').length;
    await source.close();
    return users;
  } finally {
    delete process.env[LIBRARY_ENV];
  }
}

interface Reader {
  readonly label: string;
  read(): Promise<number>;
}

/** Each reader BENCH_ROUNDS times, alternating, after one warm-up each; the samples of each. */
async function alternate(readers: readonly Reader[], users: number): Promise<number[][]> {
  for (const reader of readers) await reader.read(); // warm-up: server caches, TLS, JIT
  const samples = readers.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round += 1) {
    await roundTurn();
    for (const [index, reader] of (round % 2 === 0 ? readers : [...readers].reverse()).entries()) {
      const slot = round % 2 === 0 ? index : readers.length - 1 - index;
      const start = performance.now();
      const count = await reader.read();
      if (count !== users) throw new Error(`${reader.label} read ${count} entries, expected ${users}`);
      samples[slot]!.push(performance.now() - start);
    }
  }
  return samples;
}

async function openLdapFigures(): Promise<Figure[]> {
  const slapd = await startBenchSlapd({ users: OPENLDAP_USERS });
  try {
    const figures: Figure[] = [];
    for (const transport of TRANSPORTS) {
      const config = benchLdapSource(slapd, transport);
      const [floor, ours, library] = await alternate([
        { label: 'ldapsearch', read: () => readThroughLdapsearch({ config, profileAttributes: PROFILE_ATTRIBUTES, caFile: slapd.ca.certPath }) },
        { label: 'the source', read: () => readThroughSource(config, PROFILE_ATTRIBUTES, false) },
        { label: 'the source with ldapts', read: () => readThroughSource(config, PROFILE_ATTRIBUTES, true) },
      ], OPENLDAP_USERS);
      const label = transport === 'ldaps' ? 'LDAPS' : 'plain LDAP';
      const n = OPENLDAP_USERS.toLocaleString('en-US');
      const floorText = `ldapsearch -E pr=1000/noprompt over ${label}, same entries and attributes`;
      figures.push(
        figureOf({ name: `read ${n} OpenLDAP users through the LDAP source, ${label}`, samples: ours!, floorSamples: floor!, floor: floorText, target: null }),
        figureOf({ name: `  the same with ldapts' decoder (${LIBRARY_ENV}=ldap-decoder)`, samples: library!, floorSamples: floor!, floor: floorText, target: null }),
      );
    }
    return figures;
  } finally {
    await slapd.stop();
  }
}

async function measure(target: { label: string; config: LdapSourceConfig; caFile: string; users: number }): Promise<Figure> {
  const [floor, ours] = await alternate([
    { label: 'ldapsearch', read: () => readThroughLdapsearch({ config: target.config, profileAttributes: [], caFile: target.caFile }) },
    { label: 'the source', read: () => readThroughSource(target.config, [], false) },
  ], target.users);
  return figureOf({
    name: `read ${target.users.toLocaleString('en-US')} users from ${target.label} through the LDAP source`,
    samples: ours!, floorSamples: floor!, floor: 'ldapsearch -E pr=1000/noprompt, same entries and attributes', target: null,
  });
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

/**
 * `seatsync sync` (the process, from a config file) of the AD users into a new database, then two full
 * resyncs with no change (`sync --full`), against the read's ldapsearch floor.
 */
async function adSyncFigures(config: LdapSourceConfig, floorMs: number): Promise<Figure[]> {
  const database = await openTestDatabase('postgres');
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-bench-ad-'));
  try {
    const path = join(dir, 'seatsync.yaml');
    writeFileSync(path, `database: { url: "\${BENCH_DATABASE_URL}" }
dataDir: ${dir}
sources:
  - name: ad
    kind: ldap
    flavor: active-directory
    url: ${config.urls[0]}
    bindDN: "${config.bindDN}"
    bindPassword: \${BENCH_LDAP_PASSWORD}
    tls: { ca: ${config.tls.caFile} }
    baseDN: "${config.baseDN}"
    schedule: off
pools:
  primary: { seats: ${Math.floor(AD_USERS * 0.9)} }
profiles:
  - { name: staff, pools: [primary] }
`);
    const env = { BENCH_DATABASE_URL: database.url ?? '', BENCH_LDAP_PASSWORD: config.bindPassword ?? '' };
    const first = await timedSync({ config: path, env });
    if (first.run.created !== AD_USERS || first.run.seen !== AD_USERS) throw new Error(`unexpected first sync: ${JSON.stringify(first.run)}`);
    const resyncs = [await timedSync({ config: path, env, args: ['--full'] }), await timedSync({ config: path, env, args: ['--full'] })];
    if (resyncs.some((r) => r.run.seen !== AD_USERS || r.run.created !== 0)) throw new Error(`unexpected resync: ${JSON.stringify(resyncs.map((r) => r.run))}`);
    const floor = 'ldapsearch -E pr=1000/noprompt, same entries and attributes (the read figure\'s)';
    const n = AD_USERS.toLocaleString('en');
    return [
      { name: `  first full sync of ${n} Samba AD users into PostgreSQL, \`seatsync sync\``, value: first.ms, floorValue: floorMs, floor, target: null },
      figureOf({ name: `  no-change full resync of the same, \`seatsync sync --full\` (2 runs)`, samples: resyncs.map((r) => r.ms), floorSamples: [floorMs], floor, target: null }),
    ];
  } finally {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const figures: Figure[] = [];
if (ONLY === 'all' || ONLY === 'openldap') figures.push(...(await openLdapFigures()));
if (ONLY === 'all' || ONLY === 'ad') figures.push(...(await sambaFigures()));
report('ldap-read', figures);
