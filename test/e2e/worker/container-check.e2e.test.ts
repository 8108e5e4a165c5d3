// The container image's steps, without a Docker engine: .ci/container-check.sh builds in a temp copy,
// prunes to production dependencies in a clean copy with dist/, and runs the entrypoint from there
// (--help, a demo sync, `run` answering the HEALTHCHECK command, a clean SIGTERM).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, requireRedis } from '../../integration/worker/worker-fixtures.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

function runScript(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['.ci/container-check.sh'], { cwd: repo, env: { ...process.env, SEATSYNC_CHECK_REDIS_URL: REDIS_URL }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the container image steps', () => {
  let result: { code: number | null; output: string };

  beforeAll(async () => {
    await requireRedis();
    result = await runScript();
  }, 600_000);

  it('builds, prunes to production dependencies and runs the entrypoint from the pruned copy', () => {
    expect(result.output).toContain('ok: --help lists run, resync, sync, status');
    expect(result.output).toMatch(/ok: \d+ users seen, \d+ activated, \d+ blocked/);
    expect(result.output).toContain('ok: HEALTHCHECK passes against seatsync run');
    expect(result.output).toContain('ok: the console is served from dist/web');
    expect(result.output).toContain('ok: seatsync run stopped cleanly on SIGTERM');
    expect(result.code, result.output).toBe(0);
  });

  it('describes the image the script reproduces', () => {
    const dockerfile = readFileSync(`${repo}Dockerfile`, 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24-slim AS build$/m);
    expect(dockerfile).toMatch(/^FROM node:24-slim AS runtime$/m);
    expect(dockerfile).toContain('RUN npm ci --omit=dev');
    expect(dockerfile).toMatch(/^COPY web web$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('SEATSYNC_CONFIG=/etc/seatsync/seatsync.yaml');
    expect(dockerfile).toContain('ENTRYPOINT ["node", "/app/bin/seatsync.js"]');
    expect(dockerfile).toContain('CMD ["run"]');
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\/healthz/m);
  });
});
