// The SCIM User seatsync wants for an account, and the PATCH operations that make an application's
// user match it (only the attributes that differ: a user already right gets no request).
import type { ScimUserPayload } from '../target-rows.ts';
import { SCIM_USER_SCHEMA, type PatchOperation, type ScimResource } from './scim-client.ts';

/** `active` in the application: the account holds what its profile needs (zero-seat profiles included). */
export const isActive = (payload: Pick<ScimUserPayload, 'state'>): boolean => payload.state === 'active';

export interface DesiredUser {
  readonly externalId: string;
  readonly userName: string;
  readonly displayName: string;
  readonly name: { readonly formatted: string };
  readonly emails: readonly { readonly value: string; readonly type: 'work'; readonly primary: true }[];
  readonly active: boolean;
}

export function desiredUser(payload: ScimUserPayload): DesiredUser {
  const displayName = payload.displayName ?? payload.userName;
  return {
    externalId: payload.externalId,
    userName: payload.userName,
    displayName,
    name: { formatted: displayName },
    emails: payload.email === null ? [] : [{ value: payload.email, type: 'work', primary: true }],
    active: isActive(payload),
  };
}

export function createBody(user: DesiredUser): Record<string, unknown> {
  return { schemas: [SCIM_USER_SCHEMA], ...user, emails: [...user.emails] };
}

function primaryEmail(resource: ScimResource): string | null {
  const emails = Array.isArray(resource.emails) ? (resource.emails as { value?: unknown; primary?: unknown }[]) : [];
  const chosen = emails.find((e) => e.primary === true) ?? emails[0];
  return typeof chosen?.value === 'string' ? chosen.value : null;
}

function formattedName(resource: ScimResource): string | null {
  const name = resource.name as { formatted?: unknown } | undefined;
  return typeof name?.formatted === 'string' ? name.formatted : null;
}

/** The replace operations that bring `current` to `desired`; empty when nothing differs. */
export function patchOperations(current: ScimResource, desired: DesiredUser): PatchOperation[] {
  const ops: PatchOperation[] = [];
  if (current.userName !== desired.userName) ops.push({ op: 'replace', path: 'userName', value: desired.userName });
  if (current.externalId !== desired.externalId) ops.push({ op: 'replace', path: 'externalId', value: desired.externalId });
  if (current.displayName !== desired.displayName) ops.push({ op: 'replace', path: 'displayName', value: desired.displayName });
  if (formattedName(current) !== desired.name.formatted) ops.push({ op: 'replace', path: 'name', value: desired.name });
  const email = desired.emails[0]?.value ?? null;
  if (primaryEmail(current) !== email && email !== null) ops.push({ op: 'replace', path: 'emails', value: [...desired.emails] });
  if (current.active !== desired.active) ops.push({ op: 'replace', path: 'active', value: desired.active });
  return ops;
}

/** Ids of the groups the application lists on the user (`groups`, read-only); null when it lists none. */
export function groupIdsOf(resource: ScimResource): Set<string> | null {
  if (!Array.isArray(resource.groups)) return null;
  return new Set((resource.groups as { value?: unknown }[]).flatMap((g) => (typeof g.value === 'string' ? [g.value] : [])));
}
