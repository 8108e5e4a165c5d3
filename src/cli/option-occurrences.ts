// How often an option may be given. A repeatable option (`--source a --source b`) collects its values;
// every other option that takes a value is given once: a second one (`audit --limit 5 --limit 9`) is
// bad usage, not a silent choice of the last. Checked here for every command and the global options,
// over the program once it is built (main.ts), so a new command's options are checked without a word.
import type { EventEmitter } from 'node:events';
import { Option, type Command } from 'commander';

/** The options made by `repeatable`: the ones that may be given more than once. */
const REPEATABLE = new WeakSet<Option>();

/**
 * A repeatable option (`--source a --source b`): its values in order, an empty list when it is not given.
 * The help shows what none means (`default: every source`), not the empty list.
 */
export function repeatable(flags: string, description: string, whenNone: string): Option {
  const option = new Option(flags, description).argParser(collect).default([], whenNone);
  REPEATABLE.add(option);
  return option;
}

/** Whether `option` may be given more than once (made by `repeatable`). */
export function isRepeatable(option: Option): boolean {
  return REPEATABLE.has(option);
}

function collect(value: string, previous: string[]): string[] {
  // A source named twice is run (or checked) once.
  return previous.includes(value) ? previous : [...previous, value];
}

/**
 * Makes `command` and every command under it refuse an option that takes a single value when it is given
 * a second time (`--limit 5 --limit=9`, `-c a --config b`), as commander's own usage errors are refused:
 * the message on stderr, exit 2 (main.ts). A flag without a value (`--json`) says the same thing twice
 * and is left alone.
 */
export function refuseRepeatedOptions(command: Command): void {
  for (const option of command.options) {
    if (isRepeatable(option) || option.isBoolean()) continue;
    const key = option.attributeName();
    // Before commander's own listener stores the value: the one stored so far is the first occurrence's.
    // (A Command is an EventEmitter; its typings declare `on` only.)
    (command as unknown as EventEmitter).prependListener(`option:${option.name()}`, (value: unknown) => {
      if (command.getOptionValueSource(key) !== 'cli') return;
      const first = String(command.getOptionValue(key));
      command.error(`error: ${option.long ?? option.flags} given twice ("${first}", then "${String(value)}"); give it once`, {
        exitCode: 2, code: 'seatsync.repeatedOption',
      });
    });
  }
  for (const sub of command.commands) refuseRepeatedOptions(sub);
}
