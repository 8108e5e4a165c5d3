// A database password with URL-reserved characters, from `${file:…}` or a secret variable, is one
// password: the URL built around it reaches PostgreSQL, and no error, log line or printed config
// shows it or any piece of it (the `seatsync` process, as users run it).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, POSTGRES_ADMIN_URL } from '../support/databases.ts';
import { runCli } from '../support/cli.ts';
import { closedPort } from '../support/closed-port.ts';

const PASSWORD = 'P@ss/w0rd#x?y';
/** Pieces that would show if masking stopped at a reserved character. */
const PIECES = [PASSWORD, encodeURIComponent(PASSWORD), 'w0rd', 'x?y', 'ss/w', 'ss%2Fw'];

function expectNoPiece(text: string): void {
  for (const piece of PIECES) expect(text, `"${piece}" in:\n${text}`).not.toContain(piece);
}

describe('a database password with URL-reserved characters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-secret-'));
  const passwordFile = join(dir, 'db_password');
  let pg: { url: string; drop: () => Promise<void> };
  const admin = new URL(POSTGRES_ADMIN_URL);

  /** A config whose database URL puts `reference` in the password position. */
  function configWith(reference: string, hostAndDb: string): string {
    const path = join(dir, `seatsync-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      path,
      [
        `database: { url: "postgres://${admin.username || 'postgres'}:${reference}@${hostAndDb}" }`,
        'sources: [{ name: staff, kind: file, path: ./none.csv }]',
        'pools: { primary: { seats: 1 } }',
        'profiles: [{ name: staff, pools: [primary] }]',
        '',
      ].join('\n'),
    );
    return path;
  }

  beforeAll(async () => {
    writeFileSync(passwordFile, `${PASSWORD}\n`);
    pg = await createPostgresDatabase();
  });

  afterAll(async () => {
    await pg?.drop();
  });

  for (const [kind, reference, env] of [
    ['${file:…}', `\${file:${passwordFile}}`, {}],
    ['${DB_PASSWORD}', '${DB_PASSWORD}', { DB_PASSWORD: PASSWORD }],
  ] as const) {
    it(`from ${kind} stays one password: the URL works, and --show-config masks it whole`, async () => {
      const database = new URL(pg.url);
      const config = configWith(reference, `${database.host}${database.pathname}`);
      const status = await runCli(['status', '--json', '--config', config], { env });
      expect(status.code, status.stderr).toBe(0);
      const shown = await runCli(['check', '--show-config', '--json', '--config', config], { env });
      const loaded = (JSON.parse(shown.stdout) as { config: { loaded: { database: { url: string } } } }).config.loaded;
      expect(loaded.database.url).toBe(`postgres://${admin.username || 'postgres'}:***@${database.host}${database.pathname}`);
      expectNoPiece(shown.stdout + shown.stderr);
    });

    it(`from ${kind} is not in the error or the log line of a failed connection`, async () => {
      // Nothing listens on the closed port: the error names the URL it could not connect to.
      const port = await closedPort();
      const config = configWith(reference, `127.0.0.1:${port}/seatsync`);
      const result = await runCli(['--log-level', 'debug', 'status', '--config', config], { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: /m);
      expect(result.stderr).toContain(`error: cannot connect to PostgreSQL at postgres://postgres:***@127.0.0.1:${port}/seatsync`);
      expect(result.stderr).toContain('"level":50');
      expectNoPiece(result.stdout + result.stderr);
    });
  }
});
