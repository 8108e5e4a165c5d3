// The Graph emulator's own contract, driven by the official Graph client: limits and errors like Graph's,
// and sendMail (used by the Graph mail transport's tests).
import { ClientSecretCredential } from '@azure/identity';
import { Client, type GraphError } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphEmulator, trustEmulatorCa, type GraphEmulator } from '../../support/graph-emulator/index.ts';

describe('graph emulator', () => {
  let emulator: GraphEmulator;
  let client: Client;
  let sender: string;

  beforeAll(async () => {
    emulator = await startGraphEmulator();
    trustEmulatorCa(emulator.tls.caPem);
    const app = emulator.registerApp({ secret: 'x' });
    sender = emulator.directory.addUser({ userPrincipalName: 'seatsync@corp.test', mail: 'seatsync@corp.test' });
    const credential = new ClientSecretCredential(emulator.tenantId, app.clientId, 'x', { authorityHost: emulator.loginUrl, disableInstanceDiscovery: true });
    client = Client.initWithMiddleware({
      authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [`${emulator.graphUrl}/.default`] }),
      baseUrl: `${emulator.graphUrl}/`,
      customHosts: new Set(['127.0.0.1']),
    });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  const graphError = (promise: Promise<unknown>): Promise<GraphError> => promise.then(() => { throw new Error('expected a Graph error'); }, (e: GraphError) => e);

  it('records sendMail messages sent with the real Graph request body (202)', async () => {
    await client.api('/users/seatsync@corp.test/sendMail').post({
      message: {
        subject: 'License limit exceeded',
        body: { contentType: 'HTML', content: '<p>3 accounts are waiting</p>' },
        toRecipients: [{ emailAddress: { address: 'licenses@corp.test' } }],
      },
      saveToSentItems: false,
    });
    expect(emulator.graphRequests(/sendMail$/).at(-1)?.status).toBe(202);
    expect(emulator.outbox).toHaveLength(1);
    expect(emulator.outbox[0]).toMatchObject({
      sender: 'seatsync@corp.test', subject: 'License limit exceeded', contentType: 'html', content: '<p>3 accounts are waiting</p>',
      to: ['licenses@corp.test'], cc: [], saveToSentItems: false,
    });
    await client.api(`/users/${sender}/sendMail`).post({ message: { subject: 's', body: { contentType: 'Text', content: 'plain' }, toRecipients: [{ emailAddress: { address: 'a@corp.test' } }] } });
    expect(emulator.outbox[1]).toMatchObject({ sender, contentType: 'text', saveToSentItems: true });
  });

  it('takes sendMail in MIME format too (base64, text/plain), always saved to Sent Items', async () => {
    const mime = ['From: seatsync@corp.test', 'To: Licenses <licenses@corp.test>', 'Subject: Limit', 'Auto-Submitted: auto-generated', 'Content-Type: text/plain', '', 'plain body'].join('\r\n');
    const post = (body: string) => client.api('/users/seatsync@corp.test/sendMail').header('Content-Type', 'text/plain').post(body);
    const before = emulator.outbox.length;
    await post(Buffer.from(mime).toString('base64'));
    expect(emulator.outbox.at(-1)).toMatchObject({ format: 'mime', subject: 'Limit', to: ['licenses@corp.test'], contentType: 'text', content: 'plain body', saveToSentItems: true });
    expect(emulator.outbox.at(-1)?.headers.get('auto-submitted')).toBe('auto-generated');
    expect(await graphError(post('not base64!'))).toMatchObject({ statusCode: 400, code: 'ErrorMimeContentInvalidBase64String' });
    expect(await graphError(post(Buffer.from('just some words').toString('base64')))).toMatchObject({ statusCode: 400, code: 'ErrorMimeContentInvalid' });
    expect(emulator.outbox.length).toBe(before + 1);
    emulator.outbox.splice(before);
  });

  it('rejects sendMail without recipients, from an unknown mailbox, or without Mail.Send', async () => {
    const noRecipients = await graphError(client.api('/users/seatsync@corp.test/sendMail').post({ message: { subject: 's', body: { contentType: 'Text', content: 'x' } } }));
    expect(noRecipients).toMatchObject({ statusCode: 400, code: 'ErrorInvalidRecipients' });
    const unknown = await graphError(client.api('/users/nobody@corp.test/sendMail').post({ message: { toRecipients: [{ emailAddress: { address: 'a@corp.test' } }] } }));
    expect(unknown.statusCode).toBe(404);
    const mailer = emulator.registerApp({ secret: 'y', roles: ['User.Read.All'] });
    const credential = new ClientSecretCredential(emulator.tenantId, mailer.clientId, 'y', { authorityHost: emulator.loginUrl, disableInstanceDiscovery: true });
    const limited = Client.initWithMiddleware({
      authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [`${emulator.graphUrl}/.default`] }),
      baseUrl: `${emulator.graphUrl}/`,
      customHosts: new Set(['127.0.0.1']),
    });
    const denied = await graphError(limited.api('/users/seatsync@corp.test/sendMail').post({ message: { toRecipients: [{ emailAddress: { address: 'a@corp.test' } }] } }));
    expect(denied).toMatchObject({ statusCode: 403, code: 'ErrorAccessDenied' });
    expect(emulator.outbox).toHaveLength(2);
  });

  it('limits $top to 999 and refuses unknown properties in $select', async () => {
    expect(await graphError(client.api('/users?$top=1000').get())).toMatchObject({ statusCode: 400, code: 'Request_UnsupportedQuery' });
    expect(await graphError(client.api('/users?$select=id,uidNumber').get())).toMatchObject({ statusCode: 400, code: 'Request_BadRequest' });
    expect(await graphError(client.api('/users/delta?$top=10').get())).toMatchObject({ statusCode: 400 });
    const page = (await client.api('/users?$select=ID,UserPrincipalName&$top=999').get()) as { value: Record<string, unknown>[] };
    expect(page.value[0]).toEqual({ id: sender, userPrincipalName: 'seatsync@corp.test' });
  });

  it('answers $count only with ConsistencyLevel: eventual', async () => {
    expect(await graphError(client.api('/users/$count').get())).toMatchObject({ statusCode: 400 });
    const count: unknown = await client.api('/users/$count').header('ConsistencyLevel', 'eventual').get();
    expect(String(count)).toBe(String(emulator.directory.userCount));
  });

  it('refuses Graph calls without a valid token', async () => {
    const response = await fetch(`${emulator.graphUrl}/v1.0/users`, { headers: { authorization: 'Bearer forged' } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('InvalidAuthenticationToken');
  });

  it('serves instance discovery the way MSAL asks for it', async () => {
    const response = await fetch(`${emulator.loginUrl}/common/discovery/instance?api-version=1.1&authorization_endpoint=x`);
    const body = (await response.json()) as { metadata: { preferred_network: string }[] };
    expect(body.metadata[0]?.preferred_network).toBe(new URL(emulator.loginUrl).host);
  });
});
