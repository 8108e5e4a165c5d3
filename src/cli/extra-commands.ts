// Commands that need the worker side (Redis) or an application: `run`, `resync`, `targets`.
// Each command file exports one `register…(program, run)`; add new ones to the list.
import type { Command } from 'commander';
import type { Runner } from './context.ts';
import { registerResync } from './resync-command.ts';
import { registerRun } from './run-command.ts';
import { registerTargets } from './targets-command.ts';

const REGISTRATIONS: readonly ((program: Command, run: Runner) => void)[] = [registerRun, registerResync, registerTargets];

export function registerExtraCommands(program: Command, run: Runner): void {
  for (const register of REGISTRATIONS) register(program, run);
}
