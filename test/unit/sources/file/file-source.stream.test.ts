// Large exports stream: 100,000 rows read page by page. The time is printed for the report, not asserted
// (the 1,000,000-user memory figure belongs to the benchmarks).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_PAGE_SIZE } from '../../../../src/sources/file/index.ts';
import { createSource } from '../../../../src/sources/factory.ts';
import { silentLogger } from '../../../../src/logging.ts';
import { guidToBytes } from '../../../../src/sources/directory-values.ts';
import { fileConfig, tempFolder } from './temp-files.ts';
import type { TempFolder } from './temp-files.ts';

const ROWS = 100_000;

let folder: TempFolder;
beforeAll(async () => {
  folder = await tempFolder('file-stream');
});
afterAll(async () => {
  await folder.remove();
});

/** Writes `count` lines produced by `line(i)` through a stream, honouring backpressure. */
async function writeLines(name: string, head: string, count: number, line: (i: number) => string): Promise<string> {
  const path = `${folder.path}/${name}`;
  const out = createWriteStream(path);
  out.write(head);
  for (let i = 0; i < count; i += 1) {
    if (!out.write(line(i))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return path;
}

const uuid = (i: number): string => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

interface TimedRead {
  readonly users: number;
  readonly pages: number;
  readonly largestPage: number;
  readonly lastId: string;
  readonly ms: number;
}

async function timedRead(path: string, format: 'csv' | 'ldif'): Promise<TimedRead> {
  const source = createSource(fileConfig(path, format), silentLogger());
  const started = performance.now();
  let users = 0;
  let pages = 0;
  let largestPage = 0;
  let lastId = '';
  const reader = source.read({ cursor: null, forceFull: true, groupsOfInterest: ['staff'], attributes: ['department'] });
  for await (const page of reader) {
    pages += 1;
    largestPage = Math.max(largestPage, page.items.length);
    for (const item of page.items) {
      if (item.kind !== 'user') continue;
      users += 1;
      lastId = item.user.externalId;
    }
  }
  return { users, pages, largestPage, lastId, ms: Math.round(performance.now() - started) };
}

describe(`streaming ${ROWS.toLocaleString('en')} entries`, () => {
  it('reads a CSV export page by page', async () => {
    const header = 'id,username,email,displayName,enabled,createdAt,groups,department\n';
    const path = await writeLines('big.csv', header, ROWS, (i) => {
      const enabled = i % 10 === 0 ? 'false' : 'true';
      return `${uuid(i)},user${i},user${i}@example.test,"User ${i}, Test",${enabled},2024-01-01T00:00:00Z,Staff;Dept ${i % 7},Dept ${i % 7}\n`;
    });
    const result = await timedRead(path, 'csv');
    console.log(`file source: ${ROWS} CSV rows read in ${result.ms} ms`);
    expect(result).toMatchObject({ users: ROWS, pages: ROWS / FILE_PAGE_SIZE, largestPage: FILE_PAGE_SIZE, lastId: uuid(ROWS - 1) });
  });

  it('reads an LDIF export page by page', async () => {
    const path = await writeLines('big.ldif', 'version: 1\n\n', ROWS, (i) => {
      const guid = Buffer.from(guidToBytes(uuid(i)) ?? new Uint8Array(16)).toString('base64');
      return [
        `dn: CN=User ${i},OU=Users,DC=example,DC=test`,
        'objectClass: top',
        'objectClass: person',
        'objectClass: organizationalPerson',
        'objectClass: user',
        `objectGUID:: ${guid}`,
        `sAMAccountName: user${i}`,
        `mail: user${i}@example.test`,
        `displayName: User ${i}`,
        `userAccountControl: ${i % 10 === 0 ? 514 : 512}`,
        'whenCreated: 20240101000000.0Z',
        'memberOf: CN=Staff,OU=Groups,DC=example,DC=test',
        `department: Dept ${i % 7}`,
        '',
        '',
      ].join('\n');
    });
    const result = await timedRead(path, 'ldif');
    console.log(`file source: ${ROWS} LDIF entries read in ${result.ms} ms`);
    expect(result).toMatchObject({ users: ROWS, pages: ROWS / FILE_PAGE_SIZE, largestPage: FILE_PAGE_SIZE, lastId: uuid(ROWS - 1) });
  });
});
