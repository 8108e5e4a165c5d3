// The logger's last line of defence: a secret value the config held goes out as *** in any field or
// message, as is, percent-encoded or JSON-escaped (the logger writes to stderr: run in a child process).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

describe('createLogger', () => {
  it('scrubs every secret the config held out of every log line', () => {
    const secret = 'P@ss/w0rd#x?y"q';
    const script = `
      import { rememberSecrets } from '${src}config/secrets.ts';
      import { createLogger } from '${src}logging.ts';
      rememberSecrets([${JSON.stringify(secret)}]);
      const err = Object.assign(new Error('connect to ' + ${JSON.stringify(`postgres://app:${encodeURIComponent(secret)}@db/app`)}), { input: ${JSON.stringify(secret)} });
      createLogger({ level: 'info' }).error({ err, note: ${JSON.stringify(`say ${secret}`)} }, 'failed with ' + ${JSON.stringify(secret)});
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const line = JSON.parse(result.stderr) as { msg: string; note: string; err: { message: string; input: string } };
    expect(line.msg).toBe('failed with ***');
    expect(line.note).toBe('say ***');
    expect(line.err.message).toBe('connect to postgres://app:***@db/app');
    expect(line.err.input).toBe('***');
    for (const piece of ['w0rd', 'P@ss', 'P%40ss']) expect(result.stderr).not.toContain(piece);
  });
});
