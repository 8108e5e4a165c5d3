// Which user properties to ask Graph for, and how a Graph user becomes a DirectoryUser.
import type { DirectoryUser } from '../../domain/types.ts';
import type { FieldAttributes, SourceItem } from '../directory-source.ts';

/** The Graph user property each field of a DirectoryUser is read from. */
const READ_FROM = Object.freeze({
  externalId: 'id', username: 'userPrincipalName', email: 'mail', displayName: 'displayName', dn: 'onPremisesDistinguishedName', createdAt: 'createdDateTime',
} as const satisfies FieldAttributes);

/** Always read: identity, state and the fields of DirectoryUser. */
const BASE_SELECT = [
  'id', 'userPrincipalName', 'mail', 'displayName', 'givenName', 'surname', 'accountEnabled', 'createdDateTime', 'onPremisesDistinguishedName',
];

/** Graph v1.0 user properties a profile's `attribute` rule may name (case-insensitive, as in `$select`). */
const GRAPH_USER_PROPERTIES = [
  'accountEnabled', 'ageGroup', 'businessPhones', 'city', 'companyName', 'country', 'createdDateTime', 'creationType',
  'department', 'displayName', 'employeeHireDate', 'employeeId', 'employeeLeaveDateTime', 'employeeType',
  'externalUserState', 'faxNumber', 'givenName', 'imAddresses', 'isResourceAccount', 'jobTitle', 'mail', 'mailNickname',
  'mobilePhone', 'officeLocation', 'onPremisesDistinguishedName', 'onPremisesDomainName', 'onPremisesImmutableId',
  'onPremisesSamAccountName', 'onPremisesSecurityIdentifier', 'onPremisesSyncEnabled', 'onPremisesUserPrincipalName',
  'otherMails', 'postalCode', 'preferredDataLocation', 'preferredLanguage', 'proxyAddresses', 'securityIdentifier',
  'showInAddressList', 'state', 'streetAddress', 'surname', 'usageLocation', 'userPrincipalName', 'userType',
];
const CANONICAL = new Map(GRAPH_USER_PROPERTIES.map((name) => [name.toLowerCase(), name]));

/** Where an attribute's values come from in a Graph user object. */
type AttributeSource = { readonly property: string; readonly nested?: string };

export interface UserSelection {
  /** `$select` list. */
  readonly select: readonly string[];
  /** Attribute name as configured → where to read it. */
  readonly attributes: ReadonlyMap<string, AttributeSource>;
  /** Configured attribute names that are not Graph user properties (e.g. LDAP-only ones): not read here. */
  readonly ignored: readonly string[];
}

/**
 * `extensionAttribute1`…`15` (alone or as `onPremisesExtensionAttributes/extensionAttributeN`) read the
 * synced on-premises attributes; `extension_{appId}_{name}` reads a directory schema extension.
 */
function resolveAttribute(name: string): AttributeSource | null {
  const ext = /^(?:onPremisesExtensionAttributes[./])?(extensionAttribute(?:[1-9]|1[0-5]))$/i.exec(name);
  if (ext) return { property: 'onPremisesExtensionAttributes', nested: `extensionAttribute${ext[1]!.slice('extensionAttribute'.length)}` };
  const known = CANONICAL.get(name.toLowerCase());
  if (known) return { property: known };
  return /^extension_[0-9a-f]{32}_\w+$/i.test(name) ? { property: name } : null;
}

export function selectionFor(attributeNames: readonly string[]): UserSelection {
  const select = new Set(BASE_SELECT);
  const attributes = new Map<string, AttributeSource>();
  const ignored: string[] = [];
  for (const name of attributeNames) {
    const source = resolveAttribute(name);
    if (!source) {
      ignored.push(name);
      continue;
    }
    attributes.set(name, source);
    select.add(source.property);
  }
  return { select: [...select], attributes, ignored };
}

function valuesOf(value: unknown): string[] {
  if (value === null || value === undefined || value === '') return [];
  if (Array.isArray(value)) return value.flatMap(valuesOf);
  if (typeof value === 'object') return [JSON.stringify(value)];
  return [String(value)];
}

function text(raw: Record<string, unknown>, name: string): string | null {
  const value = raw[name];
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/**
 * One Graph user (from /users, transitive members or delta, where properties never set are absent) as a
 * source item. `groups` are the groups of interest the user is a transitive member of.
 */
export function mapGraphUser(raw: Record<string, unknown>, selection: UserSelection, groups: readonly string[]): SourceItem {
  const id = text(raw, READ_FROM.externalId);
  if (!id) return { kind: 'skipped', entry: JSON.stringify(raw).slice(0, 200), attribute: READ_FROM.externalId, reason: 'user without an id' };
  const username = text(raw, READ_FROM.username);
  // The object id is readable: the account of a user with a bad property is kept as it was.
  const externalId = id.toLowerCase();
  if (!username) return { kind: 'skipped', entry: id, attribute: READ_FROM.username, reason: 'missing userPrincipalName', externalId };
  if (typeof raw.accountEnabled !== 'boolean') {
    return { kind: 'skipped', entry: `${id} (${username})`, attribute: 'accountEnabled', reason: 'accountEnabled missing or not a boolean', externalId };
  }
  const created = text(raw, READ_FROM.createdAt);
  const createdAt = created ? new Date(created) : null;
  const attributes: Record<string, readonly string[]> = {};
  for (const name of ['givenName', 'surname']) {
    const values = valuesOf(raw[name]);
    if (values.length > 0) attributes[name] = values;
  }
  for (const [name, source] of selection.attributes) {
    const container = raw[source.property];
    const value = source.nested ? (container as Record<string, unknown> | null | undefined)?.[source.nested] : container;
    const values = valuesOf(value);
    if (values.length > 0) attributes[name] = values;
  }
  const user: DirectoryUser = {
    externalId,
    username,
    email: text(raw, READ_FROM.email),
    displayName: text(raw, READ_FROM.displayName),
    dn: text(raw, READ_FROM.dn),
    enabled: raw.accountEnabled,
    createdAt: createdAt && !Number.isNaN(createdAt.getTime()) ? createdAt : null,
    groups,
    attributes,
  };
  return { kind: 'user', user, readFrom: READ_FROM };
}
