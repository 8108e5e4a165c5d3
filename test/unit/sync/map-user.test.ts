// mapUser's data hash must stay what earlier versions stored (SHA-1 of the JSON array of the stored
// fields): a different hash for the same data would make the next resync rewrite every account.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DirectoryUser, MatchRule, Profile } from '../../../src/domain/types.ts';
import { mapUser } from '../../../src/sync/map-user.ts';

const rules: { profiles: Profile[]; protect: MatchRule } = {
  profiles: [
    { name: 'partner', when: { memberOf: ['partners'] }, pools: ['extranet'] },
    { name: 'staff', pools: ['primary'] },
  ],
  protect: { attribute: { title: ['boss'] } },
};

/** The attributes as the first version stored them: those with values, keys sorted. */
function storedAttributes(user: DirectoryUser): Record<string, readonly string[]> {
  // A null-prototype object, so that an attribute named `__proto__` is data like any other key.
  const attributes: Record<string, readonly string[]> = Object.create(null) as Record<string, readonly string[]>;
  for (const key of Object.keys(user.attributes).sort()) {
    const values = user.attributes[key];
    if (values && values.length > 0) attributes[key] = values;
  }
  return attributes;
}

/** The hash as the first version computed it, from the JSON of one array. */
function referenceHash(user: DirectoryUser, profile: string | null, policyProtected: boolean): string {
  const attributes = storedAttributes(user);
  const created = user.createdAt && !Number.isNaN(user.createdAt.getTime()) ? user.createdAt.toISOString() : null;
  const input = [user.username, user.email, user.displayName, user.dn, user.enabled, created, [...user.groups].sort(), attributes, profile, policyProtected];
  return createHash('sha1').update(JSON.stringify(input)).digest('base64url');
}

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const userArb: fc.Arbitrary<DirectoryUser> = fc.record({
  externalId: text,
  username: text,
  email: fc.option(text, { nil: null }),
  displayName: fc.option(text, { nil: null }),
  dn: fc.option(text, { nil: null }),
  enabled: fc.boolean(),
  createdAt: fc.option(fc.date({ min: new Date(Date.UTC(-10, 0, 1)), max: new Date(Date.UTC(10_500, 0, 1)) }), { nil: null }),
  groups: fc.array(fc.constantFrom('partners', 'zeta', 'alpha', 'b'), { maxLength: 4 }),
  attributes: fc.dictionary(fc.oneof(text, fc.constantFrom('title', 'employeeType', '1', '10')), fc.array(text, { maxLength: 3 }), { maxKeys: 4 }),
});

describe('mapUser', () => {
  it('hashes and stores the fields as the first version did', () => {
    fc.assert(
      fc.property(userArb, (user) => {
        const staged = mapUser(user, rules);
        expect(staged.dataHash).toBe(referenceHash(user, staged.profile, staged.policyProtected));
        const created = user.createdAt && !Number.isNaN(user.createdAt.getTime()) ? user.createdAt.toISOString() : null;
        expect(staged.directoryCreatedAt).toBe(created);
        // The queue key reads the instant in ms: the one the stored text gives.
        expect(staged.directoryCreatedMs).toBe(created === null ? null : Date.parse(created));
        // The JSON staging stores is the text the hash covers.
        expect(staged.groupsJson).toBe(JSON.stringify([...user.groups].sort()));
        expect(staged.attributesJson).toBe(JSON.stringify(storedAttributes(user)));
      }),
      {
        numRuns: 5000,
        // An attribute named like an Object.prototype member is data too (a CSV header can say anything).
        examples: [[{ externalId: 'p', username: '', email: null, displayName: null, dn: null, enabled: false, createdAt: null, groups: [], attributes: JSON.parse('{"__proto__":["x"],"constructor":["y"]}') as Record<string, string[]> }]],
      },
    );
  });

  it('stores groups sorted and only attributes that have values', () => {
    const staged = mapUser(
      { externalId: 'x', username: 'ann', email: null, displayName: null, dn: null, enabled: true, createdAt: null, groups: ['zeta', 'partners'], attributes: { title: ['boss'], empty: [] } },
      rules,
    );
    expect(staged).toMatchObject({ profile: 'partner', policyProtected: true, groupsJson: '["partners","zeta"]', attributesJson: '{"title":["boss"]}' });
  });
});
