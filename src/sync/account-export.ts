// The account export (CSV) shared by `seatsync accounts --csv` and `GET /api/v1/accounts?format=csv`.
import type { AccountView } from '../store/repositories.ts';

/** Columns of the export, in order: the fields of SPEC §5 `accounts --json`. */
export const ACCOUNT_CSV_COLUMNS = [
  'id', 'source', 'externalId', 'username', 'email', 'displayName', 'state', 'profile', 'pools', 'waitingFor',
  'protected', 'waitingSince', 'activatedAt', 'graceUntil', 'updatedAt',
] as const satisfies readonly (keyof AccountView)[];

/** RFC 4180 field quoting. Values starting with = + - @ are prefixed with ' against spreadsheet formula injection. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = Array.isArray(value) ? value.join(';') : String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: readonly unknown[]): string {
  return values.map(csvField).join(',');
}

