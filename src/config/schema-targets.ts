// `targets:` — the applications seatsync provisions: SCIM 2.0 services (RFC 7644) and webhook receivers
// (Standard Webhooks). Normalized to `TargetConfig`; pairs of keys (token or oauth) are cross-checked.
import path from 'node:path';
import { z } from 'zod';
import { DEFAULTS } from './defaults.ts';
import { schedule } from './schema-sources.ts';
import { boolean, fail, name, ok, optional, positiveDuration, required, secretText, text, url, type Parsed } from './schema-values.ts';
import type { Schedule, ScimTargetConfig, TargetConfig, TargetTls, WebhookTargetConfig } from './types.ts';

export const TARGET_KINDS = ['scim', 'webhook'] as const;

function deprovision(input: unknown): Parsed<'deactivate' | 'delete'> {
  return input === 'deactivate' || input === 'delete' ? ok(input) : fail('must be deactivate or delete');
}

/** A Standard Webhooks secret: `whsec_` and the base64 of at least 24 random bytes. */
function webhookSecret(input: unknown): Parsed<string> {
  if (typeof input !== 'string') return fail('must be a string');
  const body = input.startsWith('whsec_') ? input.slice('whsec_'.length) : null;
  if (body === null) return fail('must start with whsec_ (a Standard Webhooks signing secret)');
  const valid = /^[A-Za-z0-9+/]+={0,2}$/.test(body) && Buffer.from(body, 'base64').length >= 24;
  return valid ? ok(input) : fail('must be whsec_ followed by the base64 of at least 24 random bytes');
}

const tlsInput = z.strictObject({ ca: optional(text), rejectUnauthorized: optional(boolean) }).nullish();

export const oauthInput = z.strictObject({
  tokenUrl: required(url(['https', 'http'])),
  clientId: required(text),
  clientSecret: required(secretText),
  scope: optional(text),
});

export const scimTargetInput = z.strictObject({
  name: required(name),
  kind: z.literal('scim'),
  url: required(url(['https', 'http'])),
  token: optional(secretText),
  oauth: oauthInput.nullish(),
  deprovision: optional(deprovision),
  groups: optional(boolean),
  tls: tlsInput,
  timeout: optional(positiveDuration),
  schedule,
});

export const webhookTargetInput = z.strictObject({
  name: required(name),
  kind: z.literal('webhook'),
  url: required(url(['https', 'http'])),
  secret: required(webhookSecret),
  tls: tlsInput,
  timeout: optional(positiveDuration),
});

function toTls(v: z.output<typeof tlsInput>, configDir: string): TargetTls {
  return { caFile: v?.ca === undefined ? null : path.resolve(configDir, v.ca), rejectUnauthorized: v?.rejectUnauthorized ?? true };
}

function toScim(v: z.output<typeof scimTargetInput>, configDir: string): ScimTargetConfig {
  // Both or neither of token and oauth is reported by the relation checks; the token wins here.
  const auth: ScimTargetConfig['auth'] =
    v.token !== undefined || v.oauth === undefined || v.oauth === null
      ? { kind: 'token', token: v.token ?? '' }
      : { kind: 'oauth', tokenUrl: v.oauth.tokenUrl, clientId: v.oauth.clientId, clientSecret: v.oauth.clientSecret, scope: v.oauth.scope ?? null };
  const reconcile: Schedule | null = v.schedule === undefined ? { everyMs: DEFAULTS.targetReconcileEveryMs } : v.schedule;
  return {
    name: v.name,
    kind: 'scim',
    url: v.url.replace(/\/+$/, ''),
    auth,
    deprovision: v.deprovision ?? 'deactivate',
    groups: v.groups ?? false,
    tls: toTls(v.tls, configDir),
    timeoutMs: v.timeout ?? DEFAULTS.targetTimeoutMs,
    schedule: reconcile,
  };
}

function toWebhook(v: z.output<typeof webhookTargetInput>, configDir: string): WebhookTargetConfig {
  return { name: v.name, kind: 'webhook', url: v.url, secret: v.secret, tls: toTls(v.tls, configDir), timeoutMs: v.timeout ?? DEFAULTS.targetTimeoutMs };
}

export function targetSchema(ctx: { readonly configDir: string }): z.ZodType<TargetConfig> {
  return z.discriminatedUnion('kind', [scimTargetInput, webhookTargetInput]).transform((v): TargetConfig => {
    switch (v.kind) {
      case 'scim':
        return toScim(v, ctx.configDir);
      case 'webhook':
        return toWebhook(v, ctx.configDir);
    }
  });
}
