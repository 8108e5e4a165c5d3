// SPEC §8, LDAP, as a user runs it: `seatsync sync` (the CLI process, from the config file) against
// OpenLDAP on loopback holding BENCH_USERS users (default 100,000), two pools chosen by an attribute,
// over plain LDAP and over LDAPS, each against floors of the same transport measured in the same run.
//
// 1. First sync into a fresh (migrated) PostgreSQL database. Floor, composite: `ldapsearch -x -E
//    pr=1000/noprompt` of the same entries and attributes, plus `psql \copy` of the rows that sync wrote
//    (accounts and audit) into tables with the same indexes. Target ≤ 1.3×.
// 2. Full resync with no change (`sync --full`: every entry read again, as the daily full read does).
//    Floor: ldapsearch. Target ≤ 1.5× and zero account rows written (rows whose xmin is newer than the
//    resync's start).
// Also, informative: the run's own duration from its report (the CLI process minus startup and exit),
// the read as the source logs it, and the same first sync and resync with the LDAP decoder switched back
// to ldapts (SEATSYNC_USE_LIBRARY=ldap-decoder, plain LDAP), which is what search-response.ts buys.
//
// BENCH_ROUNDS rounds (default 5); in each, every transport (in alternating order) runs ldapsearch, the
// first sync, the copy floor and the resync, so that load changes hit figures and floors alike. Figures
// are medians, with their spread (min–max); every sample is kept in the JSON result.
//
//   node bench/ldap-sync.ts        (BENCH_USERS, BENCH_ROUNDS, BENCH_SWITCHES=0 to skip the ldapts lines)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import type { Database } from '../src/store/db.ts';
import { openTestDatabase, type TestDatabase } from '../test/support/databases.ts';
import { logNumber, timedSync, type TimedSync } from './lib/cli-process.ts';
import { saveWrittenRows, timeCopyFloor, type WrittenRows } from './lib/copy-floor.ts';
import { benchLdapEnv, benchLdapSource, PROFILE_ATTRIBUTES, TRANSPORTS, writeBenchLdapYaml, type Transport } from './lib/ldap-bench-config.ts';
import { readThroughLdapsearch } from './lib/ldapsearch-floor.ts';
import { startBenchSlapd, type BenchSlapd } from './lib/slapd-fixture.ts';
import { figureOf, report, roundTurn, roundsFromEnv, type Figure } from './support.ts';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const ROUNDS = roundsFromEnv(5);
const SWITCHES = process.env.BENCH_SWITCHES !== '0';
const LIBRARY_DECODER = { SEATSYNC_USE_LIBRARY: 'ldap-decoder' };

/** Transaction id now: rows written after this point have a newer xmin. */
async function currentXid(db: Database): Promise<bigint> {
  const result = await db.query<{ xid: string }>('SELECT (txid_current() % 4294967296)::text AS xid');
  return BigInt(result.rows[0]?.xid ?? '0');
}

async function rowsWrittenSince(db: Database, xid: bigint): Promise<number> {
  const result = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts WHERE xmin::text::bigint > $1', [xid.toString()]);
  return result.rows[0]?.n ?? -1;
}

function expectRun(sync: TimedSync, expected: { created: number; seen: number }, what: string): void {
  if (sync.run.seen !== expected.seen || sync.run.created !== expected.created) throw new Error(`unexpected ${what}: ${JSON.stringify(sync.run)}`);
}

/** The samples of one transport (or of the ldapts decoder) over the rounds. */
interface Series {
  ldapsearch: number[];
  copy: number[];
  first: number[];
  firstRun: number[];
  firstRead: number[];
  resync: number[];
  resyncRun: number[];
  resyncRead: number[];
  written: number[];
}

const emptySeries = (): Series => ({ ldapsearch: [], copy: [], first: [], firstRun: [], firstRead: [], resync: [], resyncRun: [], resyncRead: [], written: [] });

interface Context {
  readonly slapd: BenchSlapd;
  readonly dir: string;
  readonly floorDb: TestDatabase;
  saved: WrittenRows | null;
}

/** A first sync into a new database and a full no-change resync, both through the CLI. */
async function syncPair(context: Context, transport: Transport, series: Series, env: NodeJS.ProcessEnv): Promise<void> {
  const config = writeBenchLdapYaml({ dir: context.dir, slapd: context.slapd, users: USERS, transport });
  const database = await openTestDatabase('postgres');
  try {
    const runEnv = { ...benchLdapEnv(context.slapd, database.url ?? ''), ...env };
    const first = await timedSync({ config, env: runEnv });
    expectRun(first, { created: USERS, seen: USERS }, 'first sync');
    series.first.push(first.ms);
    series.firstRun.push(first.run.durationMs);
    series.firstRead.push(logNumber(first.logs, 'LDAP read complete', 'durationMs') ?? Number.NaN);
    context.saved ??= await saveWrittenRows(database.url ?? '', context.dir);
    const before = await currentXid(database.db);
    const resync = await timedSync({ config, env: runEnv, args: ['--full'] });
    expectRun(resync, { created: 0, seen: USERS }, 'resync');
    series.resync.push(resync.ms);
    series.resyncRun.push(resync.run.durationMs);
    series.resyncRead.push(logNumber(resync.logs, 'LDAP read complete', 'durationMs') ?? Number.NaN);
    series.written.push(await rowsWrittenSince(database.db, before));
  } finally {
    await database.drop();
  }
}

async function ldapsearchMs(slapd: BenchSlapd, transport: Transport): Promise<number> {
  const started = performance.now();
  const entries = await readThroughLdapsearch({ config: benchLdapSource(slapd, transport), profileAttributes: PROFILE_ATTRIBUTES, caFile: slapd.ca.certPath });
  if (entries !== USERS) throw new Error(`ldapsearch read ${entries} entries, expected ${USERS}`);
  return performance.now() - started;
}

function figures(transport: Transport, s: Series): Figure[] {
  const n = USERS.toLocaleString('en-US');
  const label = transport === 'ldaps' ? 'LDAPS' : 'plain LDAP';
  const search = `ldapsearch -x -E pr=1000/noprompt over ${label}, same entries and attributes`;
  const composite = s.ldapsearch.map((ms, i) => ms + (s.copy[i] ?? Number.NaN));
  const rows = s.written.length > 0 ? Math.max(...s.written) : -1;
  return [
    figureOf({
      name: `LDAP first sync of ${n} users into PostgreSQL, \`seatsync sync\`, ${label}`,
      samples: s.first, floorSamples: composite, floor: `${search} + psql \\copy of the accounts and audit rows it wrote`, target: { ratio: 1.3 },
    }),
    figureOf({
      name: `LDAP full no-change resync of ${n} users, \`seatsync sync --full\`, ${label}`,
      samples: s.resync, floorSamples: s.ldapsearch, floor: search, target: { ratio: 1.5 },
      condition: { what: `account rows written: ${rows}`, holds: rows === 0 },
      extra: { accountRowsWritten: s.written },
    }),
    figureOf({ name: `  ${label}: the first sync's run in-process (its report's durationMs)`, samples: s.firstRun, floorSamples: composite, floor: 'the composite floor', target: null }),
    figureOf({ name: `  ${label}: the first sync's read, as the source logs it (pages staged as they arrive)`, samples: s.firstRead, floorSamples: s.ldapsearch, floor: 'ldapsearch', target: null }),
    figureOf({ name: `  ${label}: the resync's read, as the source logs it`, samples: s.resyncRead, floorSamples: s.ldapsearch, floor: 'ldapsearch', target: null }),
    figureOf({ name: `  ${label}: psql \\copy of the first sync's rows alone`, samples: s.copy, target: null, floor: '' }),
  ];
}

function libraryFigures(library: Series, ours: Series): Figure[] {
  const n = USERS.toLocaleString('en-US');
  const floor = 'the same with search-response.ts (the default), same rounds';
  return [
    figureOf({ name: `  plain LDAP, ldapts' decoder (SEATSYNC_USE_LIBRARY=ldap-decoder): first sync of ${n}`, samples: library.first, floorSamples: ours.first, floor, target: null }),
    figureOf({ name: `  plain LDAP, ldapts' decoder: full no-change resync`, samples: library.resync, floorSamples: ours.resync, floor, target: null }),
    figureOf({ name: `  plain LDAP, ldapts' decoder: the resync's read, as the source logs it`, samples: library.resyncRead, floorSamples: ours.resyncRead, floor, target: null }),
  ];
}

async function main(): Promise<void> {
  const slapd = await startBenchSlapd({ users: USERS });
  const dir = await mkdtemp(join(tmpdir(), 'seatsync-bench-ldap-'));
  const floorDb = await openTestDatabase('postgres');
  const context: Context = { slapd, dir, floorDb, saved: null };
  try {
    const series = new Map<Transport, Series>(TRANSPORTS.map((t) => [t, emptySeries()]));
    const library = emptySeries();
    for (const t of TRANSPORTS) await ldapsearchMs(slapd, t); // warm-up: server caches, page cache
    for (let round = 0; round < ROUNDS; round += 1) {
      await roundTurn();
      const order = round % 2 === 0 ? TRANSPORTS : [...TRANSPORTS].reverse();
      for (const transport of order) {
        const s = series.get(transport)!;
        s.ldapsearch.push(await ldapsearchMs(slapd, transport));
        await syncPair(context, transport, s, {});
        s.copy.push(await timeCopyFloor(floorDb.url ?? '', context.saved!));
        console.log(
          `ldap-sync: round ${round + 1} ${transport}: ldapsearch ${Math.round(s.ldapsearch.at(-1)!)} ms + copy ${Math.round(s.copy.at(-1)!)} ms, ` +
            `first sync ${Math.round(s.first.at(-1)!)} ms, full resync ${Math.round(s.resync.at(-1)!)} ms`,
        );
      }
      if (SWITCHES) {
        await syncPair(context, 'ldap', library, LIBRARY_DECODER);
        console.log(`ldap-sync: round ${round + 1} ldap, ldapts decoder: first sync ${Math.round(library.first.at(-1)!)} ms, full resync ${Math.round(library.resync.at(-1)!)} ms`);
      }
    }
    report('ldap-sync', [
      ...TRANSPORTS.flatMap((t) => figures(t, series.get(t)!)),
      ...(SWITCHES ? libraryFigures(library, series.get('ldap')!) : []),
    ]);
  } finally {
    await floorDb.drop();
    await rm(dir, { recursive: true, force: true });
    await slapd.stop();
  }
}

await main();
