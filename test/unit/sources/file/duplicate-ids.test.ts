import { describe, expect, it } from 'vitest';
import { DuplicateIds } from '../../../../src/sources/file/duplicate-ids.ts';

describe('DuplicateIds', () => {
  it('returns the first line of an id used again, and null for a new one, across table growth', () => {
    const ids = new DuplicateIds();
    const count = 20_000; // grows the table several times
    for (let line = 1; line <= count; line += 1) expect(ids.claim(`id-${line}`, line)).toBeNull();
    for (let line = 1; line <= count; line += 997) expect(ids.claim(`id-${line}`, count + line)).toBe(line);
    expect(ids.claim('ID-1', 1)).toBeNull(); // ids are case-sensitive
    expect(ids.claim('', 5)).toBeNull();
    expect(ids.claim('', 6)).toBe(5);
  });
});
