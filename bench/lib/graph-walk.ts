// A plain Graph client walking the listings the Entra first sync made, for comparison with it: a process
// of its own (as `seatsync sync` is), on the same Node and the same transport as seatsync's default
// (node:https with a keep-alive agent, the emulator's CA through NODE_EXTRA_CA_CERTS): one
// client-credentials token, then every listing the sync started (the Graph URLs it requested without a
// `$skiptoken`), each followed through its `@odata.nextLink`s one page at a time, every page parsed and
// its users counted. Nothing is mapped, staged or stored. It is not a floor: seatsync requests the next
// page as soon as its link has arrived and keeps pages in flight, this client waits for each whole page.
// Timed from the spawn to the exit, like the sync.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:https';
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
      if (code !== 0) reject(new Error(`the plain Graph client exited ${code}: ${out}`));
      else resolve({ ms, ...(JSON.parse(out) as { requests: number; users: number }) });
    });
  });
}

const agent = new Agent({ keepAlive: true });

/** One HTTPS request through the keep-alive agent; the status and the whole body. */
function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function walk({ setup, starts }: WalkArguments): Promise<{ requests: number; users: number }> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials', client_id: setup.clientId, client_secret: setup.clientSecret, scope: `${setup.graphUrl}/.default`,
  }).toString();
  const token = await send(`${setup.loginUrl}/${setup.tenantId}/oauth2/v2.0/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form,
  });
  if (token.status !== 200) throw new Error(`token request: ${token.status} ${token.body}`);
  const headers = { authorization: `Bearer ${(JSON.parse(token.body) as { access_token: string }).access_token}` };
  let requests = 0;
  let users = 0;
  for (const start of starts) {
    let url: string | undefined = new URL(start, setup.graphUrl).href;
    while (url !== undefined) {
      const answer = await send(url, { headers });
      requests += 1;
      if (answer.status !== 200) throw new Error(`GET ${url}: ${answer.status} ${answer.body}`);
      const page = JSON.parse(answer.body) as { value?: unknown[]; '@odata.nextLink'?: string };
      users += page.value?.length ?? 0;
      url = page['@odata.nextLink'];
    }
  }
  agent.destroy();
  return { requests, users };
}

if (process.argv[1] === SCRIPT) {
  const args = JSON.parse(process.env[ARGUMENTS_ENV] ?? 'null') as WalkArguments | null;
  if (args === null) throw new Error(`${ARGUMENTS_ENV} is not set: run through walkGraph()`);
  process.stdout.write(JSON.stringify(await walk(args)));
}
