// The `seatsync` command as the package's bin runs it (`node bin/seatsync.js …` on the project's Node),
// timed from the spawn to the process's exit: startup, config, database connection and shutdown are in
// every figure, as they are for a user. Logs (pino JSON on stderr) are kept so that a benchmark can read
// in-process splits from them.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import type { SyncReport } from '../../src/sync/run-sync.ts';

export const BIN = fileURLToPath(new URL('../../bin/seatsync.js', import.meta.url));

export interface CliRun {
  readonly ms: number;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `seatsync ARGS` and resolves when it has exited; a non-zero exit is returned, not thrown. */
export function runSeatsync(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ ms: performance.now() - started, code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }));
  });
}

export type RunOf<R> = R extends { runs: (infer T)[] } ? T : never;
export type SyncRun = RunOf<SyncReport>;

export interface TimedSync {
  readonly ms: number;
  readonly run: SyncRun;
  /** Log lines (parsed) the process wrote at the level asked for. */
  readonly logs: readonly Record<string, unknown>[];
}

/**
 * `seatsync sync --json [ARGS]` with `config`; throws when it fails or its one run is not `ok`, with
 * the end of its stderr. `logLevel` info gives the source's own timings (its "read complete" line).
 */
export async function timedSync(options: { config: string; args?: readonly string[]; env?: NodeJS.ProcessEnv; logLevel?: string }): Promise<TimedSync> {
  const args = ['--log-level', options.logLevel ?? 'info', 'sync', '--json', '--config', options.config, ...(options.args ?? [])];
  const result = await runSeatsync(args, options.env);
  let report: SyncReport | null = null;
  try {
    report = JSON.parse(result.stdout) as SyncReport;
  } catch {
    // reported below
  }
  const run = report?.runs[0];
  if (result.code !== 0 || run?.status !== 'ok') {
    throw new Error(`seatsync ${args.join(' ')} exited ${result.code}: ${result.stdout.slice(0, 2000)}\n${result.stderr.slice(-3000)}`);
  }
  return { ms: result.ms, run, logs: parseLogs(result.stderr) };
}

function parseLogs(stderr: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  }
  return lines;
}

/** A number field of the first log line whose message is `msg`; null when there is none. */
export function logNumber(logs: readonly Record<string, unknown>[], msg: string, field: string): number | null {
  const line = logs.find((l) => l.msg === msg);
  const value = line?.[field];
  return typeof value === 'number' ? value : null;
}
