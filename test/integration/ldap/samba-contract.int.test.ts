// The DirectorySource contract against Active Directory (a Samba AD DC). One DC serves the file; each
// fixture writes its users and groups into an OU of its own and reads that OU.
import { afterAll } from 'vitest';

import { normalizeDn } from '../../../src/domain/names.ts';
import { createSource } from '../../../src/sources/factory.ts';
import { silentLogger } from '../../../src/logging.ts';
import { guidFromBytes } from '../../../src/sources/directory-values.ts';
import {
  CONTRACT_GROUPS,
  describeDirectorySourceContract,
  type DirectorySourceFixture,
  type FixtureRequest,
} from '../../contract/directory-source.contract.ts';
import { startSambaAd, type SambaAdServer } from '../../support/samba-ad.ts';

import { ldapConfig } from './ldap-test-kit.ts';
import { addGroup } from './samba-seed.ts';

let dc: Promise<SambaAdServer> | null = null;
let fixtures = 0;

afterAll(async () => {
  await (await dc)?.stop();
});

async function sambaFixture(request: FixtureRequest): Promise<DirectorySourceFixture> {
  dc ??= startSambaAd();
  const server = await dc;
  fixtures += 1;
  const ou = `OU=contract-${fixtures},${server.baseDn}`;
  const admin = await server.connectAdmin();
  const ids = new Map<string, string>();
  try {
    await admin.add(ou, { objectClass: ['top', 'organizationalUnit'] });
    for (const seed of request.seeds) {
      const dn = `CN=${seed.username},${ou}`;
      await admin.add(dn, {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'],
        sAMAccountName: seed.username,
        mail: seed.email,
        displayName: seed.displayName,
        // NORMAL_ACCOUNT | PASSWD_NOTREQD, plus ACCOUNTDISABLE for disabled seeds.
        userAccountControl: seed.enabled ? '544' : '546',
        ...(seed.attributes ?? {}),
      });
      const { searchEntries } = await admin.search(dn, { scope: 'base', attributes: ['objectGUID'], explicitBufferAttributes: ['objectGUID'] });
      const guid = searchEntries[0]?.objectGUID;
      ids.set(seed.username, Buffer.isBuffer(guid) ? (guidFromBytes(guid) ?? '') : '');
    }
    for (const name of Object.values(CONTRACT_GROUPS)) {
      const members = request.seeds.filter((seed) => seed.groups.includes(name)).map((seed) => `CN=${seed.username},${ou}`);
      await addGroup(admin, `CN=${name},${ou}`, `${name.replace(/\W/g, '')}-${fixtures}`, members);
    }
  } finally {
    await admin.unbind();
  }
  const source = createSource(
    ldapConfig({
      name: 'contract-ad',
      flavor: 'active-directory',
      urls: [server.ldapsUrl],
      baseDN: ou,
      bindDN: server.adminUpn,
      bindPassword: server.adminPassword,
      tls: { caFile: server.ca.certPath, rejectUnauthorized: true, startTls: false },
      pageSize: request.pageSize,
    }),
    silentLogger(),
  );
  return {
    source,
    pageSize: request.pageSize,
    idOf: (username) => ids.get(username) ?? '',
    groupKey: (name) => normalizeDn(`CN=${name},${ou}`),
    createdAt: 'set-by-directory',
    // The DC and its OUs go away with the file's afterAll.
    close: async () => undefined,
  };
}

describeDirectorySourceContract('ldap (Samba Active Directory)', sambaFixture);
