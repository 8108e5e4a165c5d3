// A throwaway certificate authority for integration tests, made with the `openssl` binary: a CA
// certificate and server certificates whose subjectAltName matches how the tests connect.
import { execFile } from 'node:child_process';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServerCertificate {
  readonly certPath: string;
  readonly keyPath: string;
}

export interface TestCa {
  readonly dir: string;
  /** PEM of the CA certificate: what a client trusts (`tls.ca`). */
  readonly certPath: string;
  issue(options: { name: string; dnsNames?: readonly string[]; ipAddresses?: readonly string[] }): Promise<ServerCertificate>;
}

/** Creates a CA in `dir` (created if missing). `commonName` tells two CAs apart in errors. */
export async function createTestCa(dir: string, options: { commonName?: string } = {}): Promise<TestCa> {
  await requireOpenssl();
  await mkdir(dir, { recursive: true });
  const certPath = join(dir, 'ca.pem');
  const keyPath = join(dir, 'ca.key');
  await openssl([
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-keyout', keyPath, '-out', certPath,
    '-subj', `/CN=${options.commonName ?? 'seatsync test CA'}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  let serial = 1;
  return {
    dir,
    certPath,
    async issue({ name, dnsNames = [], ipAddresses = [] }) {
      serial += 1;
      const base = join(dir, `${name}-${serial}`);
      const paths = { certPath: `${base}.pem`, keyPath: `${base}.key`, csr: `${base}.csr`, ext: `${base}.ext` };
      const altNames = [...dnsNames.map((dns) => `DNS:${dns}`), ...ipAddresses.map((ip) => `IP:${ip}`)];
      await writeFile(
        paths.ext,
        [
          'basicConstraints=CA:FALSE',
          'keyUsage=critical,digitalSignature,keyEncipherment',
          'extendedKeyUsage=serverAuth',
          ...(altNames.length > 0 ? [`subjectAltName=${altNames.join(',')}`] : []),
        ].join('\n'),
      );
      await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', paths.keyPath, '-out', paths.csr, '-subj', `/CN=${name}`]);
      await openssl([
        'x509', '-req', '-in', paths.csr, '-CA', certPath, '-CAkey', keyPath, '-set_serial', String(serial),
        '-days', '2', '-sha256', '-extfile', paths.ext, '-out', paths.certPath,
      ]);
      return { certPath: paths.certPath, keyPath: paths.keyPath };
    },
  };
}

async function openssl(args: readonly string[]): Promise<void> {
  await run('openssl', [...args], { timeout: 60_000 });
}

async function requireOpenssl(): Promise<void> {
  try {
    await access('/usr/bin/openssl');
  } catch {
    try {
      await run('openssl', ['version']);
    } catch {
      throw new Error('openssl is not installed: apt-get install -y openssl (or run .ci/install-ldap.sh)');
    }
  }
}
