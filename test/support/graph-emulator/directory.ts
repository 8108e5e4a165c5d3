// The emulator's in-memory tenant: users, groups (nested), and the change history that delta queries read.
// Every change takes a new version number; a delta token is "everything after version N".
import { randomUUID } from 'node:crypto';

export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

export interface UserInit {
  readonly id?: string;
  readonly userPrincipalName: string;
  readonly [property: string]: Json | undefined;
}

interface UserRecord {
  readonly id: string;
  readonly props: Record<string, Json>;
  /** Version of the last change per property; a property never set has no entry (delta omits it). */
  readonly propVersion: Map<string, number>;
  readonly createdVersion: number;
}

export interface Removal {
  readonly id: string;
  readonly version: number;
  /** Graph: `changed` = soft-deleted (restorable), `deleted` = gone for good. */
  readonly reason: 'changed' | 'deleted';
}

interface GroupRecord {
  readonly id: string;
  displayName: string;
  readonly members: Set<string>;
}

export type DeltaEntry = { readonly kind: 'user'; readonly id: string } | { readonly kind: 'removed'; readonly removal: Removal };

export class GraphDirectory {
  private version = 0;
  private readonly users = new Map<string, UserRecord>();
  private readonly upnIndex = new Map<string, string>();
  private readonly removals = new Map<string, Removal>();
  private readonly groups = new Map<string, GroupRecord>();
  private orderCache: string[] | null = null;

  get currentVersion(): number {
    return this.version;
  }

  addUser(init: UserInit): string {
    const id = (init.id ?? randomUUID()).toLowerCase();
    if (this.users.has(id)) throw new Error(`user ${id} exists`);
    const version = ++this.version;
    const props: Record<string, Json> = {
      accountEnabled: true,
      createdDateTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    const propVersion = new Map<string, number>();
    for (const [key, value] of Object.entries({ ...init, id })) {
      if (value !== undefined) props[key] = value;
    }
    for (const [key, value] of Object.entries(props)) if (value !== null) propVersion.set(key, version);
    this.users.set(id, { id, props, propVersion, createdVersion: version });
    this.upnIndex.set(String(init.userPrincipalName).toLowerCase(), id);
    this.removals.delete(id);
    this.orderCache = null;
    return id;
  }

  /** Adds `count` users built by `make(i)`; for large test tenants. */
  addUsers(count: number, make: (index: number) => UserInit): string[] {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) ids.push(this.addUser(make(i)));
    return ids;
  }

  updateUser(idOrUpn: string, patch: Readonly<Record<string, Json>>): void {
    const user = this.requireUser(idOrUpn);
    const version = ++this.version;
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'id') throw new Error('id cannot change');
      if (key === 'userPrincipalName') {
        this.upnIndex.delete(String(user.props.userPrincipalName).toLowerCase());
        this.upnIndex.set(String(value).toLowerCase(), user.id);
      }
      user.props[key] = value;
      user.propVersion.set(key, version);
    }
  }

  disableUser(idOrUpn: string): void {
    this.updateUser(idOrUpn, { accountEnabled: false });
  }

  /** Deletes a user (soft by default, as the Entra portal does) and drops it from every group. */
  deleteUser(idOrUpn: string, options: { permanent?: boolean } = {}): void {
    const user = this.requireUser(idOrUpn);
    this.users.delete(user.id);
    this.upnIndex.delete(String(user.props.userPrincipalName).toLowerCase());
    for (const group of this.groups.values()) group.members.delete(user.id);
    this.removals.set(user.id, { id: user.id, version: ++this.version, reason: options.permanent ? 'deleted' : 'changed' });
    this.orderCache = null;
  }

  findUser(idOrUpn: string): Readonly<Record<string, Json>> | null {
    return this.lookup(idOrUpn)?.props ?? null;
  }

  /** The properties of a user that were ever set (what a delta response may include). */
  setProperties(id: string): ReadonlySet<string> {
    return new Set(this.users.get(id)?.propVersion.keys() ?? []);
  }

  userIds(): readonly string[] {
    this.orderCache ??= [...this.users.keys()];
    return this.orderCache;
  }

  get userCount(): number {
    return this.users.size;
  }

  addGroup(init: { id?: string; displayName: string; members?: readonly string[] }): string {
    const id = (init.id ?? randomUUID()).toLowerCase();
    this.groups.set(id, { id, displayName: init.displayName, members: new Set((init.members ?? []).map((member) => member.toLowerCase())) });
    return id;
  }

  group(id: string): { readonly id: string; readonly displayName: string } | null {
    const group = this.groups.get(id.toLowerCase());
    return group ? { id: group.id, displayName: group.displayName } : null;
  }

  /** `memberId` is a user (id or UPN) or a group id (nesting). */
  addMember(groupId: string, memberId: string): void {
    this.requireGroup(groupId).members.add(this.memberKey(memberId));
  }

  removeMember(groupId: string, memberId: string): void {
    this.requireGroup(groupId).members.delete(this.memberKey(memberId));
  }

  directMembers(groupId: string): readonly string[] {
    return [...(this.groups.get(groupId.toLowerCase())?.members ?? [])];
  }

  deleteGroup(groupId: string): void {
    const id = groupId.toLowerCase();
    this.groups.delete(id);
    for (const group of this.groups.values()) group.members.delete(id);
  }

  /** Users reached through the group and its nested groups, each once (cycles are harmless). */
  transitiveUserIds(groupId: string): string[] {
    const users = new Set<string>();
    const start = groupId.toLowerCase();
    const seen = new Set<string>([start]);
    const queue = [start];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      for (const member of this.groups.get(next)?.members ?? []) {
        if (this.users.has(member)) users.add(member);
        else if (this.groups.has(member) && !seen.has(member)) {
          seen.add(member);
          queue.push(member);
        }
      }
    }
    return [...users];
  }

  /** Users changed (in a property of `select`) or created, and removals, in versions (since, upto]. */
  changesBetween(since: number, upto: number, select: readonly string[]): DeltaEntry[] {
    const entries: DeltaEntry[] = [];
    for (const user of this.users.values()) {
      const created = user.createdVersion > since && user.createdVersion <= upto;
      const changed = select.some((prop) => {
        const at = user.propVersion.get(prop);
        return at !== undefined && at > since && at <= upto;
      });
      if (created || changed) entries.push({ kind: 'user', id: user.id });
    }
    for (const removal of this.removals.values()) {
      if (removal.version > since && removal.version <= upto) entries.push({ kind: 'removed', removal });
    }
    return entries;
  }

  private lookup(idOrUpn: string): UserRecord | undefined {
    const key = idOrUpn.toLowerCase();
    return this.users.get(key) ?? this.users.get(this.upnIndex.get(key) ?? '');
  }

  private requireUser(idOrUpn: string): UserRecord {
    const user = this.lookup(idOrUpn);
    if (!user) throw new Error(`no user ${idOrUpn}`);
    return user;
  }

  private requireGroup(id: string): GroupRecord {
    const group = this.groups.get(id.toLowerCase());
    if (!group) throw new Error(`no group ${id}`);
    return group;
  }

  private memberKey(memberId: string): string {
    if (this.groups.has(memberId.toLowerCase())) return memberId.toLowerCase();
    return this.requireUser(memberId).id;
  }
}
