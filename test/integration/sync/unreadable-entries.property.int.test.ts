// Property: over random directories, where a second read makes random changes and leaves random entries
// present but unreadable (a bad flag, a bad date, a NUL byte, a short row, an empty id), the account of
// an unreadable entry whose id is readable stays exactly as it was, whatever else the read changes (a
// seat freed, a newcomer): its row is not even rewritten. A read with an unreadable id never sweeps
// unasked. The file source is
// built from the config through the factory; real PostgreSQL.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aConfig, aFileSource } from '../../support/config-builder.ts';
import { openTestDatabase } from '../../support/databases.ts';
import { syncWithAllocation } from '../../support/sync.ts';

const HEADER = 'id,username,enabled,createdAt,displayName';

type Fault = 'flag' | 'date' | 'nul' | 'short' | 'no-id';

interface Person {
  readonly id: string;
  readonly enabled: boolean;
  readonly day: number;
}

function row(person: Person, fault: Fault | null): string {
  const created = `2024-01-${String(person.day).padStart(2, '0')}T00:00:00Z`;
  const fields = [person.id, `user-${person.id}`, String(person.enabled), created, `Person ${person.id}`];
  switch (fault) {
    case null:
      return fields.join(',');
    case 'flag':
      return [...fields.slice(0, 2), 'ture', ...fields.slice(3)].join(',');
    case 'date':
      return [...fields.slice(0, 3), 'not-a-date', ...fields.slice(4)].join(',');
    case 'nul':
      return [...fields.slice(0, 4), `Person\u0000${person.id}`].join(',');
    case 'short':
      return fields.slice(0, 2).join(',');
    case 'no-id':
      return ['', ...fields.slice(1)].join(',');
  }
}

const person = (id: number): fc.Arbitrary<Person> =>
  fc.record({ enabled: fc.boolean(), day: fc.integer({ min: 1, max: 28 }) }).map((p) => ({ id: `p${id}`, ...p }));

/** A first directory, and for each of its people what the second read makes of them. */
const scenario = fc.integer({ min: 2, max: 14 }).chain((size) =>
  fc.record({
    seats: fc.integer({ min: 1, max: 6 }),
    first: fc.tuple(...Array.from({ length: size }, (_, i) => person(i))),
    second: fc.array(
      fc.oneof(
        { weight: 4, arbitrary: fc.constant<'same'>('same') },
        { weight: 1, arbitrary: fc.constant<'toggle'>('toggle') },
        { weight: 1, arbitrary: fc.constant<'gone'>('gone') },
        { weight: 3, arbitrary: fc.constantFrom<Fault>('flag', 'date', 'nul', 'short') },
        { weight: 1, arbitrary: fc.constant<Fault>('no-id') },
      ),
      { minLength: size, maxLength: size },
    ),
    newcomers: fc.array(person(100), { maxLength: 3 }).map((list) => list.map((p, i) => ({ ...p, id: `n${i}` }))),
  }),
);

describe('unreadable entries, property', () => {
  it('never change the state of their own account, whatever else the read changes', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'seatsync-prop-'));
    await fc.assert(
      fc.asyncProperty(scenario, async ({ seats, first, second, newcomers }) => {
        const t = await openTestDatabase('postgres');
        try {
          const path = join(folder, 'users.csv');
          const config = aConfig({
            sources: [aFileSource('hr', path)],
            pools: [{ name: 'primary', seats, notify: null }],
            policy: { graceDays: 0, maxRemovals: { percent: 100 }, protect: null, purgeRemovedAfterMs: null },
          });
          const sync = async () => (await syncWithAllocation(t.db, config)).report;
          writeFileSync(path, [HEADER, ...first.map((p) => row(p, null))].join('\n'));
          await sync();
          const rows = async () =>
            new Map(
              (await t.db.query<{ external_id: string; state: string; version: string }>('SELECT external_id, state, xmin::text AS version FROM accounts')).rows.map(
                (r) => [r.external_id, r],
              ),
            );
          const before = await rows();
          const secondLines = (): string[] =>
            first.flatMap((p, i) => {
              const change = second[i] ?? 'same';
              if (change === 'gone') return [];
              if (change === 'same') return [row(p, null)];
              if (change === 'toggle') return [row({ ...p, enabled: !p.enabled }, null)];
              return [row(p, change)];
            });
          writeFileSync(path, [HEADER, ...secondLines(), ...newcomers.map((p) => row(p, null))].join('\n'));
          const run = (await sync()).runs[0];
          const after = await rows();
          expect(run?.status === 'ok' || run?.status === 'held').toBe(true);
          // The entry without an id leaves its own account unseen: the sweep would remove it, so the run is held.
          if (second.includes('no-id')) expect(run?.status).toBe('held');
          if (run?.status === 'held') {
            expect(after).toEqual(before);
            return;
          }
          for (const [i, p] of first.entries()) {
            const change = second[i];
            if (change !== 'flag' && change !== 'date' && change !== 'nul' && change !== 'short') continue;
            // Frozen: not moved, not even rewritten (a waiting one is passed by when a seat frees).
            expect(after.get(p.id)).toEqual(before.get(p.id));
          }
        } finally {
          await t.drop();
        }
      }),
      { numRuns: 15 },
    );
  }, 300_000);
});
