// SPEC §8, LDAP, the scheduled resync: `seatsync sync` (the CLI process, no --full: the incremental read
// a schedule makes) after 100 users were changed and 10 deleted in OpenLDAP (BENCH_USERS users, default
// 100,000, on a writable copy of the seeded directory, plain LDAP). Target: under 1 s, and the deletions
// applied: the 10 deleted users' accounts no longer present once the run is done. A run that misses
// them is reported as missing the target, whatever its time.
//
// A first sync (untimed) fills the database; then BENCH_ROUNDS rounds (default 5), each changing other
// users (their cn, which the source maps to the display name) and deleting others, then the timed run.
// Also reported: the same run with nothing changed.
//
//   node bench/ldap-incremental.ts        (BENCH_USERS, BENCH_ROUNDS)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Attribute, Change, Client } from 'ldapts';

import { openTestDatabase } from '../test/support/databases.ts';
import { timedSync, type TimedSync } from './lib/cli-process.ts';
import { benchLdapEnv, writeBenchLdapYaml } from './lib/ldap-bench-config.ts';
import { ADMIN, PEOPLE, startBenchSlapd } from './lib/slapd-fixture.ts';
import { figureOf, report, roundsFromEnv } from './support.ts';

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

async function main(): Promise<void> {
  const slapd = await startBenchSlapd({ users: USERS, writable: true });
  const dir = await mkdtemp(join(tmpdir(), 'seatsync-bench-incremental-'));
  const database = await openTestDatabase('postgres');
  const admin = new Client({ url: slapd.ldapUrl });
  try {
    await admin.bind(ADMIN.dn, ADMIN.password);
    const config = writeBenchLdapYaml({ dir, slapd, users: USERS, transport: 'ldap' });
    const env = benchLdapEnv(slapd, database.url ?? '');
    const first = await timedSync({ config, env });
    if (first.run.created !== USERS) throw new Error(`the first sync created ${first.run.created} accounts, expected ${USERS}`);
    const runs: TimedSync[] = [];
    const quiet: TimedSync[] = [];
    const applied: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      quiet.push(await timedSync({ config, env }));
      const { changed, deleted } = usersOf(round);
      for (const uid of changed) {
        await admin.modify(`uid=${uid},${PEOPLE}`, [new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: [`Renamed ${uid} ${round}`] }) })]);
      }
      for (const uid of deleted) await admin.del(`uid=${uid},${PEOPLE}`);
      const run = await timedSync({ config, env });
      if (run.run.updated < CHANGED) throw new Error(`the incremental run updated ${run.run.updated} accounts, expected ${CHANGED}: ${JSON.stringify(run.run)}`);
      runs.push(run);
      const gone = await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts WHERE username = ANY($1) AND NOT present', [deleted]);
      applied.push(gone.rows[0]?.n ?? 0);
      console.log(`ldap-incremental: round ${round + 1}: ${Math.round(run.ms)} ms (run ${run.run.durationMs} ms), deletions applied ${applied.at(-1)} of ${DELETED}; unchanged ${Math.round(quiet.at(-1)!.ms)} ms`);
    }
    const all = applied.every((n) => n === DELETED);
    report('ldap-incremental', [
      figureOf({
        name: `LDAP scheduled (incremental) resync after ${CHANGED} changed and ${DELETED} deleted users of ${USERS.toLocaleString('en-US')}, \`seatsync sync\`, plain LDAP`,
        samples: runs.map((r) => r.ms), floor: '', target: { max: 1000 },
        condition: { what: `deletions applied (per round: ${applied.join(', ')} of ${DELETED})`, holds: all },
        extra: { runs: runs.map((r) => r.run) },
      }),
      figureOf({ name: `  its run in-process (its report's durationMs)`, samples: runs.map((r) => r.run.durationMs), floor: '', target: null }),
      figureOf({ name: `  the same run with nothing changed`, samples: quiet.map((r) => r.ms), floor: '', target: null }),
    ]);
  } finally {
    await admin.unbind().catch(() => undefined);
    await database.drop();
    await rm(dir, { recursive: true, force: true });
    await slapd.stop();
  }
}

await main();
