import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { LdifParserOptions, LdifRecord } from '../../../../src/sources/file/ldif-parser.ts';
import { LdifStructureError } from '../../../../src/sources/file/ldif-parser.ts';
import { LdifLineTooLongError, readLdifRecords } from '../../../../src/sources/file/ldif-reader.ts';

/** Parses LDIF text fed in chunks of `chunkBytes` (to cross every boundary), returning all records. */
async function parse(text: string, options: LdifParserOptions & { chunkBytes?: number } = {}): Promise<LdifRecord[]> {
  const bytes = Buffer.from(text, 'utf8');
  const size = options.chunkBytes ?? bytes.length;
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  const records: LdifRecord[] = [];
  for await (const batch of readLdifRecords(Readable.from(chunks), options)) records.push(...batch);
  return records;
}

const text = (record: LdifRecord | undefined, attribute: string): string[] =>
  (record?.attributes.get(attribute) ?? []).map((value) => (typeof value === 'string' ? value : Buffer.from(value).toString('utf8')));

const SAMPLE = [
  'version: 1',
  '# exported for seatsync',
  '#  a folded comment line',
  ' that continues here',
  'dn: uid=alice,ou=People,',
  ' dc=example,dc=test',
  'objectClass: inetOrgPerson',
  'cn: Alice Exa',
  ' mple',
  'description:: WsO2w6sgTcO8bGxlcg==',
  'mail:alice@example.test',
  'cn;lang-de: Alice Beispiel',
  '',
  '',
  '# between records',
  'dn:: dWlkPXrDtsOrLG91PVBlb3BsZSxkYz1leGFtcGxlLGRjPXRlc3Q=',
  'uid: zoe   ',
  'objectGUID:: MyIRAFVEd2aImaq7zN3u/w==',
].join('\n');

describe('LDIF reading', () => {
  it('unfolds lines, skips comments and version, decodes base64 and strips attribute options', async () => {
    const [alice, zoe, ...rest] = await parse(SAMPLE);
    expect(rest).toEqual([]);
    expect(alice).toMatchObject({ line: 5, dn: 'uid=alice,ou=People,dc=example,dc=test', changeType: null, problem: null });
    expect(text(alice, 'cn')).toEqual(['Alice Example', 'Alice Beispiel']);
    expect(text(alice, 'description')).toEqual(['Zöë Müller']);
    expect(text(alice, 'mail')).toEqual(['alice@example.test']);
    expect(zoe).toMatchObject({ line: 16, dn: 'uid=zöë,ou=People,dc=example,dc=test', problem: null });
    expect(text(zoe, 'uid')).toEqual(['zoe']);
    expect(zoe?.attributes.get('objectguid')?.[0]).toEqual(Uint8Array.from(Buffer.from('MyIRAFVEd2aImaq7zN3u/w==', 'base64')));
  });

  it('gives the same records whatever the chunk boundaries, CRLF and multi-byte characters included', async () => {
    const crlf = `\uFEFF${SAMPLE.replaceAll('\n', '\r\n')}\r\n`;
    const whole = await parse(crlf);
    expect(whole).toHaveLength(2);
    for (const chunkBytes of [1, 2, 3, 7]) expect(await parse(crlf, { chunkBytes })).toEqual(whole);
  });

  it('separates records by whitespace-only lines too', async () => {
    const records = await parse('dn: cn=a\ncn: a\n   \ndn: cn=b\ncn: b\n');
    expect(records.map((record) => record.dn)).toEqual(['cn=a', 'cn=b']);
  });

  it('keeps only the attributes asked for', async () => {
    const [alice] = await parse(SAMPLE, { keepAttribute: (name) => name === 'mail' });
    expect([...(alice?.attributes.keys() ?? [])]).toEqual(['mail']);
  });

  it('marks change records, keeping the attributes of an add', async () => {
    const records = await parse(
      ['dn: cn=x', 'changetype: modify', 'replace: mail', 'mail: x@example.test', '-', '', 'dn: cn=y', 'changetype: add', 'cn: y'].join('\n'),
    );
    expect(records.map((record) => [record.changeType, record.problem, [...record.attributes.keys()]])).toEqual([
      ['modify', null, []],
      ['add', null, ['cn']],
    ]);
  });

  it.each([
    ['dn: cn=x\ncn:: not*base64\n', { code: 'base64', line: 2, attribute: 'cn' }],
    ['dn: cn=x\nphoto:< file:///etc/passwd\n', { code: 'url', line: 2, attribute: 'photo' }],
    ['dn: cn=x\nthis line has no colon\n', { code: 'syntax', line: 2 }],
    ['cn: x\ndn: cn=x\n', { code: 'no-dn', line: 1 }],
    [' stray continuation\ndn: cn=x\n', { code: 'syntax', line: 1 }],
  ])('reports a bad record with its line: %j', async (input, problem) => {
    const [record] = await parse(input);
    expect(record?.problem).toMatchObject(problem);
  });

  it('keeps reading after a bad record', async () => {
    const records = await parse('dn: cn=x\ncn:: ***\n\ndn: cn=y\ncn: y\n');
    expect(records.map((record) => [record.dn, record.problem?.code ?? null])).toEqual([
      ['cn=x', 'base64'],
      ['cn=y', null],
    ]);
  });

  it('refuses a dn: line where a blank line should end the previous entry, naming the line, instead of merging two entries', async () => {
    const input = 'dn: uid=a,dc=test\nuid: a\nentryUUID: 1\ndn: uid=b,dc=test\nuid: b\nentryUUID: 2\n';
    const error = await parse(input, { chunkBytes: 7 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LdifStructureError);
    expect(error).toMatchObject({ line: 4, message: expect.stringContaining('line 4 starts a new entry ("dn:") inside the entry of line 1') });
  });

  it('refuses a line longer than 16 MiB instead of buffering it', async () => {
    const huge = Readable.from((function* () {
      for (let i = 0; i < 17; i += 1) yield Buffer.alloc(1024 * 1024, 0x41);
    })());
    const drain = async () => {
      for await (const _batch of readLdifRecords(huge)) {
        // nothing: the error comes first
      }
    };
    await expect(drain()).rejects.toBeInstanceOf(LdifLineTooLongError);
  });
});
