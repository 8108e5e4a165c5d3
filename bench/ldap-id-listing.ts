// What finding deletions costs a scheduled resync on an OpenLDAP server without content sync. A server
// without tombstones reports a deleted user, or one moved out of the base DN, by not returning it; an
// incremental read (modifyTimestamp) never returns it at all. So every incremental read of a server
// without `syncprov` lists the ids in scope (the id attribute only, page by page) and the sync sweeps the
// accounts it does not name (src/sources/ldap/scope-exits.ts).
//
// The figure is the process users run: `seatsync sync` (no --full: the incremental read a schedule
// makes) of BENCH_USERS unchanged users (default 100,000) over LDAPS, after an untimed first sync. The
// change query returns nothing, so the read is the listing's, and the run applies nothing. Its floor:
// `ldapsearch` of the ids alone (the same filter, attribute, page size and transport: what the listing
// asks, with nothing around it). Extra lines: the run in-process and its read as the process logs them,
// slapd's CPU time during the run, and the in-process split: the source's incremental read alone (no
// database), with the CPU time of this process and of slapd (the machine is shared: CPU time moves less
// than wall time with the load), against a full read of the same users through the same source (every
// mapped attribute: the read the listing saves until the next `fullEvery`).
//
// BENCH_ROUNDS rounds (default 5) after a warm-up, the four measurements of a round in alternating
// order; medians with their spread. Informative (no SPEC target); run it by name: `npm run bench --
// ldap-id-listing`.
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import type { LdapSourceConfig } from '../src/config/types.ts';
import type { SourceCursor } from '../src/sources/directory-source.ts';
import { silentLogger } from '../src/logging.ts';
import { createSource } from '../src/sources/factory.ts';
import { openTestDatabase } from '../test/support/databases.ts';
import { logNumber, timedSync, type TimedSync } from './lib/cli-process.ts';
import { benchLdapEnv, benchLdapSource, writeBenchLdapYaml } from './lib/ldap-bench-config.ts';
import { readThroughLdapsearch } from './lib/ldapsearch-floor.ts';
import { startBenchSlapd, type BenchSlapd } from './lib/slapd-fixture.ts';
import { figureOf, report, roundTurn, roundsFromEnv, type Figure } from './support.ts';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const ROUNDS = roundsFromEnv(5);
const TRANSPORT = 'ldaps';

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

/** The source's read in this process, built from its config by the factory as `seatsync sync` builds it. */
async function read(config: LdapSourceConfig, cursor: SourceCursor | null): Promise<Read> {
  const started = performance.now();
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

/** `seatsync sync` of the unchanged directory: an incremental read with the id listing, nothing applied. */
async function incrementalSync(options: { config: string; env: NodeJS.ProcessEnv }): Promise<TimedSync> {
  const sync = await timedSync(options);
  const mode = sync.logs.find((l) => l.msg === 'LDAP read complete')?.mode;
  const { run } = sync;
  if (mode !== 'incremental' || run.seen !== USERS || run.created + run.updated + run.removed !== 0) {
    throw new Error(`the resync of the unchanged directory read in mode ${String(mode)}: ${JSON.stringify(run)}`);
  }
  return sync;
}

interface Samples {
  sync: number[];
  syncRun: number[];
  syncRead: number[];
  syncSlapdCpu: number[];
  ldapsearch: number[];
  ldapsearchSlapdCpu: number[];
  listing: number[];
  listingCpu: number[];
  listingSlapdCpu: number[];
  full: number[];
}

async function main(): Promise<void> {
  const slapd = await startBenchSlapd({ users: USERS });
  const dir = await mkdtemp(join(tmpdir(), 'seatsync-bench-id-listing-'));
  const database = await openTestDatabase('postgres');
  try {
    const source = benchLdapSource(slapd, TRANSPORT);
    const cli = { config: writeBenchLdapYaml({ dir, slapd, users: USERS, transport: TRANSPORT }), env: benchLdapEnv(slapd, database.url ?? '') };
    const first = await timedSync(cli);
    if (first.run.created !== USERS) throw new Error(`the first sync created ${first.run.created} accounts, expected ${USERS}`);
    const full = await read(source, null); // warm-up, and the cursor of the in-process incremental reads
    if (full.users !== USERS || full.cursor === null) throw new Error(`full read returned ${full.users} users, cursor ${JSON.stringify(full.cursor)}`);
    const { cursor } = full;
    await read(source, cursor);
    await incrementalSync(cli);

    // ldapsearch of the ids alone: what the listing asks, with nothing else of the read around it.
    const idsOnly = { config: source, profileAttributes: [], attributes: [source.attributes.id], caFile: source.tls.caFile };
    const s: Samples = { sync: [], syncRun: [], syncRead: [], syncSlapdCpu: [], ldapsearch: [], ldapsearchSlapdCpu: [], listing: [], listingCpu: [], listingSlapdCpu: [], full: [] };
    const steps = [
      async () => {
        const { value: sync, slapdCpuMs } = await withCpu(slapd, () => incrementalSync(cli));
        s.sync.push(sync.ms);
        s.syncRun.push(sync.run.durationMs);
        s.syncRead.push(logNumber(sync.logs, 'LDAP read complete', 'durationMs') ?? Number.NaN);
        s.syncSlapdCpu.push(slapdCpuMs);
      },
      async () => {
        const { value: ms, slapdCpuMs } = await withCpu(slapd, async () => {
          const started = performance.now();
          const entries = await readThroughLdapsearch(idsOnly);
          if (entries !== USERS) throw new Error(`ldapsearch listed ${entries} entries`);
          return performance.now() - started;
        });
        s.ldapsearch.push(ms);
        s.ldapsearchSlapdCpu.push(slapdCpuMs);
      },
      async () => {
        const { value: listing, cpuMs, slapdCpuMs } = await withCpu(slapd, () => read(source, cursor));
        if (listing.mode !== 'incremental' || listing.listed !== USERS || listing.users !== 0) {
          throw new Error(`incremental read: mode ${listing.mode}, ${listing.users} users, ${listing.listed} ids listed`);
        }
        s.listing.push(listing.ms);
        s.listingCpu.push(cpuMs);
        s.listingSlapdCpu.push(slapdCpuMs);
      },
      async () => {
        const fullRead = await read(source, null);
        if (fullRead.users !== USERS) throw new Error(`full read returned ${fullRead.users} users`);
        s.full.push(fullRead.ms);
      },
    ];
    for (let round = 0; round < ROUNDS; round += 1) {
      await roundTurn();
      for (const step of round % 2 === 0 ? steps : [...steps].reverse()) await step();
      const last = (values: number[]): number => Math.round(values.at(-1)!);
      console.log(
        `ldap-id-listing: round ${round + 1}: \`seatsync sync\` ${last(s.sync)} ms (its read ${last(s.syncRead)} ms, slapd CPU ${last(s.syncSlapdCpu)} ms), ` +
          `ldapsearch of the ids ${last(s.ldapsearch)} ms; in-process: listing ${last(s.listing)} ms (CPU ${last(s.listingCpu)} ms), full read ${last(s.full)} ms`,
      );
    }
    report('ldap-id-listing', figures(source, s));
  } finally {
    await database.drop();
    await rm(dir, { recursive: true, force: true });
    await slapd.stop();
  }
}

function figures(source: LdapSourceConfig, s: Samples): Figure[] {
  const n = USERS.toLocaleString('en-US');
  const search = `\`ldapsearch -E pr=${source.pageSize}/noprompt '${source.userFilter}' ${source.attributes.id}\` over LDAPS`;
  return [
    figureOf({
      name: `scheduled (incremental) resync of ${n} unchanged OpenLDAP users without syncprov (the id listing and the sweep), \`seatsync sync\`, LDAPS`,
      samples: s.sync, floorSamples: s.ldapsearch, floor: search, target: null,
    }),
    figureOf({ name: `  its run in-process (its report's durationMs)`, samples: s.syncRun, floorSamples: s.ldapsearch, floor: 'ldapsearch of the ids', target: null }),
    figureOf({ name: `  its read (change query and id listing), as the source logs it`, samples: s.syncRead, floorSamples: s.ldapsearch, floor: 'ldapsearch of the ids', target: null }),
    figureOf({ name: `  slapd's CPU time during the run`, samples: s.syncSlapdCpu, floorSamples: s.ldapsearchSlapdCpu, floor: `slapd's CPU time during ldapsearch of the ids`, target: null }),
    figureOf({ name: `  in-process: the source's incremental read alone (no database)`, samples: s.listing, floorSamples: s.ldapsearch, floor: 'ldapsearch of the ids', target: null }),
    figureOf({ name: `    its CPU time in this process (decoding, mapping)`, samples: s.listingCpu, floor: '', target: null }),
    figureOf({ name: `    slapd's CPU time during it`, samples: s.listingSlapdCpu, floorSamples: s.ldapsearchSlapdCpu, floor: `slapd's CPU time during ldapsearch of the ids`, target: null }),
    figureOf({ name: `    against a full read of the same ${n} users through the source`, samples: s.listing, floorSamples: s.full, floor: 'the full read, same rounds', target: null }),
  ];
}

await main();
