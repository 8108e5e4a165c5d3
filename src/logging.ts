// pino logger writing JSON to stderr (stdout is kept for command output), with secrets redacted.
import { pino, type Logger } from 'pino';
import { scrubKnownSecrets, secretKeyNames } from './config/secrets.ts';

export type { Logger };

/** Keys that may hold secrets, wherever they appear in a logged object: the config's secret keys and HTTP's. */
function redactPaths(): string[] {
  const keys = [...secretKeyNames(), 'authorization'];
  return [...keys, ...keys.map((key) => `*.${key}`), 'headers.authorization', 'req.headers.authorization'];
}

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'seatsync',
      level: options.level ?? process.env.SEATSYNC_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: redactPaths(), censor: '***' },
      base: { pid: process.pid },
      // A last line behind the redaction by key: a secret value inside any message or error (a library
      // quoting a connection URL) goes out as ***.
      hooks: { streamWrite: scrubKnownSecrets },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}

/** A logger that discards everything (tests, `--json` quiet paths). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
