// Several hooks on one run (the emails' and the targets'), called in order in the same transaction.
import type { RunNotifier } from './sync-source.ts';

/** One notifier calling each of `notifiers` in turn; undefined when none is given. */
export function chainNotifiers(...notifiers: readonly (RunNotifier | null | undefined)[]): RunNotifier | undefined {
  const list = notifiers.filter((n): n is RunNotifier => n !== null && n !== undefined);
  if (list.length <= 1) return list[0];
  return {
    afterAllocation: async (tx, context) => {
      for (const n of list) await n.afterAllocation(tx, context);
    },
    onHeld: async (db, context) => {
      for (const n of list) await n.onHeld(db, context);
    },
    afterRun: async (db, context) => {
      for (const n of list) await n.afterRun?.(db, context);
    },
  };
}
