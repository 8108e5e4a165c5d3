// The `@odata.nextLink` of a Graph page from the first bytes of its body. Graph writes a page's
// annotations before its `value` array ({"@odata.context":…,"@odata.nextLink":…,"value":[…]}), so the
// next page can be requested while the rest of this one is still arriving and being parsed.
//
// Only the members before `value` are looked at, and only as far as they are plain (strings, numbers,
// booleans, null): anything else, or a body that does not start as an object, gives `unknown` and the
// link is taken from the parsed page as usual. The parsed page is compared with what was found here.

/** What the body's start tells: the link, that the page has none before `value`, or not yet enough bytes. */
export type EarlyLink = { readonly kind: 'link'; readonly url: string } | { readonly kind: 'unknown' } | { readonly kind: 'more' };

const NEXT_LINK = '@odata.nextLink';
const UNKNOWN: EarlyLink = { kind: 'unknown' };
const MORE: EarlyLink = { kind: 'more' };

/** Scans the start of a page's JSON text (latin1 or UTF-8 decoded: only ASCII structure is read). */
export function scanEarlyLink(text: string): EarlyLink {
  let pos = skipSpace(text, 0);
  if (pos >= text.length) return MORE;
  if (text[pos] !== '{') return UNKNOWN;
  pos += 1;
  for (;;) {
    pos = skipSpace(text, pos);
    if (pos >= text.length) return MORE;
    if (text[pos] !== '"') return UNKNOWN; // `}` (no members) or not JSON
    const keyEnd = stringEnd(text, pos);
    if (keyEnd < 0) return MORE;
    const key = text.slice(pos, keyEnd);
    pos = skipSpace(text, keyEnd);
    if (pos >= text.length) return MORE;
    if (text[pos] !== ':') return UNKNOWN;
    pos = skipSpace(text, pos + 1);
    if (pos >= text.length) return MORE;
    const name = parseString(key);
    if (name === null || name === 'value') return UNKNOWN;
    const ch = text[pos];
    let valueEnd: number;
    if (ch === '"') {
      valueEnd = stringEnd(text, pos);
      if (valueEnd < 0) return MORE;
      if (name === NEXT_LINK) {
        const url = parseString(text.slice(pos, valueEnd));
        return url === null || url === '' ? UNKNOWN : { kind: 'link', url };
      }
    } else if (ch === '{' || ch === '[') {
      return UNKNOWN;
    } else {
      valueEnd = scalarEnd(text, pos);
      if (valueEnd < 0) return MORE;
      if (valueEnd === pos || name === NEXT_LINK) return UNKNOWN;
    }
    pos = skipSpace(text, valueEnd);
    if (pos >= text.length) return MORE;
    if (text[pos] !== ',') return UNKNOWN; // `}`: the page ends without `value`
    pos += 1;
  }
}

function skipSpace(text: string, pos: number): number {
  while (pos < text.length) {
    const c = text.charCodeAt(pos);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    pos += 1;
  }
  return pos;
}

/** Index just past the closing quote of the string starting at `start`; -1 when it is not complete yet. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 1; // backslash: the next character is escaped
    else if (c === 0x22) return i + 1;
  }
  return -1;
}

/** Index where a number, `true`, `false` or `null` ends; -1 when the text may still go on. */
function scalarEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && /[\w.+-]/.test(text[i] ?? '')) i += 1;
  return i < text.length ? i : -1;
}

function parseString(literal: string): string | null {
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}
