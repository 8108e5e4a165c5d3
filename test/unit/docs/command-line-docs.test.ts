// README.md's command table names every command of the `seatsync` program with every option it takes,
// and nothing the program does not have; its exit codes are the program's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/cli/exit-codes.ts';
import { buildProgram } from '../../../src/cli/main.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** Each command that runs something, by its words after `seatsync` (`accounts block`), with its long options. */
function commandsOf(command: Command, words: readonly string[] = []): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const sub of command.commands) {
    if (sub.name() === 'help') continue;
    const path = [...words, sub.name()];
    const options = sub.options.map((o) => o.long).filter((long): long is string => long !== undefined && long !== '--help');
    // A command with its own options or arguments runs something; one with only subcommands is a group.
    if (sub.commands.length === 0 || options.length > 0) found.set(path.join(' '), options);
    for (const [name, nested] of commandsOf(sub, path)) found.set(name, nested);
  }
  return found;
}

/** The table's synopses by command (`a|b` in a command word is one row for several commands), with the options they name. */
function documentedCommands(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of readme.split('\n')) {
    const synopsis = /^\| `(seatsync [^`]*)` \|/.exec(line.replace(/\\\|/g, '|'))?.[1];
    if (synopsis === undefined) continue;
    const tokens = synopsis.split(/\s+/).slice(1);
    const end = tokens.findIndex((t) => !/^[a-z][a-z|-]*$/.test(t));
    const words = end === -1 ? tokens : tokens.slice(0, end);
    const options = [...synopsis.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]);
    const expand = (prefix: readonly string[], rest: readonly string[]): string[][] =>
      rest.length === 0 ? [[...prefix]] : rest[0]!.split('|').flatMap((word) => expand([...prefix, word], rest.slice(1)));
    for (const path of expand([], words)) {
      const name = path.join(' ');
      if (rows.has(name)) throw new Error(`README.md documents "seatsync ${name}" twice`);
      rows.set(name, options);
    }
  }
  return rows;
}

describe('README.md, "Command line"', () => {
  const program = buildProgram(() => undefined);
  const commands = commandsOf(program);
  const documented = documentedCommands();

  it('has a row for every command, and none for a command the program lacks', () => {
    expect([...documented.keys()].sort()).toEqual([...commands.keys()].sort());
  });

  it.each([...commands])('names every option of seatsync %s, and no other', (name, options) => {
    expect([...new Set(documented.get(name))].sort()).toEqual([...options].sort());
  });

  it("names the program's own options", () => {
    for (const option of program.options) {
      // In a code span: `--config PATH`, `seatsync --version`.
      if (option.long !== '--help') expect(new RegExp(`\`[^\`]*${option.long}\\b`).test(readme), `${option.long} in README.md`).toBe(true);
    }
  });

  it('describes every option of every command, with its default as a plain value', () => {
    const all = (command: Command): Command[] => [command, ...command.commands.flatMap(all)];
    for (const command of all(program)) {
      const help = command.createHelp();
      for (const option of command.options) {
        const text = help.optionDescription(option);
        expect(option.description.trim(), `${command.name()} ${option.flags}`).not.toBe('');
        // `(default: "20")` and `(default: [])` are how commander prints a string or a list it was given.
        expect(text, `${command.name()} ${option.flags}`).not.toMatch(/default: ["[]/);
      }
    }
  });

  it('lists the exit codes of the program', () => {
    const sentence = /^Exit codes: (.*)$/m.exec(readme)?.[1] ?? '';
    const listed = [...sentence.matchAll(/`(\d)` /g)].map((m) => Number(m[1]));
    expect(listed.sort()).toEqual(Object.values(EXIT).sort());
  });
});
