// Exit codes of the `seatsync` command (SPEC §5).
import { unknownNames } from '../domain/names.ts';

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  held: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Every name a command was given is configured; else a usage error in the API's words (`unknownNames`). */
export function requireConfigured(kind: 'source' | 'pool', names: readonly string[], configured: readonly string[]): void {
  const unknown = unknownNames(kind, names, configured);
  if (unknown !== null) throw new UsageError(unknown);
}

/** Raised by commands for bad usage (unknown account state, bad date, …): exit 2 with the message. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
