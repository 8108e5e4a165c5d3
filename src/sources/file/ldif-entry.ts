// Pure mapping of one LDIF record to a directory user, with the defaults of an OpenLDAP or AD export:
// id from entryUUID or objectGUID, username from uid or sAMAccountName, disabled from userAccountControl,
// pwdAccountLockedTime or nsAccountLock, groups from memberOf. Entries that are not people are ignored.
import { normalizeDn } from '../../domain/names.ts';
import type { DirectoryUser } from '../../domain/types.ts';
import type { FieldAttributes, SourceItem } from '../directory-source.ts';
import { reportedGroups } from './group-keys.ts';
import type { LdifRecord, LdifValue } from './ldif-parser.ts';
import { canonicalGuid, guidFromBytes, isBinaryGuidAttribute, isDisabledByUserAccountControl, parseGeneralizedTime, utf8Text } from '../directory-values.ts';
import { withRepaired } from './utf8-lines.ts';

/** Attributes the mapping reads, by their lowercased name, with the spelling used in messages. */
const MAPPED = {
  objectclass: 'objectClass',
  entryuuid: 'entryUUID',
  objectguid: 'objectGUID',
  uid: 'uid',
  samaccountname: 'sAMAccountName',
  userprincipalname: 'userPrincipalName',
  mail: 'mail',
  displayname: 'displayName',
  cn: 'cn',
  createtimestamp: 'createTimestamp',
  whencreated: 'whenCreated',
  useraccountcontrol: 'userAccountControl',
  pwdaccountlockedtime: 'pwdAccountLockedTime',
  nsaccountlock: 'nsAccountLock',
  memberof: 'memberOf',
} as const;

type MappedAttribute = keyof typeof MAPPED;

const PERSON_CLASSES = new Set(['person', 'organizationalperson', 'inetorgperson', 'user', 'posixaccount', 'account']);
/** AD computers and contacts are also `person`s by class; they hold no license. */
const NOT_USER_CLASSES = new Set(['computer', 'contact', 'group', 'groupofnames', 'groupofuniquenames', 'posixgroup']);

export interface LdifMapContext {
  readonly groupsOfInterest: readonly string[];
  /** Extra attribute names the profiles read, as configured. */
  readonly attributes: readonly string[];
}

/** Predicate for the parser: the attributes (lowercased) this mapping needs, so others are never kept. */
export function ldifAttributesNeeded(extra: readonly string[]): (name: string) => boolean {
  const needed = new Set<string>([...Object.keys(MAPPED), ...extra.map((name) => name.toLowerCase())]);
  return (name) => needed.has(name);
}

type Skipped = Extract<SourceItem, { kind: 'skipped' }>;

/**
 * Maps a record to a user or a skipped entry; null when the record is not a person (silently ignored).
 * A user reports the attributes whose text was not UTF-8 (repaired with U+FFFD), plain or base64.
 */
export function mapLdifRecord(raw: LdifRecord, context: LdifMapContext): SourceItem | null {
  const { record, repaired } = asTextRecord(raw);
  const item = mapTextRecord(record, context);
  if (item === null || repaired.size === 0) return item;
  return withRepaired(item, [...repaired].map((name) => spellingOf(name, context.attributes)));
}

/**
 * The record with its base64 values as text, decoded by the sources' one decoder (binary GUIDs stay
 * bytes), and the attributes (lowercased) whose text was repaired here or before parsing.
 */
function asTextRecord(record: LdifRecord): { record: LdifRecord; repaired: Set<string> } {
  const repaired = new Set(record.repaired ?? []);
  let attributes: Map<string, readonly LdifValue[]> | null = null;
  for (const [name, values] of record.attributes) {
    if (isBinaryGuidAttribute(name) || values.every((value) => typeof value === 'string')) continue;
    attributes ??= new Map(record.attributes);
    attributes.set(name, values.map((value) => (typeof value === 'string' ? value : utf8Text(value, () => repaired.add(name)))));
  }
  return { record: attributes === null ? record : { ...record, attributes }, repaired };
}

/** An attribute's name as the config or the mapping spells it. */
function spellingOf(name: string, configured: readonly string[]): string {
  return (MAPPED as Record<string, string>)[name] ?? configured.find((c) => c.toLowerCase() === name) ?? name;
}

function mapTextRecord(record: LdifRecord, context: LdifMapContext): SourceItem | null {
  const entry = record.dn === '' ? `line ${record.line}` : `${record.dn} (line ${record.line})`;
  if (record.changeType !== null && record.changeType !== 'add') {
    return { kind: 'skipped', entry, reason: `a "${record.changeType}" change record, not an entry: export the directory's content instead` };
  }
  const values = (name: MappedAttribute): readonly LdifValue[] => record.attributes.get(name) ?? [];
  const text = (name: MappedAttribute): string | null => firstText(values(name));
  if (!isPerson(values('objectclass').map(asText), record)) return null;
  const id = externalIdOf(record);
  // A bad value elsewhere in the entry still leaves its id readable: its account is then kept as it was.
  const skip = (reason: string, attribute?: string): Skipped => ({
    kind: 'skipped',
    entry,
    reason,
    ...(attribute === undefined ? {} : { attribute }),
    ...('value' in id ? { externalId: id.value } : {}),
  });
  if (record.problem !== null) return skip(record.problem.reason, record.problem.attribute);
  if ('problem' in id) return skip(id.problem, id.attribute);
  const createdAt = createdAtOf(record);
  if (createdAt instanceof Error) return skip(createdAt.message, createdAt.name);
  const enabled = enabledOf(record);
  if (enabled === null) return skip('userAccountControl is not an integer', MAPPED.useraccountcontrol);

  // Each field from the first of its attributes the entry holds; the username, else the email or the id.
  const username = firstHeld(record, ['uid', 'samaccountname', 'userprincipalname', 'mail']);
  const displayName = firstHeld(record, ['displayname', 'cn']);
  const user: DirectoryUser = {
    externalId: id.value,
    username: username?.text ?? id.value,
    email: text('mail'),
    displayName: displayName?.text ?? null,
    dn: record.dn === '' ? null : normalizeDn(record.dn),
    enabled,
    createdAt: createdAt?.date ?? null,
    groups: reportedGroups(values('memberof').map(asText), context.groupsOfInterest),
    attributes: extraAttributes(record, context.attributes),
  };
  const readFrom: FieldAttributes = {
    externalId: id.attribute,
    username: username === null ? id.attribute : MAPPED[username.name],
    email: MAPPED.mail,
    ...(displayName === null ? {} : { displayName: MAPPED[displayName.name] }),
    ...(createdAt === null ? {} : { createdAt: createdAt.attribute }),
    dn: 'dn',
    groups: MAPPED.memberof,
  };
  return { kind: 'user', user, readFrom };
}

const CREATED_AT = ['createtimestamp', 'whencreated'] as const;

/** The first of these attributes with a non-blank value in the record: its text and its name. */
function firstHeld<Name extends MappedAttribute>(record: LdifRecord, names: readonly Name[]): { readonly text: string; readonly name: Name } | null {
  for (const name of names) {
    const text = firstText(record.attributes.get(name) ?? []);
    if (text !== null) return { text, name };
  }
  return null;
}

/** Name of the attribute the id came from, for duplicate messages. */
export function idAttributeOf(record: LdifRecord): string {
  return record.attributes.has('entryuuid') ? MAPPED.entryuuid : MAPPED.objectguid;
}

function isPerson(objectClasses: readonly string[], record: LdifRecord): boolean {
  if (objectClasses.length === 0) {
    // Exports with a chosen attribute list often leave objectClass out: judge by account attributes.
    return ['uid', 'samaccountname', 'userprincipalname', 'mail'].some((name) => record.attributes.has(name)) || record.problem !== null;
  }
  const classes = objectClasses.map((name) => name.trim().toLowerCase());
  if (classes.some((name) => NOT_USER_CLASSES.has(name))) return false;
  return classes.some((name) => PERSON_CLASSES.has(name));
}

function externalIdOf(record: LdifRecord): { value: string; attribute: string } | { problem: string; attribute?: string } {
  // The id is one value of the attribute it is taken from (entryUUID, else objectGUID): with two, the
  // entry could be either account.
  const idAttribute = record.attributes.has('entryuuid') ? 'entryuuid' : 'objectguid';
  const count = record.attributes.get(idAttribute)?.length ?? 0;
  if (count > 1) return { problem: `${MAPPED[idAttribute]} has ${count} values; an entry's id is one value`, attribute: MAPPED[idAttribute] };
  const uuid = firstText(record.attributes.get('entryuuid') ?? []);
  if (uuid !== null) return { value: canonicalGuid(uuid) ?? uuid, attribute: MAPPED.entryuuid };
  const guid = record.attributes.get('objectguid')?.[0];
  if (guid === undefined) {
    return { problem: 'the entry has neither entryUUID nor objectGUID (include them in the export: they are its stable id)' };
  }
  const value = typeof guid === 'string' ? canonicalGuid(guid) : guidFromBytes(guid);
  if (value !== null) return { value, attribute: MAPPED.objectguid };
  const found = typeof guid === 'string' ? `"${guid}"` : `${guid.length} bytes`;
  return { problem: `objectGUID must be 16 bytes (base64) or a GUID, found ${found}`, attribute: MAPPED.objectguid };
}

/** The creation time with the attribute it came from, null when absent, or an Error named after the attribute when it doesn't parse. */
function createdAtOf(record: LdifRecord): { readonly date: Date; readonly attribute: string } | null | Error {
  const held = firstHeld(record, CREATED_AT);
  if (held === null) return null;
  const date = parseGeneralizedTime(held.text);
  if (date !== null) return { date, attribute: MAPPED[held.name] };
  const error = new Error(`${MAPPED[held.name]} is not a generalized time (like 20240101120000Z): "${held.text}"`);
  error.name = MAPPED[held.name];
  return error;
}

/** Enabled unless AD's disable bit, a password-policy lock or 389ds/FreeIPA's nsAccountLock says otherwise. */
function enabledOf(record: LdifRecord): boolean | null {
  const uac = firstText(record.attributes.get('useraccountcontrol') ?? []);
  if (uac !== null) {
    const disabled = isDisabledByUserAccountControl(uac);
    if (disabled === null) return null;
    if (disabled) return false;
  }
  if (record.attributes.has('pwdaccountlockedtime')) return false;
  const locked = firstText(record.attributes.get('nsaccountlock') ?? []);
  return locked?.toLowerCase() !== 'true';
}

function extraAttributes(record: LdifRecord, configured: readonly string[]): Record<string, readonly string[]> {
  const attributes: Record<string, readonly string[]> = {};
  for (const name of configured) {
    const values = (record.attributes.get(name.toLowerCase()) ?? []).map(asText).filter((value) => value !== '');
    if (values.length > 0) attributes[name] = values;
  }
  return attributes;
}

/** Values are text after asTextRecord, but for binary GUIDs (read as bytes where they are used). */
function asText(value: LdifValue): string {
  return typeof value === 'string' ? value : Buffer.from(value).toString('base64');
}

function firstText(values: readonly LdifValue[]): string | null {
  const first = values[0];
  if (first === undefined) return null;
  const text = asText(first).trim();
  return text === '' ? null : text;
}
