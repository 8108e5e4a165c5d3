// Commands that need the worker side (Redis) or the mail transport: `run`, `resync`, `notify test`.
// Each command file exports one `register…(program, run)`; add new ones to the list.
import type { Command } from 'commander';
import type { Runner } from './context.ts';
import { registerResync } from './resync-command.ts';
import { registerRun } from './run-command.ts';

const REGISTRATIONS: readonly ((program: Command, run: Runner) => void)[] = [registerRun, registerResync];

export function registerExtraCommands(program: Command, run: Runner): void {
  for (const register of REGISTRATIONS) register(program, run);
}
