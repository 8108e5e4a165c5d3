import fc from 'fast-check';
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

  it('agrees with JSON.parse on random pages, whole and cut anywhere: a link found is the parsed page\'s link', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 20 });
    const plain = fc.oneof(text, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.integer());
    const member = fc.oneof(
      fc.tuple(fc.constantFrom('@odata.context', '@odata.count', 'flag', '"quoted"', 'é'), plain),
      fc.tuple(fc.constant('nested'), fc.dictionary(text, plain, { maxKeys: 2 })),
    );
    const page = fc.record({
      before: fc.array(member, { maxLength: 4 }),
      link: fc.option(fc.webUrl({ withQueryParameters: true }).chain((url) => fc.constantFrom(url, `${url}\\"x`, `${url}é`))),
      linkAfterValue: fc.boolean(),
      value: fc.array(fc.dictionary(text, plain, { maxKeys: 3 }), { maxLength: 3 }),
      space: fc.constantFrom(0, 1, 2),
    });
    fc.assert(
      fc.property(page, fc.nat(), ({ before, link, linkAfterValue, value, space }, cutSeed) => {
        const object: Record<string, unknown> = {};
        for (const [key, member] of before) object[key] = member;
        if (link !== null && !linkAfterValue) object['@odata.nextLink'] = link;
        object.value = value;
        if (link !== null && linkAfterValue) object['@odata.nextLink'] = link;
        const body = JSON.stringify(object, null, space);
        const parsed = (JSON.parse(body) as { '@odata.nextLink'?: string })['@odata.nextLink'];
        const whole = scanEarlyLink(body);
        expect(whole.kind).not.toBe('more');
        if (whole.kind === 'link') expect(whole.url).toBe(parsed);
        // Found whenever Graph's layout holds: the link before value, only plain members before it.
        const plainBefore = before.every(([key, member]) => key !== 'nested' || member === undefined);
        if (link !== null && !linkAfterValue && plainBefore) expect(whole).toEqual({ kind: 'link', url: link });
        const cut = scanEarlyLink(body.slice(0, cutSeed % (body.length + 1)));
        if (cut.kind === 'link') expect(cut.url).toBe(parsed);
        if (whole.kind === 'unknown') expect(cut.kind).not.toBe('link');
      }),
      { numRuns: 1000 },
    );
  });
});
