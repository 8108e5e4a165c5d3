// SPEC §8, Entra, as a user runs it: `seatsync sync` (the CLI process, from the config file) against the
// Graph emulator holding BENCH_USERS users (default 100,000), with a fixed latency per Graph request
// (BENCH_LATENCY_MS, default 50 ms), into a fresh PostgreSQL database. The emulator runs in a worker
// thread of this process; the CLI trusts its CA through NODE_EXTRA_CA_CERTS, as a deployment would.
//
// 1. First sync. Floor: that run's Graph requests × the latency, counted by the emulator. Target ≤ 1.15×.
//    Reported with it: the latency the emulator delivered (its timers fire late on a busy machine), the
//    run's own duration from its report, the read as the source logs it, and a plain client
//    (bench/lib/graph-walk.ts) walking the same listing one page at a time, as a process of its own.
// 2. Delta resync after 100 changed users (an incremental run from the first sync's delta link): 50
//    renamed, 50 disabled, so the allocation runs. Target: under 1 s. A delta with no change too.
// 3. What the Graph replacements buy: the same first sync with SEATSYNC_USE_LIBRARY=graph-transport (the
//    Graph client's fetch handler instead of node:https) and =graph-early-link (each page parsed whole
//    before the next is requested), in the same rounds.
//
// BENCH_ROUNDS rounds (default 5), the variants in alternating order; medians with their spread.
//
//   node bench/entra-sync.ts        (BENCH_USERS, BENCH_LATENCY_MS, BENCH_ROUNDS, BENCH_SWITCHES=0)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

import { openTestDatabase } from '../test/support/databases.ts';
import { logNumber, timedSync, type TimedSync } from './lib/cli-process.ts';
import { serveEmulator, startEmulatorWorker, type EmulatorHandle, type EmulatorSetup } from './lib/emulator-worker.ts';
import { walkGraph, type GraphWalk } from './lib/graph-walk.ts';
import { figureOf, report, roundTurn, roundsFromEnv, type Figure } from './support.ts';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const ROUNDS = roundsFromEnv(5);
const SWITCHES = process.env.BENCH_SWITCHES !== '0';
const CHANGES = 100;

/** The transport variants: the default, and each Graph replacement switched back to its library. */
const VARIANTS = SWITCHES ? ['default', 'graph-transport', 'graph-early-link'] : ['default'];
type Variant = string;

function writeConfig(dir: string, setup: EmulatorSetup): Promise<void> {
  return writeFile(join(dir, 'seatsync.yaml'), `database: { url: "\${BENCH_DATABASE_URL}" }
dataDir: ${dir}
sources:
  - name: bench
    kind: entra
    tenantId: ${setup.tenantId}
    clientId: ${setup.clientId}
    clientSecret: \${BENCH_CLIENT_SECRET}
    cloud: { graph: "${setup.graphUrl}", login: "${setup.loginUrl}" }
    schedule: off
pools:
  primary: { seats: ${Math.floor(USERS * 0.85)} }
profiles:
  - name: contractor
    when: { attribute: { employeeType: contractor } }
    pools: []
  - name: staff
    pools: [primary]
`);
}

interface Measured {
  readonly sync: TimedSync;
  readonly requests: number;
  readonly deliveredMs: number;
  /** The listings the run started (Graph path and query), which the plain client walks again. */
  readonly starts: readonly string[];
}

async function measured(emulator: EmulatorHandle, run: () => Promise<TimedSync>): Promise<Measured> {
  const before = await emulator.send({ op: 'requests' });
  const sync = await run();
  const after = await emulator.send({ op: 'requests' });
  return { sync, requests: after.requests - before.requests, deliveredMs: after.latencyMs - before.latencyMs, starts: after.starts.slice(before.starts.length) };
}

/** The plain client walking the listings of `first`, which must make the same number of Graph requests. */
async function plainWalk(emulator: EmulatorHandle, first: Measured, env: NodeJS.ProcessEnv): Promise<GraphWalk> {
  const walked = await walkGraph({ setup: emulator.setup, starts: first.starts }, env);
  if (walked.requests !== first.requests || walked.users !== USERS) {
    throw new Error(`the plain client made ${walked.requests} requests for ${walked.users} users; the sync made ${first.requests} for ${USERS}`);
  }
  return walked;
}

async function main(): Promise<void> {
  const emulator = await startEmulatorWorker(new URL(import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), 'seatsync-bench-entra-'));
  try {
    const { setup } = emulator;
    await writeConfig(dir, setup);
    const caPath = join(dir, 'emulator-ca.pem');
    await writeFile(caPath, setup.caPem);
    const config = join(dir, 'seatsync.yaml');
    const baseEnv = { NODE_EXTRA_CA_CERTS: caPath, BENCH_CLIENT_SECRET: setup.clientSecret };
    await emulator.send({ op: 'latency', ms: LATENCY_MS });

    const firsts = new Map<Variant, Measured[]>(VARIANTS.map((v) => [v, []]));
    const walks: GraphWalk[] = [];
    const deltas: Measured[] = [];
    const unchanged: Measured[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      await roundTurn();
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const variant of order) {
        const database = await openTestDatabase('postgres');
        try {
          const env = { ...baseEnv, BENCH_DATABASE_URL: database.url ?? '', ...(variant === 'default' ? {} : { SEATSYNC_USE_LIBRARY: variant }) };
          const first = await measured(emulator, () => timedSync({ config, env }));
          if (first.sync.run.created !== USERS) throw new Error(`the first sync created ${first.sync.run.created} accounts, expected ${USERS}`);
          firsts.get(variant)!.push(first);
          console.log(`entra-sync: round ${round + 1} ${variant}: first sync ${Math.round(first.sync.ms)} ms, floor ${first.requests * LATENCY_MS} ms`);
          if (variant !== 'default') continue;
          walks.push(await plainWalk(emulator, first, baseEnv));
          console.log(`entra-sync: round ${round + 1}: the plain client walked the same listing in ${Math.round(walks.at(-1)!.ms)} ms`);
          unchanged.push(await measured(emulator, () => timedSync({ config, env })));
          await emulator.send({ op: 'change', count: CHANGES });
          const delta = await measured(emulator, () => timedSync({ config, env }));
          const run = delta.sync.run;
          if (run.seen !== CHANGES || run.updated !== CHANGES) throw new Error(`unexpected delta resync: ${JSON.stringify(run)}`);
          deltas.push(delta);
          console.log(`entra-sync: round ${round + 1}: delta after ${CHANGES} changes ${Math.round(delta.sync.ms)} ms, with none ${Math.round(unchanged.at(-1)!.sync.ms)} ms`);
        } finally {
          await database.drop();
        }
      }
    }
    await emulator.send({ op: 'close' });
    report('entra-sync', figures(firsts, walks, deltas, unchanged));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function figures(firsts: Map<Variant, Measured[]>, walks: readonly GraphWalk[], deltas: Measured[], unchanged: Measured[]): Figure[] {
  const n = USERS.toLocaleString('en-US');
  const floorOf = (list: Measured[]) => ({ floorSamples: list.map((m) => m.requests * LATENCY_MS), floor: `${list[0]?.requests ?? 0} Graph requests × ${LATENCY_MS} ms` });
  const ours = firsts.get('default')!;
  const list: Figure[] = [
    figureOf({ name: `Entra first sync of ${n} users into PostgreSQL, ${LATENCY_MS} ms per Graph request, \`seatsync sync\``, samples: ours.map((m) => m.sync.ms), ...floorOf(ours), target: { ratio: 1.15 } }),
    figureOf({ name: `  the latency the emulator delivered in those runs (each request from arrival to answer, summed)`, samples: ours.map((m) => m.deliveredMs), ...floorOf(ours), target: null }),
    figureOf({ name: `  the run in-process (its report's durationMs)`, samples: ours.map((m) => m.sync.run.durationMs), ...floorOf(ours), target: null }),
    figureOf({ name: `  the read, as the source logs it`, samples: ours.map((m) => logNumber(m.sync.logs, 'entra read ended', 'durationMs') ?? Number.NaN), ...floorOf(ours), target: null }),
    figureOf({ name: `  a plain client walking the same listing one page at a time (its process, node:https, right after each sync)`, samples: walks.map((w) => w.ms), ...floorOf(ours), target: null }),
    figureOf({
      name: `  the first sync against that plain client, same rounds`, samples: ours.map((m) => m.sync.ms),
      floorSamples: walks.map((w) => w.ms), floor: 'a plain client walking the same listing one page at a time', target: null,
    }),
    figureOf({ name: `Entra delta resync after ${CHANGES} changed users (50 renamed, 50 disabled), \`seatsync sync\``, samples: deltas.map((m) => m.sync.ms), ...floorOf(deltas), target: { max: 1000 } }),
    figureOf({ name: `  its run in-process (its report's durationMs)`, samples: deltas.map((m) => m.sync.run.durationMs), ...floorOf(deltas), target: null }),
    figureOf({ name: `  delta resync with no change`, samples: unchanged.map((m) => m.sync.ms), ...floorOf(unchanged), target: null }),
  ];
  for (const [variant, runs] of firsts) {
    if (variant === 'default') continue;
    list.push(figureOf({
      name: `  first sync with SEATSYNC_USE_LIBRARY=${variant}`, samples: runs.map((m) => m.sync.ms),
      floorSamples: ours.map((m) => m.sync.ms), floor: 'the same first sync with the replacements (the default), same rounds', target: null,
    }));
  }
  return list;
}

if (isMainThread) await main();
else await serveEmulator(USERS);
