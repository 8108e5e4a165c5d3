import { describe, expect, it } from 'vitest';
import { scanEarlyLink } from '../../../../src/sources/entra/early-link.ts';

const LINK = 'https://graph.microsoft.com/v1.0/users?$select=id&$top=999&$skiptoken=RFNwdAIAAQAAAC';

describe('scanEarlyLink', () => {
  it('finds the link Graph writes before value, in a whole body and in every cut of it', () => {
    const body = JSON.stringify({ '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users(id)', '@odata.nextLink': LINK, value: [{ id: 'a' }] });
    expect(scanEarlyLink(body)).toEqual({ kind: 'link', url: LINK });
    const linkEnd = body.indexOf(LINK) + LINK.length + 1; // past its closing quote
    for (let cut = 0; cut < body.length; cut++) {
      const found = scanEarlyLink(body.slice(0, cut));
      expect(found, `cut at ${cut}`).toEqual(cut < linkEnd ? { kind: 'more' } : { kind: 'link', url: LINK });
    }
  });

  it('reads escapes, spaces and plain members (numbers, booleans, null) before the link', () => {
    const text = ' {\n "@odata.context" : "a\\"b\\\\" ,"@odata.count": 12 , "flag":true,"n":null,\t"@odata.nextLink":"https:\\/\\/x\\/y?$skiptoken=\\u0041"}';
    expect(scanEarlyLink(text)).toEqual({ kind: 'link', url: 'https://x/y?$skiptoken=A' });
  });

  it('is unknown when value comes first, when there is no link, or when the body is not a plain object start', () => {
    expect(scanEarlyLink('{"value":[],"@odata.nextLink":"https://x"}')).toEqual({ kind: 'unknown' });
    expect(scanEarlyLink('{"@odata.context":"c","value":[{"id":"a"}],"@odata.deltaLink":"https://d"}')).toEqual({ kind: 'unknown' });
    expect(scanEarlyLink('{"@odata.context":"c"}')).toEqual({ kind: 'unknown' });
    expect(scanEarlyLink('{"error":{"code":"x"},"@odata.nextLink":"https://x"}')).toEqual({ kind: 'unknown' });
    expect(scanEarlyLink('{"@odata.nextLink":12,"value":[]}')).toEqual({ kind: 'unknown' });
    expect(scanEarlyLink('{"@odata.nextLink":"","value":[]}')).toEqual({ kind: 'unknown' });
    expect(scanEarlyLink('[1,2]')).toEqual({ kind: 'unknown' });
    expect(scanEarlyLink('{}')).toEqual({ kind: 'unknown' });
    expect(scanEarlyLink('{"a" "b"}')).toEqual({ kind: 'unknown' });
  });

  it('asks for more while a member is cut short', () => {
    expect(scanEarlyLink('')).toEqual({ kind: 'more' });
    expect(scanEarlyLink('  {')).toEqual({ kind: 'more' });
    expect(scanEarlyLink('{"@odata.count":12')).toEqual({ kind: 'more' });
    expect(scanEarlyLink('{"@odata.context":"abc\\')).toEqual({ kind: 'more' });
    expect(scanEarlyLink('{"@odata.nextLink"')).toEqual({ kind: 'more' });
  });
});
