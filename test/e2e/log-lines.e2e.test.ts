// What the on-call engineer reads: the JSON lines `seatsync sync` and `seatsync run` write to stderr,
// against a real slapd. Every key once per line (checked on the raw text: JSON.parse would keep the last
// of two); a refused bind, an unreachable server and a held run each as one line without a stack; a
// directory value that is not UTF-8 repaired with a warning naming the entry and the attribute, through
// seatsync's own LDAP decoder and through ldapts' (SEATSYNC_USE_LIBRARY=ldap-decoder), and in a CSV.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.ts';
import { closedPort } from '../support/closed-port.ts';
import { createPostgresDatabase } from '../support/databases.ts';
import { logLines, repeatedKeys, type LogLine } from '../support/log-lines.ts';
import { ldifEntry, SEED_TIMESTAMP, startOpenLdap, type OpenLdapServer } from '../support/openldap.ts';
import {
  aConfigDir, api, clearPrefix, requireRedis, spawnWorker, uniquePrefix, waitFor, workerConfigYaml, type WorkerProcess,
} from '../integration/worker/worker-fixtures.ts';

/** An attribute slapd does not check for UTF-8 (octet string), as a directory fed by an old tool has. */
const LEGACY_SCHEMA = "attributetype ( 1.3.6.1.4.1.4203.666.1.90 NAME 'legacyName' EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )";
const PEOPLE = 'ou=people,dc=example,dc=test';
const CAROL = `uid=carol,${PEOPLE}`;

function person(uid: string, legacyName: string): string {
  return ldifEntry(`uid=${uid},${PEOPLE}`, {
    objectClass: ['inetOrgPerson', 'extensibleObject'], uid, cn: uid, sn: uid, legacyName,
    createTimestamp: SEED_TIMESTAMP, modifyTimestamp: SEED_TIMESTAMP,
  });
}

/** The lines that carry an error. */
const errorLines = (lines: readonly LogLine[]): LogLine[] => lines.filter((line) => 'err' in line);

describe('the log of seatsync sync and seatsync run', () => {
  let ldap: OpenLdapServer;
  const dir = aConfigDir();
  let csv: string;

  /** The config: LDAP source `corp` (overridable), file source `hr`, the embedded database. */
  const config = (corp: { url?: string; bindPassword?: string; filter?: string } = {}): string => {
    const path = join(dir.dir, `seatsync-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, [
      `dataDir: ${join(dir.dir, 'data')}`,
      'sources:',
      `  - { name: corp, kind: ldap, flavor: openldap, url: ${corp.url ?? `"${ldap.url}"`}, bindDN: "${ldap.readerDn}", bindPassword: ${corp.bindPassword ?? ldap.readerPassword},`,
      `      baseDN: "${PEOPLE}", attributes: { displayName: legacyName }${corp.filter ? `, filter: "${corp.filter}"` : ''}, schedule: off }`,
      `  - { name: hr, kind: file, path: "${csv}", schedule: off }`,
      'pools: { primary: { seats: 10 } }',
      'profiles: [{ name: staff, pools: [primary] }]',
      '',
    ].join('\n'));
    return path;
  };
  const sync = (path: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
    runCli(['sync', '--json', ...args, '--config', path], { env: { SEATSYNC_LOG_LEVEL: 'debug', ...env } });

  beforeAll(async () => {
    ldap = await startOpenLdap({ schema: LEGACY_SCHEMA, seedLdif: person('alice', 'Alice') + person('bob', 'Bob') + person('carol', 'Carol') });
    // A legacy tool wrote carol's name in latin-1: "Ren\xe9e", not UTF-8.
    execFileSync('ldapmodify', ['-x', '-H', ldap.url, '-D', ldap.adminDn, '-w', ldap.adminPassword], {
      input: `dn: ${CAROL}\nchangetype: modify\nreplace: legacyName\nlegacyName:: ${Buffer.from('Ren\xe9e', 'latin1').toString('base64')}\n`,
    });
    csv = join(dir.dir, 'hr.csv');
    writeFileSync(csv, Buffer.concat([Buffer.from('id,username,displayName\n1,jose,José\n'), Buffer.from('2,francois,Fran\xe7ois\n', 'latin1')]));
  }, 120_000);

  afterAll(async () => {
    await ldap?.stop();
  });

  it('writes every key once per line, and warns of each repaired value with its entry and attribute', async () => {
    const result = await sync(config());
    expect(result.code, result.stderr).toBe(0);
    expect(repeatedKeys(result.stderr)).toEqual([]);
    const lines = logLines(result.stderr);
    expect(lines.filter((line) => line.msg === 'LDAP read complete')).toEqual([expect.objectContaining({ source: 'corp' })]);
    expect(lines.filter((line) => line.msg === 'sync finished').map((line) => [line.source, line.repaired])).toEqual([['corp', 1], ['hr', 1]]);
    expect(lines.filter((line) => String(line.msg).startsWith('directory value repaired'))).toEqual([
      expect.objectContaining({ level: 40, source: 'corp', entry: CAROL, attribute: 'legacyName', externalId: expect.any(String) }),
      expect.objectContaining({ level: 40, source: 'hr', entry: 'francois', attribute: 'displayName', externalId: '2' }),
    ]);
    expect(result.stderr).not.toContain('stack');
    const runs = (JSON.parse(result.stdout) as { runs: Record<string, unknown>[] }).runs;
    expect(runs.map((run) => [run.source, run.repaired, run.repairedEntries])).toEqual([
      ['corp', 1, [{ entry: CAROL, attribute: 'legacyName', externalId: expect.any(String) }]],
      ['hr', 1, [{ entry: 'francois', attribute: 'displayName', externalId: '2' }]],
    ]);
    const accounts = await runCli(['accounts', '--json', '--config', config()]);
    const carol = (JSON.parse(accounts.stdout) as { username: string; displayName: string }[]).find((a) => a.username === 'carol');
    expect(carol?.displayName).toBe('Ren\uFFFDe');
  }, 120_000);

  it('repairs the same way when ldapts decodes the search (SEATSYNC_USE_LIBRARY=ldap-decoder)', async () => {
    const result = await sync(config(), ['--dry-run', '--source', 'corp', '--full'], { SEATSYNC_USE_LIBRARY: 'ldap-decoder' });
    expect(result.code, result.stderr).toBe(0);
    expect(repeatedKeys(result.stderr)).toEqual([]);
    expect(logLines(result.stderr).filter((line) => String(line.msg).startsWith('directory value repaired'))).toEqual([
      expect.objectContaining({ source: 'corp', entry: CAROL, attribute: 'legacyName' }),
    ]);
  }, 60_000);

  it('logs a refused bind as one line with its code and no stack', async () => {
    const result = await sync(config({ bindPassword: 'wrong-password' }), ['--source', 'corp']);
    expect(result.code).toBe(1);
    expect(repeatedKeys(result.stderr)).toEqual([]);
    const errors = errorLines(logLines(result.stderr));
    expect(errors).toEqual([expect.objectContaining({ level: 50, source: 'corp', msg: 'sync failed; nothing was applied', err: { type: 'SourceError', code: 'auth', message: expect.stringContaining('invalid credentials') } })]);
    expect(result.stderr).not.toContain('stack');
    expect(result.stderr).not.toContain('wrong-password');
  }, 60_000);

  it('logs an unreachable server as one line with its code and no stack', async () => {
    const result = await sync(config({ url: `"ldap://127.0.0.1:${await closedPort()}"` }), ['--source', 'corp']);
    expect(result.code).toBe(1);
    expect(repeatedKeys(result.stderr)).toEqual([]);
    expect(errorLines(logLines(result.stderr))).toEqual([expect.objectContaining({ level: 50, source: 'corp', err: expect.objectContaining({ code: 'connect', message: expect.stringContaining('connection refused') }) })]);
    expect(result.stderr).not.toContain('stack');
  }, 60_000);

  it('logs a failover to a later URL as one warning naming the server that did not answer', async () => {
    const away = `ldap://127.0.0.1:${await closedPort()}`;
    const result = await sync(config({ url: `["${away}", "${ldap.url}"]` }), ['--source', 'corp', '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(repeatedKeys(result.stderr)).toEqual([]);
    expect(errorLines(logLines(result.stderr))).toEqual([
      expect.objectContaining({ level: 40, source: 'corp', url: ldap.url, err: expect.objectContaining({ code: 'connect', message: expect.stringContaining(away) }) }),
    ]);
    expect(result.stderr).not.toContain('stack');
  }, 60_000);

  it('check passes a source whose first URL does not answer, and names that server in its connect step', async () => {
    const away = `ldap://127.0.0.1:${await closedPort()}`;
    const result = await runCli(['check', '--source', 'corp', '--json', '--config', config({ url: `["${away}", "${ldap.url}"]` })]);
    expect(result.code, result.stderr).toBe(0);
    const connect = (JSON.parse(result.stdout) as { sources: { steps: { name: string; ok: boolean; detail: string }[] }[] }).sources[0]?.steps[0];
    expect(connect).toMatchObject({ name: 'connect', ok: true, detail: `connected to ${ldap.url}; did not answer before it: cannot reach ${away}: connection refused (ECONNREFUSED)` });
  }, 60_000);

  it('logs a held run as one warning without a stack', async () => {
    const result = await sync(config({ filter: '(uid=nobody)' }), ['--source', 'corp']);
    expect(result.code).toBe(3);
    expect(repeatedKeys(result.stderr)).toEqual([]);
    const lines = logLines(result.stderr);
    expect(errorLines(lines)).toEqual([]);
    expect(lines.filter((line) => line.level >= 40)).toEqual([expect.objectContaining({ source: 'corp', msg: 'sync held: the source returned no users although it has 3 accounts', held: expect.objectContaining({ wouldRemove: 3 }) })]);
    expect(result.stderr).not.toContain('stack');
  }, 60_000);

  describe('seatsync run', () => {
    const prefix = uniquePrefix('log-lines');
    let pg: { url: string; drop: () => Promise<void> };
    let worker: WorkerProcess | null = null;

    beforeAll(async () => {
      await requireRedis();
      pg = await createPostgresDatabase();
    });
    afterAll(async () => {
      await worker?.stop('SIGKILL');
      await pg?.drop();
      await clearPrefix(prefix);
    });

    it('logs a sync job whose bind is refused in one line with its code, every key once', async () => {
      const yaml = workerConfigYaml({ databaseUrl: pg.url, prefix, sources: { hr: csv } }).replace(
        /^ {2}- \{ name: hr, kind: file.*$/m,
        `  - { name: corp, kind: ldap, flavor: openldap, url: "${ldap.url}", bindDN: "${ldap.readerDn}", bindPassword: wrong-password, baseDN: "${PEOPLE}", schedule: off }`,
      );
      writeFileSync(dir.configPath, yaml);
      worker = spawnWorker(dir.configPath);
      const queued = await api(await worker.started)('/api/v1/syncs', { method: 'POST', body: { source: 'corp' } });
      expect(queued.status).toBe(202);
      const w = worker;
      await waitFor(async () => w.logs().includes('"msg":"job failed'), { what: 'the failed sync job in the log' });
      expect(repeatedKeys(w.logs())).toEqual([]);
      const lines = logLines(w.logs());
      expect(errorLines(lines)).toEqual([expect.objectContaining({ level: 50, source: 'corp', err: expect.objectContaining({ code: 'auth' }) })]);
      expect(lines.filter((line) => String(line.msg).startsWith('job failed'))).toEqual([expect.objectContaining({ level: 30, queue: 'sync' })]);
      expect(w.logs()).not.toContain('stack');
    }, 120_000);
  });
});
