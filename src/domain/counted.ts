// Counts in sentences: "1 account", "2 accounts", "1,200 users". One rule for the CLI, the emails and the console.

/**
 * `n` with thousands separators, as en-US writes it ("1,200", "-3,000,000"; a fraction as toLocaleString
 * gives it). Integers are grouped here: the first toLocaleString of a process loads ICU's number formats,
 * 11–38 ms that every command paid at start (the CLI's help texts print counts; BENCHMARKS.md, "The
 * stop before, back to back through the CLI").
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let grouped = digits.slice(0, digits.length % 3 || 3);
  for (let i = grouped.length; i < digits.length; i += 3) grouped += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${grouped}` : grouped;
}

/** `n` (with thousands separators) and the noun in the number it takes; `many` defaults to `one` + "s". */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
