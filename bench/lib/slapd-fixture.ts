// A private OpenLDAP slapd holding N generated inetOrgPerson users, for the benchmarks. The seeded mdb
// database is kept under the system temp dir, keyed by the user count and SEED_VERSION, so a rerun starts
// in a second instead of re-seeding (slapadd of 1,000,000 entries takes minutes). The server runs with
// `readonly on`: benchmarks only read, and two runs may share the cached database. A writable copy (for
// benchmarks that change entries) may run the syncprov overlay with a session log, as a directory that
// offers content synchronization does.
//
// Users: uid=userN,ou=people,…; every tenth has employeeType "contractor" (the second pool's profile),
// the rest "employee". LDAPS with a certificate from a throwaway CA (created per start).
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

import { createTestCa, type TestCa } from '../../test/support/test-ca.ts';
import { ldifEntry, requireBinaries, runToEnd, SEED_TIMESTAMP, startSlapd, stopProcess } from '../../test/support/openldap.ts';

/** Change when the generated entries or the database config change: a new cache is seeded. */
const SEED_VERSION = 'v2';
const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const SLAPINDEX = '/usr/sbin/slapindex';
/** Operations the syncprov session log keeps on a writable copy with content sync. */
const SESSION_LOG = 100_000;
const HINT = 'apt-get install -y slapd ldap-utils (or run .ci/install-ldap.sh)';

export const SUFFIX = 'dc=bench,dc=test';
export const PEOPLE = `ou=people,${SUFFIX}`;
const READER_PASSWORD = 'reader-secret';

/** Every tenth user is a contractor: the attribute that chooses the second pool. */
export const isContractor = (n: number): boolean => n % 10 === 0;

export interface BenchSlapd {
  readonly ldapsUrl: string;
  readonly ldapUrl: string;
  readonly ca: TestCa;
  readonly readerDn: string;
  readonly readerPassword: string;
  readonly users: number;
  /** slapd's process id (its CPU time is read from /proc by the benchmarks). */
  readonly pid: number;
  stop(): Promise<void>;
}

/** The directory's root DN and password (writable servers only). */
export const ADMIN = { dn: `cn=admin,${SUFFIX}`, password: 'admin-secret' } as const;

/**
 * A server on the cached directory of `users` users; `writable` runs it on a copy of that directory
 * (for benchmarks that change entries), else on the cache itself, read-only. `contentSync` (writable
 * only) adds the syncprov overlay with a session log and the entryCSN index its refreshes search.
 */
export async function startBenchSlapd(options: { users: number; writable?: boolean; contentSync?: boolean; log?: (line: string) => void }): Promise<BenchSlapd> {
  await requireBinaries([SLAPD, SLAPADD, '/usr/bin/ldapsearch'], HINT);
  const log = options.log ?? ((line: string) => console.log(line));
  const cache = join(tmpdir(), `seatsync-bench-slapd-${options.users}-${SEED_VERSION}`);
  if (!existsSync(join(cache, 'data', 'data.mdb'))) await seed({ cache, users: options.users, log });
  const dir = await mkdtemp(join(tmpdir(), 'seatsync-bench-slapd-run-'));
  const ca = await createTestCa(join(dir, 'ca'), { commonName: 'seatsync bench CA' });
  const cert = await ca.issue({ name: 'slapd', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const conf = join(dir, 'slapd.conf');
  const writable = options.writable === true;
  const dataDir = writable ? join(dir, 'data') : join(cache, 'data');
  // mdb's file is sparse (its map size, 8 GB, mostly holes): copied as such, it takes the seeded size.
  if (writable) await runToEnd('cp', ['-r', '--sparse=always', join(cache, 'data'), dataDir]);
  const contentSync = writable && options.contentSync === true;
  await writeFile(conf, slapdConf({ runDir: dir, dataDir, tls: { ...cert, caPath: ca.certPath }, readonly: !writable, contentSync }));
  // The cache has no entryCSN index; the copy gets one before the server starts.
  if (contentSync) await runToEnd(SLAPINDEX, ['-q', '-f', conf, 'entryCSN']);
  const { process: child, port, ldapsPort } = await startSlapd(conf, { timeoutMs: 60_000 });
  return {
    ldapsUrl: `ldaps://127.0.0.1:${ldapsPort}`,
    ldapUrl: `ldap://127.0.0.1:${port}`,
    ca,
    readerDn: `cn=reader,${SUFFIX}`,
    readerPassword: READER_PASSWORD,
    users: options.users,
    pid: child.pid ?? 0,
    async stop() {
      await stopProcess(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Seeds a new cache: LDIF streamed to a file, slapadd into a fresh folder, then moved into place. */
async function seed(input: { cache: string; users: number; log: (line: string) => void }): Promise<void> {
  const started = Date.now();
  input.log(`slapd: seeding ${input.users.toLocaleString('en-US')} users into ${input.cache} (cached for later runs)`);
  const work = `${input.cache}.tmp-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(join(work, 'data'), { recursive: true });
  const ldif = join(work, 'seed.ldif');
  await writeLdif(ldif, input.users);
  const conf = join(work, 'slapd.conf');
  await writeFile(conf, slapdConf({ runDir: work, dataDir: join(work, 'data'), tls: null, readonly: false, contentSync: false }));
  // -q: no consistency checks (the input is generated); far faster for big sets.
  await runToEnd(SLAPADD, ['-q', '-f', conf, '-l', ldif]);
  await rm(ldif);
  await rm(input.cache, { recursive: true, force: true });
  await rename(work, input.cache);
  input.log(`slapd: seeded in ${Math.round((Date.now() - started) / 1000)} s`);
}

async function writeLdif(path: string, users: number): Promise<void> {
  const out = createWriteStream(path);
  const stamps = { createTimestamp: SEED_TIMESTAMP, modifyTimestamp: SEED_TIMESTAMP };
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: bench\no: bench\n\n`);
  await write(ldifEntry(PEOPLE, { objectClass: 'organizationalUnit', ou: 'people', ...stamps }));
  await write(ldifEntry(`cn=reader,${SUFFIX}`, { objectClass: 'person', cn: 'reader', sn: 'reader', userPassword: READER_PASSWORD }));
  let chunk = '';
  for (let n = 0; n < users; n += 1) {
    const uid = `user${n}`;
    chunk += ldifEntry(`uid=${uid},${PEOPLE}`, {
      objectClass: 'inetOrgPerson', uid, cn: `User ${n}`, sn: String(n), mail: `${uid}@bench.test`,
      employeeType: isContractor(n) ? 'contractor' : 'employee', ...stamps,
    });
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  out.end();
  await once(out, 'finish');
}

function slapdConf(input: {
  runDir: string;
  dataDir: string;
  tls: { certPath: string; keyPath: string; caPath: string } | null;
  readonly: boolean;
  contentSync: boolean;
}): string {
  const tls = input.tls
    ? `TLSCACertificateFile ${input.tls.caPath}\nTLSCertificateFile ${input.tls.certPath}\nTLSCertificateKeyFile ${input.tls.keyPath}\n`
    : '';
  return `
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile ${input.runDir}/slapd.pid
argsfile ${input.runDir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
${input.contentSync ? 'moduleload syncprov\n' : ''}${tls}sizelimit size.soft=500 size.hard=500 size.prtotal=unlimited
timelimit 3600
access to dn.base="" by * read

database mdb
maxsize 8589934592
suffix "${SUFFIX}"
rootdn "${ADMIN.dn}"
rootpw ${ADMIN.password}
directory ${input.dataDir}
readonly ${input.readonly ? 'on' : 'off'}
index objectClass eq
index entryUUID eq
index uid eq
${input.contentSync ? `index entryCSN eq\noverlay syncprov\nsyncprov-sessionlog ${SESSION_LOG}\n` : ''}access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none

database monitor
access to * by users read by * none
`;
}
