// SCIM provisioning against a SCIM application built on scimmy, over HTTPS with a test CA.
import { afterEach, describe, expect, it } from 'vitest';
import { people } from '../../support/config-builder.ts';
import { appUsers, startTargetFixture, type TargetFixture } from './target-fixture.ts';

describe('SCIM provisioning', () => {
  let f: TargetFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('a first sync provisions every account, active when it holds a seat', async () => {
    f = await startTargetFixture({ people: people(4), seats: 3 });
    const report = await f.sync();
    expect(report.runs[0]?.status).toBe('ok');
    expect(await f.deliver()).toEqual({ sent: 4, failed: 0, retrying: 0 });
    expect(appUsers(f.scim)).toEqual({ u001: true, u002: true, u003: true, u004: false });
    const ada = f.scim.store.byExternalId('u001');
    expect(ada).toMatchObject({ userName: 'u001', displayName: 'Person u001', emails: [{ value: 'u001@example.test', primary: true }], active: true });
    // Nothing changed: nothing queued, nothing sent.
    await f.sync();
    expect(await f.deliver()).toEqual({ sent: 0, failed: 0, retrying: 0 });
  });
});
