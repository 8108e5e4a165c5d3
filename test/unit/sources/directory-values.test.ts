import { describe, expect, it } from 'vitest';
import {
  canonicalGuid,
  guidFromBytes,
  guidToBytes,
  isBinaryGuidAttribute,
  isDisabledByUserAccountControl,
  parseGeneralizedTime,
} from '../../../src/sources/directory-values.ts';

// The GUID {00112233-4455-6677-8899-aabbccddeeff} as AD stores it: first three groups little-endian.
const STORED = Uint8Array.from([0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);

describe('guidFromBytes', () => {
  it('reads AD byte order into the canonical lowercase form', () => {
    expect(guidFromBytes(STORED)).toBe('00112233-4455-6677-8899-aabbccddeeff');
  });

  it('refuses values that are not 16 bytes', () => {
    expect(guidFromBytes(new Uint8Array(15))).toBeNull();
    expect(guidFromBytes(new Uint8Array(17))).toBeNull();
  });
});

describe('guidToBytes', () => {
  it('is the inverse of guidFromBytes, braces and case ignored', () => {
    expect(guidToBytes('{00112233-4455-6677-8899-AABBCCDDEEFF}')).toEqual(STORED);
    const random = Uint8Array.from({ length: 16 }, (_, index) => (index * 37 + 11) % 256);
    expect(guidToBytes(guidFromBytes(random) ?? '')).toEqual(random);
  });

  it('returns null for text that is not a GUID', () => {
    expect(guidToBytes('00112233-4455-6677-8899')).toBeNull();
  });
});

describe('isBinaryGuidAttribute', () => {
  it('knows which attributes hold binary GUIDs, whatever their case', () => {
    expect(isBinaryGuidAttribute('objectGUID')).toBe(true);
    expect(isBinaryGuidAttribute('OBJECTGUID')).toBe(true);
    expect(isBinaryGuidAttribute('mS-DS-ConsistencyGuid')).toBe(true);
    expect(isBinaryGuidAttribute('entryUUID')).toBe(false);
  });
});

describe('canonicalGuid', () => {
  it('lowercases and drops braces', () => {
    expect(canonicalGuid(' {6F1E3C2A-0000-4000-8000-00000000000A} ')).toBe('6f1e3c2a-0000-4000-8000-00000000000a');
    expect(canonicalGuid('not-a-guid')).toBeNull();
  });
});

describe('parseGeneralizedTime', () => {
  it.each([
    ['20240101120000Z', '2024-01-01T12:00:00.000Z'], // OpenLDAP createTimestamp
    ['20240101120000.0Z', '2024-01-01T12:00:00.000Z'], // AD whenCreated
    ['20240101120000.25Z', '2024-01-01T12:00:00.250Z'],
    ['20240101120000,5Z', '2024-01-01T12:00:00.500Z'],
    ['202401011230Z', '2024-01-01T12:30:00.000Z'],
    ['2024010112Z', '2024-01-01T12:00:00.000Z'],
    ['20240101120000+0130', '2024-01-01T10:30:00.000Z'],
    ['20240101120000-05', '2024-01-01T17:00:00.000Z'],
    ['20240101120000', '2024-01-01T12:00:00.000Z'], // no zone: read as UTC
    ['20240229235959Z', '2024-02-29T23:59:59.000Z'],
    ['00990101000000Z', '0099-01-01T00:00:00.000Z'], // a year below 100 is that year, not 19xx
  ])('%s → %s', (text, iso) => {
    expect(parseGeneralizedTime(text)?.toISOString()).toBe(iso);
  });

  it.each(['', 'yesterday', '2024-01-01T12:00:00Z', '20230229120000Z', '20241301120000Z', '20240101250000Z', '20240101120000Q', '20240101120000+2400'])(
    'rejects %j',
    (text) => {
      expect(parseGeneralizedTime(text)).toBeNull();
    },
  );
});

describe('isDisabledByUserAccountControl', () => {
  it.each([
    ['512', false], // NORMAL_ACCOUNT
    ['514', true], // NORMAL_ACCOUNT | ACCOUNTDISABLE
    ['66048', false], // NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD
    ['66050', true],
    ['-2147483134', true], // printed as signed 32-bit with the disable bit
    [' 2 ', true],
  ])('%s → disabled %s', (value, disabled) => {
    expect(isDisabledByUserAccountControl(value)).toBe(disabled);
  });

  it('returns null for a value that is not an integer', () => {
    expect(isDisabledByUserAccountControl('0x202')).toBeNull();
    expect(isDisabledByUserAccountControl('')).toBeNull();
  });
});
