import { describe, expect, it } from 'vitest';
import { LibraryChoiceError, librariesChosen, usesLibrary } from '../../../src/sources/library-choice.ts';

describe('SEATSYNC_USE_LIBRARY', () => {
  it('is empty when unset or blank', () => {
    expect([...librariesChosen({})]).toEqual([]);
    expect([...librariesChosen({ SEATSYNC_USE_LIBRARY: ' , ' })]).toEqual([]);
  });

  it('reads a comma list in any case, and `all`', () => {
    expect([...librariesChosen({ SEATSYNC_USE_LIBRARY: 'LDAP-Decoder, graph-early-link' })]).toEqual(['ldap-decoder', 'graph-early-link']);
    expect([...librariesChosen({ SEATSYNC_USE_LIBRARY: 'all' })]).toEqual(['ldap-decoder', 'graph-transport', 'graph-early-link']);
    expect(usesLibrary('graph-transport', { SEATSYNC_USE_LIBRARY: 'graph-transport' })).toBe(true);
    expect(usesLibrary('ldap-decoder', { SEATSYNC_USE_LIBRARY: 'graph-transport' })).toBe(false);
  });

  it('names an unknown word and the known ones', () => {
    const read = () => librariesChosen({ SEATSYNC_USE_LIBRARY: 'ldap-decoder,fetch' });
    expect(read).toThrow(LibraryChoiceError);
    expect(read).toThrow('SEATSYNC_USE_LIBRARY: unknown replacement "fetch"; known: ldap-decoder, graph-transport, graph-early-link, all');
  });
});
