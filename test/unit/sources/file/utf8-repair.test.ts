// Bytes that are not UTF-8 in an export (a latin-1 value from an old tool): repaired with U+FFFD, and the
// user item names the column or attribute, so the run warns of the entry and the attribute.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource } from '../../../../src/sources/factory.ts';
import { silentLogger } from '../../../../src/logging.ts';
import type { SourceItem } from '../../../../src/sources/directory-source.ts';
import type { FileSourceConfig } from '../../../../src/config/types.ts';
import { fileConfig, readAll, tempFolder } from './temp-files.ts';
import type { TempFolder } from './temp-files.ts';

let folder: TempFolder;
beforeAll(async () => {
  folder = await tempFolder('utf8-repair');
});
afterAll(async () => {
  await folder.remove();
});

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

async function read(name: string, format: FileSourceConfig['format'], content: Uint8Array, attributes: string[] = []) {
  const source = createSource(fileConfig(await folder.write(name, content), format), silentLogger());
  return (await readAll(source, { attributes })).items;
}

function summary(items: readonly SourceItem[]) {
  return items.map((item) => (item.kind === 'user' ? { id: item.user.externalId, displayName: item.user.displayName, repaired: item.repaired ?? [] } : item));
}

describe('file source: values that are not UTF-8', () => {
  it('CSV: repairs the field, names its column, and leaves valid rows (a real U+FFFD too) alone', async () => {
    const csv = Buffer.concat([
      utf8('id,username,displayName,department\n'),
      utf8('1,jose,José,Sales\n'),
      latin1('2,rene,"Ren\xe9\nBlanc",Ventes\xa0\n'),
      utf8('3,mark,Mark \uFFFD,R&D\n'),
    ]);
    expect(summary(await read('latin1.csv', 'csv', csv, ['department']))).toEqual([
      { id: '1', displayName: 'José', repaired: [] },
      { id: '2', displayName: 'Ren\uFFFD\nBlanc', repaired: ['displayName', 'department'] },
      { id: '3', displayName: 'Mark \uFFFD', repaired: [] },
    ]);
  });

  it('CSV: a repaired row across a chunk boundary and far into the file keeps its line', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i + 1},user${i + 1},Name ${i + 1}\n`).join('');
    const csv = Buffer.concat([utf8('id,username,displayName\n'), utf8(rows), latin1('5001,last,Fran\xe7ois\n')]);
    const items = summary(await read('long.csv', 'csv', csv));
    expect(items).toHaveLength(5001);
    expect(items.filter((item) => 'repaired' in item && item.repaired.length > 0)).toEqual([{ id: '5001', displayName: 'Fran\uFFFDois', repaired: ['displayName'] }]);
  });

  it('LDIF: repairs plain and base64 values and names the attribute; binary GUIDs stay bytes', async () => {
    const ldif = Buffer.concat([
      utf8('dn: uid=anna,ou=people,dc=example,dc=test\nobjectClass: inetOrgPerson\nentryUUID: 6f1c0d0e-0000-4000-8000-000000000001\nuid: anna\n'),
      utf8(`displayName:: ${latin1('Ann\xe9e').toString('base64')}\n\n`),
      utf8('dn: uid=bob,ou=people,dc=example,dc=test\nobjectClass: inetOrgPerson\nentryUUID: 6f1c0d0e-0000-4000-8000-000000000002\nuid: bob\n'),
      latin1('displayName: B\xf6b\ndepartment: Stra\xdf\n e\n\n'),
      utf8('dn: uid=carl,ou=people,dc=example,dc=test\nobjectClass: inetOrgPerson\nentryUUID: 6f1c0d0e-0000-4000-8000-000000000003\nuid: carl\n'),
      utf8(`displayName:: ${utf8('Càrl').toString('base64')}\n\n`),
    ]);
    expect(summary(await read('latin1.ldif', 'ldif', ldif, ['department']))).toEqual([
      { id: '6f1c0d0e-0000-4000-8000-000000000001', displayName: 'Ann\uFFFDe', repaired: ['displayName'] },
      { id: '6f1c0d0e-0000-4000-8000-000000000002', displayName: 'B\uFFFDb', repaired: ['displayName', 'department'] },
      { id: '6f1c0d0e-0000-4000-8000-000000000003', displayName: 'Càrl', repaired: [] },
    ]);
  });
});
