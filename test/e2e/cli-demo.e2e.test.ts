// The `seatsync` command as a process, on the demo config with the embedded database (no services).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.ts';
import { runCli } from '../support/cli.ts';
import { closedPort } from '../support/closed-port.ts';

const demoDir = new URL('../../config/', import.meta.url).pathname;

/** A copy of the demo config whose embedded database lives in a fresh temp folder. */
function demoCopy(): { dir: string; config: string; csv: string } {
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-e2e-'));
  const csv = join(dir, 'demo-users.csv');
  copyFileSync(join(demoDir, 'demo-users.csv'), csv);
  const yaml = readFileSync(join(demoDir, 'demo.yaml'), 'utf8').replace(/^dataDir: .*$/m, `dataDir: ${join(dir, 'data')}`).replace(/path: \S+/, `path: ${csv}`);
  const config = join(dir, 'seatsync.yaml');
  writeFileSync(config, yaml);
  return { dir, config, csv };
}

async function accountRowVersions(dir: string): Promise<string> {
  const db = await openDatabase({ url: null, dataDir: join(dir, 'data') });
  try {
    const r = await db.query<{ v: string }>(`SELECT string_agg(id::text || ':' || xmin::text, ',' ORDER BY id) AS v FROM accounts`);
    return r.rows[0]?.v ?? '';
  } finally {
    await db.close();
  }
}

interface SyncJson {
  runs: {
    source: string; status: string; seen: number; created: number; updated: number; activated: number; blocked: number; dryRun: boolean;
    changes?: { username: string; kind: string; from: string | null; to: string; reason: string; pools: string[]; waitingFor: string[] }[];
    changesTotal?: number;
  }[];
  pools: { name: string; seats: number; used: number; available: number; waiting: number }[];
}

describe('seatsync CLI on the demo', () => {
  let demo: ReturnType<typeof demoCopy>;
  let first: SyncJson;

  beforeAll(async () => {
    demo = demoCopy();
    const result = await runCli(['sync', '--json', '--config', demo.config]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    first = JSON.parse(result.stdout) as SyncJson;
  });

  it('seats some demo users and makes others wait', () => {
    expect(first.runs).toHaveLength(1);
    expect(first.runs[0]).toMatchObject({ source: 'demo', status: 'ok', dryRun: false });
    expect(first.runs[0]?.created).toBe(first.runs[0]?.seen);
    expect(Object.keys(first.runs[0] ?? {}).sort()).toEqual(
      ['activated', 'blocked', 'created', 'disabled', 'dryRun', 'durationMs', 'removed', 'seen', 'skipped', 'source', 'status', 'updated'],
    );
    for (const pool of first.pools) {
      expect(Object.keys(pool).sort()).toEqual(['available', 'name', 'seats', 'used', 'waiting']);
      expect(pool.used).toBeLessThanOrEqual(pool.seats);
    }
    expect(first.pools.some((p) => p.waiting > 0)).toBe(true);
    expect(first.pools.some((p) => p.used > 0)).toBe(true);
  });

  it('writes no account row on a second run without changes', async () => {
    const before = await accountRowVersions(demo.dir);
    const result = await runCli(['sync', '--json', '--config', demo.config]);
    expect(result.code).toBe(0);
    const second = JSON.parse(result.stdout) as SyncJson;
    expect(second.runs[0]).toMatchObject({ created: 0, updated: 0, activated: 0, blocked: 0 });
    expect(second.pools).toEqual(first.pools);
    expect(await accountRowVersions(demo.dir)).toBe(before);
  });

  it('writes nothing on --dry-run', async () => {
    const csv = readFileSync(demo.csv, 'utf8').split('\n');
    // Disable the first person of the file: the dry run reports it, the database keeps it.
    const header = csv[0]?.split(',') ?? [];
    const enabledAt = header.findIndex((h) => h.trim().toLowerCase() === 'enabled');
    expect(enabledAt).toBeGreaterThanOrEqual(0);
    const row = (csv[1] ?? '').split(',');
    row[enabledAt] = 'false';
    csv[1] = row.join(',');
    writeFileSync(demo.csv, csv.join('\n'));
    const before = await accountRowVersions(demo.dir);
    const statusBefore = await runCli(['status', '--json', '--config', demo.config]);
    const result = await runCli(['sync', '--dry-run', '--json', '--config', demo.config]);
    expect(result.code).toBe(0);
    const dry = JSON.parse(result.stdout) as SyncJson;
    expect(dry.runs[0]?.dryRun).toBe(true);
    // It says what it would do, account by account.
    const username = row[header.findIndex((h) => h.trim().toLowerCase() === 'username')];
    expect(username).toBeTruthy();
    const change = { username, kind: 'disabled', from: 'active', to: 'disabled', reason: 'directory-disabled', pools: [], waitingFor: [] };
    expect(dry.runs[0]?.changes).toContainEqual(change);
    expect(dry.runs[0]?.changesTotal).toBe(dry.runs[0]?.changes?.length);
    const human = await runCli(['sync', '--dry-run', '--config', demo.config]);
    expect(human.stdout).toMatch(new RegExp(`^${username}\\s+active\\s+disabled\\s+directory-disabled`, 'm'));
    expect(await accountRowVersions(demo.dir)).toBe(before);
    const statusAfter = await runCli(['status', '--json', '--config', demo.config]);
    expect(statusAfter.stdout).toBe(statusBefore.stdout);
  });

  it('lists accounts as JSON and CSV with the documented fields', async () => {
    const json = await runCli(['accounts', '--json', '--config', demo.config]);
    expect(json.code).toBe(0);
    const accounts = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(accounts.length).toBe(first.runs[0]?.seen);
    expect(Object.keys(accounts[0] ?? {}).sort()).toEqual(
      ['activatedAt', 'displayName', 'email', 'externalId', 'graceUntil', 'id', 'pools', 'profile', 'protected', 'source', 'state', 'updatedAt', 'username', 'waitingFor', 'waitingSince'].sort(),
    );
    const csv = await runCli(['accounts', '--csv', '--state', 'blocked', '--config', demo.config]);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('id,source,externalId,username,email,displayName,state,profile,pools,waitingFor,protected,waitingSince,activatedAt,graceUntil,updatedAt');
    expect(lines.length - 1).toBe(accounts.filter((a) => a.state === 'blocked').length);
  });

  it('shows status as the documented JSON shape', async () => {
    const result = await runCli(['status', '--json', '--config', demo.config]);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as { pools: unknown[]; sources: { name: string; lastRun: Record<string, unknown> | null }[]; outbox: unknown };
    expect(status.pools).toEqual(first.pools);
    expect(status.sources[0]?.name).toBe('demo');
    expect(Object.keys(status.sources[0]?.lastRun ?? {}).sort()).toEqual(['finishedAt', 'seen', 'startedAt', 'status']);
    expect(status.outbox).toEqual({ pending: expect.any(Number), failed: expect.any(Number) });
  });

  it('blocks and unblocks an account by username and records it in the audit trail', async () => {
    const accounts = JSON.parse((await runCli(['accounts', '--json', '--state', 'active', '--config', demo.config])).stdout) as { username: string; pools: string[] }[];
    const target = accounts.find((a) => a.pools.length > 0);
    expect(target).toBeDefined();
    const blocked = await runCli(['accounts', 'block', target?.username ?? '', '--json', '--config', demo.config]);
    expect(blocked.code).toBe(0);
    expect(JSON.parse(blocked.stdout)).toMatchObject({ changed: true, account: { state: 'suspended' } });
    const audit = await runCli(['audit', '--account', target?.username ?? '', '--json', '--config', demo.config]);
    const entries = JSON.parse(audit.stdout) as { to: string; reason: string }[];
    expect(entries.at(-1)).toMatchObject({ to: 'suspended' });
    const unknown = await runCli(['accounts', 'block', 'nobody-like-this', '--config', demo.config]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('nobody-like-this');
  });

  it('explains why an account waits, and keeps the reason of an admin action', async () => {
    const waiting = JSON.parse((await runCli(['accounts', '--json', '--state', 'blocked', '--config', demo.config])).stdout) as { username: string }[];
    const username = waiting[0]?.username ?? '';
    const human = await runCli(['explain', username, '--config', demo.config]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${username} (id `);
    expect(human.stdout).toMatch(/^why: waiting for a seat: \S+ is full \(\d+ of \d+ seats in use\), \d+ ahead waiting for it; \d+(st|nd|rd|th) of \d+ in the queue$/m);
    expect(human.stdout).toMatch(/^profile: \S+ \(\d+ of \d+; the first match wins\), matched by: /m);
    const json = JSON.parse((await runCli(['explain', username, '--json', '--config', demo.config])).stdout) as { explanation: { state: string; queue: { position: number } } };
    expect(json.explanation).toMatchObject({ state: 'blocked', queue: { position: expect.any(Number) } });

    const protect = await runCli(['accounts', 'protect', username, '--reason', 'signs the contracts', '--config', demo.config]);
    expect(protect.code).toBe(0);
    const audit = await runCli(['audit', '--account', username, '--config', demo.config]);
    expect(audit.stdout).toContain('protect (admin action): signs the contracts');
    // A reason it refuses is named as the option, as every option's bad value is.
    const tooLong = await runCli(['accounts', 'unprotect', username, '--reason', 'x'.repeat(501), '--config', demo.config]);
    expect(tooLong).toMatchObject({ code: 2, stderr: 'error: --reason: too long (501 characters; at most 500)\n' });
    const twoLines = await runCli(['accounts', 'unprotect', username, '--reason', 'two\nlines', '--json', '--config', demo.config]);
    expect(twoLines).toMatchObject({ code: 2, stderr: 'error: --reason: contains a control character (a line break, tab or NUL); write it on one line\n' });
    expect(JSON.parse(twoLines.stdout)).toEqual({ error: { code: 'invalid-reason', message: '--reason: contains a control character (a line break, tab or NUL); write it on one line' } });
    expect((await runCli(['accounts', 'unprotect', username, '--config', demo.config])).code).toBe(0);
    const unknown = await runCli(['explain', 'nobody-like-this', '--config', demo.config]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('nobody-like-this');
    // Eight runs of the CLI on the embedded database: about 30 s on an idle machine.
  }, 240_000);

  it('syncs a source named twice once', async () => {
    const name = (JSON.parse((await runCli(['status', '--json', '--config', demo.config])).stdout) as { sources: { name: string }[] }).sources[0]!.name;
    const result = await runCli(['sync', '--dry-run', '--json', '--source', name, '--source', name, '--config', demo.config]);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { runs: { source: string }[] }).runs.map((r) => r.source)).toEqual([name]);
  });

  it('exits 2 on bad usage', async () => {
    expect((await runCli(['accounts', '--state', 'sleeping', '--config', demo.config])).code).toBe(2);
    expect((await runCli(['no-such-command'])).code).toBe(2);
    expect((await runCli(['sync', '--source', 'nope', '--config', demo.config])).code).toBe(2);
  });

  it('prints one error document on stdout for a failure with --json, with the exit code of the failure', async () => {
    for (const [args, code, document] of [
      [['sync', '--source', 'nope'], 2, { code: 'usage', message: 'unknown source "nope"; configured: demo' }],
      [['sync', '--no-such-flag'], 2, { code: 'usage', message: "unknown option '--no-such-flag'" }],
      [['accounts', 'block', 'nobody-like-this'], 2, { code: 'not-found', message: expect.stringContaining('nobody-like-this') }],
      [['status', '--log-level', 'loud'], 2, { code: 'usage', message: expect.stringContaining('--log-level must be one of') }],
      [['resync', '--wait', '--timeout', 'soon'], 2, { code: 'usage', message: '--timeout must be a number of seconds above 0 to 2147483, not "soon"' }],
    ] as const) {
      const result = await runCli([...args, '--json', '--config', demo.config]);
      expect(result.code, args.join(' ')).toBe(code);
      expect(JSON.parse(result.stdout), args.join(' ')).toEqual({ error: document });
      // The failure is told once on stderr, as a sentence, not again as a log line.
      expect(result.stderr.trim().split('\n')[0]).toMatch(/^error: /);
      expect(result.stderr).not.toContain('"level"');
    }
  });

  it('exits 2 naming SEATSYNC_USE_LIBRARY and the unknown word, before it syncs anything; runs with a known one', async () => {
    const bad = await runCli(['sync', '--json', '--config', demo.config], { env: { SEATSYNC_USE_LIBRARY: 'ldap-decoder, fetch' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SEATSYNC_USE_LIBRARY: unknown replacement "fetch"; known: ldap-decoder, graph-transport, graph-early-link, all');
    expect(JSON.parse(bad.stdout)).toEqual({ error: { code: 'usage', message: 'SEATSYNC_USE_LIBRARY: unknown replacement "fetch"; known: ldap-decoder, graph-transport, graph-early-link, all' } });
    const good = await runCli(['status', '--json', '--config', demo.config], { env: { SEATSYNC_USE_LIBRARY: 'all' } });
    expect(good.code).toBe(0);
  });

  it('exits 2 naming SEATSYNC_LOG_LEVEL and the levels there are, as for --log-level', async () => {
    const levels = 'fatal, error, warn, info, debug, trace, silent';
    const fromEnv = await runCli(['status', '--config', demo.config], { env: { SEATSYNC_LOG_LEVEL: 'bogus' } });
    expect(fromEnv).toMatchObject({ code: 2, stdout: '', stderr: `error: SEATSYNC_LOG_LEVEL must be one of ${levels}, not "bogus"\n` });
    const fromFlag = await runCli(['status', '--log-level', 'bogus', '--config', demo.config]);
    expect(fromFlag).toMatchObject({ code: 2, stdout: '', stderr: `error: --log-level must be one of ${levels}, not "bogus"\n` });
  });

  it('takes an account by its directory id too, as every command\'s help says', async () => {
    for (const args of [['accounts', 'block', '--help'], ['explain', '--help'], ['audit', '--help']]) {
      expect((await runCli(args)).stdout, args.join(' ')).toContain('id, username, email or directory id');
    }
    const [first] = JSON.parse((await runCli(['accounts', '--json', '--config', demo.config])).stdout) as { id: number; externalId: string }[];
    const explained = await runCli(['explain', first!.externalId, '--json', '--config', demo.config]);
    expect(explained.code, explained.stderr).toBe(0);
    expect(JSON.parse(explained.stdout)).toMatchObject({ account: { id: first!.id, externalId: first!.externalId } });
  });

  it('names a bad account reference or date in one sentence and exits 2, never with a database error', async () => {
    for (const [args, sentence] of [
      [['accounts', 'block', '99999999999999999999'], 'error: no account matches "99999999999999999999" (id, username, email or directory id)'],
      [['accounts', 'protect', 'x\u0001y'], 'error: no account matches'],
      [['audit', '--since', '99999-01-01'], 'error: --since: not a date: "99999-01-01" (use e.g. 2026-01-31 or 2026-01-31T12:00:00Z)'],
      [['audit', '--since', '2026-02-30'], 'error: --since: not a date: "2026-02-30" (use e.g. 2026-01-31 or 2026-01-31T12:00:00Z)'],
      [['audit', '--limit', '99999999999999999999'], 'error: --limit must be a whole number from 1 to 1000000'],
    ] as const) {
      const result = await runCli([...args, '--config', demo.config]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(sentence);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('seatsync CLI given odd option values', () => {
  let demo: ReturnType<typeof demoCopy>;
  let redisUrl: string;

  beforeAll(async () => {
    demo = demoCopy();
    // No Redis answers: a command that got as far as queueing a sync would fail (exit 1), not exit 2.
    redisUrl = `redis://127.0.0.1:${await closedPort()}`;
    writeFileSync(demo.config, `${readFileSync(demo.config, 'utf8')}\nredis:\n  url: ${redisUrl}\n`);
    expect((await runCli(['sync', '--config', demo.config])).code).toBe(0);
  }, 120_000);

  it('refuses each with exit 2 and one sentence naming the option, the value and what it takes, changing nothing', async () => {
    const before = await accountRowVersions(demo.dir);
    for (const [args, sentence] of [
      // Numbers: only decimal digits, within the option's range.
      [['audit', '--limit', '0x10'], 'error: --limit must be a whole number from 1 to 1000000, not "0x10"'],
      [['audit', '--limit', '1e2'], 'error: --limit must be a whole number from 1 to 1000000, not "1e2"'],
      [['sync', '--dry-run', '--offset', '-1'], 'error: --offset must be a whole number of 0 or more, not "-1"'],
      [['sync', '--dry-run', '--offset', '99999999999999999999'], 'error: --offset must be a whole number of 0 or more (at most 9007199254740991), not "99999999999999999999"'],
      [['run', '--concurrency', '0x2'], 'error: --concurrency must be a whole number of 1 or more, not "0x2"'],
      [['run', '--shutdown-timeout', ''], 'error: --shutdown-timeout must be a number of seconds from 0 to 2147483, not ""'],
      // Longer than a timer can wait: it would fire at once, aborting every running sync on SIGTERM.
      [['run', '--shutdown-timeout', '1e12'], 'error: --shutdown-timeout must be a number of seconds from 0 to 2147483, not "1e12"'],
      [['run', '--shutdown-timeout', '3000000'], 'error: --shutdown-timeout must be a number of seconds from 0 to 2147483, not "3000000"'],
      // Checked before anything is queued, and only with --wait, which they are for.
      [['resync', '--wait', '--start-timeout', 'abc'], 'error: --start-timeout must be a number of seconds above 0 to 2147483, not "abc"'],
      [['resync', '--start-timeout', '5'], 'error: --timeout and --start-timeout say how long --wait waits: add --wait'],
      [['resync', '--timeout', '5'], 'error: --timeout and --start-timeout say how long --wait waits: add --wait'],
      [['resync', '--wait', '--timeout', '30s'], 'error: --timeout must be a number of seconds above 0 to 2147483, not "30s"'],
      // An empty value is a value, not "no filter".
      [['accounts', '--state', ''], 'error: --state must be one of active, blocked, suspended, disabled, removed, not ""'],
      [['accounts', '--pool', ''], 'error: unknown pool ""; configured: primary, extranet'],
      [['accounts', '--source', ''], 'error: unknown source ""; configured: demo'],
      [['audit', '--account', ''], 'error: no account matches "" (id, username, email or directory id)'],
      [['audit', '--source', ''], 'error: unknown source ""; configured: demo'],
      [['targets', 'reconcile', '--target', ''], 'error: --target "": no SCIM target of that name (SCIM targets: none)'],
    ] as const) {
      const result = await runCli([...args, '--config', demo.config]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim(), args.join(' ')).toBe(sentence);
      expect(result.stdout, args.join(' ')).toBe('');
    }
    expect(await accountRowVersions(demo.dir)).toBe(before);
  }, 240_000);

  it('refuses an option that takes one value given twice, naming it, for any command and the global options; a repeatable one takes both', async () => {
    const before = await accountRowVersions(demo.dir);
    for (const [args, sentence] of [
      [['audit', '--limit', '5', '--limit', '9'], 'error: --limit given twice ("5", then "9"); give it once'],
      [['accounts', 'block', 'someone', '--reason', 'a', '--reason=b'], 'error: --reason given twice ("a", then "b"); give it once'],
      [['sync', '--dry-run', '--offset', '1', '--offset', '2'], 'error: --offset given twice ("1", then "2"); give it once'],
      [['status', '-c', demo.config], `error: --config given twice ("${demo.config}", then "${demo.config}"); give it once`],
    ] as const) {
      const result = await runCli([...args, '--config', demo.config]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.split('\n')[0], args.join(' ')).toBe(sentence);
      expect(result.stdout, args.join(' ')).toBe('');
    }
    const json = await runCli(['audit', '--since', '2026-01-01', '--since', '2026-02-01', '--json', '--config', demo.config]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'usage', message: '--since given twice ("2026-01-01", then "2026-02-01"); give it once' } });
    const twice = await runCli(['sync', '--dry-run', '--only', 'blocked', '--only', 'activated', '--json', '--config', demo.config]);
    expect(twice.code, twice.stderr).toBe(0);
    expect(await accountRowVersions(demo.dir)).toBe(before);
  }, 120_000);

  it('writes what was typed into its error messages with control characters escaped, so the terminal shows them', async () => {
    for (const [args, sentence] of [
      [['accounts', 'block', 'x\u001b[2Jy'], 'error: no account matches "x\\x1b[2Jy" (id, username, email or directory id)'],
      [['audit', '--since', '\u001b]0;title\u0007'], 'error: --since: not a date: "\\x1b]0;title\\x07"'],
      [['no-such\u001b[31m'], "error: unknown command 'no-such\\x1b[31m'"],
    ] as const) {
      const result = await runCli([...args, '--config', demo.config]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(sentence);
      expect(result.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    }
  });

  it('refuses a bad --reason before it opens the database: no embedded database is made for it', async () => {
    const fresh = demoCopy();
    const result = await runCli(['accounts', 'block', 'someone', '--reason', 'x'.repeat(501), '--config', fresh.config]);
    expect(result).toMatchObject({ code: 2, stderr: 'error: --reason: too long (501 characters; at most 500)\n' });
    expect(existsSync(join(fresh.dir, 'data'))).toBe(false);
  }, 60_000);

  it('names the embedded database\'s folder when dataDir cannot be made, and ends (it once spun on /proc)', async () => {
    const config = join(demo.dir, 'unmakeable.yaml');
    writeFileSync(config, readFileSync(demo.config, 'utf8').replace(/^dataDir: .*$/m, 'dataDir: /proc/seatsync-nope'));
    const result = await runCli(['status', '--config', config], { timeoutMs: 20_000 });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      "error: cannot create the embedded database's folder /proc/seatsync-nope/pglite (dataDir /proc/seatsync-nope): ENOENT: no such file or directory, mkdir '/proc/seatsync-nope'",
    );
  });

  it('refuses an empty --config rather than reading another file', async () => {
    const result = await runCli(['status', '--json', '--config', ''], { env: { SEATSYNC_CONFIG: demo.config } });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'usage', message: expect.stringContaining('--config: the path is empty') } });
  });
});

describe('seatsync CLI with a broken config', () => {
  it('names every problem with its key path, exits 2 and prints no secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seatsync-badcfg-'));
    const secretFile = join(dir, 'ldap_password');
    writeFileSync(secretFile, 'S3cr3t-Value-Never-Print\n');
    const config = join(dir, 'seatsync.yaml');
    writeFileSync(
      config,
      [
        'sources:',
        '  - name: corp',
        '    kind: ldap',
        '    url: http://dc1.example.test',
        `    bindPassword: \${file:${secretFile}}`,
        '    baseDN: DC=example,DC=test',
        '    group: App Users',
        'pools:',
        '  primary: { seats: -1 }',
        'profiles:',
        '  - name: staff',
        '    pools: [nonexistent]',
        '',
      ].join('\n'),
    );
    const result = await runCli(['sync', '--config', config]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('sources[0].url');
    expect(result.stderr).toContain('sources[0].group');
    expect(result.stderr).toContain('pools.primary.seats');
    expect(result.stderr).toContain('profiles[0].pools');
    expect(result.stderr + result.stdout).not.toContain('S3cr3t-Value-Never-Print');
    // With --json, every problem again in the error document on stdout.
    const json = await runCli(['sync', '--json', '--config', config]);
    expect(json.code).toBe(2);
    const document = JSON.parse(json.stdout) as { error: { code: string; message: string; problems: { path: string; message: string }[] } };
    expect(document.error).toMatchObject({ code: 'config', message: expect.stringMatching(/^Invalid configuration in \S+seatsync\.yaml \(\d+ problems\)$/) });
    expect(document.error.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['sources[0].url', 'sources[0].group', 'pools.primary.seats', 'profiles[0].pools[0]']));
    expect(json.stderr + json.stdout).not.toContain('S3cr3t-Value-Never-Print');
  });
});
