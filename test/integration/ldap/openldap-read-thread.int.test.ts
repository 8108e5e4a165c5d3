// The read of an LDAP source on a thread of its own (src/sync/read-thread.ts), against a real slapd: the
// same pages as the read mapped in this thread, its errors with their class and code, its log lines
// through the run's logger, the run's abort, and a consumer that stops early ending the thread.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createLogger, silentLogger } from '../../../src/logging.ts';
import { SourceError, type SourceReadOptions } from '../../../src/sources/directory-source.ts';
import { createSource, threadConfigOf } from '../../../src/sources/factory.ts';
import { mapPages, type MappedPage, type MappedReader } from '../../../src/sync/map-page.ts';
import type { MappingRules } from '../../../src/sync/map-user.ts';
import { readOnThread } from '../../../src/sync/read-thread.ts';
import { runCli } from '../../support/cli.ts';
import { freePort, startOpenLdap, type OpenLdapServer } from '../../support/openldap.ts';

import { ldapConfig, type LdapConfigInput } from './ldap-test-kit.ts';
import { openLdapSeed, PEOPLE, PEOPLE_COUNT } from './openldap-seed.ts';

let server: OpenLdapServer;

const config = (overrides: Partial<LdapConfigInput> = {}) =>
  ldapConfig({ flavor: 'openldap', urls: [server.url], baseDN: PEOPLE, bindDN: server.readerDn, bindPassword: server.readerPassword, pageSize: 200, ...overrides });

const REQUEST: SourceReadOptions = { cursor: null, forceFull: true, groupsOfInterest: [], attributes: [] };
const RULES: MappingRules = { profiles: [{ name: 'staff', pools: ['primary'] }], protect: null };

async function drain(reader: MappedReader): Promise<{ pages: MappedPage[]; mode: string }> {
  const pages: MappedPage[] = [];
  for (;;) {
    const next = await reader.next();
    if (next.done === true) return { pages, mode: next.value.mode };
    pages.push(next.value);
  }
}

/** A logger at `debug` whose lines are kept, bound as a run's logger is. */
function capturingLogger(bindings: Record<string, unknown>) {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }).child(bindings), lines, raw };
}

beforeAll(async () => {
  server = await startOpenLdap({ seedLdif: openLdapSeed(), sizeLimit: 500 });
});

afterAll(async () => {
  await server?.stop();
});

describe('reading an LDAP source on a thread of its own', () => {
  it('is what a run does with an LDAP source built by the factory, and not with tuning hooks or other kinds', () => {
    const built = config();
    expect(threadConfigOf(createSource(built, silentLogger()))).toEqual(built);
    expect(threadConfigOf(createSource(built, silentLogger(), { ldap: { now: () => new Date(0) } }))).toBeUndefined();
    expect(threadConfigOf(createSource({ kind: 'file', name: 'hr', path: '/nonexistent.csv', format: 'csv', schedule: null } as never, silentLogger()))).toBeUndefined();
  });

  it('gives the same mapped pages, in the same order, as the read mapped in this thread', async () => {
    const onThread = await drain(readOnThread(config(), silentLogger(), REQUEST, RULES));
    const here = await drain(mapPages(createSource(config(), silentLogger()), REQUEST, RULES));
    const users = (read: { pages: MappedPage[] }) => read.pages.flatMap((page) => page.users);
    expect(users(onThread)).toHaveLength(PEOPLE_COUNT);
    expect(onThread.pages.length).toBeGreaterThan(READ_AHEAD_PLUS_ONE);
    expect(users(onThread)).toEqual(users(here));
    expect(onThread.mode).toBe(here.mode);
    expect(users(onThread).every((user) => user.profile === 'staff' && user.dataHash.length > 0)).toBe(true);
  });

  it("throws the source's error with its class and code", async () => {
    const read = drain(readOnThread(config({ bindPassword: 'wrong-password' }), silentLogger(), REQUEST, RULES));
    await expect(read).rejects.toBeInstanceOf(SourceError);
    await expect(read).rejects.toMatchObject({ code: 'auth', source: 'directory', message: expect.stringMatching(/^directory: /) });
  });

  it("writes the source's lines through the run's logger, with the run's keys once", async () => {
    const { logger, lines, raw } = capturingLogger({ source: 'directory', runId: '42' });
    await drain(readOnThread(config(), logger, REQUEST, RULES));
    expect(lines.filter((line) => line.msg === 'LDAP read complete')).toEqual([expect.objectContaining({ level: 30, source: 'directory', runId: '42' })]);
    expect(raw.filter((line) => line.split('"source":').length > 2 || line.split('"runId":').length > 2)).toEqual([]);
  });

  it('ends the read and its thread when the consumer stops early', async () => {
    const reader = readOnThread(config(), silentLogger(), REQUEST, RULES);
    expect((await reader.next()).done).toBe(false);
    const started = Date.now();
    // Resolves once the thread has exited; one that ignored the stop would be terminated after 5 s.
    await reader.return(undefined as never);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("stops with the run's abort reason", async () => {
    const controller = new AbortController();
    const reader = readOnThread(config(), silentLogger(), { ...REQUEST, signal: controller.signal }, RULES);
    expect((await reader.next()).done).toBe(false);
    const reason = new Error('the worker is stopping');
    controller.abort(reason);
    await expect(drain(reader)).rejects.toBe(reason);
  });
});

describe('the read thread `seatsync sync` starts ahead of its read', () => {
  it('does not keep the command alive when the run never reads (the database is away)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seatsync-read-thread-'));
    try {
      const path = join(dir, 'seatsync.yaml');
      await writeFile(path, [
        `database: { url: "postgres://127.0.0.1:${await freePort('127.0.0.1')}/seatsync" }`,
        'sources:',
        `  - { name: corp, kind: ldap, flavor: openldap, url: "${server.url}", bindDN: "${server.readerDn}", bindPassword: ${server.readerPassword}, baseDN: "${PEOPLE}", schedule: off }`,
        'pools: { primary: { seats: 10 } }',
        'profiles: [{ name: staff, pools: [primary] }]',
        '',
      ].join('\n'));
      const started = Date.now();
      const result = await runCli(['sync', '--json', '--config', path], { timeoutMs: 30_000 });
      // Killed by the timeout, the command would have no exit code.
      expect(result.code, result.stderr).not.toBeNull();
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/database/i);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** More pages than the thread may send ahead, so that it waits for the run to take them. */
const READ_AHEAD_PLUS_ONE = 3;
