// SPEC §8, a million users: `seatsync sync` (the CLI, as a deployment runs it) making a first sync of
// BENCH_USERS (default 1,000,000) OpenLDAP users over plain LDAP into a fresh PostgreSQL database, under
// `/usr/bin/time -v` (Debian package `time`), BENCH_ROUNDS rounds (default 5).
//
// 1. Peak resident memory. Target: under 512 MB. Floor: `seatsync status` with the same config (Node,
//    the CLI's code and an open database; nothing synced).
// 2. Wall time, from the process's start to its exit. Floor, composite, measured in each round:
//    `ldapsearch -x -E pr=1000/noprompt` of the same entries over the same transport plus `psql \copy` of
//    the accounts and audit rows the sync wrote into tables with the same indexes. Target ≤ 1.5×.
//
// Seeding a million entries takes a while the first time; the seeded directory is cached (see
// lib/slapd-fixture.ts).
//
//   node bench/memory.ts        (BENCH_USERS, BENCH_ROUNDS)
import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { openTestDatabase } from '../test/support/databases.ts';
import { BIN } from './lib/cli-process.ts';
import { saveWrittenRows, timeCopyFloor, type WrittenRows } from './lib/copy-floor.ts';
import { benchLdapEnv, benchLdapSource, PROFILE_ATTRIBUTES, writeBenchLdapYaml } from './lib/ldap-bench-config.ts';
import { readThroughLdapsearch } from './lib/ldapsearch-floor.ts';
import { startBenchSlapd } from './lib/slapd-fixture.ts';
import { figureOf, report, roundTurn, roundsFromEnv } from './support.ts';

const USERS = Number(process.env.BENCH_USERS ?? 1_000_000);
const ROUNDS = roundsFromEnv(5);
const TIME = '/usr/bin/time';
const MB = 1024 * 1024;
const TRANSPORT = 'ldap';

interface Measured {
  readonly peakBytes: number;
  readonly wallMs: number;
  readonly stdout: string;
}

/** Runs the CLI under `/usr/bin/time -v`, whose report comes last on stderr. */
function measure(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    execFile(TIME, ['-v', process.execPath, BIN, ...args], { env: { ...process.env, SEATSYNC_LOG_LEVEL: 'warn', ...env }, maxBuffer: 64 * MB }, (error, stdout, stderr) => {
      const wallMs = performance.now() - started;
      if (error) {
        reject(new Error(`seatsync ${args.join(' ')} failed: ${error.message}\n${stderr.slice(-4000)}`));
        return;
      }
      const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
      if (kb === undefined) {
        reject(new Error(`no peak memory in the output of ${TIME}:\n${stderr.slice(-2000)}`));
        return;
      }
      resolve({ peakBytes: Number(kb) * 1024, wallMs, stdout });
    });
  });
}

async function main(): Promise<void> {
  await access(TIME).catch(() => {
    throw new Error(`${TIME} is missing: apt-get install -y time (or run .ci/install-system.sh)`);
  });
  const slapd = await startBenchSlapd({ users: USERS });
  const dir = await mkdtemp(join(tmpdir(), 'seatsync-bench-memory-'));
  const floorDb = await openTestDatabase('postgres');
  try {
    const config = writeBenchLdapYaml({ dir, slapd, users: USERS, transport: TRANSPORT });
    const search = { config: benchLdapSource(slapd, TRANSPORT), profileAttributes: PROFILE_ATTRIBUTES, caFile: null };
    await readThroughLdapsearch(search); // warm-up: server caches, page cache
    const idle: number[] = [];
    const peaks: number[] = [];
    const walls: number[] = [];
    const floors: number[] = [];
    let saved: WrittenRows | null = null;
    for (let round = 0; round < ROUNDS; round += 1) {
      await roundTurn();
      const started = performance.now();
      const entries = await readThroughLdapsearch(search);
      const searchMs = performance.now() - started;
      if (entries !== USERS) throw new Error(`ldapsearch read ${entries} entries, expected ${USERS}`);
      const database = await openTestDatabase('postgres');
      try {
        const env = benchLdapEnv(slapd, database.url ?? '');
        idle.push((await measure(['status', '--config', config], env)).peakBytes / MB);
        const sync = await measure(['sync', '--json', '--config', config], env);
        const run = (JSON.parse(sync.stdout) as { runs?: { status?: string; seen?: number; created?: number }[] }).runs?.[0];
        if (run?.status !== 'ok' || run.seen !== USERS || run.created !== USERS) throw new Error(`unexpected sync result: ${sync.stdout.slice(0, 2000)}`);
        peaks.push(sync.peakBytes / MB);
        walls.push(sync.wallMs);
        saved ??= await saveWrittenRows(database.url ?? '', dir);
      } finally {
        await database.drop();
      }
      const copyMs = await timeCopyFloor(floorDb.url ?? '', saved);
      floors.push(searchMs + copyMs);
      console.log(`memory: round ${round + 1}: ${Math.round(peaks.at(-1)!)} MB, ${Math.round(walls.at(-1)!)} ms; floor ${Math.round(searchMs)} + ${Math.round(copyMs)} ms`);
    }
    const n = USERS.toLocaleString('en-US');
    report('memory', [
      figureOf({
        name: `peak RSS of \`seatsync sync\`: first LDAP sync of ${n} users into PostgreSQL (/usr/bin/time -v)`,
        unit: 'MB', samples: peaks, floorSamples: idle, floor: '`seatsync status` with the same config (nothing synced)', target: { max: 512 },
      }),
      figureOf({
        name: `wall time of that first sync of ${n} users, plain LDAP`,
        samples: walls, floorSamples: floors, floor: 'ldapsearch -x -E pr=1000/noprompt over plain LDAP + psql \\copy of the accounts and audit rows it wrote',
        target: { ratio: 1.5 },
      }),
    ]);
  } finally {
    await floorDb.drop();
    await rm(dir, { recursive: true, force: true });
    await slapd.stop();
  }
}

await main();
