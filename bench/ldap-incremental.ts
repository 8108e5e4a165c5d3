// SPEC §8, LDAP, the scheduled resync: `seatsync sync` (the CLI process, no --full: the incremental read
// a schedule makes) after 100 users were changed and 10 deleted in OpenLDAP (BENCH_USERS users, default
// 100,000, on a writable copy of the seeded directory, plain LDAP). Target: under 1 s, and the deletions
// applied: the 10 deleted users' accounts no longer present once the run is done. A run that misses
// them is reported as missing the target, whatever its time.
//
// The directory offers content synchronization (the syncprov overlay with a session log), so the run
// learns the deletions from a refresh from the cookie the last run stored. The same is measured, in the
// same rounds and on a copy of the same directory without syncprov, where the run lists the ids in scope
// to find them (informative line).
//
// A first sync (untimed) of each fills its database; then BENCH_ROUNDS rounds (default 5), each changing
// other users (their cn, which the source maps to the display name) and deleting others in both
// directories, then the timed runs (their order alternating). Also reported: the same run with nothing
// changed.
//
//   node bench/ldap-incremental.ts        (BENCH_USERS, BENCH_ROUNDS)
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Attribute, Change, Client } from 'ldapts';

import { openTestDatabase, type TestDatabase } from '../test/support/databases.ts';
import { logNumber, timedSync, type TimedSync } from './lib/cli-process.ts';
import { benchLdapEnv, writeBenchLdapYaml } from './lib/ldap-bench-config.ts';
import { ADMIN, PEOPLE, startBenchSlapd, type BenchSlapd } from './lib/slapd-fixture.ts';
import { figureOf, report, roundTurn, roundsFromEnv } from './support.ts';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const ROUNDS = roundsFromEnv(5);
const CHANGED = 100;
const DELETED = 10;

/** Users changed and deleted in round `round`: spread over the directory, never the same twice. */
function usersOf(round: number): { changed: string[]; deleted: string[] } {
  const stride = Math.floor(USERS / ((CHANGED + DELETED) * (ROUNDS + 1)));
  const pick = (i: number): string => `user${1 + (round * (CHANGED + DELETED) + i) * Math.max(1, stride)}`;
  return {
    changed: Array.from({ length: CHANGED }, (_, i) => pick(i)),
    deleted: Array.from({ length: DELETED }, (_, i) => pick(CHANGED + i)),
  };
}

/** One directory with its database and seatsync config, and what its runs measured. */
interface Setup {
  readonly slapd: BenchSlapd;
  readonly admin: Client;
  readonly database: TestDatabase;
  readonly config: string;
  readonly env: NodeJS.ProcessEnv;
  readonly runs: TimedSync[];
  readonly quiet: TimedSync[];
  readonly applied: number[];
}

async function setUp(dir: string, contentSync: boolean): Promise<Setup> {
  const slapd = await startBenchSlapd({ users: USERS, writable: true, contentSync });
  const database = await openTestDatabase('postgres');
  const admin = new Client({ url: slapd.ldapUrl });
  await admin.bind(ADMIN.dn, ADMIN.password);
  const own = join(dir, contentSync ? 'content-sync' : 'id-listing');
  await mkdir(own);
  const config = writeBenchLdapYaml({ dir: own, slapd, users: USERS, transport: 'ldap' });
  const env = benchLdapEnv(slapd, database.url ?? '');
  const first = await timedSync({ config, env });
  if (first.run.created !== USERS) throw new Error(`the first sync created ${first.run.created} accounts, expected ${USERS}`);
  return { slapd, admin, database, config, env, runs: [], quiet: [], applied: [] };
}

async function tearDown(setup: Setup | null): Promise<void> {
  if (setup === null) return;
  await setup.admin.unbind().catch(() => undefined);
  await setup.database.drop();
  await setup.slapd.stop();
}

/** Round `round` on one directory: the quiet run, the changes, the timed run and the deletions it applied. */
async function measure(setup: Setup, round: number): Promise<void> {
  const { admin, config, env, database } = setup;
  setup.quiet.push(await timedSync({ config, env }));
  const { changed, deleted } = usersOf(round);
  for (const uid of changed) {
    await admin.modify(`uid=${uid},${PEOPLE}`, [new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: [`Renamed ${uid} ${round}`] }) })]);
  }
  for (const uid of deleted) await admin.del(`uid=${uid},${PEOPLE}`);
  const run = await timedSync({ config, env });
  if (run.run.updated < CHANGED) throw new Error(`the incremental run updated ${run.run.updated} accounts, expected ${CHANGED}: ${JSON.stringify(run.run)}`);
  setup.runs.push(run);
  const gone = await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts WHERE username = ANY($1) AND NOT present', [deleted]);
  setup.applied.push(gone.rows[0]?.n ?? 0);
}

/** The source's own duration of each timed run's read ("LDAP read complete"). */
function readMs(setup: Setup): number[] {
  return setup.runs.map((r) => logNumber(r.logs, 'LDAP read complete', 'durationMs') ?? Number.NaN);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'seatsync-bench-incremental-'));
  let synced: Setup | null = null;
  let listed: Setup | null = null;
  try {
    synced = await setUp(dir, true);
    listed = await setUp(dir, false);
    for (let round = 0; round < ROUNDS; round += 1) {
      await roundTurn();
      const order = round % 2 === 0 ? [synced, listed] : [listed, synced];
      for (const setup of order) await measure(setup, round);
      const line = (setup: Setup): string => `${Math.round(setup.runs.at(-1)!.ms)} ms (run ${setup.runs.at(-1)!.run.durationMs} ms), deletions applied ${setup.applied.at(-1)} of ${DELETED}`;
      console.log(`ldap-incremental: round ${round + 1}: content sync ${line(synced)}; id listing ${line(listed)}`);
    }
    const condition = (setup: Setup) => ({ what: `deletions applied (per round: ${setup.applied.join(', ')} of ${DELETED})`, holds: setup.applied.every((n) => n === DELETED) });
    report('ldap-incremental', [
      figureOf({
        name: `LDAP scheduled (incremental) resync after ${CHANGED} changed and ${DELETED} deleted users of ${USERS.toLocaleString('en-US')}, \`seatsync sync\`, plain LDAP, content sync (syncprov)`,
        samples: synced.runs.map((r) => r.ms), floor: '', target: { max: 1000 },
        condition: condition(synced),
        extra: { runs: synced.runs.map((r) => r.run) },
      }),
      figureOf({ name: `  its run in-process (its report's durationMs)`, samples: synced.runs.map((r) => r.run.durationMs), floor: '', target: null }),
      figureOf({ name: `  its read (the refresh), as the source logs it`, samples: readMs(synced), floor: '', target: null }),
      figureOf({ name: `  the same run with nothing changed`, samples: synced.quiet.map((r) => r.ms), floor: '', target: null }),
      figureOf({
        name: `  the same on a server without syncprov (the ids in scope listed), same rounds`, samples: listed.runs.map((r) => r.ms), floor: '', target: null,
        condition: condition(listed), extra: { runs: listed.runs.map((r) => r.run) },
      }),
      figureOf({ name: `    its run in-process`, samples: listed.runs.map((r) => r.run.durationMs), floor: '', target: null }),
      figureOf({ name: `    its read (change query and id listing), as the source logs it`, samples: readMs(listed), floor: '', target: null }),
      figureOf({ name: `    with nothing changed`, samples: listed.quiet.map((r) => r.ms), floor: '', target: null }),
    ]);
  } finally {
    await tearDown(synced);
    await tearDown(listed);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
