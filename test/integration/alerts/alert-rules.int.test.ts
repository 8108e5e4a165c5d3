// The shipped Prometheus alert rules: valid (`promtool check rules`), firing and staying quiet as their
// cases say (`promtool test rules`, seatsync-alerts.test.yml), and written against metric names the
// worker really exposes.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/http/metrics.ts';

const RULES = fileURLToPath(new URL('../../../deploy/prometheus/seatsync-alerts.yml', import.meta.url));
const CASES = fileURLToPath(new URL('./seatsync-alerts.test.yml', import.meta.url));
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

async function promtool(args: readonly string[], input?: string): Promise<{ code: number; output: string }> {
  try {
    const running = promisify(execFile)(PROMTOOL, args, { cwd: fileURLToPath(new URL('.', import.meta.url)) });
    if (input !== undefined) running.child.stdin?.end(input);
    const { stdout, stderr } = await running;
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${PROMTOOL} not found: apt-get install prometheus (Debian's package has promtool), or set PROMTOOL`);
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('Prometheus alert rules', () => {
  it('pass promtool check rules', async () => {
    const result = await promtool(['check', 'rules', RULES]);
    expect(result.output).toContain('SUCCESS: 8 rules found');
    expect(result.code).toBe(0);
  });

  it('fire and stay quiet as their test cases say', async () => {
    const result = await promtool(['test', 'rules', CASES]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('use only metric names the worker exposes', async () => {
    const exposed = await aWorkersMetrics();
    const used = new Set(readFileSync(RULES, 'utf8').match(/seatsync_[a-z_]+/g));
    expect(used.size).toBeGreaterThanOrEqual(8);
    for (const name of used) expect(exposed, name).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
  });

  it('are read from an exposition that passes promtool check metrics (an operator lints the scrape with it)', async () => {
    const result = await promtool(['check', 'metrics'], await aWorkersMetrics());
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});

/** What the worker's `/metrics` serves, with a pool, a source, a target and a run of each outcome. */
async function aWorkersMetrics(): Promise<string> {
  const metrics = createMetrics({
    snapshot: async () => ({
      pools: [{ name: 'primary', seats: 1, used: 1, available: 0, waiting: 1 }],
      outbox: { pending: 0, failed: 0, oldestPendingAt: null },
      sources: [{ source: 'hr', lastSuccess: { runId: '1', finishedAt: new Date() }, consecutiveFailures: 0, failingSince: null, lastError: null }],
      overdue: new Set(['hr']),
      firstSeen: new Map([['hr', new Date()]]),
      targets: [{ name: 'app', kind: 'scim', pending: 0, failed: 0, lastDeliveryAt: null, lastReconcileAt: null, drift: { missing: 0 }, lastError: null }],
      frozen: new Map([['hr', 2]]),
    }),
  });
  for (const status of ['ok', 'held', 'failed'] as const) metrics.observeRun({ source: 'hr', status, durationMs: 1200, seen: 3, dryRun: false });
  metrics.observeConfigReload({ ok: true });
  return metrics.registry.metrics();
}
