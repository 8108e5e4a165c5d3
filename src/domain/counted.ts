// Counts in sentences: "1 account", "2 accounts", "1,200 users". One rule for the CLI, the emails and the console.

/** `n` (with thousands separators) and the noun in the number it takes; `many` defaults to `one` + "s". */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
