// Shared pieces of the benchmarks: the figure of a set of rounds (median and spread), result files, the
// printed line per figure, the turn a round waits for under `bench:compare`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export type Unit = 'ms' | 'MB' | 'rows';

export interface Figure {
  /** What was measured, e.g. "first sync of 100,000 CSV rows into PostgreSQL". */
  readonly name: string;
  /** The median of `samples` (or the one value measured). */
  readonly value: number;
  /** Every measurement, in the order taken (rounds alternate with the floor's). */
  readonly samples?: readonly number[];
  /** Default `ms`. */
  readonly unit?: Unit;
  /** The floor measured in the same run (same unit, the median of `floorSamples`), and what it is. */
  readonly floorValue: number | null;
  readonly floorSamples?: readonly number[];
  readonly floor: string;
  /** The target as a ratio of the floor, or an absolute bound in the figure's unit; null: informative. */
  readonly target: { readonly ratio: number } | { readonly max: number } | null;
  /** A condition besides the number (deletions applied, rows written); false: the target is missed. */
  readonly condition?: { readonly what: string; readonly holds: boolean };
  readonly extra?: Record<string, unknown>;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** The median of an odd count; of an even count, the mean of the two middle values. */
export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** A figure from its rounds: the median is the value, the floor the median of the floor's rounds. */
export function figureOf(input: Omit<Figure, 'value' | 'floorValue'> & { samples: readonly number[]; floorSamples?: readonly number[] | null }): Figure {
  const { floorSamples, ...rest } = input;
  return {
    ...rest,
    value: median(input.samples),
    floorValue: floorSamples ? median(floorSamples) : null,
    ...(floorSamples ? { floorSamples } : {}),
  };
}

/** A target is met when the median meets it (and its condition holds). */
export function verdict(f: Figure): { ratio: number | null; met: boolean | null } {
  const ratio = f.floorValue ? f.value / f.floorValue : null;
  if (!f.target) return { ratio, met: null };
  const number = 'ratio' in f.target ? ratio !== null && ratio <= f.target.ratio : f.value <= f.target.max;
  return { ratio, met: number && (f.condition?.holds ?? true) };
}

/** Where `npm run bench` finds the results: bench/results/<benchmark>.json (gitignored). */
export const RESULTS_DIR = new URL('./results/', import.meta.url);

/** Set (to 1) in the environment of the benchmark processes `bench:compare` runs in turn (`roundTurn`). */
export const TURNS_ENV = 'BENCH_TURNS';

const round = (value: number): string => value.toLocaleString('en-US', { maximumFractionDigits: 0 });

function spreadText(samples: readonly number[] | undefined): string {
  if (!samples || samples.length < 2) return '';
  return ` (${round(Math.min(...samples))}–${round(Math.max(...samples))}, n=${samples.length})`;
}

export function describeFigure(f: Figure): string {
  const unit = f.unit ?? 'ms';
  const { ratio, met } = verdict(f);
  const target = f.target ? ('ratio' in f.target ? `≤ ${f.target.ratio}× floor` : `≤ ${f.target.max} ${unit}`) : 'none (informative)';
  const ratioText = ratio === null ? '' : ` = ${ratio.toFixed(2)}× floor`;
  const floor = f.floorValue === null ? '' : ` | floor ${round(f.floorValue)} ${unit}${spreadText(f.floorSamples)} (${f.floor})`;
  const condition = f.condition ? ` | ${f.condition.what}: ${f.condition.holds ? 'yes' : 'NO'}` : '';
  const verdictText = met === null ? '' : met ? ' — MET' : ' — MISSED';
  return `${f.name}: ${round(f.value)} ${unit}${spreadText(f.samples)}${floor}${ratioText}${condition} | target ${target}${verdictText}`;
}

/** Prints each figure and writes bench/results/<benchmark>.json. */
export function report(benchmark: string, figures: readonly Figure[]): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const rows = figures.map((f) => ({ ...f, unit: f.unit ?? 'ms', ...verdict(f) }));
  const document = { benchmark, at: new Date().toISOString(), figures: rows };
  writeFileSync(new URL(`${benchmark}.json`, RESULTS_DIR), `${JSON.stringify(document, null, 2)}\n`);
  for (const figure of figures) console.log(`${benchmark}: ${describeFigure(figure)}`);
}

/** BENCH_ROUNDS, else the default; at least 1. */
export function roundsFromEnv(fallback: number): number {
  const rounds = Number(process.env.BENCH_ROUNDS ?? fallback);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`BENCH_ROUNDS must be a whole number of at least 1, not "${process.env.BENCH_ROUNDS}"`);
  return rounds;
}

/**
 * Awaited at the start of every round (and of any other step that takes samples). Under `bench:compare`,
 * which runs the baseline's and this checkout's process of a benchmark at once with an IPC channel to
 * each (bench/lib/alternate.ts), it says the process is ready and waits to be told to go, so that the two
 * checkouts take their rounds in turn and never run at the same time; run alone, it returns at once.
 * Throws when compare goes away meanwhile, so that the benchmark cleans up (its slapd, its databases)
 * instead of waiting for ever.
 */
export async function roundTurn(): Promise<void> {
  // Only compare's processes wait: another parent with an IPC channel (a test runner) does not say go.
  if (!process.send || process.env[TURNS_ENV] !== '1') return;
  process.send('ready');
  // Both listeners are removed once either fires: a listener left on the channel would keep it open,
  // and the process alive, after its last round.
  await new Promise<void>((resolve, reject) => {
    const go = (message: unknown): void => {
      if (message !== 'go') return;
      process.off('message', go);
      process.off('disconnect', gone);
      resolve();
    };
    const gone = (): void => {
      process.off('message', go);
      reject(new Error('bench:compare went away while this benchmark waited for its turn'));
    };
    process.on('message', go);
    process.once('disconnect', gone);
  });
}
