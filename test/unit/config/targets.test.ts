// `targets:` — the contract's keys as written, their defaults, and every problem with its key path.
import { afterAll, describe, expect, it } from 'vitest';
import { redactedConfig } from '../../../src/config/index.ts';
import { configText, lines, tempConfigDir } from './config-files.ts';

const temp = tempConfigDir('targets');
afterAll(() => temp.remove());

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const targets = (body: string) => configText({ extra: `targets:\n${body.replace(/^/gm, '  ')}\n` });

describe('targets', () => {
  it('reads the contract example, with its defaults', async () => {
    temp.write('app-ca.pem', 'ca');
    const { config } = await temp.load(
      targets(
        [
          '- name: app',
          '  kind: scim',
          '  url: https://app.example.test/scim/v2/',
          '  token: ${file:' + temp.write('scim_token', 'tok-123456\n') + '}',
          '  deprovision: delete',
          '  groups: true',
          '  tls: { ca: app-ca.pem }',
          '- name: sso',
          '  kind: scim',
          '  url: https://sso.example.test/scim',
          '  oauth: { tokenUrl: https://login.example.test/token, clientId: seatsync, clientSecret: s3cret-value, scope: scim }',
          '  schedule: { every: 6h }',
          '- name: events',
          '  kind: webhook',
          '  url: https://app.example.test/hooks/seatsync',
          `  secret: ${SECRET}`,
        ].join('\n'),
      ),
    );
    expect(config.targets).toEqual([
      {
        name: 'app', kind: 'scim', url: 'https://app.example.test/scim/v2', auth: { kind: 'token', token: 'tok-123456' }, deprovision: 'delete', groups: true,
        tls: { caFile: `${temp.dir}/app-ca.pem`, rejectUnauthorized: true }, timeoutMs: 30_000, schedule: { everyMs: 86_400_000 },
      },
      {
        name: 'sso', kind: 'scim', url: 'https://sso.example.test/scim', deprovision: 'deactivate', groups: false,
        auth: { kind: 'oauth', tokenUrl: 'https://login.example.test/token', clientId: 'seatsync', clientSecret: 's3cret-value', scope: 'scim' },
        tls: { caFile: null, rejectUnauthorized: true }, timeoutMs: 30_000, schedule: { everyMs: 6 * 3_600_000 },
      },
      { name: 'events', kind: 'webhook', url: 'https://app.example.test/hooks/seatsync', secret: SECRET, tls: { caFile: null, rejectUnauthorized: true }, timeoutMs: 30_000 },
    ]);
    const shown = JSON.stringify(redactedConfig(config));
    for (const secret of ['tok-123456', 's3cret-value', SECRET]) expect(shown).not.toContain(secret);
  });

  it('no targets: an empty list', async () => {
    expect((await temp.load(configText())).config.targets).toEqual([]);
  });

  it('reports every problem with its key path, and never a secret', async () => {
    const problems = await temp.problems(
      targets(
        [
          '- { name: app, kind: scim, url: ftp://app.example.test, deprovision: purge, groups: maybe }',
          '- { name: app, kind: scim, url: https://x.test, token: abcdef, oauth: { tokenUrl: https://t.test, clientId: c, clientSecret: hush-hush } }',
          '- { name: hooks, kind: webhook, url: https://h.test, secret: not-a-standard-secret }',
          '- { name: hooks2, kind: webhook, url: https://h.test, secret: whsec_c2hvcnQ= }',
          '- { name: x, kind: sftp }',
        ].join('\n'),
      ),
    );
    expect(lines(problems)).toEqual(
      expect.arrayContaining([
        'targets[0].url: must be https:// or http:// (got "ftp://app.example.test")',
        'targets[0].deprovision: must be deactivate or delete (got "purge")',
        'targets[0].groups: must be true or false (got "maybe")',
        'targets[0].token: is required (or oauth: { tokenUrl, clientId, clientSecret })',
        'targets[1].name: duplicate target name "app" (also targets[0])',
        'targets[1].oauth: give token or oauth, not both',
        'targets[2].secret: must start with whsec_ (a Standard Webhooks signing secret)',
        'targets[3].secret: must be whsec_ followed by the base64 of at least 24 random bytes',
        'targets[4].kind: must be one of: scim, webhook (got "sftp")',
      ]),
    );
    const text = lines(problems).join('\n');
    for (const secret of ['not-a-standard-secret', 'hush-hush', 'c2hvcnQ']) expect(text).not.toContain(secret);
  });
});
