// A first sync and a no-change resync of a 100,000-row CSV into PostgreSQL: `seatsync sync` (the CLI
// process, from a config file). Floor: reading the same file through the file source alone (built from
// the same source config by the factory; no database). Informative (no SPEC target); run it with
// `npm run bench -- csv-sync`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/logging.ts';
import { createSource } from '../src/sources/factory.ts';
import { openTestDatabase } from '../test/support/databases.ts';
import { aFileSource } from '../test/support/config-builder.ts';
import { timedSync } from './lib/cli-process.ts';
import { report, roundTurn, timed } from './support.ts';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);

function writeCsv(path: string): void {
  const lines = ['id,username,email,displayName,enabled,createdAt,groups,employeeType'];
  for (let i = 0; i < USERS; i += 1) {
    const created = new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString();
    const group = i % 10 === 0 ? 'Partners' : 'Staff';
    lines.push(`u${i},user${i},user${i}@example.test,User ${i},${i % 50 === 0 ? 'false' : 'true'},${created},${group},employee`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'seatsync-bench-csv-'));
  const path = join(dir, 'users.csv');
  writeCsv(path);
  const configPath = join(dir, 'seatsync.yaml');
  writeFileSync(configPath, `database: { url: "\${BENCH_DATABASE_URL}" }
dataDir: ${dir}
sources:
  - { name: hr, kind: file, path: ${path}, schedule: off }
pools:
  primary: { seats: ${Math.floor(USERS * 0.85)} }
  extranet: { seats: ${Math.floor(USERS * 0.05)} }
profiles:
  - { name: partner, when: { memberOf: [partners] }, pools: [extranet] }
  - { name: staff, pools: [primary] }
`);
  await roundTurn(); // one round: the floor, the first sync and the resync
  const floor = await timed(async () => {
    const reader = createSource(aFileSource('hr', path), silentLogger()).read({ cursor: null, forceFull: true, groupsOfInterest: ['partners'], attributes: [] });
    let n = 0;
    for await (const page of reader) n += page.items.length;
    return n;
  });
  const t = await openTestDatabase('postgres');
  try {
    const env = { BENCH_DATABASE_URL: t.url ?? '' };
    const first = await timedSync({ config: configPath, env });
    if (first.run.created !== USERS) throw new Error(`unexpected first sync: ${JSON.stringify(first.run)}`);
    const versions = async (): Promise<string> =>
      (await t.db.query<{ v: string }>(`SELECT md5(string_agg(xmin::text, ',' ORDER BY id)) AS v FROM accounts`)).rows[0]?.v ?? '';
    const before = await versions();
    const second = await timedSync({ config: configPath, env });
    const unchanged = before === (await versions());
    report('csv-sync', [
      { name: `first sync of ${USERS.toLocaleString('en-US')} CSV rows into PostgreSQL, \`seatsync sync\``, value: first.ms, floorValue: floor.ms, floor: 'file source read alone', target: null, extra: { run: first.run } },
      { name: `no-change resync of ${USERS.toLocaleString('en-US')} CSV rows, \`seatsync sync\``, value: second.ms, floorValue: floor.ms, floor: 'file source read alone', target: null, extra: { run: second.run, accountRowsUnchanged: unchanged } },
    ]);
    if (!unchanged) throw new Error('the no-change resync rewrote account rows');
  } finally {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
