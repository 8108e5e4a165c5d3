// What every CLI figure pays before it syncs anything: `seatsync --version` (Node and the CLI's modules)
// and `seatsync status` (plus the config, the database connection and the migration check), as a source
// checkout's bin runs them (TypeScript through Node's type stripping) and as the published image runs
// them (the compiled dist/, built here into a temporary package that links this node_modules), each
// with the bin's compile cache (the default) and without it (NODE_DISABLE_COMPILE_CACHE=1).
// Informative; BENCH_ROUNDS rounds (default 10), the variants alternating; CPU time (user + system,
// which the neighbours' load moves less) and wall time of the process.
//
//   node bench/startup.ts        (BENCH_ROUNDS)
import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { openTestDatabase } from '../test/support/databases.ts';
import { BIN } from './lib/cli-process.ts';
import { figureOf, report, roundTurn, roundsFromEnv, type Figure } from './support.ts';

const ROUNDS = roundsFromEnv(10);
const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Wall and CPU (user + system) time of one process, from its start to its exit. */
function timeProcess(bin: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ wallMs: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%U %S', process.execPath, bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SEATSYNC_LOG_LEVEL: 'warn', ...env } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      const [user, system] = (stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
      if (code !== 0 || user === undefined || system === undefined) reject(new Error(`${bin} ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ wallMs, cpuMs: (user + system) * 1000 });
    });
  });
}

/** The compiled package: dist/ built by tsc into `dir`, with the bin, package.json and node_modules. */
async function compiledPackage(dir: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], (error, stdout) =>
      error ? reject(new Error(`tsc failed: ${stdout}`)) : resolve());
  });
  await cp(dirname(BIN), join(dir, 'bin'), { recursive: true }); // the bin and the Node version check it imports
  await cp(join(ROOT, 'package.json'), join(dir, 'package.json'));
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return join(dir, 'bin', 'seatsync.js');
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'seatsync-bench-startup-'));
  const database = await openTestDatabase('postgres');
  try {
    const compiled = await compiledPackage(dir);
    const config = join(dir, 'seatsync.yaml');
    await writeFile(join(dir, 'people.csv'), 'id,username,email\n1,ann,ann@example.test\n');
    await writeFile(config, `database: { url: "${database.url}" }\ndataDir: ${dir}\nsources: [{ name: hr, kind: file, path: ${join(dir, 'people.csv')} }]\npools: { primary: { seats: 1 } }\nprofiles: [{ name: staff, pools: [primary] }]\n`);
    const commands: [string, string[]][] = [['--version', ['--version']], ['status', ['status', '--config', config]]];
    const noCache = { NODE_DISABLE_COMPILE_CACHE: '1' };
    const variants = [
      { label: 'source checkout (TypeScript, type stripping)', bin: BIN, env: {} },
      { label: 'source checkout without the compile cache', bin: BIN, env: noCache },
      { label: 'compiled package', bin: compiled, env: {} },
      { label: 'compiled package without the compile cache', bin: compiled, env: noCache },
    ];
    const figures: Figure[] = [];
    for (const [label, args] of commands) {
      const samples = variants.map(() => [] as { wallMs: number; cpuMs: number }[]);
      for (const variant of variants) await timeProcess(variant.bin, args, variant.env); // warm-up: page cache, compile cache
      for (let round = 0; round < ROUNDS; round += 1) {
        await roundTurn();
        const order = round % 2 === 0 ? variants.keys() : [...variants.keys()].reverse();
        for (const i of order) samples[i]!.push(await timeProcess(variants[i]!.bin, args, variants[i]!.env));
      }
      for (const [i, variant] of variants.entries()) {
        const base = samples[2]!;
        figures.push(
          figureOf({
            name: `\`seatsync ${label}\`, ${variant.label}: CPU`, samples: samples[i]!.map((t) => t.cpuMs),
            floorSamples: base.map((t) => t.cpuMs), floor: 'the compiled package with the compile cache, same rounds', target: null,
            extra: { wallMs: samples[i]!.map((t) => Math.round(t.wallMs)) },
          }),
        );
      }
      figures.push(figureOf({ name: `  \`seatsync ${label}\`, source checkout: wall`, samples: samples[0]!.map((t) => t.wallMs), floorSamples: samples[2]!.map((t) => t.wallMs), floor: 'the compiled package, same rounds', target: null }));
    }
    report('startup', figures);
  } finally {
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
