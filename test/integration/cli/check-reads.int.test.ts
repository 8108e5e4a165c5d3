// `seatsync check` reads a directory once: the dry run's read is also the check's count of the users,
// its samples and its group sizes, which say what a read of the check's own said. And it opens the
// database once: the dry runs plan against the database its check opened.
import type * as NodeFs from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkCommand } from '../../../src/cli/check-action.ts';
import { loadContext, type CommandContext } from '../../../src/cli/context.ts';
import type { Output } from '../../../src/cli/output.ts';
import type * as DbModule from '../../../src/store/db.ts';
import { runCli } from '../../support/cli.ts';
import { aConfigYaml } from '../../support/config-builder.ts';
import { REDIS_URL, uniquePrefix } from '../worker/worker-fixtures.ts';

const opened = vi.hoisted(() => [] as string[]);
const databases = vi.hoisted(() => [] as string[]);

// Every read of a file source opens its file with createReadStream.
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>();
  const createReadStream = ((...args: Parameters<typeof fs.createReadStream>) => {
    opened.push(String(args[0]));
    return fs.createReadStream(...args);
  }) as typeof fs.createReadStream;
  return { ...fs, default: { ...fs, createReadStream }, createReadStream };
});

vi.mock('../../../src/store/db.ts', async (importOriginal) => {
  const db = await importOriginal<typeof DbModule>();
  const openDatabase: typeof db.openDatabase = (options) => {
    databases.push(options.url ?? options.dataDir);
    return db.openDatabase(options);
  };
  return { ...db, openDatabase };
});

interface Step { name: string; ok: boolean; detail: string }
interface CheckJson { sources: { source: string; ok: boolean; steps: Step[]; usersInScope: number | null; sample: { username: string }[]; groupSizes: Record<string, number> }[] }

function capture(): Output & { readonly documents: unknown[] } {
  const documents: unknown[] = [];
  return { documents, isTty: false, line: () => undefined, json: (value) => void documents.push(value), progress: () => undefined, endProgress: () => undefined };
}

describe('check reads each directory once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-check-reads-'));
  const csv = join(dir, 'staff.csv');
  const config = join(dir, 'seatsync.yaml');
  let ctx: CommandContext;

  beforeAll(async () => {
    writeFileSync(csv, ['id,username,enabled,groups', '1,ada,true,Staff', '2,bob,false,Staff', '3,cy,true,Other', 'no id here'].join('\n'));
    writeFileSync(config, aConfigYaml({
      dataDir: join(dir, 'data'),
      redis: { url: REDIS_URL, prefix: uniquePrefix('check-reads') },
      sources: { staff: csv },
      seats: { primary: 1 },
      profiles: [{ name: 'staff', memberOf: 'Staff', pools: ['primary'] }],
    }));
    ctx = await loadContext({ config, logLevel: 'silent' });
  });

  // Each test counts the opens of its own check, whichever test runs first.
  beforeEach(() => {
    opened.length = 0;
    databases.length = 0;
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it('counts the users, samples and group members from the dry run\'s read, the one read of the file', async () => {
    const out = capture();
    await checkCommand(ctx, out, { source: [], json: true });
    expect(opened.filter((path) => path === csv)).toHaveLength(1);
    const [staff] = (out.documents[0] as CheckJson).sources;
    expect(staff?.steps.map((s) => [s.name, s.ok])).toEqual([['file', true], ['users', true], ['skipped entries', false], ['dry run', true]]);
    expect(staff?.steps[1]?.detail).toBe('3 users in the file (1 disabled)');
    expect(staff?.steps[2]?.detail).toMatch(/^1 entries skipped: /);
    expect(staff).toMatchObject({ ok: true, usersInScope: 3, groupSizes: { staff: 2 } });
    // The sample is the first two users of the read, and a file is read in its order (file-check.ts).
    expect(staff?.sample.map((u) => u.username)).toEqual(['ada', 'bob']);
  });

  it('opens the database once: its check and the dry runs share it', async () => {
    const sync = await runCli(['sync', '--config', config]);
    expect(sync.code, sync.stderr).toBe(0);
    const out = capture();
    await checkCommand(ctx, out, { source: [], json: true });
    const [staff] = (out.documents[0] as CheckJson).sources;
    expect(staff?.steps.at(-1)).toMatchObject({ name: 'dry run', ok: true, detail: expect.stringMatching(/^a dry run of a sync now, rolled back: /) });
    expect(databases).toEqual([join(dir, 'data')]);
  });
});
