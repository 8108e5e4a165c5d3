// What the source learns about the server before reading: its naming contexts and, on AD, the
// replication state an incremental read is bound to (the DC's invocationId and highestCommittedUSN).
import { normalizeDn } from '../../domain/names.ts';

import { SYNC_REQUEST_OID } from './content-sync.ts';
import { binaryNames, EntryView } from './entry-view.ts';
import { formatGeneralizedTime, guidFromBytes, parseGeneralizedTime } from '../directory-values.ts';
import type { LdapSession } from './ldap-session.ts';

export interface DirectoryInfo {
  /** Normalized DNs of the server's naming contexts (suffixes). */
  readonly namingContexts: readonly string[];
  /** AD: the DC's invocationId (changes on restore or with another DC); null elsewhere or unreadable. */
  readonly invocationId: string | null;
  /** AD: highestCommittedUSN when the read started; null elsewhere. */
  readonly highestCommittedUsn: number | null;
  /**
   * The server's clock when the read started, where it publishes it (OpenLDAP's monitor backend, 389ds'
   * cn=monitor), as GeneralizedTime; null when it can't be read.
   */
  readonly serverTime: string | null;
  /** The root DSE offers content synchronization (RFC 4533; OpenLDAP's syncprov overlay). */
  readonly contentSync: boolean;
}

/** Where servers publish their current time: OpenLDAP (back-monitor), then 389ds / FreeIPA. */
const SERVER_TIME_SOURCES = [
  { dn: 'cn=Current,cn=Time,cn=Monitor', attribute: 'monitorTimestamp' },
  { dn: 'cn=monitor', attribute: 'currentTime' },
] as const;

export async function readDirectoryInfo(session: LdapSession): Promise<DirectoryInfo> {
  const root = session.rootDse;
  const contexts = [...root.strings('namingContexts'), ...root.strings('defaultNamingContext')];
  const namingContexts = [...new Set(contexts.map(normalizeDn))];
  const usnText = root.first('highestCommittedUSN');
  const dsServiceName = root.first('dsServiceName');
  const contentSync = root.strings('supportedControl').includes(SYNC_REQUEST_OID);
  if (usnText === null || dsServiceName === null) {
    return { namingContexts, invocationId: null, highestCommittedUsn: null, serverTime: await readServerTime(session), contentSync };
  }
  const ntdsSettings = await session.findEntry(dsServiceName, ['invocationId'], binaryNames('invocationId'));
  const invocationBytes = ntdsSettings ? new EntryView(ntdsSettings).buffers('invocationId')[0] : undefined;
  const usn = Number(usnText);
  return {
    namingContexts,
    invocationId: invocationBytes ? guidFromBytes(invocationBytes) : null,
    highestCommittedUsn: Number.isSafeInteger(usn) ? usn : null,
    serverTime: null,
    contentSync,
  };
}

async function readServerTime(session: LdapSession): Promise<string | null> {
  for (const { dn, attribute } of SERVER_TIME_SOURCES) {
    // Monitor data is often hidden from ordinary accounts; then the cursor falls back to an estimate.
    const entry = await session.findEntry(dn, [attribute]).catch(() => null);
    const value = entry === null ? null : new EntryView(entry).first(attribute);
    const time = value === null ? null : parseGeneralizedTime(value);
    if (time !== null) return formatGeneralizedTime(time);
  }
  return null;
}

/** True when `dn` (normalized) lies in one of the server's naming contexts. */
export function isInNamingContexts(dn: string, info: DirectoryInfo): boolean {
  return namingContextOf(dn, info) !== null;
}

/** The most specific naming context holding `dn` (normalized), or null. */
export function namingContextOf(dn: string, info: DirectoryInfo): string | null {
  const holding = info.namingContexts.filter((context) => dn === context || dn.endsWith(`,${context}`));
  return holding.sort((a, b) => b.length - a.length)[0] ?? null;
}

