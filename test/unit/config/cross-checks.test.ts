// Checks across keys: errors reported with the schema errors, and warnings returned separately.
import { afterAll, describe, expect, it } from 'vitest';
import { configText, lines, tempConfigDir, yaml } from './config-files.ts';

const temp = tempConfigDir('cross');
afterAll(() => temp.remove());

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

const twoSources = (second: string) => yaml`
  sources:
    - { name: users, kind: file, path: users.csv }
    - ${second}
`;

const ENTRA_ONLY = yaml`
  sources:
    - { name: entra, kind: entra, tenantId: t, clientId: c, clientSecret: s }
`;

describe('errors across keys', () => {
  it.each([
    {
      name: 'duplicate source names',
      text: configText({ sources: twoSources('{ name: users, kind: file, path: more.csv }') }),
      expected: 'sources[1].name: duplicate source name "users" (also sources[0])',
    },
    {
      name: 'duplicate profile names',
      text: configText({ profiles: 'profiles:\n  - { name: a, when: { dn: ou=x }, pools: [] }\n  - { name: a, pools: [primary] }\n' }),
      expected: 'profiles[1].name: duplicate profile name "a" (also profiles[0])',
    },
    {
      name: 'unknown pool, with a suggestion',
      text: configText({ profiles: 'profiles:\n  - { name: a, pools: [primery] }\n' }),
      expected: 'profiles[0].pools[0]: unknown pool "primery" (did you mean primary?)',
    },
    {
      name: 'unknown pool, listing the pools',
      text: configText({ profiles: 'profiles:\n  - { name: a, pools: [primary, cases] }\n' }),
      expected: 'profiles[0].pools[1]: unknown pool "cases" (pools: primary)',
    },
    {
      name: 'pool listed twice',
      text: configText({ profiles: 'profiles:\n  - { name: a, pools: [primary, primary] }\n' }),
      expected: 'profiles[0].pools[1]: pool "primary" is listed twice',
    },
    {
      name: 'pool name',
      text: configText({ pools: 'pools:\n  Primary Pool: { seats: 1 }\n  primary: { seats: 1 }\n' }),
      expected: 'pools["Primary Pool"]: pool name must be lowercase letters, digits, "-" and "_", starting with a letter or digit (at most 63)',
    },
    {
      name: 'notify.graph.source unknown',
      text: configText({ extra: 'notify:\n  to: a@x.test\n  graph: { source: entra, sender: s@x.test }\n' }),
      expected: 'notify.graph.source: unknown source "entra": must name an entra source',
    },
    {
      name: 'notify.graph.source not entra',
      text: configText({ extra: 'notify:\n  to: a@x.test\n  graph: { source: users, sender: s@x.test }\n' }),
      expected: 'notify.graph.source: must name an entra source ("users" is file)',
    },
    {
      name: 'no transport',
      text: configText({ extra: 'notify:\n  to: a@x.test\n  log: false\n' }),
      expected: 'notify: needs one transport: smtp, graph or log: true',
    },
    {
      name: 'two transports',
      text: configText({ sources: ENTRA_ONLY, extra: 'notify:\n  to: a@x.test\n  from: b@x.test\n  smtp: { host: h }\n  graph: { source: entra, sender: s@x.test }\n' }),
      expected: 'notify: give only one transport (found smtp and graph)',
    },
    {
      name: 'smtp without from',
      text: configText({ extra: 'notify:\n  to: a@x.test\n  smtp: { host: h }\n' }),
      expected: 'notify.from: is required with smtp',
    },
    {
      name: 'smtp user without password',
      text: configText({ extra: 'notify:\n  to: a@x.test\n  from: b@x.test\n  smtp: { host: h, user: u }\n' }),
      expected: 'notify.smtp.password: is required when user is set',
    },
    {
      name: 'smtp password without user',
      text: configText({ extra: 'notify:\n  to: a@x.test\n  from: b@x.test\n  smtp: { host: h, password: p }\n' }),
      expected: 'notify.smtp.user: is required when password is set',
    },
    {
      name: 'bindDN without password',
      text: configText({ sources: twoSources('{ name: ad, kind: ldap, flavor: openldap, url: ldaps://a, baseDN: dc=x, bindDN: cn=svc }') }),
      expected: 'sources[1].bindPassword: is required when bindDN is set (a bind with an empty password is anonymous)',
    },
    {
      name: 'password without bindDN',
      text: configText({ sources: twoSources('{ name: ad, kind: ldap, flavor: openldap, url: ldaps://a, baseDN: dc=x, bindPassword: p }') }),
      expected: 'sources[1].bindDN: is required when bindPassword is set',
    },
    {
      name: 'baseDN that is not a DN',
      text: configText({ sources: twoSources('{ name: ad, kind: ldap, flavor: openldap, url: ldaps://a, baseDN: not a dn }') }),
      expected: 'sources[1].baseDN: must be a DN, like ou=people,dc=example,dc=org (got "not a dn")',
    },
    {
      name: 'OpenLDAP bindDN that is not a DN',
      text: configText({ sources: twoSources('{ name: ol, kind: ldap, flavor: openldap, url: ldaps://a, baseDN: dc=x, bindDN: reader, bindPassword: p }') }),
      expected: 'sources[1].bindDN: must be a DN, like cn=reader,dc=example,dc=org',
    },
    {
      name: 'AD bindDN that is neither a DN, a user principal name nor DOMAIN\\user',
      text: configText({ sources: twoSources('{ name: ad, kind: ldap, flavor: active-directory, url: ldaps://a, baseDN: dc=x, bindDN: reader, bindPassword: p }') }),
      expected: 'sources[1].bindDN: must be a DN (cn=reader,ou=service,dc=corp,dc=example), a user principal name (reader@corp.example) or DOMAIN\\user',
    },
    {
      name: 'OpenLDAP scope group that is not a DN',
      text: configText({ sources: twoSources('{ name: ol, kind: ldap, flavor: openldap, url: ldaps://a, baseDN: dc=x, group: App Users }') }),
      expected: 'sources[1].group: must be a DN, like ou=people,dc=example,dc=org (got "App Users")',
    },
    {
      name: 'Active Directory scope group that is not a DN (a group name is not enough)',
      text: configText({ sources: twoSources('{ name: ad, kind: ldap, flavor: active-directory, url: ldaps://a, baseDN: dc=x, group: Domain Users }') }),
      expected: 'sources[1].group: must be a DN, like ou=people,dc=example,dc=org (got "Domain Users")',
    },
    {
      name: 'startTls with ldaps',
      text: configText({ sources: twoSources('{ name: ad, kind: ldap, flavor: openldap, url: [ldap://a, ldaps://b], baseDN: dc=x, tls: { startTls: true } }') }),
      expected: 'sources[1].tls.startTls: is for ldap:// URLs; ldaps:// is already TLS',
    },
    {
      name: 'entra without credential',
      text: configText({ sources: twoSources('{ name: e, kind: entra, tenantId: t, clientId: c }') }),
      expected: 'sources[1].clientSecret: is required (or certificatePath)',
    },
    {
      name: 'entra with both credentials',
      text: configText({ sources: twoSources('{ name: e, kind: entra, tenantId: t, clientId: c, clientSecret: s, certificatePath: c.pem }') }),
      expected: 'sources[1].certificatePath: give clientSecret or certificatePath, not both',
    },
    {
      name: 'two tokens with one name',
      text: configText({ extra: `http:\n  tokens:\n    - { name: ops, sha256: ${HASH_A}, role: admin }\n    - { name: ops, sha256: ${HASH_B}, role: read }\n` }),
      expected: 'http.tokens[1].name: duplicate token name "ops" (also http.tokens[0])',
    },
    {
      name: 'two tokens with one hash',
      text: configText({ extra: `http:\n  tokens:\n    - { name: ops, sha256: ${HASH_A}, role: admin }\n    - { name: web, sha256: ${HASH_A.toUpperCase()}, role: read }\n` }),
      expected: 'http.tokens[1].sha256: same token as http.tokens[0]: each token needs its own secret',
    },
  ])('$name', async ({ text, expected }) => {
    expect(lines(await temp.problems(text))).toContain(expected);
  });
});

describe('LDAP bind names, base DNs and scope groups', () => {
  it.each([
    ['openldap', 'cn=reader,dc=example,dc=org'],
    ['openldap', 'cn=Smith\\, John+uid=js,ou=people,dc=example,dc=org'],
    ['openldap', '2.5.4.3=reader,dc=example'],
    ['active-directory', 'CN=svc-seatsync,OU=Service,DC=corp,DC=example,DC=test'],
    ['active-directory', 'svc-seatsync@corp.example.test'],
    ['active-directory', 'CORP\\svc-seatsync'],
    ['active-directory', 'CORP\\svc seatsync'],
  ])('%s accepts %s as bindDN', async (flavor, bindDN) => {
    const source = `{ name: d, kind: ldap, flavor: ${flavor}, url: ldaps://a, baseDN: "dc=example,dc=org", bindDN: ${JSON.stringify(bindDN)}, bindPassword: p }`;
    await expect(temp.load(configText({ sources: twoSources(source) }))).resolves.toBeDefined();
  });

  it.each([
    ['openldap', 'cn=app users,ou=groups,dc=example,dc=org'],
    ['active-directory', 'CN=App Users\\, Berlin,OU=Groups,DC=corp,DC=example,DC=test'],
  ])('%s accepts %s as the scope group', async (flavor, group) => {
    const source = `{ name: d, kind: ldap, flavor: ${flavor}, url: ldaps://a, baseDN: "dc=example,dc=org", group: ${JSON.stringify(group)} }`;
    await expect(temp.load(configText({ sources: twoSources(source) }))).resolves.toBeDefined();
  });

  it('checks the bindDN an environment variable gives', async () => {
    const source = '{ name: d, kind: ldap, flavor: openldap, url: ldaps://a, baseDN: "${BASE}", bindDN: "${BIND_DN}", bindPassword: p }';
    const text = configText({ sources: twoSources(source) });
    await expect(temp.load(text, { env: { BIND_DN: 'cn=reader,dc=example,dc=org', BASE: 'dc=example,dc=org' } })).resolves.toBeDefined();
    expect(lines(await temp.problems(text, { env: { BIND_DN: 'reader', BASE: 'dc=example,dc=org' } }))).toEqual(['sources[1].bindDN: must be a DN, like cn=reader,dc=example,dc=org']);
  });
});

describe('warnings', () => {
  it('a DN in memberOf while the only sources are Entra ID is a warning, not an error', async () => {
    const profiles = yaml`
      profiles:
        - { name: partner, when: { memberOf: [CN=Partners,OU=Groups,DC=corp, 6b1c2f0e-8d4a-4c55-9a53-0c1e2d3f4a5b] }, pools: [primary] }
        - { name: staff, pools: [primary] }
    `;
    const { config, warnings } = await temp.load(configText({ sources: ENTRA_ONLY, profiles }));
    expect(config.profiles).toHaveLength(2);
    expect(lines(warnings)).toContain(
      'profiles[0].when.memberOf[0]: looks like a DN, but the only sources are Entra ID, whose groups are object ids: it will never match',
    );
    expect(warnings.some((w) => w.path === 'profiles[0].when.memberOf[1]')).toBe(false);
  });

  it('the same DN is fine when a file or LDAP source can resolve it', async () => {
    const profiles = 'profiles:\n  - { name: p, when: { memberOf: CN=Partners,DC=corp }, pools: [primary] }\n  - { name: s, pools: [primary] }\n';
    const { warnings } = await temp.load(configText({ profiles, extra: 'notify: { to: a@x.test, log: true }\n' }));
    expect(warnings).toEqual([]);
  });

  it('also checks policy.protect', async () => {
    const { warnings } = await temp.load(configText({ sources: ENTRA_ONLY, policy: { protect: '{ memberOf: CN=Admins,DC=corp }' } }));
    expect(warnings.map((w) => w.path)).toContain('policy.protect.memberOf');
  });

  it('profiles after a catch-all, unused pools, clear-text binds, verification off, no notify', async () => {
    const text = yaml`
      sources:
        - name: ad
          kind: ldap
          flavor: openldap
          url: ldap://ldap.x.test
          baseDN: dc=x
          bindDN: cn=svc,dc=x
          bindPassword: pw
          tls: { rejectUnauthorized: false }
      pools:
        primary: { seats: 1 }
        spare: { seats: 1 }
      profiles:
        - { name: all, pools: [primary] }
        - { name: later, when: { dn: ou=x }, pools: [primary] }
    `;
    const { warnings } = await temp.load(text);
    expect(lines(warnings)).toEqual([
      'sources[0].url: ldap:// without tls.startTls sends the bind password unencrypted',
      'sources[0].tls.rejectUnauthorized: certificate verification is off: any server can pose as the directory',
      'pools.spare: no profile uses this pool',
      'profiles[1]: is never used: profiles[0] has no `when` and matches every user first',
      'notify: is not set: nobody is emailed when a pool runs out of seats',
    ]);
    expect(warnings[0]?.line).toBe(5);
  });
});

describe('all problems at once', () => {
  it('reports schema, reference and cross-key errors of one file together, in file order', async () => {
    const text = yaml`
      database:
        url: mysql://db
      sources:
        - name: ad
          kind: ldap
          flavor: ad
          url: http://dc1
          baseDN: DC=x
          bindDN: cn=svc
          schedule: { evry: 15m }
        - name: ad
          kind: entra
          tenantId: \${MISSING_TENANT}
          clientId: c
          clientSecret: s
      pools:
        primary: { seats: ten }
      profiles:
        - { name: staff, pools: [primery] }
        - { name: staff, when: {}, pools: [] }
      notify:
        to: nobody
      http:
        port: 99999
      extra: true
    `;
    const problems = await temp.problems(text);
    expect(lines(problems)).toEqual([
      'database.url: must be postgres:// or postgresql://',
      'sources[0].bindPassword: is required when bindDN is set (a bind with an empty password is anonymous)',
      'sources[0].flavor: must be active-directory or openldap (got "ad")',
      'sources[0].url: must be ldap:// or ldaps:// (got "http://dc1")',
      'sources[0].schedule.every: is required',
      'sources[0].schedule.evry: unknown key (did you mean every?)',
      'sources[1].name: duplicate source name "ad" (also sources[0])',
      'sources[1].tenantId: environment variable MISSING_TENANT is not set',
      'pools.primary.seats: must be a whole number ≥ 0 (got "ten")',
      'profiles[0].pools[0]: unknown pool "primery" (did you mean primary?)',
      'profiles[1].name: duplicate profile name "staff" (also profiles[0])',
      'profiles[1].when: has no keys: give memberOf, dn or attribute (or leave it out to match every user)',
      'notify: needs one transport: smtp, graph or log: true',
      'notify.to: must be an email address (got "nobody")',
      'http.port: must be a whole number from 0 to 65535 (got "99999")',
      'extra: unknown key',
    ]);
  });
});
