// Exit codes of the `seatsync` command (SPEC §5).
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  held: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Raised by commands for bad usage (unknown account state, bad date, …): exit 2 with the message. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
