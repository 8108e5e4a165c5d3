// Values a directory can hold but the store cannot: PostgreSQL's text and jsonb refuse the NUL character
// (U+0000, "invalid byte sequence for encoding UTF8: 0x00"). One such value in one entry must not fail the
// whole read, so the entry is reported as skipped (naming the attribute) and its account kept as it was.
import type { DirectoryUser } from '../domain/types.ts';

const NUL = '\u0000';

/** The first field of a user the store cannot hold, and why; null when every value is usable. */
export function unusableValue(user: DirectoryUser): { readonly attribute: string; readonly reason: string } | null {
  // Called for every user of every read: plain loops, nothing allocated unless a NUL is found.
  for (const attribute of TEXT_FIELDS) if (user[attribute]?.includes(NUL) === true) return nulIn(attribute);
  for (const group of user.groups) if (group.includes(NUL)) return nulIn('groups');
  for (const attribute in user.attributes) {
    if (attribute.includes(NUL)) return nulIn(attribute.replaceAll(NUL, '\\0'));
    for (const value of user.attributes[attribute] ?? []) if (value.includes(NUL)) return nulIn(attribute);
  }
  return null;
}

const TEXT_FIELDS = ['username', 'email', 'displayName', 'dn'] as const satisfies readonly (keyof DirectoryUser)[];

function nulIn(attribute: string): { attribute: string; reason: string } {
  return { attribute, reason: 'the value contains a NUL character (U+0000), which the database cannot store' };
}

/** Text for a report or a log stored as jsonb: NUL shown as `\0`. */
export function printable(text: string): string {
  return text.includes(NUL) ? text.replaceAll(NUL, '\\0') : text;
}

/** Whether an id can be stored at all (an id with a NUL is as good as unreadable). */
export function usableId(externalId: string | undefined): externalId is string {
  return externalId !== undefined && externalId !== '' && !externalId.includes(NUL);
}
