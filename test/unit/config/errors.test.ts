// Every error message, with its key path.
import { afterAll, describe, expect, it } from 'vitest';
import { configText, lines, tempConfigDir, withSource, yaml } from './config-files.ts';

const temp = tempConfigDir('errors');
afterAll(() => temp.remove());

const ldap = (extra: string) => withSource(`name: ad\nkind: ldap\nflavor: active-directory\nbaseDN: DC=x\n${extra}`);
const ldapUrl = (extra: string) => ldap(`url: ldaps://dc1.x.test\n${extra}`);
const entra = (extra: string) => withSource(`name: e\nkind: entra\ntenantId: t\nclientId: c\n${extra}`);
const notify = (body: string) => configText({ extra: `notify:\n${body.replace(/^/gm, '  ')}\n` });
const HASH = 'a'.repeat(64);

interface Case {
  readonly name: string;
  readonly text: string;
  readonly expected: string;
  readonly env?: Record<string, string>;
}

const cases: Case[] = [
  // the file as a whole
  { name: 'empty file', text: '# nothing\n', expected: 'the config file is empty' },
  { name: 'not a mapping', text: '- a\n- b\n', expected: 'the config file must be a mapping of keys (sources:, pools:, profiles:, …)' },
  { name: 'missing sources', text: 'pools: {}\nprofiles: [{ name: a, pools: [] }]\n', expected: 'sources: is required' },
  { name: 'missing pools', text: `${configText().replace(/pools:\n {2}primary.*\n/, '')}`, expected: 'pools: is required' },
  { name: 'empty sources', text: configText({ sources: 'sources: []\n' }), expected: 'sources: must list at least one source' },
  { name: 'empty profiles', text: configText({ profiles: 'profiles: []\n' }), expected: 'profiles: must list at least one profile' },
  { name: 'sources not a list', text: configText({ sources: 'sources: { a: 1 }\n' }), expected: 'sources: must be a list' },
  { name: 'pools not a mapping', text: configText({ pools: 'pools: [primary]\n' }), expected: 'pools: must be a mapping (name: value)' },
  { name: 'source not a mapping', text: configText({ sources: 'sources: [ad]\n' }), expected: 'sources[0]: must be a mapping (key: value)' },
  { name: 'unknown top-level key', text: configText({ extra: 'pool: {}\n' }), expected: 'pool: unknown key (did you mean pools?)' },
  { name: 'unknown key, no suggestion', text: configText({ extra: 'colour: blue\n' }), expected: 'colour: unknown key' },
  // references
  { name: 'unset variable', text: entra('clientSecret: ${ENTRA_SECRET}'), expected: 'sources[0].clientSecret: environment variable ENTRA_SECRET is not set' },
  { name: 'missing secret file', text: ldapUrl('bindDN: cn=a\nbindPassword: ${file:/nonexistent/seatsync-pw}'), expected: 'sources[0].bindPassword: ${file:/nonexistent/seatsync-pw}: file not found' },
  { name: 'required key emptied by a reference', text: ldap('url: ${LDAP_URL:-}'), expected: 'sources[0].url: is required (${LDAP_URL} resolved to an empty value)' },
  // sources
  { name: 'kind missing', text: withSource('name: a\npath: x.csv'), expected: 'sources[0].kind: is required (one of: ldap, entra, file)' },
  { name: 'kind unknown', text: withSource('name: a\nkind: LDAP'), expected: 'sources[0].kind: must be one of: ldap, entra, file (got "LDAP")' },
  { name: 'bad name', text: withSource('name: Corp AD\nkind: file\npath: a.csv'), expected: 'sources[0].name: must be lowercase letters, digits, "-" and "_", starting with a letter or digit (at most 63) (got "Corp AD")' },
  { name: 'unknown source key', text: ldapUrl('bindPasword: x'), expected: 'sources[0].bindPasword: unknown key (did you mean bindPassword?)' },
  { name: 'key of another kind', text: withSource('name: a\nkind: file\npath: a.csv\nbaseDN: dc=x'), expected: 'sources[0].baseDN: unknown key' },
  { name: 'flavor', text: ldapUrl('').replace('active-directory', 'ad'), expected: 'sources[0].flavor: must be active-directory or openldap (got "ad")' },
  { name: 'url scheme', text: ldap('url: http://dc1'), expected: 'sources[0].url: must be ldap:// or ldaps:// (got "http://dc1")' },
  { name: 'url in a list', text: ldap('url: [ldaps://a, https://b]'), expected: 'sources[0].url[1]: must be ldap:// or ldaps:// (got "https://b")' },
  { name: 'url unparsable', text: ldap('url: ldaps://dc1:99999'), expected: 'sources[0].url: is not a valid URL (expected ldap:// or ldaps://) (got "ldaps://dc1:99999")' },
  { name: 'url missing', text: ldap(''), expected: 'sources[0].url: is required' },
  { name: 'baseDN missing', text: withSource('name: ad\nkind: ldap\nflavor: openldap\nurl: ldap://a'), expected: 'sources[0].baseDN: is required' },
  { name: 'filter shape', text: ldapUrl('filter: department=*'), expected: 'sources[0].filter: must be an LDAP filter in parentheses, like (department=*) (got "department=*")' },
  { name: 'filter balance', text: ldapUrl('userFilter: (&(a=1)(b=2)'), expected: 'sources[0].userFilter: must be an LDAP filter in parentheses, like (department=*) (got "(&(a=1)(b=2)")' },
  { name: 'ldap pageSize', text: ldapUrl('pageSize: 5000'), expected: 'sources[0].pageSize: must be a whole number from 1 to 1000 (got "5000")' },
  { name: 'entra pageSize', text: entra('clientSecret: s\npageSize: 1000'), expected: 'sources[0].pageSize: must be a whole number from 1 to 999 (got "1000")' },
  { name: 'tls flag', text: ldapUrl('tls: { rejectUnauthorized: no }'), expected: 'sources[0].tls.rejectUnauthorized: must be true or false (got "no")' },
  { name: 'tls unknown key', text: ldapUrl('tls: { cafile: x.pem }'), expected: 'sources[0].tls.cafile: unknown key (did you mean ca?)' },
  { name: 'cron', text: ldapUrl('schedule: "61 * * * *"'), expected: 'sources[0].schedule: must be a cron expression like "*/15 * * * *" (Constraint error, got value 61 expected range 0-59) (got "61 * * * *")' },
  { name: 'schedule shape', text: ldapUrl('schedule: [1]'), expected: 'sources[0].schedule: must be a cron expression like "*/15 * * * *", { every: 15m } or off' },
  { name: 'schedule every', text: ldapUrl('schedule: { every: 15 }'), expected: 'sources[0].schedule.every: must be a duration like 30s, 15m, 24h or 7d (got "15")' },
  { name: 'schedule every zero', text: ldapUrl('schedule: { every: 0m }'), expected: 'sources[0].schedule.every: must be a duration like 30s, 15m, 24h or 7d (got "0m")' },
  { name: 'cron fields', text: ldapUrl('schedule: "*/99 * * *"'), expected: 'sources[0].schedule: must be a cron expression of 5 fields (minute hour day-of-month month day-of-week) like "*/15 * * * *", got 4 (got "*/99 * * *")' },
  { name: 'cron seconds', text: ldapUrl('schedule: "0 */5 * * * *"'), expected: 'sources[0].schedule: must be a cron expression of 5 fields (minute hour day-of-month month day-of-week) like "*/15 * * * *", got 6 (got "0 */5 * * * *")' },
  { name: 'cron step', text: ldapUrl('schedule: "*/99 * * * *"'), expected: 'sources[0].schedule: must be a cron expression like "*/15 * * * *": the minute step "99" in "*/99" must be from 1 to 60 (got "*/99 * * * *")' },
  { name: 'cron zero step', text: ldapUrl('schedule: "0 1-5/0 * * *"'), expected: 'sources[0].schedule: must be a cron expression like "*/15 * * * *": the hour step "0" in "1-5/0" must be from 1 to 24 (got "0 1-5/0 * * *")' },
  { name: 'schedule every too short', text: ldapUrl('schedule: { every: 1ms }'), expected: 'sources[0].schedule.every: must be at least 1m (one minute) (got "1ms")' },
  { name: 'schedule every 30s', text: ldapUrl('schedule: { every: 30s }'), expected: 'sources[0].schedule.every: must be at least 1m (one minute) (got "30s")' },
  { name: 'schedule typo', text: ldapUrl('schedule: { evry: 15m }'), expected: 'sources[0].schedule.evry: unknown key (did you mean every?)' },
  { name: 'duration', text: ldapUrl('connectTimeout: soon'), expected: 'sources[0].connectTimeout: must be a duration like 30s, 15m, 24h or 7d (got "soon")' },
  { name: 'disabled string', text: ldapUrl('disabled: locked'), expected: 'sources[0].disabled: must be none, ad-uac, { attribute: NAME } or { attribute: NAME, values: [VALUE, …] } (got "locked")' },
  { name: 'disabled attribute', text: ldapUrl('disabled: { values: [TRUE] }'), expected: 'sources[0].disabled.attribute: is required' },
  { name: 'attributes typo', text: ldapUrl('attributes: { mail: email }'), expected: 'sources[0].attributes.mail: unknown key (did you mean email?)' },
  { name: 'cloud name', text: entra('clientSecret: s\ncloud: mars'), expected: 'sources[0].cloud: must be global, usgov, usgov-dod, china or { graph: https://…, login: https://… } (got "mars")' },
  { name: 'cloud url', text: entra('clientSecret: s\ncloud: { graph: "http://127.0.0.1:8080", login: "https://x" }'), expected: 'sources[0].cloud.graph: must be https:// (got "http://127.0.0.1:8080")' },
  { name: 'tenant missing', text: withSource('name: e\nkind: entra\nclientId: c\nclientSecret: s'), expected: 'sources[0].tenantId: is required' },
  { name: 'file extension', text: withSource('name: f\nkind: file\npath: users.txt'), expected: 'sources[0].path: must be a .csv or .ldif file (got "users.txt")' },
  // pools and profiles
  { name: 'seats negative', text: configText({ pools: 'pools:\n  primary: { seats: -1 }\n' }), expected: 'pools.primary.seats: must be a whole number ≥ 0 (got "-1")' },
  { name: 'seats fraction', text: configText({ pools: 'pools:\n  primary: { seats: 1.5 }\n' }), expected: 'pools.primary.seats: must be a whole number ≥ 0 (got "1.5")' },
  { name: 'seats missing', text: configText({ pools: 'pools:\n  primary: { notify: a@x.test }\n' }), expected: 'pools.primary.seats: is required' },
  { name: 'pool shorthand', text: configText({ pools: 'pools:\n  primary: 10\n' }), expected: 'pools.primary: must be a mapping (key: value)' },
  { name: 'pool notify', text: configText({ pools: 'pools:\n  primary: { seats: 1, notify: nobody }\n' }), expected: 'pools.primary.notify: must be an email address (got "nobody")' },
  { name: 'profile pools missing', text: configText({ profiles: 'profiles:\n  - name: a\n' }), expected: 'profiles[0].pools: is required' },
  { name: 'profile pools shape', text: configText({ profiles: 'profiles:\n  - { name: a, pools: { primary: 1 } }\n' }), expected: 'profiles[0].pools: must be a list of pool names, like [primary]' },
  { name: 'when without keys', text: configText({ profiles: 'profiles:\n  - { name: a, when: {}, pools: [] }\n  - { name: b, pools: [primary] }\n' }), expected: 'profiles[0].when: has no keys: give memberOf, dn or attribute (or leave it out to match every user)' },
  { name: 'when empty', text: configText({ profiles: 'profiles:\n  - name: a\n    when:\n    pools: []\n  - { name: b, pools: [primary] }\n' }), expected: 'profiles[0].when: has no keys: give memberOf, dn or attribute (or leave it out to match every user)' },
  { name: 'when attribute empty', text: configText({ profiles: 'profiles:\n  - { name: a, when: { attribute: {} }, pools: [] }\n  - { name: b, pools: [primary] }\n' }), expected: 'profiles[0].when.attribute: must name at least one attribute' },
  { name: 'when typo', text: configText({ profiles: 'profiles:\n  - { name: a, when: { memberof: x }, pools: [] }\n  - { name: b, pools: [primary] }\n' }), expected: 'profiles[0].when.memberof: unknown key (did you mean memberOf?)' },
  { name: 'when memberOf empty list', text: configText({ profiles: 'profiles:\n  - { name: a, when: { memberOf: [] }, pools: [] }\n  - { name: b, pools: [primary] }\n' }), expected: 'profiles[0].when.memberOf: must not be an empty list' },
  // policy
  { name: 'maxRemovals', text: configText({ policy: { maxRemovals: '200%' } }), expected: 'policy.maxRemovals: must be a percentage up to 100% or a whole number of accounts (got "200%")' },
  { name: 'maxRemovals word', text: configText({ policy: { maxRemovals: 'some' } }), expected: 'policy.maxRemovals: must be a percentage like 10% or a whole number of accounts (got "some")' },
  { name: 'graceDays', text: configText({ policy: { graceDays: 'a week' } }), expected: 'policy.graceDays: must be a whole number from 0 to 3650 (got "a week")' },
  { name: 'purge', text: configText({ policy: { purgeRemovedAfter: 'never' } }), expected: 'policy.purgeRemovedAfter: must be a duration like 30s, 15m, 24h or 7d, or off (got "never")' },
  { name: 'protect without keys', text: configText({ policy: { protect: '{}' } }), expected: 'policy.protect: has no keys: give memberOf, dn or attribute (or leave it out to match every user)' },
  // notify
  { name: 'notify to', text: notify('to: nobody\nlog: true'), expected: 'notify.to: must be an email address (got "nobody")' },
  { name: 'notify to missing', text: notify('log: true'), expected: 'notify.to: is required' },
  { name: 'warnAt', text: notify('to: a@x.test\nlog: true\nwarnAt: 0.9'), expected: 'notify.warnAt: must be a percentage from 1% to 100%, like 90% (got "0.9")' },
  { name: 'failureAfter', text: notify('to: a@x.test\nlog: true\nfailureAfter: 0 runs'), expected: 'notify.failureAfter: must be a duration like 30m or 1h, a number of runs like 3 runs, or off (got "0 runs")' },
  { name: 'remindEvery', text: notify('to: a@x.test\nlog: true\nremindEvery: 5'), expected: 'notify.remindEvery: must be a duration like 30s, 15m, 24h or 7d, or off (got "5")' },
  { name: 'smtp host', text: notify('to: a@x.test\nfrom: b@x.test\nsmtp: { port: 25 }'), expected: 'notify.smtp.host: is required' },
  { name: 'smtp port', text: notify('to: a@x.test\nfrom: b@x.test\nsmtp: { host: h, port: 70000 }'), expected: 'notify.smtp.port: must be a whole number from 1 to 65535 (got "70000")' },
  { name: 'graph sender', text: notify('to: a@x.test\ngraph: { source: e }'), expected: 'notify.graph.sender: is required' },
  // http, database, redis
  { name: 'http port', text: configText({ extra: 'http:\n  port: 65536\n' }), expected: 'http.port: must be a whole number from 0 to 65535 (got "65536")' },
  { name: 'publicUrl', text: configText({ extra: 'http:\n  publicUrl: ftp://x\n' }), expected: 'http.publicUrl: must be http:// or https:// (got "ftp://x")' },
  { name: 'token hash', text: configText({ extra: 'http:\n  tokens:\n    - { name: ops, sha256: 9f86d0…, role: admin }\n' }), expected: `http.tokens[0].sha256: must be the sha256 of the token, 64 hex characters; make a token and its hash with: TOKEN=$(openssl rand -hex 24); printf '%s' "$TOKEN" | sha256sum (got "9f86d0…")` },
  { name: 'token hash of an empty token', text: configText({ extra: 'http:\n  tokens:\n    - { name: ops, sha256: E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855, role: admin }\n' }), expected: `http.tokens[0].sha256: is the sha256 of an empty token; make a token and its hash with: TOKEN=$(openssl rand -hex 24); printf '%s' "$TOKEN" | sha256sum (got "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")` },
  { name: 'token role', text: configText({ extra: `http:\n  tokens:\n    - { name: ops, sha256: ${HASH}, role: root }\n` }), expected: 'http.tokens[0].role: must be read or admin (got "root")' },
  { name: 'token name', text: configText({ extra: `http:\n  tokens:\n    - { sha256: ${HASH}, role: read }\n` }), expected: 'http.tokens[0].name: is required' },
  { name: 'database url', text: configText({ extra: 'database:\n  url: mysql://db/seatsync\n' }), expected: 'database.url: must be postgres:// or postgresql://' },
  { name: 'redis url', text: configText({ extra: 'redis:\n  url: http://127.0.0.1:6379\n' }), expected: 'redis.url: must be redis:// or rediss://' },
  { name: 'redis prefix', text: configText({ extra: 'redis:\n  prefix: my app\n' }), expected: 'redis.prefix: must be letters, digits, ".", "-", "_" or {braces} (got "my app")' },
];

describe('error messages', () => {
  it.each(cases)('$name', async ({ text, expected, env }) => {
    const problems = await temp.problems(text, env === undefined ? {} : { env });
    expect(lines(problems)).toContain(expected);
  });

  it('names line and column of a YAML syntax error', async () => {
    const problems = await temp.problems('pools:\n  primary: { seats: 10\nprofiles: []\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('');
    expect(problems[0]?.message).toMatch(/^YAML syntax error at line 3, column \d+: /);
    expect(problems[0]?.line).toBe(3);
  });

  it('gives the line of each problem, and lists them in file order', async () => {
    const text = yaml`
      sources:
        - name: ad
          kind: ldap
          flavor: active-directory
          url: http://dc1
          baseDN: DC=x
      pools:
        primary: { seats: -1 }
      profiles:
        - { name: staff, pools: [primary] }
    `;
    const problems = await temp.problems(text);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['sources[0].url', 5],
      ['pools.primary.seats', 8],
    ]);
  });

  it('does not add schema errors on top of an unresolved reference', async () => {
    const problems = await temp.problems(entra('clientSecret: s\ncloud: ${CLOUD}'));
    expect(lines(problems)).toEqual(['sources[0].cloud: environment variable CLOUD is not set']);
  });

  it('names the variable instead of the value for substituted values', async () => {
    const problems = await temp.problems(ldap('url: ${LDAP_URL}'), { env: { LDAP_URL: 'http://dc1.x.test' } });
    expect(lines(problems)).toEqual(['sources[0].url: must be ldap:// or ldaps:// (value from ${LDAP_URL})']);
  });
});
