// The DirectorySource contract against the Entra source reading the Graph emulator.
import { randomUUID } from 'node:crypto';
import { createSource } from '../../../src/sources/factory.ts';
import { silentLogger } from '../../../src/logging.ts';
import { describeDirectorySourceContract, type FixtureRequest } from '../../contract/directory-source.contract.ts';
import { startGraphEmulator, trustEmulatorCa } from '../../support/graph-emulator/index.ts';

async function entraFixture({ seeds, pageSize }: FixtureRequest) {
  const emulator = await startGraphEmulator();
  trustEmulatorCa(emulator.tls.caPem);
  const app = emulator.registerApp({ secret: 'contract' });
  const groups = new Map<string, string>();
  const groupId = (name: string): string => {
    if (!groups.has(name)) groups.set(name, emulator.directory.addGroup({ id: randomUUID(), displayName: name }));
    return groups.get(name)!;
  };
  const ids = new Map<string, string>();
  for (const seed of seeds) {
    const id = emulator.directory.addUser({
      ...(seed.externalId ? { id: seed.externalId } : {}),
      // The contract compares usernames with the seed's: the UPN here is that name.
      userPrincipalName: seed.username,
      mail: seed.email,
      displayName: seed.displayName,
      accountEnabled: seed.enabled,
      createdDateTime: seed.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(seed.attributes?.employeeType ? { employeeType: seed.attributes.employeeType } : {}),
    });
    ids.set(seed.username, id);
    for (const group of seed.groups) emulator.directory.addMember(groupId(group), id);
  }
  const source = createSource({
    kind: 'entra', name: 'entra-contract', schedule: null, fullEveryMs: 86_400_000, tenantId: emulator.tenantId, clientId: app.clientId,
    credential: { kind: 'secret', clientSecret: 'contract' }, cloud: { graph: emulator.graphUrl, login: emulator.loginUrl }, group: null, pageSize,
  }, silentLogger());
  return {
    source,
    pageSize,
    idOf: (username: string) => ids.get(username)!,
    groupKey: groupId,
    createdAt: 'as-seeded' as const,
    close: async () => {
      await source.close();
      await emulator.close();
    },
  };
}

describeDirectorySourceContract('entra (Graph emulator)', entraFixture);
