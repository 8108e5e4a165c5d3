// The production way to trust a private CA: NODE_EXTRA_CA_CERTS, read by Node when the process starts.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedUsers, startEntraFixture, type EntraFixture } from './entra-fixture.ts';

const script = fileURLToPath(new URL('./scripts/read-users.ts', import.meta.url));

describe('entra source in a fresh process', () => {
  let fx: EntraFixture;
  beforeAll(async () => {
    fx = await startEntraFixture();
    seedUsers(fx.emulator, 6);
  });
  afterAll(async () => {
    await fx?.close();
  });

  const run = async (extraCa: string | null): Promise<unknown> => {
    const env: NodeJS.ProcessEnv = { ...process.env, ENTRA_TEST_CONFIG: JSON.stringify(fx.config()) };
    delete env.NODE_EXTRA_CA_CERTS;
    if (extraCa) env.NODE_EXTRA_CA_CERTS = extraCa;
    const { stdout } = await promisify(execFile)(process.execPath, [script], { env, timeout: 60_000 });
    return JSON.parse(stdout);
  };

  it('trusts the emulator through NODE_EXTRA_CA_CERTS', async () => {
    expect(await run(fx.emulator.tls.caPath)).toEqual({ users: 6 });
  });

  it('refuses it without (TLS verification stays on)', async () => {
    expect(await run(null)).toEqual({ error: 'tls' });
  });
});
