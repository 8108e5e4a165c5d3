// The directory the Samba AD integration tests read, written over LDAPS as Administrator: 1,600 users
// (past AD's MaxPageSize of 1,000), two disabled; nested groups three levels deep with a cycle; a
// 1,600-member group (past MaxValRange, 1,500); a group whose name needs filter escaping; a scope
// group; a quiet OU for incremental reads.
import { Attribute, Change, type Client } from 'ldapts';

import { pad } from './ldap-test-kit.ts';

export const USER_COUNT = 1_650;
export const BIG_GROUP_SIZE = 1_600;
export const DELTA_COUNT = 20;
export const DISABLED = ['u0001', 'u0002'];
export const SPECIAL_GROUP = 'R&D (Team) *';

/** userAccountControl: NORMAL_ACCOUNT | PASSWD_NOTREQD, and the same with ACCOUNTDISABLE. */
const UAC_ENABLED = '544';
const UAC_DISABLED = '546';

export interface SambaLayout {
  readonly base: string;
  readonly people: string;
  readonly groups: string;
  readonly staff: string;
  readonly delta: string;
  userDn(cn: string, ou?: string): string;
  groupDn(cn: string): string;
}

export function sambaLayout(base: string): SambaLayout {
  const ou = (name: string): string => `OU=${name},${base}`;
  return {
    base,
    people: ou('People'),
    groups: ou('Groups'),
    staff: ou('Staff'),
    delta: ou('Delta'),
    userDn: (cn, where = ou('People')) => `CN=${cn},${where}`,
    groupDn: (cn) => `CN=${cn.replace(/[,\\#+<>;"=]/g, (c) => `\\${c}`)},${ou('Groups')}`,
  };
}

export function adUser(name: string, options: { disabled?: boolean } = {}): Record<string, string | string[]> {
  return {
    objectClass: ['top', 'person', 'organizationalPerson', 'user'],
    sAMAccountName: name,
    userPrincipalName: `${name}@seatsync.test`,
    mail: `${name}@seatsync.test`,
    displayName: `Person ${name}`,
    userAccountControl: options.disabled ? UAC_DISABLED : UAC_ENABLED,
  };
}

export async function addGroup(client: Client, dn: string, accountName: string, members: readonly string[]): Promise<void> {
  await client.add(dn, { objectClass: ['top', 'group'], sAMAccountName: accountName });
  if (members.length > 0) await addMembers(client, dn, members);
}

export async function addMembers(client: Client, groupDn: string, members: readonly string[]): Promise<void> {
  await client.modify(groupDn, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [...members] }) }));
}

/** Runs `task` for each item with a few requests in flight (one Samba process answers them in turn). */
export async function inParallel<T>(items: readonly T[], task: (item: T) => Promise<void>, concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export async function seedSamba(client: Client, layout: SambaLayout): Promise<void> {
  for (const ou of [layout.people, layout.groups, layout.staff, layout.delta]) {
    await client.add(ou, { objectClass: ['top', 'organizationalUnit'] });
  }
  const users = Array.from({ length: USER_COUNT }, (_, n) => `u${pad(n)}`);
  await inParallel(users, (name) => client.add(layout.userDn(name), adUser(name, { disabled: DISABLED.includes(name) })));
  const delta = Array.from({ length: DELTA_COUNT }, (_, n) => `d${pad(n, 3)}`);
  await inParallel(delta, (name) => client.add(layout.userDn(name, layout.delta), adUser(name)));

  // top ∋ mid ∋ leaf ∋ mid: three levels with a cycle between the last two.
  await addGroup(client, layout.groupDn('top'), 'grp-top', [layout.userDn('u0010')]);
  await addGroup(client, layout.groupDn('mid'), 'grp-mid', [layout.userDn('u0011')]);
  await addGroup(client, layout.groupDn('leaf'), 'grp-leaf', [layout.userDn('u0012'), layout.groupDn('mid')]);
  await addMembers(client, layout.groupDn('top'), [layout.groupDn('mid')]);
  await addMembers(client, layout.groupDn('mid'), [layout.groupDn('leaf')]);
  await addGroup(client, layout.groupDn('big'), 'grp-big', users.slice(0, BIG_GROUP_SIZE).map((name) => layout.userDn(name)));
  await addGroup(client, layout.groupDn(SPECIAL_GROUP), 'grp-rnd', [layout.userDn('u0013')]);
  await addGroup(client, layout.groupDn('scope'), 'grp-scope', [layout.groupDn('top'), layout.userDn('u0020')]);
  await addGroup(client, layout.groupDn('deltagroup'), 'grp-delta', [layout.userDn('d000', layout.delta)]);
}
