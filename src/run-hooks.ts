// The hooks every run and admin action gets, in its transaction: the emails' (src/notify: outbox rows)
// and the targets' (src/targets: change rows). One wiring for the worker, the CLI and the tests.
import type { SeatsyncConfig } from './config/types.ts';
import { createRunNotifier, type RunNotifierDeps } from './notify/run-notifier.ts';
import { chainNotifiers } from './sync/run-notifiers.ts';
import type { RunNotifier } from './sync/sync-source.ts';
import { createTargetNotifier } from './targets/target-notifier.ts';

/** The emails' and the targets' hooks for runs under `config`; undefined when neither is configured. */
export function runHooksFor(config: SeatsyncConfig, outbox: RunNotifierDeps['outbox']): RunNotifier | undefined {
  return chainNotifiers(createRunNotifier({ config, outbox }), createTargetNotifier(config));
}
