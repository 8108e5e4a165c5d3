// SPEC §8, memory: the peak resident memory of `seatsync sync --full` (the CLI, as a deployment runs it)
// making a first sync of BENCH_USERS (default 1,000,000) LDAP users from OpenLDAP into a fresh
// PostgreSQL database, measured from outside with `/usr/bin/time -v` (Debian package `time`). Target:
// under 512 MB. Floor: `seatsync status` with the same config (Node, the CLI's code and an open
// database; nothing synced), measured in the same run.
//
// Seeding a million entries takes a while the first time; the seeded directory is cached (see
// lib/slapd-fixture.ts).
//
//   node bench/memory.ts        (BENCH_USERS)
import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { openTestDatabase } from '../test/support/databases.ts';
import { writeBenchLdapYaml } from './lib/ldap-bench-config.ts';
import { startBenchSlapd } from './lib/slapd-fixture.ts';
import { report } from './support.ts';

const USERS = Number(process.env.BENCH_USERS ?? 1_000_000);
const TIME = '/usr/bin/time';
const BIN = fileURLToPath(new URL('../bin/seatsync.js', import.meta.url));
const MB = 1024 * 1024;

interface Measured {
  readonly peakBytes: number;
  readonly wallMs: number;
  readonly stdout: string;
}

/** Runs the CLI under `/usr/bin/time -v`, whose report comes last on stderr. */
function measure(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    execFile(TIME, ['-v', process.execPath, BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 * MB }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`seatsync ${args.join(' ')} failed: ${error.message}\n${stderr.slice(-4000)}`));
        return;
      }
      const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
      if (kb === undefined) {
        reject(new Error(`no peak memory in the output of ${TIME}:\n${stderr.slice(-2000)}`));
        return;
      }
      resolve({ peakBytes: Number(kb) * 1024, wallMs: Date.now() - started, stdout });
    });
  });
}

async function main(): Promise<void> {
  await access(TIME).catch(() => {
    throw new Error(`${TIME} is missing: apt-get install -y time (or run .ci/install-system.sh)`);
  });
  const slapd = await startBenchSlapd({ users: USERS });
  const database = await openTestDatabase('postgres');
  const dir = await mkdtemp(join(tmpdir(), 'seatsync-bench-memory-'));
  try {
    const config = writeBenchLdapYaml({ dir, slapd, users: USERS, databaseUrl: database.url ?? '' });
    const env = { BENCH_LDAP_PASSWORD: slapd.readerPassword, SEATSYNC_LOG_LEVEL: 'warn' };
    const idle = await measure(['status', '--config', config], env);
    const sync = await measure(['sync', '--full', '--json', '--config', config], env);
    const run = (JSON.parse(sync.stdout) as { runs?: { status?: string; seen?: number; created?: number }[] }).runs?.[0];
    if (run?.status !== 'ok' || run.seen !== USERS || run.created !== USERS) throw new Error(`unexpected sync result: ${sync.stdout.slice(0, 2000)}`);
    report('memory', [
      {
        name: `peak RSS of \`seatsync sync --full\`: first LDAP sync of ${USERS.toLocaleString('en-US')} users into PostgreSQL (/usr/bin/time -v)`,
        value: sync.peakBytes / MB,
        unit: 'MB',
        floorValue: idle.peakBytes / MB,
        floor: '`seatsync status` with the same config (nothing synced)',
        target: { max: 512 },
        extra: { syncWallMs: sync.wallMs, run },
      },
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await database.drop();
    await slapd.stop();
  }
}

await main();
