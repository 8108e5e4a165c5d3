// SPEC §8's floor for the Entra first sync: "a bare client walking the same listing". A process of its
// own (as `seatsync sync` is), on the same Node and the same transport (HTTPS to the emulator, its CA
// through NODE_EXTRA_CA_CERTS): one client-credentials token, then every listing the sync started (the
// Graph URLs it requested without a `$skiptoken`), each followed through its `@odata.nextLink`s with
// Node's fetch, every page parsed and its users counted. Nothing is mapped, staged or stored. Timed from
// the spawn to the exit, like the sync it is the floor of.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import type { EmulatorSetup } from './emulator-worker.ts';

export interface GraphWalk {
  readonly ms: number;
  readonly requests: number;
  readonly users: number;
}

const SCRIPT = fileURLToPath(import.meta.url);
const ARGUMENTS_ENV = 'BENCH_GRAPH_WALK';

interface WalkArguments {
  readonly setup: EmulatorSetup;
  /** Graph paths with their query (`/v1.0/users?$select=…&$top=999`), walked one after the other. */
  readonly starts: readonly string[];
}

/** Runs the walk in a child process with `env` (NODE_EXTRA_CA_CERTS for the emulator's CA). */
export function walkGraph(args: WalkArguments, env: NodeJS.ProcessEnv): Promise<GraphWalk> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [SCRIPT], { env: { ...process.env, ...env, [ARGUMENTS_ENV]: JSON.stringify(args) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`the bare Graph client exited ${code}: ${out}`));
      else resolve({ ms, ...(JSON.parse(out) as { requests: number; users: number }) });
    });
  });
}

async function walk({ setup, starts }: WalkArguments): Promise<{ requests: number; users: number }> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials', client_id: setup.clientId, client_secret: setup.clientSecret, scope: `${setup.graphUrl}/.default`,
  });
  const tokenAnswer = await fetch(`${setup.loginUrl}/${setup.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form });
  if (!tokenAnswer.ok) throw new Error(`token request: ${tokenAnswer.status} ${await tokenAnswer.text()}`);
  const headers = { authorization: `Bearer ${((await tokenAnswer.json()) as { access_token: string }).access_token}` };
  let requests = 0;
  let users = 0;
  for (const start of starts) {
    let url: string | undefined = new URL(start, setup.graphUrl).href;
    while (url !== undefined) {
      const answer = await fetch(url, { headers });
      requests += 1;
      if (!answer.ok) throw new Error(`GET ${url}: ${answer.status} ${await answer.text()}`);
      const page = (await answer.json()) as { value?: unknown[]; '@odata.nextLink'?: string };
      users += page.value?.length ?? 0;
      url = page['@odata.nextLink'];
    }
  }
  return { requests, users };
}

if (process.argv[1] === SCRIPT) {
  const args = JSON.parse(process.env[ARGUMENTS_ENV] ?? 'null') as WalkArguments | null;
  if (args === null) throw new Error(`${ARGUMENTS_ENV} is not set: run through walkGraph()`);
  process.stdout.write(JSON.stringify(await walk(args)));
}
