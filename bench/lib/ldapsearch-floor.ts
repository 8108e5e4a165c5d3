// The floor of the LDAP benchmarks: OpenLDAP's own client, `ldapsearch -x -E pr=<pageSize>/noprompt`,
// asking for exactly what the LDAP source asks (same URL and so the same transport, bind, base, filter,
// attributes and page size). Its LDIF goes into `tail` (a C program) that keeps only the last lines,
// where ldapsearch reports how many entries it read: the floor pays for the search and nothing else.
import { spawn } from 'node:child_process';

import type { LdapSourceConfig } from '../../src/config/types.ts';
import { andFilter } from '../../src/sources/ldap/ldap-filter.ts';
import { requestedAttributes } from '../../src/sources/ldap/user-entry.ts';

export interface LdapsearchTarget {
  readonly config: LdapSourceConfig;
  /** Attributes the profiles read (the sync asks for them too). */
  readonly profileAttributes: readonly string[];
  /** The attributes to ask for instead of the source's (e.g. the id alone, as the id listing asks). */
  readonly attributes?: readonly string[];
  readonly caFile: string | null;
}

/** The ldapsearch arguments for the search the source makes; `-L` keeps the result comments. */
export function ldapsearchArgs(target: LdapsearchTarget): string[] {
  const { config } = target;
  const attributes = target.attributes ?? requestedAttributes(config, target.profileAttributes).attributes;
  return [
    '-L', '-o', 'ldif-wrap=no', '-H', config.urls[0] ?? '', '-x',
    ...(config.bindDN === null ? [] : ['-D', config.bindDN, '-w', config.bindPassword ?? '']),
    '-b', config.baseDN, '-E', `pr=${config.pageSize}/noprompt`, andFilter(config.userFilter, config.filter), ...attributes,
  ];
}

/** Runs the search; returns how many entries ldapsearch says it read (`# numEntries`). */
export async function readThroughLdapsearch(target: LdapsearchTarget): Promise<number> {
  const env = { ...process.env, ...(target.caFile === null ? {} : { LDAPTLS_CACERT: target.caFile }) };
  // A shell pipeline, so that `tail` reads ldapsearch's output directly; pipefail keeps its exit status.
  const child = spawn('bash', ['-o', 'pipefail', '-c', 'ldapsearch "$@" | tail -n 3', 'ldapsearch', ...ldapsearchArgs(target)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const entries = /# numEntries: (\d+)/.exec(out)?.[1];
  if (code !== 0 || entries === undefined) throw new Error(`ldapsearch failed (${code}): ${stderr}${out}`);
  return Number(entries);
}
