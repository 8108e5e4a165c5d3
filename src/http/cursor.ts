// Opaque cursors of the paged lists (`nextCursor` → `cursor`): the position after which (accounts) or
// before which (audit) the next page starts, as base64url of `<list>:<row id>`. The list name inside
// keeps a cursor of one list from being taken for a position in another.
import { ApiError } from './errors.ts';

export type CursorList = 'accounts' | 'audit';

/** Row ids are PostgreSQL bigints: at most 19 digits. */
const ROW_ID = /^[0-9]{1,19}$/;

export function encodeCursor(list: CursorList, rowId: string | number): string {
  return Buffer.from(`${list}:${rowId}`, 'utf8').toString('base64url');
}

/** The row id inside a cursor this API handed out for `list`; a 400 for anything else. */
export function decodeCursor(list: CursorList, cursor: string): string {
  const [name, rowId] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  if (name !== list || rowId === undefined || !ROW_ID.test(rowId) || BigInt(rowId) > 9_223_372_036_854_775_807n) {
    throw new ApiError(400, 'validation', `cursor: not a cursor of this list; pass the nextCursor of the previous page of ${list}`);
  }
  return rowId;
}
