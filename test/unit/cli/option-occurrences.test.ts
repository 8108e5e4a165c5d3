// Every option of every command that takes one value refuses a second one, naming it; a repeatable option
// (`--source a --source b`) takes several. Parsed by the program `seatsync` runs, up to its options only:
// the refusal comes before any command runs.
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/main.ts';
import { isRepeatable } from '../../../src/cli/option-occurrences.ts';

/** The program, its output to stderr silenced (the refusal is read from the error it throws). */
function quietProgram(): Command {
  const program = buildProgram(() => undefined);
  const silence = (command: Command): void => {
    command.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
    for (const sub of command.commands) silence(sub);
  };
  silence(program);
  return program;
}

/** Each command's words after `seatsync` with its options ([] for the global ones). */
function optionsByCommand(command: Command, words: readonly string[] = []): [string[], readonly Option[]][] {
  return [[[...words], command.options], ...command.commands.flatMap((sub) => optionsByCommand(sub, [...words, sub.name()]))];
}

const singleValued = optionsByCommand(buildProgram(() => undefined)).flatMap(([words, options]) =>
  options.filter((o) => !o.isBoolean() && !isRepeatable(o)).map((o) => [[...words, o.long ?? ''].join(' '), words, o.long ?? ''] as const));

describe('an option given twice', () => {
  it('covers the options that take a value, of the commands and the global ones; not the repeatable ones', () => {
    const names = singleValued.map(([name]) => name);
    expect(names).toEqual(expect.arrayContaining(['--config', '--log-level', 'audit --limit', 'audit --since', 'accounts block --reason', 'sync --limit', 'run --concurrency']));
    expect(names).not.toEqual(expect.arrayContaining(['sync --source']));
    expect(names).not.toEqual(expect.arrayContaining(['sync --only']));
  });

  it.each(singleValued)('%s: refused, naming the option and both values', async (_name, words, long) => {
    await expect(quietProgram().parseAsync([...words, long, 'first', `${long}=second`], { from: 'user' })).rejects.toMatchObject({
      code: 'seatsync.repeatedOption', exitCode: 2, message: `error: ${long} given twice ("first", then "second"); give it once`,
    });
  });

  it('is the same option in its short and long form', async () => {
    await expect(quietProgram().parseAsync(['-c', 'a.yaml', 'status', '--config', 'b.yaml'], { from: 'user' })).rejects.toMatchObject({
      code: 'seatsync.repeatedOption', message: 'error: --config given twice ("a.yaml", then "b.yaml"); give it once',
    });
  });

  it.each([
    ['sync', '--source'], ['sync', '--only'], ['resync', '--source'], ['check', '--source'],
  ])('%s %s: repeatable, each value taken (the parse goes on to the next option)', async (command, long) => {
    // An unknown option after the repeated one: commander refuses it only once the options before it were taken.
    await expect(quietProgram().parseAsync([command, long, 'a', long, 'b', '--no-such-option'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.unknownOption' });
  });

  it('leaves a flag without a value alone: --json twice says it once', async () => {
    await expect(quietProgram().parseAsync(['status', '--json', '--json', '--no-such-option'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.unknownOption' });
  });
});
