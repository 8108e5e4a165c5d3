// bench:compare's alternation with real processes: two scripts that wait at roundTurn() before each round
// take their turns A1 B1 B2 A2 A3 B3 (setups first, one after the other), never run at the same time, and
// a side that fails leaves the other to finish its rounds; a script whose compare goes away cleans up and
// exits; alone, a script runs straight through.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { alternate } from '../../../bench/lib/alternate.ts';
import { TURNS_ENV } from '../../../bench/support.ts';

const SUPPORT = fileURLToPath(new URL('../../../bench/support.ts', import.meta.url));

let dir: string;
let log: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seatsync-alternate-'));
  log = join(dir, 'log');
  writeFileSync(log, '');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A benchmark-shaped script: a setup, `rounds` rounds each behind roundTurn(), a report, a clean-up; each step logged at its start and end. */
function script(label: string, options: { rounds: number; failAt?: number }): string {
  const path = join(dir, `${label}.ts`);
  writeFileSync(path, `
import { appendFileSync } from 'node:fs';
import { setTimeout } from 'node:timers/promises';
import { roundTurn } from ${JSON.stringify(SUPPORT)};
const step = async (what) => {
  appendFileSync(${JSON.stringify(log)}, '${label} ' + what + ' start\\n');
  await setTimeout(20);
  appendFileSync(${JSON.stringify(log)}, '${label} ' + what + ' end\\n');
};
await step('setup');
try {
  for (let round = 1; round <= ${options.rounds}; round += 1) {
    await roundTurn();
    if (round === ${options.failAt ?? -1}) process.exit(3);
    await step('round ' + round);
  }
  await step('report');
} finally {
  await step('clean-up');
}
`);
  return path;
}

/** The steps in the order they ran, after checking that no two overlapped. */
function steps(): string[] {
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  const done: string[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const what = lines[i]!.replace(/ start$/, '');
    expect(lines[i + 1]).toBe(`${what} end`);
    done.push(what);
  }
  return done;
}

describe('bench:compare alternation', () => {
  it('sets both sides up in turn, then runs their rounds A1 B1 B2 A2 A3 B3, one process at a time', async () => {
    const outcomes = await alternate([{ script: script('A', { rounds: 3 }), label: 'A' }, { script: script('B', { rounds: 3 }), label: 'B' }]);
    expect(steps()).toEqual([
      'A setup', 'B setup',
      'A round 1', 'B round 1',
      'B round 2', 'A round 2',
      'A round 3', 'A report', 'A clean-up', 'B round 3', 'B report', 'B clean-up',
    ]);
    expect(outcomes).toEqual([{ label: 'A', code: 0, turns: 3 }, { label: 'B', code: 0, turns: 3 }]);
  });

  it('lets the other side finish when one fails', async () => {
    const outcomes = await alternate([{ script: script('A', { rounds: 3, failAt: 2 }), label: 'A' }, { script: script('B', { rounds: 3 }), label: 'B' }]);
    expect(steps()).toEqual(['A setup', 'B setup', 'A round 1', 'B round 1', 'B round 2', 'B round 3', 'B report', 'B clean-up']);
    expect(outcomes).toEqual([{ label: 'A', code: 3, turns: 2 }, { label: 'B', code: 0, turns: 3 }]);
  });

  it('stops a benchmark that waits for its turn when compare goes away, through its own clean-up', async () => {
    const child = spawn(process.execPath, [script('A', { rounds: 2 })], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, [TURNS_ENV]: '1' } });
    const stderr: Buffer[] = [];
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    await once(child, 'message');
    const exited = once(child, 'exit');
    child.disconnect();
    const [code] = (await exited) as [number | null];
    expect(code).toBe(1);
    expect(Buffer.concat(stderr).toString()).toContain('bench:compare went away while this benchmark waited for its turn');
    expect(steps()).toEqual(['A setup', 'A clean-up']);
  });

  it('runs a benchmark alone (no channel to a compare) straight through', async () => {
    await promisify(execFile)(process.execPath, [script('A', { rounds: 2 })]);
    expect(steps()).toEqual(['A setup', 'A round 1', 'A round 2', 'A report', 'A clean-up']);
  });

  it('runs straight through under another parent with a channel (a test runner), which never says go', async () => {
    const child = spawn(process.execPath, [script('A', { rounds: 2 })], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, [TURNS_ENV]: '' } });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(steps()).toEqual(['A setup', 'A round 1', 'A round 2', 'A report', 'A clean-up']);
  });
});
