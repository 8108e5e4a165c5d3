// Deletions on OpenLDAP without listing the scope: the LDAP Content Synchronization operation (RFC 4533,
// "syncrepl") in refreshOnly mode, served by slapd's syncprov overlay. A refresh from the cookie the last
// read stored returns the entries added or changed since then and, where the overlay keeps a session log
// (`syncprov-sessionlog` / `olcSpSessionlog`) that reaches back to that cookie, the entryUUIDs of the
// entries deleted or gone out of the search's scope since (moved out of the base DN, no longer matching
// the filter): a syncIdSet with refreshDeletes, or a delete state. That is the delete mode of a refresh.
//
// Anything else is reported as unavailable and the read lists the ids in scope instead (scope-exits.ts):
// a present phase (no session log, or a cookie older than it: the server names every entry still in
// scope, as the listing would), e-syncRefreshRequired (4096), more changed entries than a refresh may
// hold (the size limit asked for: they are buffered until the refresh is known to be a delete-mode one),
// any other result code, a sync message that does not decode, an entry whose sync UUID is not its
// entryUUID. Nothing of a refresh is handed on before its final result, so a fallback never follows half
// a refresh.
import { BerWriter, Control } from 'ldapts';

import { formatCount } from '../../domain/counted.ts';
import type { EntryView } from './entry-view.ts';
import type { LdapSession } from './ldap-session.ts';
import type { SearchListener } from './search-connection.ts';
import { BerCursor, BerError, readInteger, TAG, type ResponseControl } from './search-response.ts';
import { readId } from './user-entry.ts';

/** Sync Request control (RFC 4533 §2.2); its presence in the root DSE's supportedControl offers the operation. */
export const SYNC_REQUEST_OID = '1.3.6.1.4.1.4203.1.9.1.1';
const SYNC_STATE_OID = '1.3.6.1.4.1.4203.1.9.1.2';
const SYNC_DONE_OID = '1.3.6.1.4.1.4203.1.9.1.3';
const SYNC_INFO_OID = '1.3.6.1.4.1.4203.1.9.1.4';

/** e-syncRefreshRequired (RFC 4533 §2.10): the server cannot refresh from this cookie. */
const SYNC_REFRESH_REQUIRED = 4096;

/** Most changed entries one refresh may return; more makes the read list the scope (and stream) instead. */
export const REFRESH_MAX_ENTRIES = 10_000;

const STATE = { present: 0, add: 1, modify: 2, delete: 3 } as const;

/** The entries a delete-mode refresh returned and the entryUUIDs it reported gone, with its new cookie. */
export interface Refresh {
  readonly entries: readonly EntryView[];
  readonly departed: readonly string[];
  /** The cookie to refresh from next time; null when the server sent none (nothing changed). */
  readonly cookie: Buffer | null;
}

export type RefreshResult = ({ readonly kind: 'changes' } & Refresh) | { readonly kind: 'unavailable'; readonly reason: string };

export interface RefreshInput {
  readonly session: LdapSession;
  readonly baseDn: string;
  readonly filter: string;
  readonly attributes: readonly string[];
  readonly explicitBufferAttributes: readonly string[];
  /** The id attribute (entryUUID): each entry's value must be its sync UUID. */
  readonly idAttribute: string;
  readonly cookie: Buffer;
  readonly timeLimitSeconds: number;
}

/** A refreshOnly content-sync search from `cookie`: the changes since, or why it can't give them. */
export async function refreshFromCookie(input: RefreshInput): Promise<RefreshResult> {
  const entries: EntryView[] = [];
  const departed: string[] = [];
  let cookie: Buffer | null = null;
  const listener: SearchListener = {
    entry(view, controls) {
      const state = decoded(() => syncStateOf(controls));
      if (state.cookie !== null) cookie = state.cookie;
      if (state.state === STATE.present) throw new Unavailable('the server answered with a present phase');
      if (state.state === STATE.delete) {
        departed.push(state.uuid);
        return;
      }
      assertIdIsSyncUuid(view, state, input.idAttribute);
      entries.push(view);
    },
    intermediate(name, value) {
      if (name !== SYNC_INFO_OID || value === null) return;
      const info = decoded(() => readSyncInfo(value));
      if (info.cookie !== null) cookie = info.cookie;
      if (info.kind === 'present') throw new Unavailable('the server answered with a present phase');
      departed.push(...info.departed);
    },
  };
  const search = {
    baseDn: input.baseDn, scope: 'sub' as const, filter: input.filter, attributes: input.attributes, explicitBufferAttributes: input.explicitBufferAttributes,
    sizeLimit: REFRESH_MAX_ENTRIES, timeLimitSeconds: input.timeLimitSeconds, controls: [new SyncRequestControl(input.cookie)],
  };
  let answer: Awaited<ReturnType<LdapSession['search']>>;
  let done: ReturnType<typeof readSyncDone>;
  try {
    answer = await input.session.search(search, listener);
    done = decoded(() => readSyncDone(answer.controls));
  } catch (error) {
    if (error instanceof Unavailable) return { kind: 'unavailable', reason: error.message };
    throw input.session.failure(error, 'search', input.baseDn);
  }
  const { resultCode, diagnosticMessage } = answer.result;
  if (resultCode !== 0) return { kind: 'unavailable', reason: resultReason(resultCode, diagnosticMessage) };
  if (done === null) return { kind: 'unavailable', reason: 'the refresh ended without a sync done control' };
  if (!done.refreshDeletes) return { kind: 'unavailable', reason: 'the server answered with a present phase' };
  return { kind: 'changes', entries, departed, cookie: done.cookie ?? cookie };
}

/**
 * The server's cookie now, for the next read to refresh from: a refresh without a cookie of the base
 * entry alone, which returns the current state's cookie and that entry, whose sync UUID must be its id
 * (a server whose sync UUIDs are not the id attribute's values could not name the accounts gone). Null,
 * with the reason, when the server gives none.
 */
export async function currentCookie(input: { session: LdapSession; baseDn: string; idAttribute: string; timeLimitSeconds: number }): Promise<{ cookie: Buffer | null; reason: string }> {
  const { session, baseDn } = input;
  const checkId: SearchListener = {
    entry: (view, controls) => assertIdIsSyncUuid(view, decoded(() => syncStateOf(controls)), input.idAttribute),
    intermediate: () => undefined,
  };
  const search = {
    baseDn, scope: 'base' as const, filter: '(objectClass=*)', attributes: [input.idAttribute], explicitBufferAttributes: [],
    sizeLimit: 1, timeLimitSeconds: input.timeLimitSeconds, controls: [new SyncRequestControl(null)],
  };
  let answer: Awaited<ReturnType<LdapSession['search']>>;
  let done: ReturnType<typeof readSyncDone>;
  try {
    answer = await session.search(search, checkId);
    done = decoded(() => readSyncDone(answer.controls));
  } catch (error) {
    if (error instanceof Unavailable) return { cookie: null, reason: error.message };
    throw session.failure(error, 'search', baseDn);
  }
  const { resultCode, diagnosticMessage } = answer.result;
  if (resultCode !== 0) return { cookie: null, reason: resultReason(resultCode, diagnosticMessage) };
  const cookie = done?.cookie ?? null;
  return { cookie, reason: cookie === null ? 'the server sent no cookie' : 'ok' };
}

/** An entry's id, where it has one, must be its sync UUID: else the UUIDs of entries gone name no account. */
function assertIdIsSyncUuid(view: EntryView, state: SyncState, idAttribute: string): void {
  const id = readId(view, idAttribute);
  if (typeof id === 'string' && id !== state.uuid) throw new Unavailable(`the sync UUID of ${view.dn} is not its ${idAttribute}`);
}

/** The Sync Request control: refreshOnly, from `cookie` when there is one (RFC 4533 §2.2). */
export class SyncRequestControl extends Control {
  readonly #cookie: Buffer | null;

  constructor(cookie: Buffer | null) {
    super(SYNC_REQUEST_OID, { critical: true });
    this.#cookie = cookie;
  }

  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    value.writeEnumeration(1); // refreshOnly
    if (this.#cookie !== null) value.writeBuffer(this.#cookie, TAG.octetString);
    value.endSequence();
    writer.writeBuffer(value.buffer, TAG.octetString);
  }
}

/** Thrown from the listener to end a refresh that can't be used; the search fails with it. */
class Unavailable extends Error {
  override readonly name = 'Unavailable';
}

/** A sync message that does not decode makes the refresh unusable (the read lists the scope), not the read fail. */
function decoded<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof BerError) throw new Unavailable(`a malformed sync message (${error.message})`);
    throw error;
  }
}

function resultReason(resultCode: number, diagnosticMessage: string): string {
  const what = resultCode === SYNC_REFRESH_REQUIRED
    ? 'e-syncRefreshRequired (the cookie is older than what the server can refresh from)'
    : resultCode === 4
      ? `more than ${formatCount(REFRESH_MAX_ENTRIES)} entries changed, or the server's size limit`
      : `result code ${resultCode}`;
  return diagnosticMessage === '' ? what : `${what}: ${diagnosticMessage}`;
}

function syncStateOf(controls: readonly ResponseControl[]): SyncState {
  const control = controls.find((candidate) => candidate.oid === SYNC_STATE_OID);
  if (control === undefined || control.value === null) throw new Unavailable('an entry came without a sync state');
  return readSyncState(control.value);
}

interface SyncState {
  readonly state: number;
  readonly uuid: string;
  readonly cookie: Buffer | null;
}

/** syncStateValue ::= SEQUENCE { state ENUMERATED, entryUUID syncUUID, cookie syncCookie OPTIONAL } */
export function readSyncState(value: Buffer): SyncState {
  const cursor = new BerCursor(value);
  const { end } = cursor.enter(TAG.sequence, value.length);
  const state = readInteger(cursor, TAG.enumerated, end);
  const uuid = uuidText(octets(cursor, end));
  const cookie = cursor.pos < end ? octets(cursor, end) : null;
  return { state, uuid, cookie };
}

type SyncInfo = { readonly kind: 'cookie' | 'deletes' | 'present'; readonly cookie: Buffer | null; readonly departed: readonly string[] };

/**
 * syncInfoValue ::= CHOICE { newcookie [0], refreshDelete [1] SEQUENCE { cookie, refreshDone },
 * refreshPresent [2] SEQUENCE { cookie, refreshDone }, syncIdSet [3] SEQUENCE { cookie, refreshDeletes
 * BOOLEAN DEFAULT FALSE, syncUUIDs SET OF syncUUID } }
 */
export function readSyncInfo(value: Buffer): SyncInfo {
  const cursor = new BerCursor(value);
  const choice = cursor.enter(null, value.length);
  switch (choice.tag) {
    case 0x80:
      return { kind: 'cookie', cookie: Buffer.from(cursor.buf.subarray(cursor.pos, choice.end)), departed: [] };
    case 0xa1:
    case 0xa2: {
      const cookie = cursor.pos < choice.end && cursor.buf[cursor.pos] === TAG.octetString ? octets(cursor, choice.end) : null;
      return { kind: choice.tag === 0xa1 ? 'deletes' : 'present', cookie, departed: [] };
    }
    case 0xa3: {
      const next = (tag: number): boolean => cursor.pos < choice.end && cursor.buf[cursor.pos] === tag;
      const cookie = next(TAG.octetString) ? octets(cursor, choice.end) : null;
      const deletes = next(TAG.boolean) ? boolean(cursor, choice.end) : false;
      const set = cursor.enter(TAG.set, choice.end);
      const uuids: string[] = [];
      while (cursor.pos < set.end) uuids.push(uuidText(octets(cursor, set.end)));
      // Without refreshDeletes the set names entries still present: a present phase.
      return { kind: deletes ? 'deletes' : 'present', cookie, departed: deletes ? uuids : [] };
    }
    default:
      throw new Unavailable(`unknown sync info message 0x${choice.tag.toString(16)}`);
  }
}

/** syncDoneValue ::= SEQUENCE { cookie syncCookie OPTIONAL, refreshDeletes BOOLEAN DEFAULT FALSE } */
export function readSyncDone(controls: readonly ResponseControl[]): { cookie: Buffer | null; refreshDeletes: boolean } | null {
  const control = controls.find((candidate) => candidate.oid === SYNC_DONE_OID);
  if (control === undefined) return null;
  if (control.value === null) return { cookie: null, refreshDeletes: false };
  const cursor = new BerCursor(control.value);
  const { end } = cursor.enter(TAG.sequence, control.value.length);
  const cookie = cursor.pos < end && cursor.buf[cursor.pos] === TAG.octetString ? octets(cursor, end) : null;
  const refreshDeletes = cursor.pos < end ? boolean(cursor, end) : false;
  return { cookie, refreshDeletes };
}

function octets(cursor: BerCursor, limit: number): Buffer {
  const { end } = cursor.enter(TAG.octetString, limit);
  const bytes = Buffer.from(cursor.buf.subarray(cursor.pos, end));
  cursor.pos = end;
  return bytes;
}

function boolean(cursor: BerCursor, limit: number): boolean {
  const { end } = cursor.enter(TAG.boolean, limit);
  const value = cursor.buf[cursor.pos] !== 0;
  cursor.pos = end;
  return value;
}

/** A 16-byte syncUUID as entryUUID's text form (RFC 4530), lowercase as readId keeps it. */
export function uuidText(bytes: Buffer): string {
  if (bytes.length !== 16) throw new BerError(`a sync UUID of ${bytes.length} bytes`);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
