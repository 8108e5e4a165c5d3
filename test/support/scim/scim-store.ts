// The in-memory data of a test SCIM application: users and groups as scimmy hands them over, with
// userName uniqueness (409) as a real application enforces it, and each user's `groups` computed.
import { randomUUID } from 'node:crypto';
import SCIMMY from 'scimmy';

export interface StoredUser {
  id: string;
  userName: string;
  externalId?: string;
  displayName?: string;
  name?: Record<string, unknown>;
  emails?: Record<string, unknown>[];
  active: boolean;
  created: string;
}

export interface StoredGroup {
  id: string;
  displayName: string;
  members: string[];
  created: string;
}

export class ScimStore {
  readonly users = new Map<string, StoredUser>();
  readonly groups = new Map<string, StoredGroup>();

  userOut(user: StoredUser): Record<string, unknown> {
    const groups = [...this.groups.values()].filter((g) => g.members.includes(user.id)).map((g) => ({ value: g.id, display: g.displayName, type: 'direct' }));
    return { ...user, groups, meta: { resourceType: 'User', created: user.created, lastModified: user.created } };
  }

  groupOut(group: StoredGroup): Record<string, unknown> {
    return {
      id: group.id, displayName: group.displayName,
      members: group.members.map((id) => ({ value: id, display: this.users.get(id)?.userName, type: 'User' })),
      meta: { resourceType: 'Group', created: group.created, lastModified: group.created },
    };
  }

  writeUser(id: string | undefined, data: Record<string, unknown>): StoredUser {
    const userName = String(data.userName);
    const clash = [...this.users.values()].find((u) => u.userName.toLowerCase() === userName.toLowerCase() && u.id !== id);
    if (clash) throw new SCIMMY.Types.Error(409, 'uniqueness', `userName ${userName} is taken`);
    const existing = id === undefined ? undefined : this.users.get(id);
    if (id !== undefined && existing === undefined) throw new SCIMMY.Types.Error(404, '', `Resource ${id} not found`);
    const user: StoredUser = {
      id: existing?.id ?? randomUUID(),
      userName,
      active: data.active !== false,
      created: existing?.created ?? new Date().toISOString(),
      ...(typeof data.externalId === 'string' ? { externalId: data.externalId } : {}),
      ...(typeof data.displayName === 'string' ? { displayName: data.displayName } : {}),
      ...(data.name && typeof data.name === 'object' ? { name: { ...(data.name as Record<string, unknown>) } } : {}),
      ...(Array.isArray(data.emails) ? { emails: (data.emails as Record<string, unknown>[]).map((e) => ({ ...e })) } : {}),
    };
    this.users.set(user.id, user);
    return user;
  }

  writeGroup(id: string | undefined, data: Record<string, unknown>): StoredGroup {
    const displayName = String(data.displayName);
    const clash = [...this.groups.values()].find((g) => g.displayName === displayName && g.id !== id);
    if (clash) throw new SCIMMY.Types.Error(409, 'uniqueness', `group ${displayName} exists`);
    const existing = id === undefined ? undefined : this.groups.get(id);
    if (id !== undefined && existing === undefined) throw new SCIMMY.Types.Error(404, '', `Resource ${id} not found`);
    const members = Array.isArray(data.members) ? (data.members as { value?: unknown }[]).flatMap((m) => (typeof m.value === 'string' ? [m.value] : [])) : [];
    const group: StoredGroup = { id: existing?.id ?? randomUUID(), displayName, members: [...new Set(members)], created: existing?.created ?? new Date().toISOString() };
    this.groups.set(group.id, group);
    return group;
  }

  deleteUser(id: string): void {
    if (!this.users.delete(id)) throw new SCIMMY.Types.Error(404, '', `Resource ${id} not found`);
    for (const group of this.groups.values()) group.members = group.members.filter((m) => m !== id);
  }

  /** Users by externalId (tests read the application's view with it). */
  byExternalId(externalId: string): StoredUser | undefined {
    return [...this.users.values()].find((u) => u.externalId === externalId);
  }

  /** Member userNames of the group named `displayName`, sorted. */
  membersOf(displayName: string): string[] {
    const group = [...this.groups.values()].find((g) => g.displayName === displayName);
    return (group?.members ?? []).map((id) => this.users.get(id)?.userName ?? `?${id}`).sort();
  }
}
