// `seatsync check` on a file source whose next sync would be held (SPEC rule 10): the check passes (it
// makes no sync, so it exits 0, not 3), its dry run says what the sync would hold for and what it would
// do once removals are allowed, from one dry run (one read of the file), and it writes nothing; the sync
// then is held as check said, and `--allow-removals` applies the plan check showed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, requireRedis, uniquePrefix } from '../integration/worker/worker-fixtures.ts';
import { runCli } from '../support/cli.ts';
import { aConfigYaml } from '../support/config-builder.ts';
import { writeMarks } from '../support/stored-state.ts';
import { logLines } from '../support/log-lines.ts';
import type { SourcePlanJson } from '../../src/cli/check-plan.ts';

interface CheckJson { sources: { source: string; ok: boolean; steps: { name: string; ok: boolean; detail: string }[]; plan: SourcePlanJson | null }[] }
interface Account { username: string; state: string }

const staff = (numbers: readonly number[]): string => ['id,username', ...numbers.map((n) => `${n},u${String(n).padStart(2, '0')}`)].join('\n');

describe('check when the next sync would be held', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-check-held-'));
  const csv = join(dir, 'staff.csv');
  const config = join(dir, 'seatsync.yaml');
  const cli = (...args: string[]) => runCli([...args, '--config', config], { env: { SEATSYNC_LOG_LEVEL: 'info' } });

  const stored = (): Promise<string> => writeMarks(join(dir, 'data'));

  let before: string;

  beforeAll(async () => {
    await requireRedis();
    writeFileSync(config, aConfigYaml({
      dataDir: join(dir, 'data'),
      redis: { url: REDIS_URL, prefix: uniquePrefix('check-held') },
      sources: { staff: csv },
      seats: { primary: 4 },
      policy: { maxRemovals: 2 },
    }));
    // Ten staff for four seats: u01–u04 hold them, u05–u10 wait. Then four of them leave the file,
    // two holders (u01, u02) and two waiting (u05, u06): four removals where two are allowed.
    writeFileSync(csv, staff([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    const first = await cli('sync');
    expect(first.code, first.stderr).toBe(0);
    writeFileSync(csv, staff([3, 4, 7, 8, 9, 10]));
    before = await stored();
  }, 120_000);

  it('passes, says the sync would be held and what it would do with removals allowed, from one dry run, writing nothing', async () => {
    const human = await cli('check');
    expect(human.code, human.stdout + human.stderr).toBe(0);
    expect(human.stdout).toMatch(/source staff \(file\): OK\n/);
    expect(human.stdout).toContain('✓ dry run: a dry run of a sync now, rolled back: 6 accounts would change state: 4 removed, 2 activated');
    expect(human.stdout).toContain('a sync now would leave 6 accounts of this source:');
    expect(human.stdout).toMatch(/^ {4}staff\s+6\s+4\s+2\s+0$/m);
    expect(human.stdout).toMatch(/^ {4}primary\s+4\s+4\s+2\s+4\s+2$/m);
    expect(human.stdout).toContain(
      'a sync now would be HELD: it would disable 0 and remove 4 of 10 accounts (policy.maxRemovals allows 2 per run); the numbers above are what it would do with --allow-removals',
    );
    // One dry run, so one read of the file.
    expect(logLines(human.stderr).filter((line) => line.msg === 'sync started')).toHaveLength(1);

    const json = await cli('check', '--json');
    expect(json.code, json.stderr).toBe(0);
    const [source] = (JSON.parse(json.stdout) as CheckJson).sources;
    expect(source?.ok).toBe(true);
    expect(source?.plan).toEqual({
      accounts: 6,
      profiles: [{ profile: 'staff', accounts: 6, active: 4, blocked: 2, other: 0 }],
      pools: [{ pool: 'primary', seats: 4, held: 4, blocked: 2, used: 4, waiting: 2 }],
      held: { wouldDisable: 0, wouldRemove: 4, total: 10, threshold: 2, reason: 'removals' },
    });
    expect(await stored()).toBe(before);
  }, 120_000);

  it('is right: the sync is held (exit 3), and with --allow-removals it does what check showed', async () => {
    const held = await cli('sync');
    expect(held.code, held.stderr).toBe(3);
    expect(held.stdout).toContain('staff: HELD — it would disable 0 and remove 4 of 10 accounts (policy.maxRemovals allows 2 per run)');
    // status says so too, with the reason and the way out, until a run of the source is applied.
    const status = await cli('status');
    expect(status.stdout).toContain(
      'staff: HELD — it would disable 0 and remove 4 of 10 accounts (policy.maxRemovals allows 2 per run). Nothing was applied. ' +
        'See which accounts it would disable or remove with:\n  seatsync sync --source staff --dry-run --allow-removals --only disabled,removed\n' +
        'If this is right, apply it with:\n  seatsync sync --source staff --allow-removals',
    );
    // The command it names lists the four accounts the run would remove, and writes nothing.
    const review = await cli('sync', '--source', 'staff', '--dry-run', '--allow-removals', '--only', 'disabled,removed');
    expect(review.code, review.stderr).toBe(0);
    expect(review.stdout).toContain('removed (4):');
    for (const u of ['u01', 'u02', 'u05', 'u06']) expect(review.stdout).toMatch(new RegExp(`^${u} +(active|blocked) +removed +removed`, 'm'));
    expect((await cli('status')).stdout).toContain('staff: HELD');
    const applied = await cli('sync', '--allow-removals');
    expect(applied.code, applied.stderr).toBe(0);
    const accounts = JSON.parse((await cli('accounts', '--json')).stdout) as Account[];
    const present = accounts.filter((a) => a.state !== 'removed');
    expect(present.filter((a) => a.state === 'active').map((a) => a.username).sort()).toEqual(['u03', 'u04', 'u07', 'u08']);
    expect(present.filter((a) => a.state === 'blocked').map((a) => a.username).sort()).toEqual(['u09', 'u10']);
    expect((await cli('status')).stdout).not.toContain('HELD');
  }, 120_000);
});
