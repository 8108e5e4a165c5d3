// Values the store cannot hold (NUL, U+0000): the entry is skipped naming the attribute, never the whole read.
import { describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../../../src/domain/types.ts';
import { printable, unusableValue, usableId } from '../../../src/sync/read-source.ts';

const user = (overrides: Partial<DirectoryUser> = {}): DirectoryUser => ({
  externalId: 'e1', username: 'jdoe', email: 'j@x', displayName: 'J', dn: 'uid=jdoe,dc=x', enabled: true, createdAt: null, groups: ['g'], attributes: { dept: ['a'] },
  ...overrides,
});

describe('unusableValue', () => {
  it('accepts ordinary values', () => {
    expect(unusableValue(user())).toBeNull();
  });

  it.each([
    [{ displayName: 'J\u0000' }, 'displayName'],
    [{ email: '\u0000' }, 'email'],
    [{ dn: 'uid=a\u0000' }, 'dn'],
    [{ groups: ['g\u0000'] }, 'groups'],
    [{ attributes: { department: ['x', 'y\u0000z'] } }, 'department'],
  ])('names the field of %j', (overrides, attribute) => {
    expect(unusableValue(user(overrides))).toMatchObject({ attribute, reason: expect.stringContaining('NUL') });
  });

  it('names the directory attribute the value was read from, and the field it maps to', () => {
    const openldap = { externalId: 'entryUUID', username: 'uid', displayName: 'cn', createdAt: 'createTimestamp', email: 'mail' };
    expect(unusableValue(user({ displayName: 'J\u0000' }), openldap)).toMatchObject({ attribute: 'cn', field: 'displayName' });
    expect(unusableValue(user({ createdAt: new Date(Date.UTC(-10, 0, 1)) }), { createdAt: 'whenCreated' })).toMatchObject({ attribute: 'whenCreated', field: 'createdAt' });
    // A field read from an attribute of its own name, or a profile attribute, is named once.
    expect(unusableValue(user({ email: 'a\u0000' }), { email: 'email' })).toEqual({ attribute: 'email', reason: expect.stringContaining('NUL') });
    expect(unusableValue(user({ attributes: { department: ['\u0000'] } }), openldap)).toEqual({ attribute: 'department', reason: expect.stringContaining('NUL') });
  });

  it.each([
    ['a year after 9999 in UTC', new Date(Date.UTC(9999, 11, 31, 23, 30) + 5 * 3_600_000)],
    ['a year before 1', new Date(Date.UTC(-10, 0, 1))],
  ])('names the creation time of %s, which the database cannot store', (_case, createdAt) => {
    expect(unusableValue(user({ createdAt }))).toMatchObject({ attribute: 'createdAt', reason: expect.stringContaining('9999') });
  });

  it.each([new Date('0001-01-01T00:00:00Z'), new Date('9999-12-31T23:59:59.999Z'), new Date(Number.NaN)])('accepts the creation time %s', (createdAt) => {
    expect(unusableValue(user({ createdAt }))).toBeNull();
  });

  it('tells usable ids and shows NUL in reports', () => {
    expect(usableId('e1')).toBe(true);
    expect(usableId('e\u00001')).toBe(false);
    expect(usableId('')).toBe(false);
    expect(usableId(undefined)).toBe(false);
    expect(printable('a\u0000b')).toBe('a\\0b');
  });
});
