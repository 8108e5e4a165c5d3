// Certificate credential: ClientCertificateCredential signs a client assertion the emulator verifies
// against the certificate registered on the app.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../../src/sources/directory-source.ts';
import { createClientCertificate, type ClientCertificate } from '../../support/graph-emulator/index.ts';
import { drain, readOptions, seedUsers, startEntraFixture, type EntraFixture } from './entra-fixture.ts';

describe('entra source: certificate credential', () => {
  let fx: EntraFixture;
  let registered: ClientCertificate;
  let other: ClientCertificate;
  let certApp: string;

  beforeAll(async () => {
    fx = await startEntraFixture();
    seedUsers(fx.emulator, 4);
    registered = createClientCertificate(fx.emulator.tls.dir, 'app-cert');
    other = createClientCertificate(fx.emulator.tls.dir, 'stray-cert');
    certApp = fx.emulator.registerApp({ certificatePem: registered.certPem }).clientId;
  });
  afterAll(async () => {
    await fx?.close();
  });

  const withCertificate = (certificatePath: string) => fx.source({ clientId: certApp, credential: { kind: 'certificate', certificatePath } });

  it('reads users signed in with the registered certificate', async () => {
    const read = await drain(withCertificate(registered.pemPath).read(readOptions()));
    expect(read.users).toHaveLength(4);
    const token = fx.emulator.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token')).at(-1);
    expect(token?.status).toBe(200);
  });

  it('a certificate the app does not know → auth, naming the file', async () => {
    const error = await drain(withCertificate(other.pemPath).read(readOptions())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'auth' });
    expect((error as Error).message).toContain('AADSTS700027');
    expect((error as Error).message).toContain(other.pemPath);
  });

  it('a missing or unreadable certificate file → auth, naming the file', async () => {
    const missing = join(fx.emulator.tls.dir, 'missing.pem');
    const error = await drain(withCertificate(missing).read(readOptions())).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'auth' });
    expect((error as Error).message).toContain(missing);

    const garbage = join(fx.emulator.tls.dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    const bad = await drain(withCertificate(garbage).read(readOptions())).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'auth' });
    expect((bad as Error).message).toContain(garbage);
  });
});
