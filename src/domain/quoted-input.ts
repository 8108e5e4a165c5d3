// A value someone typed, quoted in the sentence that refuses it (a usage error, an API 400): at most
// QUOTED_INPUT_MAX characters of it, then "…", so that a query string of many kilobytes is not echoed
// whole. Control characters are left as they are: each edge shows them escaped (the CLI's `inertLines`,
// the API's JSON).

/** The most characters (code points) of a refused value its sentence quotes. */
export const QUOTED_INPUT_MAX = 64;

/** `text` in double quotes, cut to QUOTED_INPUT_MAX characters and "…" when longer. */
export function quotedInput(text: string): string {
  const chars = Array.from(text);
  return `"${chars.length > QUOTED_INPUT_MAX ? `${chars.slice(0, QUOTED_INPUT_MAX).join('')}…` : text}"`;
}
