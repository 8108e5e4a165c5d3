// Starts a private Samba AD domain controller for one test file. Provisioning takes a few seconds, so a
// provisioned template is cached per machine under the temp dir (keyed by the Samba version and the
// provisioning options) and copied for each run. Samba's LDAP ports are fixed (389/636), so each
// instance binds its own loopback address (127.x.y.z; Linux routes all of 127/8 to `lo`), which lets
// several test files run DCs at once. Only the LDAP service runs. Needs root for ports below 1024.
import { execFile } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { Client } from 'ldapts';

import { requireBinaries, runToEnd, spawnLogged, stopProcess, waitForPort } from './openldap.ts';
import { listenOnce } from './ports.ts';
import { createTestCa, type TestCa } from './test-ca.ts';

const SAMBA = '/usr/sbin/samba';
const SAMBA_TOOL = '/usr/bin/samba-tool';
const LDBADD = '/usr/bin/ldbadd';
const INSTALL_HINT =
  'apt-get install -y samba samba-ad-dc samba-ad-provision samba-dsdb-modules winbind ldb-tools (or run .ci/install-ldap.sh)';

/** Bump when the provisioning below changes, so stale templates are not reused. */
const TEMPLATE_REVISION = 2;
const REALM = 'SEATSYNC.TEST';
const DOMAIN = 'SEATSYNC';
const HOST_NAME = 'DC1';
const ADMIN_PASSWORD = 'Adm1n!Seatsync-2024';

export interface SambaAdServer {
  readonly dir: string;
  /** Loopback address the DC listens on; its certificate names this IP. */
  readonly host: string;
  readonly ldapUrl: string;
  readonly ldapsUrl: string;
  readonly realm: string;
  readonly baseDn: string;
  readonly adminDn: string;
  readonly adminUpn: string;
  readonly adminPassword: string;
  readonly ca: TestCa;
  /** A client bound as Administrator over LDAPS. Caller unbinds. */
  connectAdmin(): Promise<Client>;
  stop(): Promise<void>;
}

export interface SambaAdOptions {
  /**
   * LDIF added with `ldbadd` straight into sam.ldb before the DC starts: several times faster than LDAP
   * adds for big sets (the DC's own modules still assign objectGUID, SIDs and USNs).
   */
  readonly seedLdif?: string;
}

export async function startSambaAd(options: SambaAdOptions = {}): Promise<SambaAdServer> {
  await requireBinaries([SAMBA, SAMBA_TOOL, LDBADD], INSTALL_HINT);
  if (process.getuid?.() !== 0) throw new Error('the Samba AD test DC needs root: it listens on ports 389 and 636');
  const template = await provisionedTemplate();
  const dir = await mkdtemp(join(tmpdir(), 'seatsync-samba-'));
  await cp(template, dir, { recursive: true });
  for (const sub of ['cache', 'run', 'state', 'bind-dns', 'etc']) await mkdir(join(dir, sub), { recursive: true });
  const host = await freeLoopbackHost();
  const ca = await createTestCa(join(dir, 'ca'), { commonName: 'seatsync Samba test CA' });
  const cert = await ca.issue({ name: 'dc1', ipAddresses: [host], dnsNames: [`dc1.${REALM.toLowerCase()}`] });
  const conf = join(dir, 'etc', 'smb.conf');
  await writeFile(conf, smbConf({ dir, host, cert, caPath: ca.certPath }));
  if (options.seedLdif !== undefined) await addOffline(dir, options.seedLdif);

  const samba = spawnLogged(SAMBA, ['-i', '-M', 'single', '-s', conf, '--debuglevel=1']);
  const ldapsUrl = `ldaps://${host}:636`;
  const baseDn = REALM.split('.').map((part) => `DC=${part.toLowerCase()}`).join(',');
  const adminUpn = `Administrator@${REALM.toLowerCase()}`;
  const connectAdmin = async (): Promise<Client> => {
    const client = new Client({ url: ldapsUrl, timeout: 120_000, tlsOptions: { ca: [readFileSync(ca.certPath)] } });
    await client.bind(adminUpn, ADMIN_PASSWORD);
    return client;
  };
  try {
    await waitForPort(samba, host, 636, 60_000);
    await waitForDirectory(connectAdmin);
  } catch (error) {
    await stopProcess(samba);
    throw error;
  }
  return {
    dir,
    host,
    ldapUrl: `ldap://${host}:389`,
    ldapsUrl,
    realm: REALM,
    baseDn,
    adminDn: `CN=Administrator,CN=Users,${baseDn}`,
    adminUpn,
    adminPassword: ADMIN_PASSWORD,
    ca,
    connectAdmin,
    async stop() {
      await stopProcess(samba);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Records per ldbadd run: one transaction of many thousand adds gets slower than linearly. */
const LDBADD_BATCH = 1000;

async function addOffline(dir: string, ldif: string): Promise<void> {
  const records = ldif.split(/\n{2,}/).filter((record) => record.trim() !== '');
  const seedPath = join(dir, 'seed.ldif');
  for (let start = 0; start < records.length; start += LDBADD_BATCH) {
    await writeFile(seedPath, `${records.slice(start, start + LDBADD_BATCH).join('\n\n')}\n`);
    await runToEnd(LDBADD, ['-H', join(dir, 'private', 'sam.ldb'), seedPath]);
  }
  await rm(seedPath, { force: true });
}

/** The cached provisioned domain, made on first use. Provisioning runs in a temp dir renamed at the end. */
async function provisionedTemplate(): Promise<string> {
  const { stdout: version } = await promisify(execFile)(SAMBA, ['--version']);
  const key = createHash('sha256').update(`${version}|${TEMPLATE_REVISION}|${REALM}|${ADMIN_PASSWORD}`).digest('hex').slice(0, 12);
  const template = join(tmpdir(), `seatsync-samba-template-${key}`);
  if (await exists(join(template, 'private', 'sam.ldb'))) return template;
  const work = await mkdtemp(`${template}.tmp-`);
  await runToEnd(SAMBA_TOOL, [
    'domain', 'provision',
    `--realm=${REALM}`, `--domain=${DOMAIN}`, `--host-name=${HOST_NAME.toLowerCase()}`,
    '--server-role=dc', '--dns-backend=NONE', '--use-rfc2307',
    `--adminpass=${ADMIN_PASSWORD}`, `--targetdir=${work}`,
    '--option=interfaces=lo', '--option=bind interfaces only=yes',
  ]);
  // Test users get short passwords and no expiry.
  await runToEnd(SAMBA_TOOL, [
    'domain', 'passwordsettings', 'set', `-H`, join(work, 'private', 'sam.ldb'),
    '--complexity=off', '--min-pwd-length=0', '--min-pwd-age=0', '--max-pwd-age=0', '--history-length=0',
  ]);
  // The instance writes its own smb.conf; the provisioned one names the work dir.
  await rm(join(work, 'etc', 'smb.conf'), { force: true });
  try {
    await rename(work, template);
  } catch (error) {
    // Another test process provisioned the same template meanwhile: use theirs.
    await rm(work, { recursive: true, force: true });
    if (!(await exists(join(template, 'private', 'sam.ldb')))) throw error;
  }
  return template;
}

function smbConf(input: { dir: string; host: string; cert: { certPath: string; keyPath: string }; caPath: string }): string {
  const { dir } = input;
  return `[global]
	netbios name = ${HOST_NAME}
	realm = ${REALM}
	workgroup = ${DOMAIN}
	server role = active directory domain controller
	server services = ldap
	interfaces = ${input.host}/8
	bind interfaces only = yes
	private dir = ${dir}/private
	binddns dir = ${dir}/bind-dns
	lock directory = ${dir}
	state directory = ${dir}/state
	cache directory = ${dir}/cache
	pid directory = ${dir}/run
	ncalrpc dir = ${dir}/run/ncalrpc
	winbindd socket directory = ${dir}/run/winbindd
	log file = ${dir}/log.%m
	tls enabled = yes
	tls keyfile = ${input.cert.keyPath}
	tls certfile = ${input.cert.certPath}
	tls cafile = ${input.caPath}
	# Simple binds over plain ldap:// are refused by default; the StartTLS tests need them allowed.
	ldap server require strong auth = no
	idmap_ldb:use rfc2307 = yes
`;
}

/** A random 127.x.y.z with 389 and 636 free. */
async function freeLoopbackHost(): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const host = `127.${randomInt(100, 250)}.${randomInt(0, 255)}.${randomInt(1, 254)}`;
    const ldap = await listenOnce(host, 389);
    const ldaps = ldap === null ? null : await listenOnce(host, 636);
    if (ldap !== null && ldaps !== null) return host;
  }
  throw new Error('no loopback address with ports 389 and 636 free');
}

/** Samba accepts connections before its database is ready; wait until an admin bind and search work. */
async function waitForDirectory(connectAdmin: () => Promise<Client>): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (let delayMs = 50; ; delayMs = Math.min(delayMs * 2, 500)) {
    try {
      const client = await connectAdmin();
      await client.search('', { scope: 'base', attributes: ['highestCommittedUSN'] });
      await client.unbind();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
