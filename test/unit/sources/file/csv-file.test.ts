// CSV exports read through the file source: quoting, BOM, line endings, line numbers of bad rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../../../src/sources/directory-source.ts';
import { MAX_FIELD_BYTES } from '../../../../src/sources/file/csv-entries.ts';
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
      '2,multi,maybe,', // 3
      '', // 4
      '', // 5
      ',noid,,', // 6
      '3,baddate,,2024-02-30', // 7
      '1,dup,,', // 8
      '4,"extra",,,"x"', // 9
      '5,last,no,2025-06-30T10:00:00+02:00', // 10
    ].join('\r\n');
    const { items } = await readCsv('bad-rows.csv', csv);
    expect(skippedOf(items)).toEqual([
      { kind: 'skipped', entry: 'line 3', attribute: 'enabled', externalId: '2', reason: 'enabled must be true/false, yes/no or 1/0, got "maybe"' },
      { kind: 'skipped', entry: 'line 6', attribute: 'id', reason: 'the id is empty' },
      { kind: 'skipped', entry: 'line 7', attribute: 'createdAt', externalId: '3', reason: 'createdAt is not an ISO 8601 date or date-time: "2024-02-30"' },
      { kind: 'skipped', entry: 'line 8', attribute: 'id', externalId: '1', reason: 'duplicate id "1" (first used on line 2)' },
      { kind: 'skipped', entry: 'line 9', externalId: '4', reason: 'the row has 5 fields, the header 4 (an unquoted comma?)' },
    ]);
    expect(usersOf(items).map((user) => [user.username, user.enabled, user.createdAt?.toISOString()])).toEqual([
      ['ok', true, '2024-01-01T00:00:00.000Z'],
      ['last', false, '2025-06-30T08:00:00.000Z'],
    ]);
  });

  it('fails the read of a row whose quote runs on over other rows, in a one-line column or shifting its fields', async () => {
    const header = 'id,username,displayName,enabled';
    const read = (rows: string[]) => readCsv('run-on.csv', [header, ...rows].join('\n'));
    await expect(read(['1,"ann,Ann,true', '2,bob",Bob,true', '3,cy,Cy,true'])).rejects.toThrow(
      /run-on\.csv: line 2: the quoted value of column "username" runs on to line 3: a quote not closed where it should be\? The rows it spans may be other entries/,
    );
    await expect(read(['1,ann,Ann,"true', '2,bob,Bob,true"', '3,cy,Cy,true'])).rejects.toThrow(/line 2: the quoted value of column "enabled" runs on to line 3/);
    await expect(read(['1,ann,"Ann,true', '2",bob,Bob,true'])).rejects.toThrow(/line 2: the row runs on to line 3 inside a quoted value and has 6 fields, the header 4/);
    // A display name of two lines is one entry's.
    expect(usersOf((await read(['1,ann,"Ann', 'Lee",true', '2,bob,Bob,true'])).items).map((user) => user.displayName)).toEqual(['Ann\nLee', 'Bob']);
  });

  it('skips a row with one field over the size limit, naming line and column, and reads on with right line numbers', async () => {
    const huge = 'x'.repeat(MAX_FIELD_BYTES + 5000);
    const csv = [
      'id,username,notes', // line 1
      `1,a,${huge}`, // 2
      `2,b,"${huge}`, // 3: quoted, over the limit, with a line break inside
      `${huge}"`, // 4
      '3,c,"ok ""quoted"""', // 5
      '4,d,maybe,extra', // 6: one field too many
    ].join('\n');
    const { items } = await readCsv('huge-field.csv', csv, { attributes: ['notes'] });
    expect(skippedOf(items)).toEqual([
      { kind: 'skipped', entry: 'line 2', attribute: 'notes', externalId: '1', reason: `the value is longer than ${MAX_FIELD_BYTES} bytes` },
      { kind: 'skipped', entry: 'line 3', attribute: 'notes', externalId: '2', reason: `the value is longer than ${MAX_FIELD_BYTES} bytes` },
      { kind: 'skipped', entry: 'line 6', externalId: '4', reason: 'the row has 4 fields, the header 3 (an unquoted comma?)' },
    ]);
    expect(usersOf(items).map((user) => [user.externalId, user.attributes['notes']])).toEqual([['3', ['ok "quoted"']]]);
  });

  it('still refuses an unclosed quote that runs past the size limit to the end of the file', async () => {
    const csv = `id,username\n1,"${'y'.repeat(MAX_FIELD_BYTES * 2)}\n2,b\n`;
    await expect(readCsv('unclosed-huge.csv', csv)).rejects.toMatchObject({ code: 'invalid-data', message: expect.stringMatching(/a quoted field is never closed/) });
  });

  it('skips a row with fewer fields than the header instead of reading the missing ones as defaults', async () => {
    const { items } = await readCsv('short.csv', 'id,username,enabled\n1,a,false\n2,b\n');
    expect(skippedOf(items)).toEqual([
      { kind: 'skipped', entry: 'line 3', externalId: '2', reason: 'the row has 2 fields, the header 3 (a missing comma, or a line cut short?)' },
    ]);
    expect(usersOf(items).map((user) => user.externalId)).toEqual(['1']);
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
