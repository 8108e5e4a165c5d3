// The file source as the sync sees it: paging, file errors, LDIF files, check().
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../../../src/sources/directory-source.ts';
import { FILE_PAGE_SIZE } from '../../../../src/sources/file/index.ts';
import { createSource } from '../../../../src/sources/factory.ts';
import { silentLogger } from '../../../../src/logging.ts';
import { CrlfToLf } from '../../../../src/sources/file/line-endings.ts';
import { fileConfig, readAll, skippedOf, tempFolder, usersOf } from './temp-files.ts';
import type { TempFolder } from './temp-files.ts';

let folder: TempFolder;
beforeAll(async () => {
  folder = await tempFolder('file-source');
});
afterAll(async () => {
  await folder.remove();
});

function csvRows(count: number): string {
  const rows = ['id,username'];
  for (let i = 1; i <= count; i += 1) rows.push(`u${i},user${i}`);
  return `${rows.join('\n')}\n`;
}

describe('paging', () => {
  it('yields pages of at most 1000 items by default', async () => {
    const source = createSource(fileConfig(await folder.write('2500.csv', csvRows(2500)), 'csv'), silentLogger());
    const { pageSizes, items } = await readAll(source);
    expect(FILE_PAGE_SIZE).toBe(1000);
    expect(pageSizes).toEqual([1000, 1000, 500]);
    expect(items).toHaveLength(2500);
  });

  it('counts skipped entries in the page size', async () => {
    const source = createSource(fileConfig(await folder.write('mixed.csv', 'id,enabled\n1,\n2,bad\n3,\n'), 'csv'), silentLogger(), { file: { pageSize: 2 } });
    const { pageSizes, items } = await readAll(source);
    expect(pageSizes).toEqual([2, 1]);
    expect(skippedOf(items)).toHaveLength(1);
  });
});

describe('file errors', () => {
  it('reports a missing file as not-found', async () => {
    const source = createSource(fileConfig(join(folder.path, 'missing.csv'), 'csv'), silentLogger());
    await expect(readAll(source)).rejects.toMatchObject({
      name: 'SourceError',
      code: 'not-found',
      message: expect.stringContaining('missing.csv does not exist'),
    });
  });

  it('reports a folder as invalid data', async () => {
    const dir = join(folder.path, 'a-folder.csv');
    await mkdir(dir);
    await expect(readAll(createSource(fileConfig(dir, 'csv'), silentLogger()))).rejects.toMatchObject({
      code: 'invalid-data',
      message: expect.stringContaining('not a regular file'),
    });
  });

  it('refuses a CSV read as LDIF', async () => {
    const source = createSource(fileConfig(await folder.write('wrong.ldif', 'id,username\n1,a\n'), 'ldif'), silentLogger());
    const failure = readAll(source);
    await expect(failure).rejects.toBeInstanceOf(SourceError);
    await expect(failure).rejects.toMatchObject({ code: 'invalid-data', message: expect.stringMatching(/wrong\.ldif does not look like LDIF/) });
  });
});

describe('LDIF file source', () => {
  const ldif = [
    'version: 1',
    '',
    'dn: ou=People,dc=example,dc=test',
    'objectClass: organizationalUnit',
    '',
    'dn: uid=jdoe,ou=People,dc=example,dc=test',
    'objectClass: inetOrgPerson',
    'entryUUID: 0b5d3f4e-1111-4000-8000-000000000001',
    'uid: jdoe',
    'cn: Jane Doe',
    'memberOf: cn=Partners,ou=Groups,dc=example,dc=test',
    'employeeType: partner',
    '',
    'dn: uid=again,ou=People,dc=example,dc=test',
    'objectClass: inetOrgPerson',
    'entryUUID: 0B5D3F4E-1111-4000-8000-000000000001',
    'uid: again',
    '',
    'dn: uid=x,ou=People,dc=example,dc=test',
    'changetype: delete',
    '',
  ].join('\n');

  it('maps people, ignores other entries, skips duplicates and change records', async () => {
    const source = createSource(fileConfig(await folder.write('people.ldif', ldif), 'ldif'), silentLogger());
    const { items, outcome } = await readAll(source, { groupsOfInterest: ['Partners'], attributes: ['employeeType'] });
    expect(usersOf(items)).toEqual([
      expect.objectContaining({
        username: 'jdoe',
        groups: ['cn=partners,ou=groups,dc=example,dc=test', 'partners'],
        attributes: { employeeType: ['partner'] },
      }),
    ]);
    expect(skippedOf(items)).toEqual([
      {
        kind: 'skipped',
        entry: 'uid=again,ou=People,dc=example,dc=test (line 14)',
        attribute: 'entryUUID',
        externalId: '0b5d3f4e-1111-4000-8000-000000000001',
        reason: 'duplicate id "0b5d3f4e-1111-4000-8000-000000000001" (first used by the entry on line 6)',
      },
      expect.objectContaining({ entry: 'uid=x,ou=People,dc=example,dc=test (line 19)', reason: expect.stringContaining('"delete" change record') }),
    ]);
    expect(outcome).toEqual({ mode: 'full', cursor: null });
  });
});

describe('check()', () => {
  it('counts users, samples two and sizes the groups of interest', async () => {
    const csv = 'id,username,enabled,groups\n1,a,,Staff\n2,b,false,Staff;Partners\n3,c,,\n4,d,bad,\n';
    const source = createSource(fileConfig(await folder.write('check.csv', csv), 'csv'), silentLogger());
    const { report } = await source.check({ groupsOfInterest: ['staff', 'CN=Partners,OU=Groups,DC=corp', 'nobody'], attributes: [] });
    expect(report.ok).toBe(true);
    expect(report.usersInScope).toBe(3);
    expect(report.sample.map((user) => user.username)).toEqual(['a', 'b']);
    expect(report.groupSizes).toEqual({ staff: 2, 'cn=partners,ou=groups,dc=corp': 1, nobody: 0 });
    expect(report.steps.map((step) => [step.name, step.ok])).toEqual([
      ['file', true],
      ['users', true],
      ['skipped entries', false],
    ]);
    expect(report.steps[1]?.detail).toBe('3 users in the file (1 disabled)');
    expect(report.steps[2]?.detail).toMatch(/^1 entries skipped: line 5 \[enabled\]/);
  });

  it('fails with the reason when the file cannot be read', async () => {
    const source = createSource(fileConfig(join(folder.path, 'nope.ldif'), 'ldif'), silentLogger());
    const { report } = await source.check({ groupsOfInterest: [], attributes: [] });
    expect(report).toMatchObject({ ok: false, usersInScope: null, sample: [] });
    expect(report.steps).toEqual([{ name: 'file', ok: false, detail: expect.stringContaining('nope.ldif does not exist') }]);
  });
});

describe('CrlfToLf', () => {
  async function through(chunks: string[]): Promise<string> {
    const out: Buffer[] = [];
    for await (const chunk of Readable.from(chunks.map((chunk) => Buffer.from(chunk))).pipe(new CrlfToLf())) out.push(chunk as Buffer);
    return Buffer.concat(out).toString();
  }

  it('rewrites CRLF to LF across chunk boundaries and keeps lone CRs', async () => {
    expect(await through(['a\r', '\nb\r\nc\r', 'd\r'])).toBe('a\nb\nc\rd\r');
    expect(await through(['\r', '\r', '\n'])).toBe('\r\n');
  });
});
