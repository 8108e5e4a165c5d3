// The DirectorySource contract: what the sync relies on from every source adapter (file, LDAP, Entra).
// An adapter's test file calls `describeDirectorySourceContract` with a fixture factory that fills a
// directory of its kind with the seeded users and returns a source reading it:
//
//   describeDirectorySourceContract('ldap (openldap)', async ({ seeds, pageSize }) => {
//     const dir = await startSlapd(…);                    // or reuse one, under a unique base DN
//     for (const seed of seeds) await dir.addUser(seed);   // groups: cn=NAME,ou=groups,BASE with `member`
//     return {
//       source: createLdapSource({ …config, pageSize }),
//       pageSize,
//       createdAt: 'set-by-directory',                    // createTimestamp is operational
//       idOf: (username) => dir.entryUuidOf(username),
//       groupKey: (name) => normalizeGroupKey(`cn=${name},ou=groups,${dir.baseDN}`),
//       close: () => dir.remove(),
//     };
//   });
//
// The factory is called twice per suite: once with CONTRACT_SEEDS, once with no users (empty directory).
// The suite reads with groupsOfInterest = the three CONTRACT_GROUPS keys and attributes = ['employeeType'].
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../../src/domain/types.ts';
import type { DirectorySource, SourceItem, SourcePage, SourceReadOptions, SourceReadOutcome } from '../../src/sources/directory-source.ts';

/** One user the fixture must put in its directory. */
export interface SeedUser {
  /**
   * Stable id to give the user when the directory lets the test choose it (files; AD/LDAP when the
   * fixture writes entries offline). Fixtures whose directory assigns ids ignore it and answer `idOf`.
   */
  readonly externalId?: string;
  /** Unique; the fixture maps it to the directory's login attribute (uid, sAMAccountName, UPN prefix, …). */
  readonly username: string;
  readonly email: string;
  readonly displayName: string;
  readonly enabled: boolean;
  /** Whole seconds, UTC (generalized time has no milliseconds). */
  readonly createdAt: Date;
  /** Plain group names; the fixture creates each group once and makes the user a direct member. */
  readonly groups: readonly string[];
  /** Extra attributes. The suite only uses `employeeType`, which AD, OpenLDAP (inetOrgPerson) and Graph all have. */
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface DirectorySourceFixture {
  /** A source whose scope holds exactly the seeded users. */
  readonly source: DirectorySource;
  /** Page size the source was built with: no page may hold more items. */
  readonly pageSize: number;
  /** The external id the directory holds for a seeded user (its `externalId` seed when it could be set). */
  idOf(username: string): string;
  /** The normalized group key a config would name for a seeded group (a name, a DN, an object id). */
  groupKey(name: string): string;
  /**
   * Whether `createdAt` comes back as seeded (`as-seeded`) or is set by the directory at creation
   * (`set-by-directory`: OpenLDAP's createTimestamp, Entra's createdDateTime); then only its presence is checked.
   */
  readonly createdAt: 'as-seeded' | 'set-by-directory';
  /** Removes what the fixture created (entries, files, servers it started). */
  close(): Promise<void>;
}

export interface FixtureRequest {
  readonly seeds: readonly SeedUser[];
  /**
   * Page size the suite would like, to see several pages from a few users. A fixture may use another
   * one, but it must stay below the number of seeds (the abort test needs a second page).
   */
  readonly pageSize: number;
}

export type MakeDirectorySourceFixture = (request: FixtureRequest) => Promise<DirectorySourceFixture>;

/** Groups the seeds use, plus one nobody is in. */
export const CONTRACT_GROUPS = { staff: 'Seat Staff', partners: 'Seat Partners', unused: 'Seat Nobody' } as const;

const at = (iso: string): Date => new Date(iso);

/** The users every adapter must return. Ids are UUIDs so that directories with UUID ids can take them. */
export const CONTRACT_SEEDS: readonly SeedUser[] = [
  {
    externalId: '2f0c1a52-7c1e-4f55-9a0e-0a1b2c3d4e01', username: 'amira.haddad', email: 'amira.haddad@example.test', displayName: 'Amira Haddad',
    enabled: true, createdAt: at('2023-02-01T08:00:00Z'), groups: [CONTRACT_GROUPS.staff],
  },
  {
    externalId: '2f0c1a52-7c1e-4f55-9a0e-0a1b2c3d4e02', username: 'bruno.keller', email: 'bruno.keller@example.test', displayName: 'Bruno Keller',
    enabled: false, createdAt: at('2023-06-15T12:30:00Z'), groups: [CONTRACT_GROUPS.staff],
  },
  {
    externalId: '2f0c1a52-7c1e-4f55-9a0e-0a1b2c3d4e03', username: 'chen.wei', email: 'chen.wei@example.test', displayName: 'Chen Wei',
    enabled: true, createdAt: at('2024-01-10T09:15:00Z'), groups: [CONTRACT_GROUPS.partners],
  },
  {
    externalId: '2f0c1a52-7c1e-4f55-9a0e-0a1b2c3d4e04', username: 'dana.oconnor', email: 'dana.oconnor@example.test', displayName: "Dana O'Connor",
    enabled: true, createdAt: at('2024-03-03T17:45:30Z'), groups: [CONTRACT_GROUPS.staff, CONTRACT_GROUPS.partners],
  },
  {
    externalId: '2f0c1a52-7c1e-4f55-9a0e-0a1b2c3d4e05', username: 'svc.backup', email: 'svc.backup@example.test', displayName: 'Backup Service',
    enabled: true, createdAt: at('2024-05-20T00:00:00Z'), groups: [], attributes: { employeeType: 'service' },
  },
  {
    externalId: '2f0c1a52-7c1e-4f55-9a0e-0a1b2c3d4e06', username: 'zoe.muller', email: 'zoe.muller@example.test', displayName: 'Zoë Müller, Ph.D.',
    enabled: true, createdAt: at('2025-01-31T23:59:59Z'), groups: [CONTRACT_GROUPS.staff],
  },
  {
    externalId: '2f0c1a52-7c1e-4f55-9a0e-0a1b2c3d4e07', username: 'erik.lund', email: 'erik.lund@example.test', displayName: 'Erik Lund',
    enabled: false, createdAt: at('2025-07-04T06:00:00Z'), groups: [CONTRACT_GROUPS.partners],
  },
];

/** Page size the suite asks for: small, so seven users span several pages. */
const REQUESTED_PAGE_SIZE = 3;

interface ReadResult {
  readonly pages: readonly SourcePage[];
  readonly outcome: SourceReadOutcome;
}

async function readAll(source: DirectorySource, options: Partial<SourceReadOptions> = {}): Promise<ReadResult> {
  const reader = source.read({ cursor: null, forceFull: true, groupsOfInterest: [], attributes: [], ...options });
  const pages: SourcePage[] = [];
  for (;;) {
    const step = await reader.next();
    if (step.done === true) return { pages, outcome: step.value };
    pages.push(step.value);
  }
}

function usersOf(pages: readonly SourcePage[]): DirectoryUser[] {
  return pages.flatMap((page) => page.items.flatMap((item: SourceItem) => (item.kind === 'user' ? [item.user] : [])));
}

function byUsername(users: readonly DirectoryUser[], username: string): DirectoryUser {
  const matches = users.filter((user) => user.username.toLowerCase() === username);
  expect(matches, `users named ${username}`).toHaveLength(1);
  return matches[0] as DirectoryUser;
}

export function describeDirectorySourceContract(name: string, makeFixture: MakeDirectorySourceFixture): void {
  describe(`DirectorySource contract: ${name}`, () => {
    let fixture: DirectorySourceFixture;
    let interest: string[];
    const readOptions = (): Partial<SourceReadOptions> => ({ groupsOfInterest: interest, attributes: ['employeeType'] });

    beforeAll(async () => {
      fixture = await makeFixture({ seeds: CONTRACT_SEEDS, pageSize: REQUESTED_PAGE_SIZE });
      interest = Object.values(CONTRACT_GROUPS).map((group) => fixture.groupKey(group));
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it('returns every seeded user exactly once with its mapped fields', async () => {
      const { pages } = await readAll(fixture.source, readOptions());
      const users = usersOf(pages);
      expect(users).toHaveLength(CONTRACT_SEEDS.length);
      for (const seed of CONTRACT_SEEDS) {
        const user = byUsername(users, seed.username);
        expect(user.email?.toLowerCase()).toBe(seed.email);
        expect(user.displayName).toBe(seed.displayName);
        expect(user.enabled).toBe(seed.enabled);
        if (fixture.createdAt === 'as-seeded') expect(user.createdAt?.toISOString()).toBe(seed.createdAt.toISOString());
        else expect(user.createdAt).toBeInstanceOf(Date);
        expect(user.attributes['employeeType'] ?? []).toEqual(seed.attributes?.['employeeType'] ? [seed.attributes['employeeType']] : []);
      }
    });

    it('reports no skipped entries for well-formed users', async () => {
      const { pages } = await readAll(fixture.source, readOptions());
      const skipped = pages.flatMap((page) => page.items.filter((item) => item.kind === 'skipped'));
      expect(skipped).toEqual([]);
    });

    it('keys users by the stable id, the same on every read', async () => {
      const first = usersOf((await readAll(fixture.source, readOptions())).pages);
      const second = usersOf((await readAll(fixture.source, readOptions())).pages);
      const ids = (users: DirectoryUser[]) => new Map(users.map((user) => [user.username.toLowerCase(), user.externalId]));
      expect(ids(second)).toEqual(ids(first));
      expect(new Set(first.map((user) => user.externalId)).size).toBe(CONTRACT_SEEDS.length);
      for (const seed of CONTRACT_SEEDS) expect(byUsername(first, seed.username).externalId).toBe(fixture.idOf(seed.username));
    });

    it('reports disabled users as disabled and the others as enabled', async () => {
      const users = usersOf((await readAll(fixture.source, readOptions())).pages);
      const disabled = users.filter((user) => !user.enabled).map((user) => user.username.toLowerCase()).sort();
      expect(disabled).toEqual(CONTRACT_SEEDS.filter((seed) => !seed.enabled).map((seed) => seed.username).sort());
    });

    it('never puts more items in a page than its page size', async () => {
      const { pages } = await readAll(fixture.source, readOptions());
      expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(CONTRACT_SEEDS.length / fixture.pageSize));
      for (const page of pages) expect(page.items.length).toBeLessThanOrEqual(fixture.pageSize);
    });

    it('ends a full read with an outcome and a JSON-serializable cursor', async () => {
      const { outcome } = await readAll(fixture.source, readOptions());
      expect(outcome.mode).toBe('full');
      expect(JSON.parse(JSON.stringify(outcome.cursor))).toEqual(outcome.cursor);
    });

    it('reports membership of every group of interest, and only of the groups a user is in', async () => {
      const users = usersOf((await readAll(fixture.source, readOptions())).pages);
      for (const seed of CONTRACT_SEEDS) {
        const reported = byUsername(users, seed.username).groups.filter((group) => interest.includes(group)).sort();
        expect(reported, seed.username).toEqual(seed.groups.map((group) => fixture.groupKey(group)).sort());
      }
    });

    it('check() counts the users, shows mapped samples and sizes the groups of interest', async () => {
      const { report } = await fixture.source.check({ groupsOfInterest: interest, attributes: ['employeeType'] });
      expect(report.ok).toBe(true);
      expect(report.usersInScope).toBe(CONTRACT_SEEDS.length);
      expect(report.sample.length).toBeGreaterThan(0);
      const usernames = CONTRACT_SEEDS.map((seed) => seed.username);
      for (const user of report.sample) expect(usernames).toContain(user.username.toLowerCase());
      const members = (group: string) => CONTRACT_SEEDS.filter((seed) => seed.groups.includes(group)).length;
      expect(report.groupSizes).toEqual({
        [fixture.groupKey(CONTRACT_GROUPS.staff)]: members(CONTRACT_GROUPS.staff),
        [fixture.groupKey(CONTRACT_GROUPS.partners)]: members(CONTRACT_GROUPS.partners),
        [fixture.groupKey(CONTRACT_GROUPS.unused)]: 0,
      });
    });

    it('throws when its signal is already aborted instead of ending the read', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(readAll(fixture.source, { ...readOptions(), signal: controller.signal })).rejects.toThrow();
    });

    it('throws when aborted between pages instead of returning an outcome', async () => {
      expect(fixture.pageSize, 'the fixture must honour a page size below the number of seeds').toBeLessThan(CONTRACT_SEEDS.length);
      const controller = new AbortController();
      const reader = fixture.source.read({ cursor: null, forceFull: true, groupsOfInterest: interest, attributes: [], signal: controller.signal });
      const first = await reader.next();
      expect(first.done).toBe(false);
      controller.abort();
      const rest = async (): Promise<void> => {
        for (let step = await reader.next(); step.done !== true; step = await reader.next()) {
          // drain: the adapter may hand out what it already fetched before it notices the abort
        }
      };
      await expect(rest()).rejects.toThrow();
    });

    describe('with an empty directory', () => {
      let empty: DirectorySourceFixture;
      beforeAll(async () => {
        empty = await makeFixture({ seeds: [], pageSize: REQUESTED_PAGE_SIZE });
      });
      afterAll(async () => {
        await empty?.close();
      });

      it('reads zero users and still ends with a full outcome (never an error)', async () => {
        const { pages, outcome } = await readAll(empty.source);
        expect(usersOf(pages)).toEqual([]);
        expect(outcome.mode).toBe('full');
        const { report } = await empty.source.check({ groupsOfInterest: [], attributes: [] });
        expect(report.usersInScope).toBe(0);
      });
    });
  });
}
