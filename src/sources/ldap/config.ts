// `sources: - kind: ldap` — the schema of an LDAP source (SPEC §4, §7), its normalized config and its
// cross-key checks. src/config composes it with the other kinds.
import { z } from 'zod';
import { normalizeGroupKey } from '../../domain/names.ts';
import { DEFAULTS } from '../../config/defaults.ts';
import type { SourceKind } from '../../config/schema.ts';
import {
  asObject, boolean, dn, fail, isDn, isTrue, ldapFilter, listOf, name, ok, oneOf, optional, positiveDuration, present, required, schedule, secretText,
  sourceTiming, stringOrObject, text, textList, textOrList, tlsKeys, toTls, url, wholeNumber, type Parsed,
} from '../../config/values.ts';

/** How an LDAP entry is recognized as disabled. */
export type LdapDisabledRule =
  | { readonly kind: 'ad-uac' } // userAccountControl bit 0x2
  | { readonly kind: 'attribute-present'; readonly attribute: string } // e.g. pwdAccountLockedTime
  | { readonly kind: 'attribute-value'; readonly attribute: string; readonly values: readonly string[] } // nsAccountLock: TRUE
  | { readonly kind: 'none' };

const LDAP_PAGE_SIZE_MAX = 1000; // AD's MaxPageSize default

/** What each flavor reads unless the source says otherwise (docs/configuration.md lists the same). */
export const FLAVOR_DEFAULTS = {
  'active-directory': {
    userFilter: '(&(objectCategory=person)(objectClass=user))',
    attributes: { id: 'objectGUID', username: 'sAMAccountName', email: 'mail', displayName: 'displayName', createdAt: 'whenCreated' },
    disabled: { kind: 'ad-uac' },
  },
  openldap: {
    userFilter: '(objectClass=inetOrgPerson)',
    attributes: { id: 'entryUUID', username: 'uid', email: 'mail', displayName: 'cn', createdAt: 'createTimestamp' },
    disabled: { kind: 'none' },
  },
} as const;

const disabled = stringOrObject({
  parseString: (input): Parsed<LdapDisabledRule> => {
    const t = input.trim();
    if (t === 'none' || t === 'ad-uac') return ok({ kind: t });
    return fail('must be none, ad-uac, { attribute: NAME } or { attribute: NAME, values: [VALUE, …] }');
  },
  object: z
    .strictObject({ attribute: required(text), values: optional(textList) })
    .transform((v): LdapDisabledRule =>
      v.values === undefined
        ? { kind: 'attribute-present', attribute: v.attribute }
        : { kind: 'attribute-value', attribute: v.attribute, values: v.values },
    ),
  expected: 'must be none, ad-uac or a mapping { attribute, values }',
});

const ldapSourceInput = z.strictObject({
  name: required(name),
  kind: z.literal('ldap'),
  flavor: required(oneOf('active-directory', 'openldap')),
  url: required(listOf(url(['ldap', 'ldaps']))),
  bindDN: optional(text),
  bindPassword: optional(secretText).meta({ secret: true }),
  tls: z.strictObject({ ...tlsKeys, startTls: optional(boolean) }).nullish(),
  baseDN: required(dn),
  filter: optional(ldapFilter),
  userFilter: optional(ldapFilter),
  group: optional(dn),
  groupResolution: optional(oneOf('in-chain', 'expand')),
  attributes: z
    .strictObject({ id: optional(text), username: optional(text), email: optional(text), displayName: optional(text), createdAt: optional(text) })
    .nullish(),
  disabled,
  pageSize: optional(wholeNumber({ min: 1, max: LDAP_PAGE_SIZE_MAX })),
  timeLimit: optional(positiveDuration),
  connectTimeout: optional(positiveDuration),
  operationTimeout: optional(positiveDuration),
  fullEvery: optional(positiveDuration),
  schedule,
});

function toLdap(v: z.output<typeof ldapSourceInput>, baseDir: string) {
  const defaults = FLAVOR_DEFAULTS[v.flavor];
  return {
    name: v.name,
    kind: v.kind,
    flavor: v.flavor,
    ...sourceTiming(v),
    /** Tried in order (failover). */
    urls: v.url,
    bindDN: v.bindDN ?? null, // null: anonymous bind
    bindPassword: v.bindPassword ?? null,
    tls: { ...toTls(v.tls, baseDir), startTls: v.tls?.startTls ?? false }, // startTls: for ldap:// URLs
    baseDN: v.baseDN,
    /** ANDed with `userFilter` (the flavor's, unless given). */
    filter: v.filter ?? null,
    userFilter: v.userFilter ?? defaults.userFilter,
    /** The scope group's DN (transitive membership), normalized. */
    group: v.group === undefined ? null : normalizeGroupKey(v.group),
    /**
     * How transitive group membership is resolved. `in-chain`: one LDAP_MATCHING_RULE_IN_CHAIN search per
     * group (Active Directory only); `expand`: read member lists (with ranged retrieval) and expand nested
     * groups client-side. Absent: `in-chain` for active-directory, `expand` otherwise.
     */
    ...(v.groupResolution === undefined ? {} : { groupResolution: v.groupResolution }),
    attributes: {
      id: v.attributes?.id ?? defaults.attributes.id,
      username: v.attributes?.username ?? defaults.attributes.username,
      email: v.attributes?.email ?? defaults.attributes.email,
      displayName: v.attributes?.displayName ?? defaults.attributes.displayName,
      createdAt: v.attributes?.createdAt ?? defaults.attributes.createdAt,
    },
    disabled: v.disabled ?? defaults.disabled,
    pageSize: v.pageSize ?? DEFAULTS.ldapPageSize,
    // LDAP time limits are whole seconds; round up so `1500ms` never becomes 1 s.
    timeLimitSeconds: v.timeLimit === undefined ? DEFAULTS.ldapTimeLimitSeconds : Math.ceil(v.timeLimit / 1000),
    connectTimeoutMs: v.connectTimeout ?? DEFAULTS.ldapConnectTimeoutMs,
    /** Client-side, per operation. */
    operationTimeoutMs: v.operationTimeout ?? DEFAULTS.ldapOperationTimeoutMs,
  };
}

export const ldapSource = {
  schema: (ctx) => ldapSourceInput.transform((v) => toLdap(v, ctx.baseDir)),
  check(source, at, out) {
    const hasDn = present(source.bindDN);
    const hasPassword = present(source.bindPassword);
    if (hasDn && !hasPassword) out.errors.push({ segments: at('bindPassword'), message: 'is required when bindDN is set (a bind with an empty password is anonymous)' });
    if (hasPassword && !hasDn) out.errors.push({ segments: at('bindDN'), message: 'is required when bindPassword is set' });
    const bindName = typeof source.bindDN === 'string' ? source.bindDN.trim() : null;
    if (bindName && !isDn(bindName)) {
      // Active Directory also binds with a user principal name or a down-level logon name.
      const ad = source.flavor === 'active-directory';
      if (!ad) out.errors.push({ segments: at('bindDN'), message: 'must be a DN, like cn=reader,dc=example,dc=org' });
      else if (!/^[^@]+@[^@\s]+$|^[^\\]+\\[^\\]+$/.test(bindName)) {
        out.errors.push({ segments: at('bindDN'), message: 'must be a DN (cn=reader,ou=service,dc=corp,dc=example), a user principal name (reader@corp.example) or DOMAIN\\user' });
      }
    }
    const tls = asObject(source.tls) ?? {};
    const urls = textOrList(source.url);
    if (isTrue(tls.startTls) && urls.some((u) => u.toLowerCase().startsWith('ldaps://'))) {
      out.errors.push({ segments: at('tls', 'startTls'), message: 'is for ldap:// URLs; ldaps:// is already TLS' });
    }
    if (hasPassword && !isTrue(tls.startTls) && urls.some((u) => u.toLowerCase().startsWith('ldap://'))) {
      out.warnings.push({ segments: at('url'), message: 'ldap:// without tls.startTls sends the bind password unencrypted' });
    }
    if (present(tls.rejectUnauthorized) && !isTrue(tls.rejectUnauthorized)) {
      out.warnings.push({ segments: at('tls', 'rejectUnauthorized'), message: 'certificate verification is off: any server can pose as the directory' });
    }
  },
} satisfies SourceKind;
