// pino logger writing JSON to stderr (stdout is kept for command output), with secrets redacted.
//
// The log format (docs/production.md "Logs"): one JSON object per line with `level`, `time`, `pid`,
// `name`, `msg` and the keys of the work it is about (`source`, `runId`, `jobId`, …), each key once.
// Two decisions are made here for every line:
// - `source` is bound once, by `sourceLogger`, to the logger of a source's work; log calls never repeat
//   it (lint forbids a `source` key in a log call), so no line carries the key twice.
// - An error under `err` is written as `{type, code, message}` when it reports an expected condition
//   (a refused bind, an unreachable host, throttling, a Redis outage: `expected: true` on the error, or
//   a socket error of Node's), and with its stack (and its causes') otherwise: a stack trace in the log
//   means a bug.
import { pino, type Logger } from 'pino';
import { scrubKnownSecrets, secretKeyNames } from './config/secrets.ts';

export type { Logger };

/** Keys that may hold secrets, wherever they appear in a logged object: the config's secret keys and HTTP's. */
function redactPaths(): string[] {
  const keys = [...secretKeyNames(), 'authorization'];
  return [...keys, ...keys.map((key) => `*.${key}`), 'headers.authorization', 'req.headers.authorization'];
}

/** Node's socket failures: a server away or unreachable (Redis, PostgreSQL, a directory), not a bug. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE']);

/**
 * An error that reports a condition of the world seatsync works in, which it handles as designed, rather
 * than a bug: error classes say it of themselves with `expected = true`.
 */
function isExpected(error: Error): boolean {
  if ((error as { expected?: unknown }).expected === true) return true;
  const { code, syscall } = error as NodeJS.ErrnoException;
  return syscall !== undefined && code !== undefined && NETWORK_CODES.has(code);
}

/** Marks an error of a library's class (BullMQ's UnrecoverableError) as reporting an expected condition. */
export function asExpected<E extends Error>(error: E): E & { readonly expected: true } {
  return Object.assign(error, { expected: true as const });
}

/** What an error looks like in the log: one line for an expected condition, the stack for a bug. */
function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (!isExpected(error)) return pino.stdSerializers.err(error);
  const code = (error as { code?: unknown }).code;
  return { type: error.name, ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}), message: error.message };
}

/**
 * Marks an error whose condition has its line in the log already (a failed run logs why it failed):
 * whoever catches it later (the job queue) says what it does about it without telling it again.
 */
export function alreadyLogged<E extends Error>(error: E): E {
  return Object.assign(error, { alreadyLogged: true });
}

export function isAlreadyLogged(error: unknown): boolean {
  return error instanceof Error && (error as { alreadyLogged?: unknown }).alreadyLogged === true;
}

/**
 * The logger of one source's work: every line it writes carries `source` once. The one place that binds
 * the key (a logger bound to the source already is returned as it is).
 */
export function sourceLogger(logger: Logger, source: string): Logger {
  return logger.bindings().source === source ? logger : logger.child({ source });
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A log level that is not one of LOG_LEVELS; the message names where it was given. */
export class LogLevelError extends Error {
  override readonly name = 'LogLevelError';
  readonly code = 'log-level';
  readonly expected = true;
}

/**
 * The log level: `given` (the command line's --log-level), else SEATSYNC_LOG_LEVEL, else LOG_LEVEL (an
 * empty variable counts as unset), else info. The first one present must be one of LOG_LEVELS: pino's
 * own refusal names neither the variable nor the levels.
 */
export function logLevel(given?: { readonly value: string; readonly from: string }, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = (name: string): { value: string; from: string } | undefined => (env[name] ? { value: env[name], from: name } : undefined);
  const chosen = given ?? fromEnv('SEATSYNC_LOG_LEVEL') ?? fromEnv('LOG_LEVEL');
  if (chosen === undefined) return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(chosen.value)) {
    throw new LogLevelError(`${chosen.from} must be one of ${LOG_LEVELS.join(', ')}, not "${chosen.value}"`);
  }
  return chosen.value;
}

/** `level` defaults to the environment's (see logLevel); either is checked there. */
export function createLogger(options: { level?: string; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'seatsync',
      level: logLevel(options.level === undefined ? undefined : { value: options.level, from: 'the log level' }),
      redact: { paths: redactPaths(), censor: '***' },
      base: { pid: process.pid },
      serializers: { err: serializeError },
      // A last line behind the redaction by key: a secret value inside any message or error (a library
      // quoting a connection URL) goes out as ***.
      hooks: { streamWrite: scrubKnownSecrets },
    },
    // Tests pass a stream of their own to read the lines exactly as they are written.
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

/** A logger that discards everything (tests, `--json` quiet paths). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
