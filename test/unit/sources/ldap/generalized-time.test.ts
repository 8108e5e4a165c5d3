import { describe, expect, it } from 'vitest';

import { formatGeneralizedTime, parseGeneralizedTime } from '../../../../src/sources/directory-values.ts';

describe('GeneralizedTime', () => {
  it.each([
    ['20240102030405Z', '2024-01-02T03:04:05.000Z'], // OpenLDAP
    ['20240102030405.0Z', '2024-01-02T03:04:05.000Z'], // Active Directory
    ['20240102030405.25Z', '2024-01-02T03:04:05.250Z'],
    ['20240102030405,5Z', '2024-01-02T03:04:05.500Z'],
    ['202401020304Z', '2024-01-02T03:04:00.000Z'],
    ['2024010203Z', '2024-01-02T03:00:00.000Z'],
    ['20240102030405+0200', '2024-01-02T01:04:05.000Z'],
    ['20240102030405-0130', '2024-01-02T04:34:05.000Z'],
  ])('parses %s', (text, iso) => {
    expect(parseGeneralizedTime(text)?.toISOString()).toBe(iso);
  });

  it('reads a value without a zone as UTC (directories write one; local time would depend on the host)', () => {
    expect(parseGeneralizedTime('20240102030405')?.toISOString()).toBe('2024-01-02T03:04:05.000Z');
  });

  it.each(['', 'yesterday', '2024-01-02T03:04:05Z', '20241302030405Z', '20240100030405Z', '20240230120000Z', '20240102250000Z'])(
    'rejects %j',
    (text) => {
      expect(parseGeneralizedTime(text)).toBeNull();
    },
  );

  it('formats in UTC with whole seconds, rounding down', () => {
    expect(formatGeneralizedTime(new Date('2024-01-02T03:04:05.999Z'))).toBe('20240102030405Z');
    expect(formatGeneralizedTime(new Date('0999-12-31T23:59:59Z'))).toBe('09991231235959Z');
  });
});
