// Clear errors: each failure names what to fix, with the SourceError code the jobs decide on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../../src/sources/directory-source.ts';
import { closedPort } from '../../support/closed-port.ts';
import { startGraphEmulator, type GraphEmulator } from '../../support/graph-emulator/index.ts';
import { drain, readOptions, seedUsers, SECRET, startEntraFixture, type EntraFixture } from './entra-fixture.ts';

async function failure(promise: Promise<unknown>): Promise<SourceError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(SourceError);
  return error as SourceError;
}

describe('entra source: errors', () => {
  let fx: EntraFixture;
  beforeAll(async () => {
    fx = await startEntraFixture();
    seedUsers(fx.emulator, 3);
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('bad client secret → auth, pointing at the secret value', async () => {
    const error = await failure(drain(fx.source({ credential: { kind: 'secret', clientSecret: 'the-secret-id-by-mistake' } }).read(readOptions())));
    expect(error.code).toBe('auth');
    expect(error.message).toMatch(/client secret was rejected \(AADSTS7000215\)/);
    expect(error.message).toMatch(/Value \(not its Secret ID\)/);
    expect(error.message).not.toContain('the-secret-id-by-mistake');
  });

  it('unknown application → auth, naming the client id', async () => {
    const clientId = '11111111-2222-4333-8444-555555555555';
    const error = await failure(drain(fx.source({ clientId }).read(readOptions())));
    expect(error.code).toBe('auth');
    expect(error.message).toContain(`application (client id) "${clientId}" was not found`);
    expect(error.message).toContain('AADSTS700016');
  });

  it('unknown tenant → auth, naming the tenant', async () => {
    const tenantId = '99999999-2222-4333-8444-555555555555';
    const error = await failure(drain(fx.source({ tenantId }).read(readOptions())));
    expect(error.code).toBe('auth');
    expect(error.message).toContain(`tenant "${tenantId}" was not found`);
    expect(error.message).toContain('AADSTS90002');
  });

  it('missing User.Read.All → permission, naming it', async () => {
    fx.app.roles.delete('User.Read.All');
    try {
      const error = await failure(drain(fx.source().read(readOptions())));
      expect(error.code).toBe('permission');
      expect(error.message).toContain('User.Read.All');
      expect(error.message).toContain('admin consent');
    } finally {
      fx.app.roles.add('User.Read.All');
    }
  });

  it('login host that nobody answers on → connect', async () => {
    const port = await closedPort();
    const error = await failure(drain(fx.source({ cloud: { graph: fx.emulator.graphUrl, login: `https://127.0.0.1:${port}` } }).read(readOptions())));
    expect(error.code).toBe('connect');
    expect(error.message).toContain(`https://127.0.0.1:${port}`);
  });

  it('Graph URL of another cloud → auth (the tenant does not know that resource)', async () => {
    const error = await failure(drain(fx.source({ cloud: { graph: 'https://graph.microsoft.us', login: fx.emulator.loginUrl } }).read(readOptions())));
    expect(error.code).toBe('auth');
    expect(error.message).toContain('AADSTS500011');
  });

  describe('with an emulator whose CA is not trusted', () => {
    let untrusted: GraphEmulator;
    beforeAll(async () => {
      untrusted = await startGraphEmulator();
    });
    afterAll(async () => {
      await untrusted?.close();
    });

    it('→ tls, suggesting NODE_EXTRA_CA_CERTS', async () => {
      const app = untrusted.registerApp({ secret: SECRET });
      const source = fx.source({ tenantId: untrusted.tenantId, clientId: app.clientId, cloud: { graph: untrusted.graphUrl, login: untrusted.loginUrl } });
      const error = await failure(drain(source.read(readOptions())));
      expect(error.code).toBe('tls');
      expect(error.message).toContain('NODE_EXTRA_CA_CERTS');
      expect(untrusted.requests).toEqual([]);
    });
  });
});
