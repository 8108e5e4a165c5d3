// The factory is the path every command and job builds its sources through: the source it returns must
// keep every capability of the adapter it stands for (every member, and the value of every member that is
// not a method). A capability only a hand-built adapter has would exist in tests and nowhere else.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.ts';
import type { SourceConfig } from '../../src/config/types.ts';
import { silentLogger } from '../../src/logging.ts';
import type { DirectorySource } from '../../src/sources/directory-source.ts';
import { createEntraSource } from '../../src/sources/entra/entra-source.ts';
import { createSource } from '../../src/sources/factory.ts';
import { createFileSource } from '../../src/sources/file/file-source.ts';
import { createLdapSource } from '../../src/sources/ldap/ldap-source.ts';

const folder = mkdtempSync(join(tmpdir(), 'seatsync-factory-'));
const csv = join(folder, 'people.csv');
writeFileSync(csv, 'id,username\n1,ada\n');
const secret = join(folder, 'secret');
writeFileSync(secret, 'not-a-real-secret');

// Parsed by the config loader, as `seatsync` parses its file; nothing here connects anywhere.
const { config } = parseConfigText(
  `
sources:
  - { name: hr, kind: file, path: ${csv} }
  - { name: corp, kind: ldap, flavor: openldap, url: ldaps://ldap.invalid:636, baseDN: dc=example,dc=test }
  - { name: cloud, kind: entra, tenantId: 00000000-0000-0000-0000-000000000001, clientId: 00000000-0000-0000-0000-000000000002, clientSecret: "\${file:${secret}}" }
pools: { primary: { seats: 1 } }
profiles: [{ name: staff, pools: [primary] }]
`,
  { file: join(folder, 'seatsync.yaml'), env: {}, cwd: folder },
);

/** The adapter each kind stands for, built directly (only to compare with). */
function adapterOf(source: SourceConfig): DirectorySource {
  switch (source.kind) {
    case 'file':
      return createFileSource(source);
    case 'ldap':
      return createLdapSource(source);
    case 'entra':
      return createEntraSource(source);
  }
}

/** Every member: methods by kind, other members by value. */
function capabilities(source: DirectorySource): Record<string, unknown> {
  const members: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const value = (source as unknown as Record<string, unknown>)[key];
    members[key] = typeof value === 'function' ? 'method' : value;
  }
  return members;
}

describe('sources built by the factory', () => {
  it.each(['file', 'ldap', 'entra'] as const)('keep every capability of the %s adapter', async (kind) => {
    const sourceConfig = config.sources.find((s) => s.kind === kind);
    if (sourceConfig === undefined) throw new Error(`the test config has no ${kind} source`);
    const adapter = adapterOf(sourceConfig);
    const built = createSource(sourceConfig, silentLogger());
    try {
      expect(capabilities(built)).toEqual(capabilities(adapter));
      expect(built).toMatchObject({ name: sourceConfig.name, kind });
    } finally {
      await adapter.close();
      await built.close();
    }
  });
});
