// Shared pieces of the benchmarks: timing, result files, the printed line per figure.
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export type Unit = 'ms' | 'MB' | 'rows';

export interface Figure {
  /** What was measured, e.g. "first sync of 100,000 CSV rows into PostgreSQL". */
  readonly name: string;
  readonly value: number;
  /** Default `ms`. */
  readonly unit?: Unit;
  /** The floor measured in the same run (same unit), and what it is. */
  readonly floorValue: number | null;
  readonly floor: string;
  /** The target as a ratio of the floor, or an absolute bound in the figure's unit; null: informative. */
  readonly target: { readonly ratio: number } | { readonly max: number } | null;
  readonly extra?: Record<string, unknown>;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export function verdict(f: Figure): { ratio: number | null; met: boolean | null } {
  const ratio = f.floorValue ? f.value / f.floorValue : null;
  if (!f.target) return { ratio, met: null };
  if ('ratio' in f.target) return { ratio, met: ratio !== null && ratio <= f.target.ratio };
  return { ratio, met: f.value <= f.target.max };
}

/** Where `npm run bench` finds the results: bench/results/<benchmark>.json (gitignored). */
export const RESULTS_DIR = new URL('./results/', import.meta.url);

export function describeFigure(f: Figure): string {
  const unit = f.unit ?? 'ms';
  const { ratio, met } = verdict(f);
  const target = f.target ? ('ratio' in f.target ? `≤ ${f.target.ratio}× floor` : `≤ ${f.target.max} ${unit}`) : 'none (informative)';
  const ratioText = ratio === null ? '' : ` = ${ratio.toFixed(2)}× floor`;
  const floor = f.floorValue === null ? '' : ` | floor ${f.floorValue.toFixed(0)} ${unit} (${f.floor})`;
  const verdictText = met === null ? '' : met ? ' — MET' : ' — MISSED';
  return `${f.name}: ${f.value.toFixed(0)} ${unit}${floor}${ratioText} | target ${target}${verdictText}`;
}

/** Prints each figure and writes bench/results/<benchmark>.json. */
export function report(benchmark: string, figures: readonly Figure[]): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const rows = figures.map((f) => ({ ...f, unit: f.unit ?? 'ms', ...verdict(f) }));
  const document = { benchmark, at: new Date().toISOString(), figures: rows };
  writeFileSync(new URL(`${benchmark}.json`, RESULTS_DIR), `${JSON.stringify(document, null, 2)}\n`);
  for (const figure of figures) console.log(`${benchmark}: ${describeFigure(figure)}`);
}

export const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;
