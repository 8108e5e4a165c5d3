// Transitive group membership from Graph: one paged listing of member ids per group
// (`/groups/{id}/transitiveMembers/microsoft.graph.user`), never one request per user.
import { createHash } from 'node:crypto';
import type { GraphApi } from './graph-api.ts';
import { streamPages } from './page-stream.ts';

/** Ids of a group's transitive user members. */
export async function loadMemberIds(api: GraphApi, groupId: string, onError: (error: unknown) => never): Promise<Set<string>> {
  const ids = new Set<string>();
  const url = `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`;
  for await (const page of streamPages(api, url, onError)) {
    for (const member of page.value) if (typeof member.id === 'string') ids.add(member.id.toLowerCase());
  }
  return ids;
}

/**
 * Two 32-bit FNV-1a style lanes with different offsets and multipliers, each finished with an xorshift
 * multiply: a fast 64-bit hash of an id. Not cryptographic: it only has to notice membership changes.
 */
function hashId(id: string): readonly [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < id.length; i += 1) {
    const c = id.charCodeAt(i) | 0x20; // ASCII case folded: ids compare case-insensitively
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  a = Math.imul(a ^ (a >>> 15), 0x2c1b3c6d);
  b = Math.imul(b ^ (b >>> 13), 0x297a2d39);
  return [(a ^ (a >>> 16)) >>> 0, (b ^ (b >>> 16)) >>> 0];
}

/**
 * An order-independent fingerprint of a set of ids (count and the sums of their hashes), so that a stored
 * cursor can tell whether a group's membership changed without storing the membership itself.
 */
export class MembershipDigest {
  private sumA = 0;
  private sumB = 0;
  private count = 0;

  add(id: string): void {
    const [a, b] = hashId(id);
    this.sumA = (this.sumA + a) >>> 0;
    this.sumB = (this.sumB + b) >>> 0;
    this.count += 1;
  }

  value(): string {
    return `${this.count}:${this.sumA.toString(16)}:${this.sumB.toString(16)}`;
  }

  static of(ids: Iterable<string>): string {
    const digest = new MembershipDigest();
    for (const id of ids) digest.add(id);
    return digest.value();
  }
}

/** One string for the cursor: each group's digest under its role. */
export function combineDigests(parts: ReadonlyMap<string, string>): string {
  const text = [...parts].sort(([a], [b]) => a.localeCompare(b)).map(([key, digest]) => `${key}=${digest}`).join(';');
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** The groups of interest (by id) a user is a member of. */
export function groupsOf(userId: string, interest: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const groups: string[] = [];
  for (const [groupId, members] of interest) if (members.has(userId)) groups.push(groupId);
  return groups;
}
