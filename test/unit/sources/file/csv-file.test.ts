// CSV exports read through the file source: quoting, BOM, line endings, line numbers of bad rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../../../src/sources/directory-source.ts';
import { createSource } from '../../../../src/sources/factory.ts';
import { silentLogger } from '../../../../src/logging.ts';
import { fileConfig, readAll, skippedOf, tempFolder, usersOf } from './temp-files.ts';
import type { TempFolder } from './temp-files.ts';

let folder: TempFolder;
beforeAll(async () => {
  folder = await tempFolder('csv-file');
});
afterAll(async () => {
  await folder.remove();
});

async function readCsv(name: string, content: string | Uint8Array, options: { groupsOfInterest?: string[]; attributes?: string[] } = {}) {
  const source = createSource(fileConfig(await folder.write(name, content), 'csv'), silentLogger());
  return readAll(source, options);
}

describe('CSV file source', () => {
  it('reads quoted fields holding commas, quotes and line breaks', async () => {
    const csv = ['id,username,displayName,department', '1,jdoe,"Doe, Jane","R&D, ""Lab"" 2"', '2,asmith,"Smith', 'Anna",Sales', ''].join('\n');
    const users = usersOf((await readCsv('quoted.csv', csv)).items);
    expect(users.map((user) => [user.displayName, user.attributes['department']])).toEqual([
      ['Doe, Jane', ['R&D, "Lab" 2']],
      ['Smith\nAnna', ['Sales']],
    ]);
  });

  it('tolerates spaces around delimiters and quoted fields', async () => {
    const users = usersOf((await readCsv('spaces.csv', 'id , username\n 1 , "Doe, Jane" \n')).items);
    expect(users.map((user) => [user.externalId, user.username])).toEqual([['1', 'Doe, Jane']]);
  });

  it('tolerates a UTF-8 BOM and CRLF line endings, keeping multi-line fields as \\n', async () => {
    const csv = '\uFEFFid,username,displayName\r\n1,jdoe,"Jane\r\nDoe"\r\n2,zoe,Zoë Müller\r\n';
    const users = usersOf((await readCsv('bom.csv', csv)).items);
    expect(users.map((user) => [user.externalId, user.displayName])).toEqual([
      ['1', 'Jane\nDoe'],
      ['2', 'Zoë Müller'],
    ]);
  });

  it('names the line and column of each bad row and reads on', async () => {
    const csv = [
      'id,username,enabled,createdAt', // line 1
      '1,ok,true,2024-01-01', // 2
      '2,"multi', // 3
      'line",maybe,', // 4: the record of line 3 ends here
      '', // 5
      ',noid,,', // 6
      '3,baddate,,2024-02-30', // 7
      '1,dup,,', // 8
      '4,"extra",,,"x"', // 9
      '5,last,no,2025-06-30T10:00:00+02:00', // 10
    ].join('\r\n');
    const { items } = await readCsv('bad-rows.csv', csv);
    expect(skippedOf(items)).toEqual([
      { kind: 'skipped', entry: 'line 3', attribute: 'enabled', reason: 'enabled must be true/false, yes/no or 1/0, got "maybe"' },
      { kind: 'skipped', entry: 'line 6', attribute: 'id', reason: 'the id is empty' },
      { kind: 'skipped', entry: 'line 7', attribute: 'createdAt', reason: 'createdAt is not an ISO 8601 date or date-time: "2024-02-30"' },
      { kind: 'skipped', entry: 'line 8', attribute: 'id', reason: 'duplicate id "1" (first used on line 2)' },
      { kind: 'skipped', entry: 'line 9', reason: 'the row has 5 fields, the header 4 (an unquoted comma?)' },
    ]);
    expect(usersOf(items).map((user) => [user.username, user.enabled, user.createdAt?.toISOString()])).toEqual([
      ['ok', true, '2024-01-01T00:00:00.000Z'],
      ['last', false, '2025-06-30T08:00:00.000Z'],
    ]);
  });

  it('ignores blank and comma-only rows', async () => {
    const users = usersOf((await readCsv('blank.csv', 'id,username\n\n  \n,\n1,a\n')).items);
    expect(users.map((user) => user.username)).toEqual(['a']);
  });

  it('reports groups and the groups of interest they stand for', async () => {
    const csv = 'id,groups\n1,"Staff;CN=Partners,OU=Groups,DC=corp"\n';
    const [user] = usersOf((await readCsv('groups.csv', csv, { groupsOfInterest: ['partners', 'cn=staff,ou=groups,dc=corp'] })).items);
    expect(user?.groups).toEqual(['staff', 'cn=partners,ou=groups,dc=corp', 'partners', 'cn=staff,ou=groups,dc=corp']);
  });

  it('reads a file with only a header as an empty directory', async () => {
    const { items, outcome } = await readCsv('header-only.csv', 'id,username\n');
    expect(items).toEqual([]);
    expect(outcome).toEqual({ mode: 'full', cursor: null });
  });

  it.each([
    ['no-id.csv', 'username,email\nx,y\n', /no-id\.csv: the header has no "id" column/],
    ['semicolon.csv', 'id;username\n1;x\n', /semicolon\.csv: the header has no "id" column: .* must be comma-separated/],
    ['empty.csv', '', /empty\.csv is empty/],
    ['unclosed.csv', 'id,username\n1,"open\n2,b\n', /unclosed\.csv is not readable as CSV: a quoted field is never closed/],
  ])('refuses %s as invalid data naming the file', async (name, content, message) => {
    const failure = readCsv(name, content);
    await expect(failure).rejects.toBeInstanceOf(SourceError);
    await expect(failure).rejects.toMatchObject({ code: 'invalid-data', source: 'contractors', message: expect.stringMatching(message) });
  });
});
