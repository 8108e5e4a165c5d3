// `seatsync run` as a process with a SCIM target (a scimmy-based application over HTTPS) and a webhook
// receiver: a scheduled sync (the first one runs at start) reaches both within seconds, the target's
// scheduled reconcile (its first tick also at start) repairs what was changed behind seatsync's back, and /metrics shows each target; `seatsync check` tests them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../support/cli.ts';
import { SCIM_TOKEN, TestScimServer } from '../../support/scim/scim-server.ts';
import { createTestCa } from '../../support/test-ca.ts';
import { TestWebhookReceiver } from '../../support/webhook-receiver.ts';
import {
  aConfigDir, manyPeople, spawnWorker, waitFor, type ConfigDir, type WorkerConfigOptions, type WorkerProcess,
} from '../../integration/worker/worker-fixtures.ts';
import { workerServicesOf } from '../../integration/worker/worker-services.ts';

const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

describe('seatsync run with targets', () => {
  const services = workerServicesOf('targets');
  let dir: ConfigDir;
  let scim: TestScimServer;
  let hooks: TestWebhookReceiver;
  let options: WorkerConfigOptions;
  let worker: WorkerProcess | undefined;
  let second: WorkerProcess | undefined;

  beforeAll(async () => {
    const ca = await createTestCa(join(mkdtempSync(join(tmpdir(), 'seatsync-targets-ca-')), 'ca'));
    scim = await TestScimServer.start(ca);
    hooks = await TestWebhookReceiver.start(ca, SECRET);
    dir = services.dir;
    const targets = [
      'targets:',
      `  - { name: app, kind: scim, url: "${scim.url}", token: ${SCIM_TOKEN}, tls: { ca: "${ca.certPath}" }, schedule: { every: 1m } }`,
      `  - { name: events, kind: webhook, url: "${hooks.url}", secret: "${SECRET}", tls: { ca: "${ca.certPath}" } }`,
    ].join('\n');
    options = {
      ...(await services.configOptions()), sources: { hr: dir.writeCsv('hr', manyPeople(4)) }, seats: { primary: 3 }, schedule: '{ every: 1m }',
      extra: targets,
    };
    dir.writeConfig(options);
  });

  afterAll(async () => {
    await worker?.stop();
    await second?.stop();
    await hooks?.close();
    await scim?.close();
  });

  it('seatsync check tests each target', async () => {
    const result = await runCli(['check', '--json', '--config', dir.configPath]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { targets: { target: string; ok: boolean; detail: string }[] };
    expect(report.targets).toEqual([
      { target: 'app', kind: 'scim', ok: true, detail: expect.stringContaining('PATCH and filter supported, 0 users') },
      { target: 'events', kind: 'webhook', ok: true, detail: expect.stringContaining('accepted a signed seatsync.ping event') },
    ]);
    expect(hooks.events.map((e) => e.type)).toEqual(['seatsync.ping']);
  });

  it('a scheduled sync reaches the application and the receiver; a scheduled reconcile repairs drift; /metrics shows the targets', async () => {
    // Behind seatsync's back: a user seatsync never had, active in the application.
    scim.store.writeUser(undefined, { userName: 'ghost', externalId: 'ghost-1', active: true });
    worker = spawnWorker(dir.configPath);
    const base = await worker.started;
    await waitFor(async () => scim.store.users.size === 5 && hooks.events.length >= 6, { what: 'the first sync delivered to both targets', timeoutMs: 30_000 });
    expect(hooks.events.slice(1).map((e) => e.type).sort()).toEqual(['account.activated', 'account.activated', 'account.activated', 'account.blocked', 'pool.full']);
    await waitFor(async () => scim.store.byExternalId('ghost-1')?.active === false, { what: 'the scheduled reconcile deactivating the unknown user', timeoutMs: 30_000 });
    expect([...scim.store.users.values()].filter((u) => u.active).length).toBe(3);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/seatsync_target_pending\{target="app"\} 0/);
    expect(metrics).toMatch(/seatsync_target_failed\{target="events"\} 0/);
    expect(metrics).toMatch(/seatsync_target_last_delivery_timestamp_seconds\{target="app"\} \d/);
    expect(metrics).toMatch(/seatsync_target_drift\{target="app",kind="shouldBeInactive"\} 1/);
  });

  it('two workers: every change reaches the application once, each account in its final state', async () => {
    const other = aConfigDir();
    other.writeConfig(options);
    second = spawnWorker(other.configPath);
    await second.started;
    const list = manyPeople(12).map((p, i) => (i === 0 || i === 5 ? { ...p, enabled: false } : p));
    dir.writeCsv('hr', list);
    const resync = await runCli(['resync', '--wait', '--config', dir.configPath]);
    expect(resync.code, resync.stderr).toBe(0);
    const expected = (users: typeof scim.store.users): boolean =>
      users.size === 13 && [...users.values()].filter((u) => u.externalId !== 'ghost-1').filter((u) => u.active).map((u) => u.userName).sort().join() === ['p000002', 'p000003', 'p000004'].join();
    await waitFor(async () => expected(scim.store.users), { what: 'the application matching the accounts', timeoutMs: 60_000 });
    expect(scim.count('POST', '/Users')).toBe(12); // ghost was written into the store, not POSTed
    const events = hooks.events.filter((e) => e.type.startsWith('account.'));
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('check fails, naming the target, when the application is down', async () => {
    await scim.down();
    try {
      const result = await runCli(['check', '--config', dir.configPath]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/target app \(scim\): FAILED: connection: 127\.0\.0\.1:\d+ unreachable/);
    } finally {
      await scim.up();
    }
  });
});
