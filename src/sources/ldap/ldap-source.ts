// The `ldap` DirectorySource: Active Directory (Samba AD too), OpenLDAP, 389ds, FreeIPA through ldapts.
//
// Reads are streamed page by page (paged search, ≤ 1000 entries a page) and never end early: any
// failure throws a SourceError. Group membership (scope and groups of interest) is resolved once per
// read, transitively. Incremental reads follow AD's uSNChanged on one DC, a content-sync cookie on
// OpenLDAP with syncprov, or modifyTimestamp elsewhere, with a full read at least every `fullEveryMs` as
// a safety net.
//
// Known limits, by design:
// - Joining or leaving a group does not change the user entry (on AD, memberOf is a back-link and the
//   user's uSNChanged stays). Every read therefore resolves the groups, compares a fingerprint of the
//   member sets with the cursor's and, on AD, the uSNChanged of the scope group and of every group
//   nested in it; any change makes the read a full one.
// - AD primary-group membership (primaryGroupID, usually "Domain Users") is not in `member`, so the
//   in-chain rule does not see it; name a regular group in profiles.
// - Deletions and exits from the scope (moved out of the base DN, out of the filters) are found by every
//   incremental read too (scope-exits.ts): AD tombstones and changed entries outside the scope; OpenLDAP
//   with the syncprov overlay, a content-sync refresh from the last read's cookie (content-sync.ts);
//   elsewhere, or when that refresh can't be used, an id-only listing of the scope, which the sync sweeps
//   against.
// - Other servers: modifyTimestamp has whole seconds. Where the server publishes its clock (OpenLDAP's
//   monitor backend, 389ds' cn=monitor) the next read starts at the time this one began; otherwise at an
//   estimate that also re-reads the entries changed in the last seconds before the read (harmless).
// - The user search runs on a connection of its own with a lean decoder (search-connection.ts; ldapts'
//   parser took most of a large read's CPU) and goes on while the server returns a paging cookie; the
//   scope-exit and content-sync searches of the same read reuse that connection and its bind. The
//   group searches use ldapts, which ends a paged search when a page comes back empty: a server that
//   sent an empty page with a cookie mid-search would cut a group listing short (not seen with Samba or
//   OpenLDAP).
import type { LdapSourceConfig } from '../../config/types.ts';
import type { DirectorySource, SourceCheck, SourceCheckOptions, SourceReader, SourceReadOptions } from '../directory-source.ts';

import { checkLdapSource } from './ldap-check.ts';
import { silentLogger, type LdapLogger } from './ldap-logger.ts';
import { readLdapUsers, type LdapSourceContext } from './ldap-reader.ts';

export type { LdapLogger } from './ldap-logger.ts';

export interface LdapSourceOptions {
  readonly logger?: LdapLogger;
  /** Clock for cursor times (tests). */
  readonly now?: () => Date;
}

export function createLdapSource(config: LdapSourceConfig, options: LdapSourceOptions = {}): DirectorySource {
  const context: LdapSourceContext = {
    config,
    logger: options.logger ?? silentLogger,
    now: options.now ?? (() => new Date()),
  };
  return {
    name: config.name,
    kind: 'ldap',
    read: (readOptions: SourceReadOptions): SourceReader => readLdapUsers(context, readOptions),
    check: (checkOptions: SourceCheckOptions): Promise<SourceCheck> =>
      checkLdapSource(context, checkOptions),
    // Each read and check opens and closes its own connection; nothing stays open between runs.
    close: async (): Promise<void> => undefined,
  };
}
