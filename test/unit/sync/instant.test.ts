// Dates people type for `audit --since` and `GET /api/v1/audit?since=`: ISO 8601 of years 0001–9999
// only, so every accepted value fits PostgreSQL's timestamptz.
import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../../src/sync/instant.ts';

describe('parseInstant', () => {
  it.each([
    ['2026-01-31', '2026-01-31T00:00:00.000Z'],
    ['2026-01-31T12:00:00Z', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31T12:00Z', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31 12:00:00.5+02:00', '2026-01-31T10:00:00.500Z'],
    ['0001-01-01', '0001-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59Z', '9999-12-31T23:59:59.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseInstant(text)?.toISOString()).toBe(iso);
  });

  it.each(['99999-01-01', '+275760-09-13', '-000001-01-01', '2026-13-01', '2026-01-32', 'yesterday', '1700000000', '', '2026-01-31T25:00Z', '2026-01-31\u0000'])(
    'refuses %j',
    (text) => {
      expect(parseInstant(text)).toBeNull();
    },
  );
});
