// `notify:` — the responsible person's address and the mail transport (SPEC §3).
import path from 'node:path';
import { z } from 'zod';
import { DEFAULTS } from './defaults.ts';
import { boolean, duration, email, failureThreshold, fraction, name, optional, required, secretText, text, wholeNumber } from './schema-values.ts';
import type { NotifyConfig, SmtpConfig } from './types.ts';

export const smtpInput = z.strictObject({
  host: required(text),
  port: optional(wholeNumber({ min: 1, max: 65535 })),
  secure: optional(boolean),
  requireTls: optional(boolean),
  user: optional(text),
  password: optional(secretText),
  tls: z.strictObject({ ca: optional(text), rejectUnauthorized: optional(boolean) }).nullish(),
});

export const graphMailInput = z.strictObject({
  source: required(name),
  sender: required(email),
});

export const notifyInput = z.strictObject({
  to: required(email),
  from: optional(email),
  smtp: smtpInput.nullish(),
  graph: graphMailInput.nullish(),
  log: optional(boolean),
  remindEvery: optional(duration({ allowOff: true })),
  warnAt: optional(fraction),
  failureAfter: optional(failureThreshold),
});

function toSmtp(v: z.output<typeof smtpInput>, configDir: string): SmtpConfig {
  // Port 465 is implicit TLS (SMTPS); anything else starts in clear and upgrades with STARTTLS.
  const secure = v.secure ?? v.port === DEFAULTS.smtpSecurePort;
  return {
    host: v.host,
    port: v.port ?? (secure ? DEFAULTS.smtpSecurePort : DEFAULTS.smtpPort),
    secure,
    // With credentials on a plain connection, STARTTLS is required by default: otherwise a server (or a
    // man in the middle) that offers no STARTTLS would receive the password in clear.
    requireTls: v.requireTls ?? (!secure && v.user !== undefined && v.user !== null),
    user: v.user ?? null,
    password: v.password ?? null,
    caFile: v.tls?.ca === undefined ? null : path.resolve(configDir, v.tls.ca),
    rejectUnauthorized: v.tls?.rejectUnauthorized ?? true,
  };
}

function toTransport(v: z.output<typeof notifyInput>, configDir: string): NotifyConfig['transport'] {
  // Exactly one transport is enforced by the relation checks; this order only picks a result.
  if (v.smtp !== undefined && v.smtp !== null) return { kind: 'smtp', smtp: toSmtp(v.smtp, configDir) };
  if (v.graph !== undefined && v.graph !== null) return { kind: 'graph', source: v.graph.source, sender: v.graph.sender };
  return { kind: 'log' };
}

export function notifySchema(ctx: { readonly configDir: string }): z.ZodType<NotifyConfig | null> {
  return notifyInput.nullish().transform((v): NotifyConfig | null => {
    if (v === undefined || v === null) return null;
    return {
      to: v.to,
      // With Graph the sender mailbox is the natural From; SMTP requires `from` (relation checks); the log
      // transport only prints messages, so any sender does.
      from: v.from ?? v.graph?.sender ?? 'seatsync@localhost',
      transport: toTransport(v, ctx.configDir),
      remindEveryMs: v.remindEvery === undefined ? DEFAULTS.remindEveryMs : v.remindEvery,
      warnAt: v.warnAt ?? null,
      failureAfter: v.failureAfter === undefined ? { afterMs: DEFAULTS.failureAfterMs } : v.failureAfter,
    };
  });
}
