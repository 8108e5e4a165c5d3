// Started on a Node.js older than 24 (the machine's own /usr/bin/node), every entry point says in one
// line that Node.js 24 is needed and how to get it, instead of failing on the `.ts` extension: the
// `seatsync` command, and every npm script in a checkout where `npm ci` has not installed Node.js 24.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const OLD_NODE = '/usr/bin/node';
const MESSAGE = /^seatsync needs Node\.js 24, this is v\d+\.\d+\.\d+ \(\/usr\/bin\/node\): run "npm ci" in the seatsync folder .* or install Node\.js 24 from https:\/\/nodejs\.org$/;

function run(command: string, args: readonly string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  // PATH without node_modules/.bin: `node` is the machine's own.
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: tmpdir() }, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const messageLines = (text: string): string[] => text.split('\n').filter((line) => MESSAGE.test(line));

describe('on a Node.js older than 24', () => {
  beforeAll(() => {
    const version = existsSync(OLD_NODE) ? run(OLD_NODE, ['--version'], repo).stdout.trim() : '';
    if (!/^v(1\d|2[0-3])\./.test(version)) {
      throw new Error(`this test needs an older Node.js at ${OLD_NODE} (found "${version || 'none'}"): apt-get install nodejs`);
    }
    if (!existsSync('/usr/bin/npm')) throw new Error('this test needs npm at /usr/bin/npm for the older Node.js: apt-get install npm');
  });

  it('the seatsync command prints one line saying what it needs, and exits 1', () => {
    const result = run(OLD_NODE, [join(repo, 'bin/seatsync.js'), 'status'], repo);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr.trimEnd()).toMatch(MESSAGE);
  });

  it('every npm script that runs Node.js code stops with that line in a checkout without Node.js 24', () => {
    const checkout = mkdtempSync(join(tmpdir(), 'seatsync-old-node-'));
    cpSync(join(repo, 'package.json'), join(checkout, 'package.json'));
    cpSync(join(repo, 'bin'), join(checkout, 'bin'), { recursive: true });
    const scripts = Object.keys((JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const entryPoints = scripts.filter((name) => !name.startsWith('pre'));
    expect(entryPoints).toEqual(expect.arrayContaining(['seatsync', 'demo', 'build', 'typecheck', 'lint', 'test', 'test:unit', 'bench', 'container-check']));
    for (const script of entryPoints) {
      const result = run('/usr/bin/npm', ['run', script], checkout);
      expect(result.status, `npm run ${script}`).not.toBe(0);
      expect(messageLines(result.stderr), `npm run ${script}:\n${result.stderr}`).toHaveLength(1);
    }
  }, 120_000);
});
