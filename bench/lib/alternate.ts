// How `bench:compare` runs one benchmark on two checkouts: both processes at once, taking turns, so that
// a round of one side is next to the same round of the other instead of a whole benchmark away. Each
// process waits at roundTurn() (bench/support.ts) before each of its rounds until it is told to go, so
// only one of them works at any time: first the setup of each, in turn, up to its first round; then
// round 1 of the first side, round 1 of the second, round 2 of the second, round 2 of the first, and so
// on (each pair in the opposite order of the one before, so that a machine that speeds up or slows down
// during the run moves both sides alike); a side's last turn runs its last round, its report and its
// clean-up, up to its exit. The processes' own setups, warm-ups and floors are unchanged: a benchmark is
// set up once per side, as when it runs alone.
import type { ChildProcess } from 'node:child_process';

import { median, type Figure } from '../support.ts';
import { spawnBenchmark } from './benchmarks.ts';

export interface Side {
  /** The benchmark's script (bench/<name>.ts of that side's checkout). */
  readonly script: string;
  readonly label: string;
}

export interface SideOutcome {
  readonly label: string;
  readonly code: number | null;
  /** The turns it was given after its setup: its rounds. */
  readonly turns: number;
}

/** A benchmark process with an IPC channel to this one, between its turns. */
class Contender {
  readonly label: string;
  /** True while the process waits before a round; false once it has exited. */
  waiting = false;
  code: number | null = null;
  turns = 0;
  readonly #child: ChildProcess;
  #settle: (waiting: boolean) => void = () => undefined;
  #settled: Promise<boolean>;

  constructor(side: Side) {
    this.label = side.label;
    this.#settled = this.#arm();
    this.#child = spawnBenchmark(side.script, { ipc: true });
    this.#child.on('message', () => this.#settle(true));
    this.#child.once('close', (code) => {
      this.code = code;
      this.#settle(false);
    });
  }

  /** Its setup: until it waits before its first round (or exits). */
  async setUp(): Promise<void> {
    console.log(`--- ${this.label}: setup`);
    this.waiting = await this.#settled;
  }

  /** One turn: it goes, and runs until it waits before its next round or has exited. */
  async turn(): Promise<void> {
    this.#settled = this.#arm();
    this.turns += 1;
    console.log(`--- ${this.label}: turn ${this.turns}`);
    this.#child.send('go');
    this.waiting = await this.#settled;
  }

  #arm(): Promise<boolean> {
    return new Promise((resolve) => {
      this.#settle = resolve;
    });
  }
}

/** Runs the sides' processes in turn, round by round (see above), the first side first. */
export async function alternate(sides: readonly Side[]): Promise<SideOutcome[]> {
  const contenders: Contender[] = [];
  for (const side of sides) {
    const contender = new Contender(side);
    contenders.push(contender);
    await contender.setUp();
  }
  for (let pair = 0; contenders.some((c) => c.waiting); pair += 1) {
    for (const contender of pair % 2 === 0 ? contenders : [...contenders].reverse()) {
      if (contender.waiting) await contender.turn();
    }
  }
  return contenders.map(({ label, code, turns }) => ({ label, code, turns }));
}

export interface Paired {
  /** after ÷ before of each round, in the order taken. */
  readonly ratios: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/**
 * The figure's samples paired round by round (its one value when it has no samples): the ratio of the
 * after side's sample to the before side's sample taken next to it. Null when the two do not have the
 * same number of samples (then they are not rounds taken in turn) or a ratio is not a number (a sample
 * missing, NaN, or a before sample of 0).
 */
export function pairedRatios(before: Figure, after: Figure): Paired | null {
  const b = before.samples ?? [before.value];
  const a = after.samples ?? [after.value];
  if (a.length !== b.length || a.length === 0) return null;
  const ratios = a.map((value, i) => value / (b[i] ?? Number.NaN));
  if (!ratios.every(Number.isFinite)) return null;
  return { ratios, median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}
