// `sources: - kind: entra` — the schema of a Microsoft Entra ID source (SPEC §4, §7), its normalized
// config and its cross-key checks. src/config composes it with the other kinds.
import path from 'node:path';
import { z } from 'zod';
import { normalizeGroupKey } from '../../domain/names.ts';
import { DEFAULTS } from '../../config/defaults.ts';
import type { SourceKind } from '../../config/schema.ts';
import { fail, name, ok, oneOfKeys, optional, positiveDuration, required, schedule, secretText, sourceTiming, stringOrObject, text, url, wholeNumber, type Parsed } from '../../config/values.ts';

const ENTRA_PAGE_SIZE_MAX = 999; // Graph's $top limit for /users

type CloudName = 'global' | 'usgov' | 'usgov-dod' | 'china';

/** Microsoft Graph and login (Entra authority) base URLs of the national clouds. */
export const CLOUDS: Readonly<Record<CloudName, { readonly graph: string; readonly login: string }>> = {
  global: { graph: 'https://graph.microsoft.com', login: 'https://login.microsoftonline.com' },
  usgov: { graph: 'https://graph.microsoft.us', login: 'https://login.microsoftonline.us' },
  'usgov-dod': { graph: 'https://dod-graph.microsoft.us', login: 'https://login.microsoftonline.us' },
  china: { graph: 'https://microsoftgraph.chinacloudapi.cn', login: 'https://login.chinacloudapi.cn' },
};

function httpsBase(input: unknown): Parsed<string> {
  const parsed = url(['https'])(input);
  return 'error' in parsed ? parsed : ok(parsed.value.replace(/\/+$/, ''));
}

const cloud = stringOrObject({
  parseString: (input): Parsed<{ graph: string; login: string }> => {
    const known = CLOUDS[input.trim() as CloudName] as (typeof CLOUDS)[CloudName] | undefined;
    return known === undefined ? fail(`must be ${Object.keys(CLOUDS).join(', ')} or { graph: https://…, login: https://… }`) : ok({ ...known });
  },
  object: z.strictObject({ graph: required(httpsBase), login: required(httpsBase) }),
  expected: 'must be a cloud name or { graph, login }',
});

const entraSourceInput = z.strictObject({
  name: required(name),
  kind: z.literal('entra'),
  tenantId: required(text),
  clientId: required(text),
  clientSecret: optional(secretText).meta({ secret: true }),
  certificatePath: optional(text),
  cloud,
  group: optional(text),
  pageSize: optional(wholeNumber({ min: 1, max: ENTRA_PAGE_SIZE_MAX })),
  fullEvery: optional(positiveDuration),
  schedule,
});

function toEntra(v: z.output<typeof entraSourceInput>, baseDir: string) {
  // Both or neither credential is reported by the cross-key checks; a secret wins here so a result exists.
  const credential =
    v.clientSecret !== undefined || v.certificatePath === undefined
      ? { kind: 'secret' as const, clientSecret: v.clientSecret ?? '' }
      : { kind: 'certificate' as const, certificatePath: path.resolve(baseDir, v.certificatePath) };
  return {
    name: v.name,
    kind: v.kind,
    ...sourceTiming(v),
    tenantId: v.tenantId,
    clientId: v.clientId,
    credential,
    /** Base URLs, from `cloud` (global, usgov, usgov-dod, china) or given as a pair. */
    cloud: v.cloud ?? { ...CLOUDS[DEFAULTS.entraCloud] },
    /** The scope group's object id. */
    group: v.group === undefined ? null : normalizeGroupKey(v.group),
    pageSize: v.pageSize ?? DEFAULTS.entraPageSize,
  };
}

export const entraSource = {
  schema: (ctx) => entraSourceInput.transform((v) => toEntra(v, ctx.baseDir)),
  check: (source, at, out) => oneOfKeys(source, ['clientSecret', 'certificatePath'], 'certificatePath', at(), out.errors),
} satisfies SourceKind;
