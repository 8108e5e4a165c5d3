import { describe, expect, it } from 'vitest';

import { guidFromBytes, guidToBytes, isBinaryGuidAttribute } from '../../../../src/sources/directory-values.ts';

describe('objectGUID', () => {
  // MS-DTYP 2.3.4.2: Data1, Data2, Data3 little-endian; Data4 in wire order.
  const wire = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

  it('shows the first three groups little-endian, as AD tools do', () => {
    expect(guidFromBytes(wire)).toBe('33221100-5544-7766-8899-aabbccddeeff');
  });

  it('round-trips through guidToBytes', () => {
    expect(Buffer.from(guidToBytes('33221100-5544-7766-8899-AABBCCDDEEFF') ?? []).equals(wire)).toBe(true);
    expect(Buffer.from(guidToBytes('{33221100-5544-7766-8899-aabbccddeeff}') ?? []).equals(wire)).toBe(true);
  });

  it('rejects values that are not 16 bytes', () => {
    expect(guidFromBytes(Buffer.alloc(15))).toBeNull();
    expect(guidFromBytes(Buffer.alloc(17))).toBeNull();
    expect(guidToBytes('not-a-guid')).toBeNull();
  });

  it('knows which attributes hold binary GUIDs', () => {
    expect(isBinaryGuidAttribute('objectGUID')).toBe(true);
    expect(isBinaryGuidAttribute('OBJECTGUID')).toBe(true);
    expect(isBinaryGuidAttribute('mS-DS-ConsistencyGuid')).toBe(true);
    expect(isBinaryGuidAttribute('entryUUID')).toBe(false);
  });
});
