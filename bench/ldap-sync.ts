// SPEC §8, LDAP: a first full sync of N users (default 100,000) from OpenLDAP on loopback into a fresh
// PostgreSQL database, two pools chosen by an attribute, and a resync with no changes, each against its
// floor measured in the same run: `ldapsearch -x -E pr=1000/noprompt` reading the same entries and
// attributes over the same transport (LDAPS). Targets: first sync ≤ 3× the floor; no-change resync
// ≤ 1.5× the floor and zero account rows written (counted: account rows whose xmin is newer than the
// resync's start).
//
// The no-change resync is a full one (--full: every entry read again, as the daily full read does). An
// incremental resync of the unchanged directory (modifyTimestamp: nothing to read) is reported too.
//
// Each of BENCH_ROUNDS rounds (default 3) runs ldapsearch, a first sync into a new database, ldapsearch
// again, two full resyncs and an incremental one; the best of each is reported (the figures compare the
// two programs, not the neighbours' load on a shared machine), every run is kept in the JSON result.
//
//   node bench/ldap-sync.ts        (BENCH_USERS, BENCH_ROUNDS)
import { performance } from 'node:perf_hooks';

import { silentLogger } from '../src/logging.ts';
import { createSourceFactory } from '../src/sources/factory.ts';
import type { Database } from '../src/store/db.ts';
import { runSync, type SyncReport } from '../src/sync/run-sync.ts';
import { openTestDatabase } from '../test/support/databases.ts';
import { benchLdapConfig, benchLdapSource, PROFILE_ATTRIBUTES } from './lib/ldap-bench-config.ts';
import { readThroughLdapsearch } from './lib/ldapsearch-floor.ts';
import { startBenchSlapd } from './lib/slapd-fixture.ts';
import { report, type Figure } from './support.ts';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface SyncTiming {
  readonly ms: number;
  /** From the start to the end of the read (staging included); the rest is the apply transaction. */
  readonly readMs: number;
  readonly report: SyncReport;
}

/** Transaction id now: rows written after this point have a newer xmin. */
async function currentXid(db: Database): Promise<bigint> {
  const result = await db.query<{ xid: string }>('SELECT (txid_current() % 4294967296)::text AS xid');
  return BigInt(result.rows[0]?.xid ?? '0');
}

async function rowsWrittenSince(db: Database, xid: bigint): Promise<number> {
  const result = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts WHERE xmin::text::bigint > $1', [xid.toString()]);
  return result.rows[0]?.n ?? -1;
}

function checkRun(result: SyncReport, expected: { created: number; seen: number }): void {
  const run = result.runs[0];
  if (run?.status !== 'ok' || run.seen !== expected.seen || run.created !== expected.created) {
    throw new Error(`unexpected sync result: ${JSON.stringify(run)}`);
  }
}

const best = (list: readonly SyncTiming[]): SyncTiming => list.reduce((a, b) => (b.ms < a.ms ? b : a));

async function main(): Promise<void> {
  const slapd = await startBenchSlapd({ users: USERS });
  try {
    const source = benchLdapSource(slapd);
    const config = benchLdapConfig(source, USERS);
    const floorTarget = { config: source, profileAttributes: PROFILE_ATTRIBUTES, caFile: slapd.ca.certPath };
    const floor = async (): Promise<number> => {
      const started = performance.now();
      const entries = await readThroughLdapsearch(floorTarget);
      if (entries !== USERS) throw new Error(`ldapsearch read ${entries} entries, expected ${USERS}`);
      return performance.now() - started;
    };
    await floor(); // warm-up: server caches, page cache
    const floors: number[] = [];
    const firsts: SyncTiming[] = [];
    const resyncs: SyncTiming[] = [];
    const incrementals: SyncTiming[] = [];
    const written: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      floors.push(await floor());
      const database = await openTestDatabase('postgres');
      try {
        const logger = silentLogger();
        const deps = { db: database.db, config, logger, createSource: createSourceFactory(config, logger) };
        const sync = async (forceFull: boolean): Promise<SyncTiming> => {
          const started = performance.now();
          let readMs = 0;
          const result = await runSync(deps, {
            sources: [], dryRun: false, allowRemovals: false, forceFull, trigger: 'bench',
            onProgress: (_source, progress) => {
              if (progress.phase === 'apply') readMs = performance.now() - started;
            },
          });
          return { ms: performance.now() - started, readMs, report: result };
        };
        const first = await sync(true);
        checkRun(first.report, { created: USERS, seen: USERS });
        firsts.push(first);
        floors.push(await floor());
        for (let again = 0; again < 2; again += 1) {
          const before = await currentXid(database.db);
          const resync = await sync(true);
          checkRun(resync.report, { created: 0, seen: USERS });
          resyncs.push(resync);
          written.push(await rowsWrittenSince(database.db, before));
        }
        const incremental = await sync(false);
        // An incremental read lists every id in scope (to find deletions), so it sees every user.
        checkRun(incremental.report, { created: 0, seen: USERS });
        incrementals.push(incremental);
      } finally {
        await database.drop();
      }
      console.log(
        `ldap-sync: round ${round + 1}: ldapsearch ${floors.slice(-2).map(Math.round).join('/')} ms, first sync ${Math.round(firsts.at(-1)?.ms ?? 0)} ms, ` +
          `full resyncs ${resyncs.slice(-2).map((r) => Math.round(r.ms)).join('/')} ms, incremental ${Math.round(incrementals.at(-1)?.ms ?? 0)} ms`,
      );
    }
    const floorMs = Math.min(...floors);
    const n = USERS.toLocaleString('en-US');
    const floorText = `ldapsearch -x -E pr=1000/noprompt over LDAPS, same entries and attributes (best of ${floors.length})`;
    const first = best(firsts);
    const resync = best(resyncs);
    const incremental = best(incrementals);
    const maxWritten = Math.max(...written);
    const split = (t: SyncTiming) => ({ readMs: Math.round(t.readMs), applyMs: Math.round(t.ms - t.readMs) });
    const figures: Figure[] = [
      {
        name: `LDAP first full sync of ${n} users into PostgreSQL (best of ${firsts.length})`,
        value: first.ms, floorValue: floorMs, floor: floorText, target: { ratio: 3 },
        extra: { ...split(first), allMs: firsts.map((f) => Math.round(f.ms)), floorsMs: floors.map(Math.round), run: first.report.runs[0] },
      },
      {
        name: `LDAP no-change full resync of ${n} users (best of ${resyncs.length})`,
        value: resync.ms, floorValue: floorMs, floor: floorText, target: { ratio: 1.5 },
        extra: { ...split(resync), allMs: resyncs.map((f) => Math.round(f.ms)), accountRowsWritten: written, run: resync.report.runs[0] },
      },
      {
        name: `LDAP no-change resync: account rows written (max of ${written.length})`,
        value: maxWritten, unit: 'rows', floorValue: null, floor: '', target: { max: 0 },
      },
      {
        name: `  incremental resync of the unchanged directory (best of ${incrementals.length})`,
        value: incremental.ms, floorValue: floorMs, floor: floorText, target: null,
        extra: { ...split(incremental), allMs: incrementals.map((f) => Math.round(f.ms)) },
      },
    ];
    report('ldap-sync', figures);
  } finally {
    await slapd.stop();
  }
}

await main();
