// The benchmarks `npm run bench` knows and how one is run: its own Node process (so one's memory and JIT
// state never color the next), with the machine's load average recorded before and after.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { TURNS_ENV, type Figure } from '../support.ts';

/** The benchmarks with targets, in the order of BENCHMARKS.md's table. */
export const TARGETS = ['ldap-sync', 'ldap-incremental', 'entra-sync', 'allocate', 'memory', 'resync-latency'];
export const INFORMATIVE = ['csv-sync', 'ldap-read', 'ldap-id-listing', 'startup'];

/** This checkout's bench/ folder. */
export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/** How long a benchmark's run took, and the machine's load around it. */
export interface Measured {
  readonly seconds: number;
  /** 1-, 5- and 15-minute load averages before and after. */
  readonly load: { readonly before: string; readonly after: string };
}

export interface Outcome extends Measured {
  readonly benchmark: string;
  readonly code: number | null;
}

export type ResultFigure = Figure & { met: boolean | null; ratio: number | null };

/** The 1-, 5- and 15-minute load averages, as /proc/loadavg gives them. */
const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Throws when a name is not a benchmark. */
export function checkNames(names: readonly string[]): void {
  const unknown = names.filter((name) => !TARGETS.includes(name) && !INFORMATIVE.includes(name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${[...TARGETS, ...INFORMATIVE].join(', ')}`);
}

/**
 * A benchmark's own Node process, its output on this one's. `ipc`: with the channel that roundTurn()
 * (bench/support.ts) waits on, for bench:compare (lib/alternate.ts).
 */
export function spawnBenchmark(script: string, options: { ipc: boolean }): ChildProcess {
  return spawn(process.execPath, [script], {
    stdio: options.ipc ? ['inherit', 'inherit', 'inherit', 'ipc'] : 'inherit',
    env: options.ipc ? { ...process.env, [TURNS_ENV]: '1' } : process.env,
  });
}

/** Runs `run` under a `=== title ===` line, with its duration and the load before and after it. */
export async function measured<T>(title: string, run: () => Promise<T>): Promise<{ result: T } & Measured> {
  const started = Date.now();
  const before = loadAverage();
  console.log(`\n=== ${title} === (load ${before})`);
  const result = await run();
  return { result, seconds: Math.round((Date.now() - started) / 1000), load: { before, after: loadAverage() } };
}

/** Runs this checkout's bench/<benchmark>.ts in its own process. */
export async function runOne(benchmark: string): Promise<Outcome> {
  const { result: code, ...measure } = await measured(benchmark, () =>
    new Promise<number | null>((resolve) => spawnBenchmark(join(BENCH_DIR, `${benchmark}.ts`), { ipc: false }).once('close', resolve)));
  console.log(`=== ${benchmark}: exit ${code}, load after ${measure.load.after}`);
  return { benchmark, code, ...measure };
}

/** The figures a benchmark wrote to <benchDir>/results/<benchmark>.json; none when it did not run. */
export function resultOf(benchmark: string, benchDir = BENCH_DIR): ResultFigure[] {
  const path = join(benchDir, 'results', `${benchmark}.json`);
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { figures: ResultFigure[] }).figures;
}
