// The paging of a search (paged-results.ts PagesAhead): each page is asked for with the cookie of the
// page before (RFC 2696), never two at once; up to `limit` received pages wait for the caller, and taking
// one makes room for the next request; a failure comes after the pages received before it.
import { BerWriter } from 'ldapts';
import { describe, expect, it } from 'vitest';

import { PagesAhead, type Answer } from '../../../../src/sources/ldap/paged-results.ts';
import { PAGED_RESULTS_OID } from '../../../../src/sources/ldap/search-response.ts';

/** A page of a paged search whose server says `cookie` comes next ('' after the last page). */
function page(entries: string[], cookie: string): Answer<string> {
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeInt(0);
  writer.writeBuffer(Buffer.from(cookie), 0x04);
  writer.endSequence();
  return { result: { resultCode: 0, diagnosticMessage: '' }, controls: [{ oid: PAGED_RESULTS_OID, value: writer.buffer }], entries };
}

/** A server of `pages` pages of ids whose answers the test releases one at a time. */
function server(pages: number, options: { failAt?: number } = {}) {
  const asked: string[] = [];
  const waiting: (() => void)[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const request = (cookie: Buffer): Promise<Answer<string>> => {
    const n = cookie.length === 0 ? 0 : Number(cookie.toString());
    asked.push(cookie.toString());
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    return new Promise((resolve, reject) => {
      waiting.push(() => {
        inFlight -= 1;
        if (n === options.failAt) reject(new Error(`page ${n} failed`));
        else resolve(page([`id${n}a`, `id${n}b`], n + 1 < pages ? String(n + 1) : ''));
      });
    });
  };
  /** Answers the requests waiting now, and lets the answers settle. */
  const answer = async (): Promise<void> => {
    for (const next of waiting.splice(0)) next();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { request, answer, asked, mostInFlight: () => mostInFlight };
}

describe('PagesAhead', () => {
  it('asks for pages one after another with the cookie of the page before, up to the limit before any is taken', async () => {
    const s = server(6);
    const ahead = new PagesAhead(s.request, 3);
    for (let i = 0; i < 5; i++) await s.answer();
    expect(s.asked).toEqual(['', '1', '2']); // three received, none taken: the fourth waits
    expect(await ahead.take()).toEqual(['id0a', 'id0b']);
    expect(s.asked).toEqual(['', '1', '2', '3']); // taking one made room
    const rest: string[][] = [];
    for (;;) {
      const taking = ahead.take();
      await s.answer();
      const next = await taking;
      if (next === null) break;
      rest.push(next);
    }
    expect(rest.flat()).toEqual(['id1a', 'id1b', 'id2a', 'id2b', 'id3a', 'id3b', 'id4a', 'id4b', 'id5a', 'id5b']);
    expect(s.asked).toEqual(['', '1', '2', '3', '4', '5']);
    expect(s.mostInFlight()).toBe(1);
  });

  it('with a limit of one asks for the next page only as a page is taken', async () => {
    const s = server(3);
    const ahead = new PagesAhead(s.request, 1);
    await s.answer();
    await s.answer();
    expect(s.asked).toEqual(['']);
    const first = await ahead.take();
    expect(first).toEqual(['id0a', 'id0b']);
    expect(s.asked).toEqual(['', '1']);
  });

  it('hands out the pages received before a failure, then throws it', async () => {
    const s = server(5, { failAt: 2 });
    const ahead = new PagesAhead(s.request, 4);
    for (let i = 0; i < 4; i++) await s.answer();
    expect(await ahead.take()).toEqual(['id0a', 'id0b']);
    expect(await ahead.take()).toEqual(['id1a', 'id1b']);
    await expect(ahead.take()).rejects.toThrow('page 2 failed');
    expect(s.asked).toEqual(['', '1', '2']);
  });

  it('throws a result code other than success as the LDAP error of that code', async () => {
    const ahead = new PagesAhead(async () => ({ ...page([], ''), result: { resultCode: 11, diagnosticMessage: 'admin limit' } }), 2);
    await expect(ahead.take()).rejects.toMatchObject({ code: 11 });
  });
});
