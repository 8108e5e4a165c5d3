// What finding deletions costs an incremental OpenLDAP read. A server without tombstones reports a deleted
// user, or one moved out of the base DN, by not returning it; an incremental read (modifyTimestamp) never
// returns it at all. So every incremental read lists the ids in scope (the id attribute only, page by
// page) and the sync sweeps the accounts it does not name (src/sources/ldap/scope-exits.ts). This measures
// that read, on an unchanged directory of BENCH_USERS users (default 100,000) — the change query returns
// nothing, so the time is the listing's — against a full read of the same users through the same source
// (every mapped attribute, the read the listing saves until the next `fullEvery`). No database: the
// source alone, as the sync streams it.
//
// BENCH_ROUNDS rounds (default 5), the two reads and `ldapsearch` of the ids alone (the same filter,
// attribute, page size and transport: the listing's own floor) alternating after a warm-up; the median
// of each with its spread, and the CPU time of this process and of slapd during each read (the machine
// is shared: CPU time moves less than wall time with the load). Then the same through the sync into PostgreSQL: after a first sync, BENCH_ROUNDS scheduled
// (incremental) resyncs of the unchanged directory, each listing the ids and sweeping against them (the
// floor: the source's incremental read alone, measured above). Informative (no SPEC target); run it by
// name: `npm run bench -- ldap-id-listing`.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import type { LdapSourceConfig } from '../src/config/types.ts';
import type { SourceCursor } from '../src/sources/directory-source.ts';
import { silentLogger } from '../src/logging.ts';
import { createSource, createSourceFactory } from '../src/sources/factory.ts';
import { runSync } from '../src/sync/run-sync.ts';
import { openTestDatabase } from '../test/support/databases.ts';
import { benchLdapConfig, benchLdapSource } from './lib/ldap-bench-config.ts';
import { readThroughLdapsearch } from './lib/ldapsearch-floor.ts';
import { startBenchSlapd, type BenchSlapd } from './lib/slapd-fixture.ts';
import { median, report, roundsFromEnv } from './support.ts';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const ROUNDS = roundsFromEnv(5);

interface Read {
  readonly ms: number;
  readonly users: number;
  readonly listed: number;
  readonly mode: string;
  readonly cursor: SourceCursor | null;
}

/** CPU milliseconds of a process so far (user + system), from /proc; Linux's clock tick is 100 Hz. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** `fn`, with the CPU time this process and slapd spent while it ran. */
async function withCpu<T>(slapd: BenchSlapd, fn: () => Promise<T>): Promise<{ value: T; cpuMs: number; slapdCpuMs: number }> {
  const slapdBefore = cpuMsOf(slapd.pid);
  const before = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(before);
  return { value, cpuMs: (used.user + used.system) / 1000, slapdCpuMs: cpuMsOf(slapd.pid) - slapdBefore };
}

async function read(config: LdapSourceConfig, cursor: SourceCursor | null): Promise<Read> {
  const started = performance.now();
  // Built from its config by the factory, as `seatsync sync` builds it.
  const source = createSource(config, silentLogger());
  try {
    const reader = source.read({ cursor, forceFull: cursor === null, groupsOfInterest: [], attributes: [] });
    let users = 0;
    let listed = 0;
    for (;;) {
      const step = await reader.next();
      if (step.done === true) return { ms: performance.now() - started, users, listed, mode: step.value.mode, cursor: step.value.cursor };
      for (const item of step.value.items) {
        if (item.kind === 'user') users += 1;
        else if (item.kind === 'present') listed += 1;
      }
    }
  } finally {
    await source.close();
  }
}

const spread = (values: readonly number[]): { minMs: number; maxMs: number } => ({ minMs: Math.round(Math.min(...values)), maxMs: Math.round(Math.max(...values)) });

async function main(): Promise<void> {
  const slapd = await startBenchSlapd({ users: USERS });
  try {
    const config = benchLdapSource(slapd, 'ldaps');
    const first = await read(config, null); // warm-up, and the cursor of the incremental reads
    if (first.users !== USERS || first.cursor === null) throw new Error(`full read returned ${first.users} users, cursor ${JSON.stringify(first.cursor)}`);
    await read(config, first.cursor);
    const fulls: number[] = [];
    const listings: number[] = [];
    const listingCpu: number[] = [];
    const listingSlapdCpu: number[] = [];
    const floors: number[] = [];
    const floorSlapdCpu: number[] = [];
    // ldapsearch of the ids alone: what the listing asks, with nothing else of the read around it.
    const idsOnly = { config, profileAttributes: [], attributes: [config.attributes.id], caFile: config.tls.caFile };
    for (let round = 0; round < ROUNDS; round += 1) {
      const full = await read(config, null);
      if (full.users !== USERS) throw new Error(`full read returned ${full.users} users`);
      fulls.push(full.ms);
      const incremental = await withCpu(slapd, () => read(config, first.cursor));
      const { value: listing } = incremental;
      if (listing.mode !== 'incremental' || listing.listed !== USERS || listing.users !== 0) {
        throw new Error(`incremental read: mode ${listing.mode}, ${listing.users} users, ${listing.listed} ids listed`);
      }
      listings.push(listing.ms);
      listingCpu.push(incremental.cpuMs);
      listingSlapdCpu.push(incremental.slapdCpuMs);
      const floor = await withCpu(slapd, async () => {
        const started = performance.now();
        const entries = await readThroughLdapsearch(idsOnly);
        if (entries !== USERS) throw new Error(`ldapsearch listed ${entries} entries`);
        return performance.now() - started;
      });
      floors.push(floor.value);
      floorSlapdCpu.push(floor.slapdCpuMs);
      console.log(
        `ldap-id-listing: round ${round + 1}: full read ${Math.round(full.ms)} ms, incremental read with id listing ${Math.round(listing.ms)} ms ` +
          `(CPU ${Math.round(incremental.cpuMs)} ms, slapd ${incremental.slapdCpuMs} ms), ldapsearch of the ids ${Math.round(floor.value)} ms (slapd ${floor.slapdCpuMs} ms)`,
      );
    }
    const resyncs = await incrementalResyncs(config);
    const n = USERS.toLocaleString('en-US');
    report('ldap-id-listing', [
      {
        name: `scheduled (incremental) resync of ${n} unchanged OpenLDAP users into PostgreSQL, with the id listing and the sweep (median of ${ROUNDS})`,
        value: median(resyncs),
        floorValue: median(listings),
        floor: `the source's incremental read alone (median of ${ROUNDS}, above)`,
        target: null,
        extra: { resyncMs: resyncs.map(Math.round), resync: spread(resyncs) },
      },
      {
        name: `incremental OpenLDAP read of ${n} unchanged users (the id listing) against ldapsearch of the same ids (median of ${ROUNDS})`,
        value: median(listings),
        floorValue: median(floors),
        floor: `\`ldapsearch -E pr=${config.pageSize}/noprompt '${config.userFilter}' ${config.attributes.id}\` over the same transport (median of ${ROUNDS})`,
        target: null,
        extra: {
          listingCpuMs: median(listingCpu), listingSlapdCpuMs: median(listingSlapdCpu), ldapsearchSlapdCpuMs: median(floorSlapdCpu),
          listingCpuSamples: listingCpu.map(Math.round), ldapsearchMs: floors.map(Math.round),
        },
      },
      {
        name: `  its CPU time in this process (decoding, mapping; median of ${ROUNDS})`,
        value: median(listingCpu),
        floorValue: null,
        floor: '',
        target: null,
      },
      {
        name: `incremental OpenLDAP read of ${n} unchanged users: the id listing that finds deletions (median of ${ROUNDS})`,
        value: median(listings),
        floorValue: median(fulls),
        floor: `a full read of the same ${n} users through the source (median of ${ROUNDS})`,
        target: null,
        extra: { listingMs: listings.map(Math.round), fullReadMs: fulls.map(Math.round), listing: spread(listings), fullRead: spread(fulls) },
      },
    ]);
  } finally {
    await slapd.stop();
  }
}

/** A first sync into a new database, then BENCH_ROUNDS incremental resyncs of the unchanged directory. */
async function incrementalResyncs(source: LdapSourceConfig): Promise<number[]> {
  const database = await openTestDatabase('postgres');
  try {
    const config = benchLdapConfig(source, USERS);
    const deps = { db: database.db, config, logger: silentLogger(), createSource: createSourceFactory(config, silentLogger()) };
    const sync = async (forceFull: boolean) => {
      const started = performance.now();
      const result = await runSync(deps, { sources: [], dryRun: false, allowRemovals: false, forceFull, trigger: 'bench' });
      const run = result.runs[0];
      if (run?.status !== 'ok' || run.seen !== USERS) throw new Error(`unexpected sync result: ${JSON.stringify(run)}`);
      return { ms: performance.now() - started, mode: run.mode, removed: run.removed };
    };
    await sync(true);
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const resync = await sync(false);
      if (resync.mode !== 'incremental' || resync.removed !== 0) throw new Error(`resync: mode ${resync.mode}, removed ${resync.removed}`);
      times.push(resync.ms);
      console.log(`ldap-id-listing: incremental resync ${round + 1}: ${Math.round(resync.ms)} ms`);
    }
    return times;
  } finally {
    await database.drop();
  }
}

await main();
