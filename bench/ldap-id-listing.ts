// What finding deletions costs an incremental OpenLDAP read. A server without tombstones reports a deleted
// user, or one moved out of the base DN, by not returning it; an incremental read (modifyTimestamp) never
// returns it at all. So every incremental read lists the ids in scope (the id attribute only, page by
// page) and the sync sweeps the accounts it does not name (src/sources/ldap/scope-exits.ts). This measures
// that read, on an unchanged directory of BENCH_USERS users (default 100,000) — the change query returns
// nothing, so the time is the listing's — against a full read of the same users through the same source
// (every mapped attribute, the read the listing saves until the next `fullEvery`). No database: the
// source alone, as the sync streams it.
//
// BENCH_ROUNDS rounds (default 5), the two reads alternating after a warm-up; the median of each with
// its spread. Informative (no SPEC target); run it by name: `npm run bench -- ldap-id-listing`.
import { performance } from 'node:perf_hooks';

import type { LdapSourceConfig } from '../src/config/types.ts';
import type { SourceCursor } from '../src/sources/directory-source.ts';
import { createLdapSource } from '../src/sources/ldap/ldap-source.ts';
import { benchLdapSource } from './lib/ldap-bench-config.ts';
import { startBenchSlapd } from './lib/slapd-fixture.ts';
import { median, report } from './support.ts';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Read {
  readonly ms: number;
  readonly users: number;
  readonly listed: number;
  readonly mode: string;
  readonly cursor: SourceCursor | null;
}

async function read(config: LdapSourceConfig, cursor: SourceCursor | null): Promise<Read> {
  const started = performance.now();
  const reader = createLdapSource(config).read({ cursor, forceFull: cursor === null, groupsOfInterest: [], attributes: [] });
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
}

const spread = (values: readonly number[]): { minMs: number; maxMs: number } => ({ minMs: Math.round(Math.min(...values)), maxMs: Math.round(Math.max(...values)) });

async function main(): Promise<void> {
  const slapd = await startBenchSlapd({ users: USERS });
  try {
    const config = benchLdapSource(slapd);
    const first = await read(config, null); // warm-up, and the cursor of the incremental reads
    if (first.users !== USERS || first.cursor === null) throw new Error(`full read returned ${first.users} users, cursor ${JSON.stringify(first.cursor)}`);
    await read(config, first.cursor);
    const fulls: number[] = [];
    const listings: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const full = await read(config, null);
      if (full.users !== USERS) throw new Error(`full read returned ${full.users} users`);
      fulls.push(full.ms);
      const incremental = await read(config, first.cursor);
      if (incremental.mode !== 'incremental' || incremental.listed !== USERS || incremental.users !== 0) {
        throw new Error(`incremental read: mode ${incremental.mode}, ${incremental.users} users, ${incremental.listed} ids listed`);
      }
      listings.push(incremental.ms);
      console.log(`ldap-id-listing: round ${round + 1}: full read ${Math.round(full.ms)} ms, incremental read with id listing ${Math.round(incremental.ms)} ms`);
    }
    const n = USERS.toLocaleString('en-US');
    report('ldap-id-listing', [
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

await main();
