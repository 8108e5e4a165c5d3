// Certificates for the Graph emulator: a server certificate for 127.0.0.1 and localhost from a
// throwaway test CA (test/support/test-ca.ts), and self-signed client certificates for the certificate
// credential. Made with the `openssl` binary (Node can verify certificates but not issue them).
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa } from '../test-ca.ts';

export interface EmulatorTls {
  /** Folder holding the CA, the server certificate and any client certificates made for the tests. */
  readonly dir: string;
  readonly caPem: string;
  /** Path of the CA certificate, for NODE_EXTRA_CA_CERTS. */
  readonly caPath: string;
  readonly serverKeyPem: string;
  readonly serverCertPem: string;
}

export interface ClientCertificate {
  /** PEM file with the private key and the certificate (what ClientCertificateCredential reads). */
  readonly pemPath: string;
  readonly certPem: string;
  /** Hex SHA-1 and SHA-256 of the DER certificate: the `x5t` / `x5t#S256` a client assertion names. */
  readonly sha1Hex: string;
  readonly sha256Hex: string;
}

function openssl(args: readonly string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('the Graph emulator needs the openssl binary to make certificates: apt-get install -y openssl');
    }
    throw new Error(`openssl ${args[0]} failed: ${String((error as { stderr?: Buffer }).stderr ?? '').trim()}`, { cause: error });
  }
}

/** A CA and a server certificate valid for 127.0.0.1 and localhost, in a fresh temp folder. */
export async function createEmulatorTls(): Promise<EmulatorTls> {
  const dir = mkdtempSync(join(tmpdir(), 'graph-emulator-tls-'));
  const ca = await createTestCa(dir, { commonName: 'graph emulator test CA' });
  const server = await ca.issue({ name: 'graph-emulator', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  return {
    dir,
    caPath: ca.certPath,
    caPem: readFileSync(ca.certPath, 'utf8'),
    serverKeyPem: readFileSync(server.keyPath, 'utf8'),
    serverCertPem: readFileSync(server.certPath, 'utf8'),
  };
}

/** A self-signed RSA client certificate (Entra app certificates need no CA), key and cert in one PEM. */
export function createClientCertificate(dir: string, name: string): ClientCertificate {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`,
    '-days', '2', '-subj', `/CN=${name}`], dir);
  const keyPem = readFileSync(join(dir, `${name}.key`), 'utf8');
  const certPem = readFileSync(join(dir, `${name}.crt`), 'utf8');
  const pemPath = join(dir, `${name}.pem`);
  writeFileSync(pemPath, keyPem + certPem);
  const cert = new X509Certificate(certPem);
  const hex = (fingerprint: string): string => fingerprint.replaceAll(':', '').toLowerCase();
  return { pemPath, certPem, sha1Hex: hex(cert.fingerprint), sha256Hex: hex(cert.fingerprint256) };
}
