// The log format decided in src/logging.ts, on the lines the real logger writes: `source` once per line,
// expected conditions as one line without a stack, bugs with their stack.
import { describe, expect, it } from 'vitest';
import { alreadyLogged, asExpected, createLogger, isAlreadyLogged, logLevel, LogLevelError, sourceLogger } from '../../src/logging.ts';
import { SourceError } from '../../src/sources/directory-source.ts';
import { capturedLog, keysWrittenTwice, logLines, repeatedKeys } from '../support/log-lines.ts';

function logger() {
  const captured = capturedLog();
  return { log: createLogger({ level: 'debug', destination: captured.destination }), text: captured.text };
}

describe('the duplicate-key check of the tests', () => {
  it('finds a key written twice in one object, at any depth, and not across objects or inside strings', () => {
    expect(keysWrittenTwice('{"a":1,"source":"x","b":{"c":2},"source":"x"}')).toEqual(['source']);
    expect(keysWrittenTwice('{"a":{"k":1,"k":2}}')).toEqual(['k']);
    expect(keysWrittenTwice('{"a":[{"k":1},{"k":2}],"b":{"k":"\\"k\\":"}}')).toEqual([]);
  });
});

describe('sourceLogger', () => {
  it('binds source once, however often it is asked for', () => {
    const { log, text } = logger();
    const run = sourceLogger(sourceLogger(log, 'hr'), 'hr').child({ runId: '7' });
    sourceLogger(run, 'hr').info({ seen: 3 }, 'sync finished');
    expect(repeatedKeys(text())).toEqual([]);
    expect(logLines(text())).toEqual([expect.objectContaining({ source: 'hr', runId: '7', seen: 3, msg: 'sync finished' })]);
  });
});

describe('errors in the log', () => {
  it('writes an expected condition as one line: type, code and message, no stack', () => {
    const { log, text } = logger();
    const refused = new SourceError('corp', 'auth', 'ldap://dc1: invalid credentials (bind as cn=reader)', { cause: new Error('49') });
    log.error({ err: refused }, 'sync failed; nothing was applied');
    expect(text().trim().split('\n')).toHaveLength(1);
    expect(text()).not.toContain('stack');
    expect(logLines(text())[0]?.err).toEqual({ type: 'SourceError', code: 'auth', message: 'corp: ldap://dc1: invalid credentials (bind as cn=reader)' });
  });

  it('keeps the stack of a bug, and of a source error no rule foresaw (protocol)', () => {
    const { log, text } = logger();
    log.error({ err: new TypeError("Cannot read properties of undefined (reading 'dn')") }, 'sync failed; nothing was applied');
    log.error({ err: new SourceError('corp', 'protocol', 'LDAP result 80: other') }, 'sync failed; nothing was applied');
    const [bug, protocol] = logLines(text()) as unknown as { err: { stack?: string } }[];
    expect(bug?.err.stack).toMatch(/^TypeError: Cannot read properties.*\n\s+at /);
    expect(protocol?.err.stack).toMatch(/^SourceError: corp: LDAP result 80/);
  });

  it('takes a socket error of Node (a server away) for an expected condition', () => {
    const { log, text } = logger();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 });
    log.error({ err: refused }, 'worker error');
    expect(logLines(text())[0]?.err).toEqual({ type: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:6379' });
  });

  it('marks a library error as expected, and one that was logged already', () => {
    const { log, text } = logger();
    const error = alreadyLogged(asExpected(new Error('hr: bad config')));
    expect(isAlreadyLogged(error)).toBe(true);
    expect(isAlreadyLogged(new Error('x'))).toBe(false);
    log.warn({ err: error }, 'job failed');
    expect(text()).not.toContain('stack');
  });
});

describe('logLevel', () => {
  it('takes the given level, else SEATSYNC_LOG_LEVEL, else LOG_LEVEL, else info; an empty variable is unset', () => {
    expect(logLevel({ value: 'debug', from: '--log-level' }, { SEATSYNC_LOG_LEVEL: 'bogus' })).toBe('debug');
    expect(logLevel(undefined, { SEATSYNC_LOG_LEVEL: 'warn', LOG_LEVEL: 'trace' })).toBe('warn');
    expect(logLevel(undefined, { SEATSYNC_LOG_LEVEL: '', LOG_LEVEL: 'trace' })).toBe('trace');
    expect(logLevel(undefined, {})).toBe('info');
  });

  it('refuses an unknown level, naming where it came from and the levels there are', () => {
    const levels = 'fatal, error, warn, info, debug, trace, silent';
    expect(() => logLevel(undefined, { SEATSYNC_LOG_LEVEL: 'bogus' })).toThrow(new LogLevelError(`SEATSYNC_LOG_LEVEL must be one of ${levels}, not "bogus"`));
    expect(() => logLevel(undefined, { LOG_LEVEL: 'loud' })).toThrow(`LOG_LEVEL must be one of ${levels}, not "loud"`);
    expect(() => logLevel({ value: 'Info', from: '--log-level' }, {})).toThrow(`--log-level must be one of ${levels}, not "Info"`);
  });
});
