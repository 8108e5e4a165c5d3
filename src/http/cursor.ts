// Opaque cursors of the paged lists (`nextCursor` → `cursor`): the position after which (accounts) or
// before which (audit) the next page starts, as base64url of `<list>:<row id>`. The list name inside
// keeps a cursor of one list from being taken for a position in another.
import { ApiError } from './errors.ts';

export type CursorList = 'accounts' | 'audit';

const CURSOR_TEXT = /^(accounts|audit):([0-9]{1,19})$/;

/** The largest row id of each list: account ids are PostgreSQL integers, audit ids bigints. */
const MAX_ROW_ID: Record<CursorList, bigint> = { accounts: 2_147_483_647n, audit: 9_223_372_036_854_775_807n };

export function encodeCursor(list: CursorList, rowId: string | number): string {
  return Buffer.from(`${list}:${rowId}`, 'utf8').toString('base64url');
}

/** The row id inside a cursor this API handed out for `list`; a 400 for anything else. */
export function decodeCursor(list: CursorList, cursor: string): string {
  const [, name, rowId] = CURSOR_TEXT.exec(Buffer.from(cursor, 'base64url').toString('utf8')) ?? [];
  if (name !== list || rowId === undefined || BigInt(rowId) > MAX_ROW_ID[list]) {
    throw new ApiError(400, 'validation', `cursor: not a cursor of this list; pass the nextCursor of the previous page of ${list}`);
  }
  return rowId;
}
