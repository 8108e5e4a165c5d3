// Starts a private OpenLDAP `slapd` for one test file: its own temp dir, slapd.conf, mdb database seeded
// with `slapadd` before start (much faster than ldapadd for big sets), spare ports (ports.ts), LDAPS with a
// certificate from a throwaway CA, the syncprov overlay with a session log (content synchronization)
// unless asked for a server without it. Needs Debian's `slapd` and `ldap-utils` (see .ci/install-ldap.sh).
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'ldapts';

import { retryOnPortTaken, serverReady, sparePort, untilChild, type ServerSigns } from './ports.ts';
import { createTestCa, type TestCa } from './test-ca.ts';

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const INSTALL_HINT = 'apt-get install -y slapd ldap-utils (or run .ci/install-ldap.sh)';

/** A time before any test runs, so seeded entries never look changed to an incremental read. */
export const SEED_TIMESTAMP = '20200101000000Z';

/** One LDIF record; values that RFC 2849 does not allow as plain text are base64-encoded. */
export function ldifEntry(dn: string, attributes: Readonly<Record<string, string | readonly string[]>>): string {
  const lines = [ldifLine('dn', dn)];
  for (const [name, value] of Object.entries(attributes)) {
    for (const item of typeof value === 'string' ? [value] : value) lines.push(ldifLine(name, item));
  }
  return `${lines.join('\n')}\n\n`;
}

function ldifLine(name: string, value: string): string {
  const plain = /^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/.test(value) && !value.endsWith(' ');
  return plain ? `${name}: ${value}` : `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

export interface OpenLdapOptions {
  /** LDIF of the entries below the suffix; the suffix, `ou=people`, `ou=groups` and the reader exist already. */
  readonly seedLdif?: string;
  readonly suffix?: string;
  /** Size limit for ordinary (and, up to it, paged) searches; paged searches may go past it. Default 500. */
  readonly sizeLimit?: number;
  /** slapd.conf schema lines (`attributetype ( … )`) added after the standard schemas. */
  readonly schema?: string;
  /**
   * The syncprov overlay's session log, in operations (content synchronization: deletions without a
   * listing of the scope, until a cookie is older than the log). Default 1000; null: no syncprov at all.
   */
  readonly sessionLog?: number | null;
}

export interface OpenLdapServer {
  readonly dir: string;
  readonly suffix: string;
  /** ldap://127.0.0.1:PORT (StartTLS available). */
  readonly url: string;
  /** ldaps://127.0.0.1:PORT, certificate valid for 127.0.0.1 and localhost. */
  readonly ldapsUrl: string;
  /** Same server on 127.0.0.2, an address the certificate does not name. */
  readonly mismatchedLdapsUrl: string;
  readonly ca: TestCa;
  readonly adminDn: string;
  readonly adminPassword: string;
  /** An ordinary account: the size limit applies to it (not to the rootdn). */
  readonly readerDn: string;
  readonly readerPassword: string;
  /** A client bound as the rootdn over plain LDAP, for changes made by tests. Caller unbinds. */
  connectAdmin(): Promise<Client>;
  stop(): Promise<void>;
}

export async function startOpenLdap(options: OpenLdapOptions = {}): Promise<OpenLdapServer> {
  await requireBinaries([SLAPD, SLAPADD], INSTALL_HINT);
  const suffix = options.suffix ?? 'dc=example,dc=test';
  const dir = await mkdtemp(join(tmpdir(), 'seatsync-slapd-'));
  const ca = await createTestCa(join(dir, 'ca'), { commonName: 'seatsync OpenLDAP test CA' });
  const cert = await ca.issue({ name: 'slapd', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const secrets = { adminPassword: 'admin-secret', readerPassword: 'reader-secret' };
  await mkdir(join(dir, 'data'));
  const conf = join(dir, 'slapd.conf');
  const sessionLog = options.sessionLog === undefined ? 1000 : options.sessionLog;
  await writeFile(conf, slapdConf({ dir, suffix, sizeLimit: options.sizeLimit ?? 500, sessionLog, cert, caPath: ca.certPath, schema: options.schema ?? '', ...secrets }));
  const seedPath = join(dir, 'seed.ldif');
  await writeFile(seedPath, baseLdif(suffix, secrets.readerPassword) + (options.seedLdif ?? ''));
  await runToEnd(SLAPADD, ['-q', '-f', conf, '-l', seedPath]);
  await rm(seedPath);

  const { process: slapd, port, ldapsPort } = await startSlapd(conf, { ldapsAlsoOn: ['127.0.0.2'] });
  const adminDn = `cn=admin,${suffix}`;
  const url = `ldap://127.0.0.1:${port}`;
  return {
    dir,
    suffix,
    url,
    ldapsUrl: `ldaps://127.0.0.1:${ldapsPort}`,
    mismatchedLdapsUrl: `ldaps://127.0.0.2:${ldapsPort}`,
    ca,
    adminDn,
    adminPassword: secrets.adminPassword,
    readerDn: `cn=reader,${suffix}`,
    readerPassword: secrets.readerPassword,
    async connectAdmin() {
      const client = new Client({ url, timeout: 60_000 });
      await client.bind(adminDn, secrets.adminPassword);
      return client;
    },
    async stop() {
      await stopProcess(slapd);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * What `slapd -d none` (in the foreground, printing only what it always prints) says once every listener
 * is bound (it listens a moment later), and when a bind failed (errno 98, EADDRINUSE: it exits).
 */
export const SLAPD_SIGNS: ServerSigns = { ready: /slapd starting/, taken: /errno=98|Address already in use/ };

/**
 * Starts slapd on `conf` on spare ports (plain LDAP on 127.0.0.1, LDAPS on 127.0.0.1 and each of
 * `ldapsAlsoOn`), on new ones when another process took one before slapd bound it.
 */
export async function startSlapd(
  conf: string,
  options: { ldapsAlsoOn?: readonly string[]; timeoutMs?: number } = {},
): Promise<{ process: ChildProcess & { output: () => string }; port: number; ldapsPort: number }> {
  const hosts = ['127.0.0.1', ...(options.ldapsAlsoOn ?? [])];
  return retryOnPortTaken(async () => {
    const port = await sparePort('127.0.0.1');
    const ldapsPort = await sparePort('127.0.0.1', options.ldapsAlsoOn);
    const urls = [`ldap://127.0.0.1:${port}/`, ...hosts.map((host) => `ldaps://${host}:${ldapsPort}/`)].join(' ');
    const child = spawnLogged(SLAPD, ['-f', conf, '-h', urls, '-d', 'none']);
    try {
      await serverReady(child, SLAPD_SIGNS, options.timeoutMs ?? 30_000);
      // Bound, so what answers is slapd, once it listens.
      await waitForPort(child, '127.0.0.1', ldapsPort, options.timeoutMs ?? 30_000);
      return { process: child, port, ldapsPort };
    } catch (error) {
      await stopProcess(child);
      throw error;
    }
  });
}

function slapdConf(input: {
  dir: string;
  suffix: string;
  sizeLimit: number;
  sessionLog: number | null;
  cert: { certPath: string; keyPath: string };
  caPath: string;
  schema: string;
  adminPassword: string;
}): string {
  const { dir, suffix } = input;
  const syncprov = input.sessionLog === null ? { module: '', overlay: '' } : {
    module: 'moduleload syncprov\n',
    overlay: `# Content synchronization (RFC 4533): a refresh from a cookie reports deletions from the session log.\noverlay syncprov\nsyncprov-sessionlog ${input.sessionLog}\nsyncprov-reloadhint TRUE\n`,
  };
  return `
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
${input.schema}
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
# ppolicy defines pwdAccountLockedTime, the lock attribute an OpenLDAP disabled rule reads.
moduleload ppolicy
${syncprov.module}TLSCACertificateFile ${input.caPath}
TLSCertificateFile ${input.cert.certPath}
TLSCertificateKeyFile ${input.cert.keyPath}
# A directory's usual guard: ordinary searches stop at the limit; paged searches may go past it.
sizelimit size.soft=${input.sizeLimit} size.hard=${input.sizeLimit} size.prtotal=unlimited
timelimit 3600
access to dn.base="" by * read

database mdb
maxsize 4294967296
suffix "${suffix}"
rootdn "cn=admin,${suffix}"
rootpw ${input.adminPassword}
directory ${dir}/data
index objectClass eq
index entryUUID,entryCSN eq
index uid,member,uniqueMember,memberUid eq
overlay ppolicy
${syncprov.overlay}access to attrs=userPassword by anonymous auth by self write by * none
access to * by users read by * none

# Publishes the server clock (cn=Current,cn=Time,cn=Monitor), which incremental reads start from.
database monitor
access to * by users read by * none
`;
}

function baseLdif(suffix: string, readerPassword: string): string {
  const dc = /^dc=([^,]+)/i.exec(suffix)?.[1] ?? 'example';
  const stamp = `createTimestamp: ${SEED_TIMESTAMP}\nmodifyTimestamp: ${SEED_TIMESTAMP}\n`;
  return [
    `dn: ${suffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: ${dc}\no: ${dc}\n${stamp}`,
    `dn: ou=people,${suffix}\nobjectClass: organizationalUnit\nou: people\n${stamp}`,
    `dn: ou=groups,${suffix}\nobjectClass: organizationalUnit\nou: groups\n${stamp}`,
    `dn: cn=reader,${suffix}\nobjectClass: person\ncn: reader\nsn: reader\nuserPassword: ${readerPassword}\n${stamp}`,
  ].join('\n') + '\n';
}

// ---- process helpers, shared with samba-ad.ts ----

export async function requireBinaries(paths: readonly string[], hint: string): Promise<void> {
  for (const path of paths) {
    try {
      await access(path);
    } catch {
      throw new Error(`${path} is not installed: ${hint}`);
    }
  }
}

/** Spawns a server; its output is kept (last 20 kB) for error messages. */
export function spawnLogged(command: string, args: readonly string[]): ChildProcess & { output: () => string } {
  const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  // A test worker that dies without its afterAll must not leave a directory server behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return Object.assign(child, { output: () => output });
}

/** Resolves once `host:port` accepts connections; rejects if the process exits first or time runs out. */
export function waitForPort(child: ChildProcess & { output: () => string }, host: string, port: number, timeoutMs: number): Promise<void> {
  return untilChild(child, () => canConnect(host, port), {
    timeoutMs,
    failed: (exited) => new Error(`${child.spawnfile} ${exited} before listening:\n${child.output()}`),
    late: () => new Error(`${child.spawnfile} not listening on ${host}:${port}:\n${child.output()}`),
  });
}

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Sends `signal` (default SIGTERM; SIGKILL after 10 s) and waits for the exit. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function runToEnd(command: string, args: readonly string[]): Promise<string> {
  const child = spawnLogged(command, args);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    // 'close' comes after the output streams end, so the captured output is complete.
    child.once('close', (exitCode) => resolve(exitCode));
  });
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${code}):\n${child.output()}`);
  return child.output();
}
