// The content-sync (RFC 4533) messages, encoded and decoded: the request control seatsync sends and the
// server's sync state, sync info and sync done values (some as slapd 2.5 sent them).
import { BerWriter } from 'ldapts';
import { describe, expect, it } from 'vitest';

import { readSyncDone, readSyncInfo, readSyncState, SyncRequestControl, uuidText } from '../../../../src/sources/ldap/content-sync.ts';
import { deletionMechanism } from '../../../../src/sources/ldap/scope-exits.ts';
import { BerCursor, readControls, TAG } from '../../../../src/sources/ldap/search-response.ts';
import { FLAVOR_DEFAULTS } from '../../../../src/sources/ldap/config.ts';

const UUID = Buffer.from('064b21e4863b10419f469f35685a5bff', 'hex');
const OTHER = Buffer.from('064b223e863b10419f479f35685a5bff', 'hex');
const COOKIE = Buffer.from('rid=000,csn=20261207033542.819156Z#000000#000#000000');

function sequence(tag: number, write: (writer: BerWriter) => void): Buffer {
  const writer = new BerWriter();
  writer.startSequence(tag);
  write(writer);
  writer.endSequence();
  return writer.buffer;
}

describe('SyncRequestControl', () => {
  it('asks for a critical refreshOnly refresh, from a cookie when there is one', () => {
    const encode = (cookie: Buffer | null): Buffer => {
      const writer = new BerWriter();
      writer.startSequence(TAG.controls);
      new SyncRequestControl(cookie).write(writer);
      writer.endSequence();
      const bytes = writer.buffer;
      const cursor = new BerCursor(bytes);
      const [control] = readControls(cursor, cursor.enter(TAG.controls, bytes.length).end);
      expect(control?.oid).toBe('1.3.6.1.4.1.4203.1.9.1.1');
      expect(bytes.includes(Buffer.from([TAG.boolean, 1, 0xff]))).toBe(true);
      return control?.value ?? Buffer.alloc(0);
    };
    const refreshOnly = (cookie: Buffer | null) =>
      sequence(TAG.sequence, (w) => {
        w.writeEnumeration(1);
        if (cookie !== null) w.writeBuffer(cookie, TAG.octetString);
      });
    expect(encode(COOKIE)).toEqual(refreshOnly(COOKIE));
    expect(encode(null)).toEqual(refreshOnly(null));
    expect(encode(null)).toEqual(Buffer.from([TAG.sequence, 3, TAG.enumerated, 1, 1]));
  });
});

describe('readSyncState', () => {
  it('reads the state and the entryUUID as slapd sends them', () => {
    expect(readSyncState(Buffer.from('MBUKAQEEEAZLIeSGOxBBn0afNWhaW/8=', 'base64'))).toEqual({ state: 1, uuid: '064b21e4-863b-1041-9f46-9f35685a5bff', cookie: null });
  });

  it('reads a delete state with a cookie', () => {
    const value = sequence(TAG.sequence, (w) => {
      w.writeEnumeration(3);
      w.writeBuffer(UUID, TAG.octetString);
      w.writeBuffer(COOKIE, TAG.octetString);
    });
    expect(readSyncState(value)).toEqual({ state: 3, uuid: uuidText(UUID), cookie: COOKIE });
  });
});

describe('readSyncInfo', () => {
  const idSet = (deletes: boolean | null, uuids: Buffer[]): Buffer =>
    sequence(0xa3, (w) => {
      w.writeBuffer(COOKIE, TAG.octetString);
      if (deletes !== null) w.writeBoolean(deletes);
      w.startSequence(TAG.set);
      for (const uuid of uuids) w.writeBuffer(uuid, TAG.octetString);
      w.endSequence();
    });

  it('reads a syncIdSet with refreshDeletes as the ids gone', () => {
    expect(readSyncInfo(idSet(true, [UUID, OTHER]))).toEqual({ kind: 'deletes', cookie: COOKIE, departed: [uuidText(UUID), uuidText(OTHER)] });
  });

  it('reads a syncIdSet without refreshDeletes (the ids still present) and refreshPresent as a present phase', () => {
    expect(readSyncInfo(idSet(null, [UUID]))).toEqual({ kind: 'present', cookie: COOKIE, departed: [] });
    expect(readSyncInfo(idSet(false, [UUID]))).toMatchObject({ kind: 'present' });
    expect(readSyncInfo(sequence(0xa2, () => undefined))).toEqual({ kind: 'present', cookie: null, departed: [] });
  });

  it('reads a new cookie and a refreshDelete', () => {
    const newCookie = Buffer.concat([Buffer.from([0x80, COOKIE.length]), COOKIE]);
    expect(readSyncInfo(newCookie)).toEqual({ kind: 'cookie', cookie: COOKIE, departed: [] });
    expect(readSyncInfo(sequence(0xa1, (w) => w.writeBuffer(COOKIE, TAG.octetString)))).toEqual({ kind: 'deletes', cookie: COOKIE, departed: [] });
  });
});

describe('readSyncDone', () => {
  const done = (value: Buffer | null) => readSyncDone([{ oid: '1.2.3', value: Buffer.from('x') }, { oid: '1.3.6.1.4.1.4203.1.9.1.3', value }]);

  it('reads the cookie and refreshDeletes as slapd sends them', () => {
    const value = Buffer.from('MDkENHJpZD0wMDAsY3NuPTIwMjYxMjA3MDMzNTQyLjgxOTE1NlojMDAwMDAwIzAwMCMwMDAwMDABAf8=', 'base64');
    expect(done(value)).toEqual({ cookie: COOKIE, refreshDeletes: true });
  });

  it('reads refreshDeletes as FALSE when absent (a present phase), and no control as null', () => {
    expect(done(sequence(TAG.sequence, (w) => w.writeBuffer(COOKIE, TAG.octetString)))).toEqual({ cookie: COOKIE, refreshDeletes: false });
    expect(done(sequence(TAG.sequence, () => undefined))).toEqual({ cookie: null, refreshDeletes: false });
    expect(readSyncDone([])).toBeNull();
  });
});

describe('uuidText', () => {
  it("writes a sync UUID as entryUUID's lowercase text and refuses other lengths", () => {
    expect(uuidText(UUID)).toBe('064b21e4-863b-1041-9f46-9f35685a5bff');
    expect(() => uuidText(Buffer.alloc(15))).toThrow(/15 bytes/);
  });
});

describe('deletionMechanism', () => {
  const openldap = (id: string) => ({ flavor: 'openldap' as const, attributes: { ...FLAVOR_DEFAULTS.openldap.attributes, id } });

  it('uses content sync where the root DSE offers it and the id is the entryUUID that names entries gone', () => {
    expect(deletionMechanism(openldap('entryUUID'), { contentSync: true })).toBe('content-sync');
    expect(deletionMechanism(openldap('entryuuid'), { contentSync: true })).toBe('content-sync');
  });

  it('lists the ids in scope without it, or with another id attribute; reads tombstones on Active Directory', () => {
    expect(deletionMechanism(openldap('entryUUID'), { contentSync: false })).toBe('id-listing');
    expect(deletionMechanism(openldap('uid'), { contentSync: true })).toBe('id-listing');
    expect(deletionMechanism({ flavor: 'active-directory', attributes: FLAVOR_DEFAULTS['active-directory'].attributes }, { contentSync: true })).toBe('tombstones');
  });
});
