// A SCIM 2.0 application as a target: each outbox row makes one application user match one account
// (create, PATCH the attributes that differ, deactivate or DELETE), and with `groups` the user's
// membership of one Group per pool. Idempotent: a user is looked up by `externalId` before a create, and
// a 409 on create resolves to the user the application already has.
import type { ScimTargetConfig } from '../../config/types.ts';
import type { OutboxMessage } from '../../notify/outbox-port.ts';
import { UnreadablePayload } from '../../notify/deliver.ts';
import { DeliveryError } from '../../notify/transports/transport.ts';
import type { ScimUserPayload } from '../target-rows.ts';
import type { CheckResult, Target } from '../target.ts';
import { filterValue, SCIM_GROUP_SCHEMA, ScimClient, ScimConflict, type ScimResource } from './scim-client.ts';
import { createBody, desiredUser, groupIdsOf, isActive, patchOperations } from './scim-user.ts';
import { counted } from '../../domain/counted.ts';

export type ScimAction = 'created' | 'updated' | 'unchanged' | 'deleted' | 'absent';

export class ScimTarget implements Target {
  readonly name: string;
  readonly kind = 'scim' as const;
  readonly client: ScimClient;
  readonly #config: ScimTargetConfig;
  readonly #pools: readonly string[];
  readonly #groupIds = new Map<string, string>();

  /** `pools`: every configured pool (each is one Group when `groups` is on). */
  constructor(config: ScimTargetConfig, options: { readonly pools: readonly string[] }) {
    this.name = config.name;
    this.#config = config;
    this.#pools = options.pools;
    this.client = new ScimClient(config);
  }

  async deliver(row: OutboxMessage): Promise<Record<string, unknown>> {
    const payload = parsePayload(row.payload);
    if (payload === null) throw new UnreadablePayload('the outbox payload is not a SCIM user');
    const action = await this.apply(payload);
    return { externalId: payload.externalId, state: payload.state, action };
  }

  /** Makes the application's user match `payload`. */
  async apply(payload: ScimUserPayload): Promise<ScimAction> {
    const existing = await this.#findUser(payload.externalId);
    if (payload.state === 'removed' && this.#config.deprovision === 'delete') {
      if (existing === null) return 'absent';
      await this.client.delete('Users', existing.id);
      return 'deleted';
    }
    // A removed account the application never had stays out of it.
    if (existing === null && payload.state === 'removed') return 'absent';
    if (existing !== null && payload.state === 'removed') {
      // Deactivated, not rewritten: the directory data of an account that left is no longer seatsync's.
      const action = existing.active === false ? 'unchanged' : await this.#deactivate(existing);
      if (this.#config.groups) await this.#syncGroups(existing, [], false);
      return action;
    }
    const desired = desiredUser(payload);
    let user = existing;
    let action: ScimAction = 'unchanged';
    if (user === null) {
      const created = await this.#create(payload);
      user = created.user;
      action = created.action;
    }
    if (action !== 'created') {
      const ops = patchOperations(user, desired);
      if (ops.length > 0) {
        const result = await this.client.patch('Users', user.id, ops);
        if (result === 'gone') throw new DeliveryError(`user ${user.id} vanished while it was updated`, { code: 'server', retryable: true });
        action = 'updated';
      }
    }
    if (this.#config.groups) await this.#syncGroups(user, isActive(payload) ? payload.held : [], action === 'created');
    return action;
  }

  async #deactivate(user: ScimResource): Promise<ScimAction> {
    const result = await this.client.patch('Users', user.id, [{ op: 'replace', path: 'active', value: false }]);
    return result === 'gone' ? 'absent' : 'updated';
  }

  async check(): Promise<CheckResult> {
    const config = await this.client.serviceProviderConfig();
    const patch = (config.patch as { supported?: unknown } | undefined)?.supported === true;
    const filter = (config.filter as { supported?: unknown } | undefined)?.supported === true;
    const users = await this.client.list('Users', { startIndex: 1, count: 1, attributes: 'id' });
    const missing = [patch ? null : 'PATCH', filter ? null : 'filter'].filter((m): m is string => m !== null);
    return {
      ok: missing.length === 0,
      detail:
        missing.length === 0
          ? `SCIM service at ${this.#config.url}: PATCH and filter supported, ${counted(users.totalResults, 'user')}`
          : `SCIM service at ${this.#config.url} does not support ${missing.join(' and ')} (ServiceProviderConfig), which seatsync needs`,
    };
  }

  close(): void {
    this.client.close();
  }

  #findUser(externalId: string): Promise<ScimResource | null> {
    return this.client.findOne('Users', `externalId eq ${filterValue(externalId)}`);
  }

  async #create(payload: ScimUserPayload): Promise<{ user: ScimResource; action: ScimAction }> {
    try {
      return { user: await this.client.create('Users', createBody(desiredUser(payload))), action: 'created' };
    } catch (error) {
      if (!(error instanceof ScimConflict)) throw error;
    }
    // Created by an earlier attempt whose answer was lost, or a user the application had before seatsync
    // (same userName): that user becomes this account's (the PATCH sets its externalId).
    const same = await this.#findUser(payload.externalId);
    if (same !== null) return { user: same, action: 'unchanged' };
    const named = await this.client.findOne('Users', `userName eq ${filterValue(payload.userName)}`);
    if (named === null) throw new DeliveryError(`the application refused to create ${payload.userName} (409) but has no such user`, { code: 'server', retryable: true });
    // Another account's user (another source with the same username): never taken over.
    if (typeof named.externalId === 'string' && named.externalId !== payload.externalId) {
      throw new DeliveryError(`userName ${payload.userName} belongs to the application's user of externalId ${named.externalId}`, { code: 'bad-request', retryable: false });
    }
    return { user: named, action: 'unchanged' };
  }

  async #syncGroups(user: ScimResource, held: readonly string[], fresh: boolean): Promise<void> {
    const current = fresh ? new Set<string>() : groupIdsOf(user);
    for (const pool of this.#pools) {
      const member = held.includes(pool);
      const groupId = await this.#groupId(pool);
      const is = current === null ? null : current.has(groupId);
      if (member && is !== true) {
        await this.client.patch('Groups', groupId, [{ op: 'add', path: 'members', value: [{ value: user.id }] }]);
      } else if (!member && is !== false) {
        await this.#removeMember(groupId, user.id);
      }
    }
  }

  async #removeMember(groupId: string, userId: string): Promise<void> {
    try {
      await this.client.patch('Groups', groupId, [{ op: 'remove', path: `members[value eq ${filterValue(userId)}]` }]);
    } catch (error) {
      // Membership unknown (the application lists no `groups` on users) and not a member: nothing to remove.
      if (!(error instanceof DeliveryError && error.code === 'bad-request')) throw error;
    }
  }

  /** The application's Group of a pool (`displayName` = the pool's name), created when missing. */
  async #groupId(pool: string): Promise<string> {
    const known = this.#groupIds.get(pool);
    if (known !== undefined) return known;
    const filter = `displayName eq ${filterValue(pool)}`;
    let group = await this.client.findOne('Groups', filter);
    if (group === null) {
      try {
        group = await this.client.create('Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName: pool, members: [] });
      } catch (error) {
        if (!(error instanceof ScimConflict)) throw error;
        group = await this.client.findOne('Groups', filter);
        if (group === null) throw new DeliveryError(`group ${pool}: created elsewhere but not found`, { code: 'server', retryable: true });
      }
    }
    this.#groupIds.set(pool, group.id);
    return group.id;
  }
}

const STATES = new Set(['active', 'blocked', 'suspended', 'disabled', 'removed']);

function parsePayload(payload: unknown): ScimUserPayload | null {
  if (payload === null || typeof payload !== 'object') return null;
  const p = payload as Record<string, unknown>;
  const ok =
    typeof p.externalId === 'string' && typeof p.userName === 'string' && typeof p.state === 'string' && STATES.has(p.state) &&
    Array.isArray(p.held) && (p.email === null || typeof p.email === 'string') && (p.displayName === null || typeof p.displayName === 'string');
  return ok ? (payload as ScimUserPayload) : null;
}
