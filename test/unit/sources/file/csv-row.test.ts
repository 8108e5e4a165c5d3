import { describe, expect, it } from 'vitest';
import { mapCsvRow, parseEnabledFlag, resolveCsvHeader } from '../../../../src/sources/file/csv-row.ts';
import type { CsvHeader } from '../../../../src/sources/file/csv-row.ts';

const asConfigured = (name: string): string => name;

function header(fields: readonly string[]): CsvHeader {
  const result = resolveCsvHeader(fields, asConfigured);
  if (!result.ok) throw new Error(result.problem);
  return result.header;
}

describe('resolveCsvHeader', () => {
  it('finds known columns whatever their case, spaces, underscores or dashes', () => {
    const found = header(['ID', 'User Name', 'E-Mail', 'display_name', 'Enabled', 'CREATED_AT', 'Groups', 'department']);
    expect(found.known).toEqual({ id: 0, username: 1, email: 2, displayName: 3, enabled: 4, createdAt: 5, groups: 6 });
    expect(found.attributes).toEqual([{ index: 7, name: 'department' }]);
  });

  it('reports other columns under the configured attribute name', () => {
    const result = resolveCsvHeader(['id', 'EmployeeType'], (name) => (name.toLowerCase() === 'employeetype' ? 'employeeType' : name));
    expect(result.ok && result.header.attributes).toEqual([{ index: 1, name: 'employeeType' }]);
  });

  it('ignores columns without a name (a trailing comma)', () => {
    expect(header(['id', 'username', '']).attributes).toEqual([]);
  });

  it('refuses a header without an id column, listing what it found', () => {
    expect(resolveCsvHeader(['username', 'email'], asConfigured)).toEqual({
      ok: false,
      problem: 'the header has no "id" column (found: "username", "email")',
    });
  });

  it('explains a semicolon-separated file', () => {
    const result = resolveCsvHeader(['id;username;email'], asConfigured);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toMatch(/must be comma-separated/);
  });

  it('refuses a column named twice', () => {
    const result = resolveCsvHeader(['id', 'email', 'E-mail'], asConfigured);
    expect(!result.ok && result.problem).toBe('the header names column "E-mail" twice (also "email")');
  });
});

describe('parseEnabledFlag', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['yes', true],
    ['1', true],
    ['', true],
    [' false ', false],
    ['No', false],
    ['0', false],
    ['maybe', null],
    ['2', null],
  ])('%j → %s', (text, value) => {
    expect(parseEnabledFlag(text)).toBe(value);
  });
});

describe('mapCsvRow', () => {
  const full = header(['id', 'username', 'email', 'displayName', 'enabled', 'createdAt', 'groups', 'department']);
  const context = { line: 7, groupsOfInterest: ['partners'], maxFieldBytes: 40 };

  it('maps every column, splitting and normalizing groups', () => {
    const groups = 'Staff; CN=Partners, OU=Groups ;';
    const row = ['e-17', ' jdoe ', 'jane.doe@example.test', 'Doe, Jane', 'no', '2024-05-06T07:08:09Z', groups, 'Finance'];
    expect(mapCsvRow(full, row, context)).toEqual({
      kind: 'user',
      user: {
        externalId: 'e-17',
        username: 'jdoe',
        email: 'jane.doe@example.test',
        displayName: 'Doe, Jane',
        dn: null,
        enabled: false,
        createdAt: new Date('2024-05-06T07:08:09Z'),
        groups: ['staff', 'cn=partners,ou=groups', 'partners'],
        attributes: { department: ['Finance'] },
      },
    });
  });

  it('falls back to the email, then the id, when the username is empty', () => {
    const byEmail = mapCsvRow(full, ['e-1', '', 'a@example.test', '', '', '', '', ''], context);
    const byId = mapCsvRow(full, ['e-2', '', '', '', '', '', '', ''], context);
    expect(byEmail.kind === 'user' && byEmail.user.username).toBe('a@example.test');
    expect(byId.kind === 'user' && byId.user.username).toBe('e-2');
    expect(byId.kind === 'user' && byId.user).toMatchObject({
      email: null,
      displayName: null,
      enabled: true,
      createdAt: null,
      groups: [],
      attributes: {},
    });
  });

  it('skips a row with fewer fields than the header, keeping the id of its first field', () => {
    // Read with defaults, the missing `enabled` would silently become true.
    expect(mapCsvRow(full, ['e-3', 'short'], context)).toEqual({
      kind: 'skipped', entry: 'line 7', externalId: 'e-3', reason: 'the row has 2 fields, the header 8 (a missing comma, or a line cut short?)',
    });
  });

  it('accepts a row without the unnamed columns a trailing comma of the header adds', () => {
    const trailing = header(['id', 'username', '']);
    expect(mapCsvRow(trailing, ['e-3', 'short'], context).kind).toBe('user');
  });

  it('skips a row with a field over the limit, naming its column and keeping the id', () => {
    const row = ['e-8', 'x', '', 'é'.repeat(21), '', '', '', ''];
    expect(mapCsvRow(full, row, context)).toEqual({
      kind: 'skipped', entry: 'line 7', attribute: 'displayName', externalId: 'e-8', reason: 'the value is longer than 40 bytes',
    });
    expect(mapCsvRow(full, ['e-9', 'x', '', 'é'.repeat(20), '', '', '', ''], context).kind).toBe('user');
  });

  it.each([
    [['e-4', 'x', '', '', 'maybe', '', '', ''], 'enabled', 'enabled must be true/false, yes/no or 1/0, got "maybe"'],
    [['e-5', 'x', '', '', '', '2024-02-30', '', ''], 'createdAt', 'createdAt is not an ISO 8601 date or date-time: "2024-02-30"'],
  ])('skips %j naming line and column %s, with the id its account is kept by', (row, attribute, reason) => {
    expect(mapCsvRow(full, row, context)).toEqual({ kind: 'skipped', entry: 'line 7', attribute, reason, externalId: row[0] });
  });

  it('skips a row without an id, reporting no id', () => {
    expect(mapCsvRow(full, ['', 'x', '', '', '', '', '', ''], context)).toEqual({ kind: 'skipped', entry: 'line 7', attribute: 'id', reason: 'the id is empty' });
  });

  it('skips a row with more non-empty fields than the header', () => {
    const item = mapCsvRow(full, ['e-6', 'x', '', 'Doe', ' Jane', '', '', '', 'extra'], context);
    expect(item).toEqual({ kind: 'skipped', entry: 'line 7', externalId: 'e-6', reason: 'the row has 9 fields, the header 8 (an unquoted comma?)' });
  });

  it('accepts extra fields that are empty', () => {
    expect(mapCsvRow(full, ['e-7', 'x', '', '', '', '', '', '', '', ''], context).kind).toBe('user');
  });
});
