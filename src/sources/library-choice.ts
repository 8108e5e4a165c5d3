// The hand-written replacements of libraries, and the switch back to the library each replaces:
// `SEATSYNC_USE_LIBRARY=ldap-decoder,graph-transport` (or `all`). It exists to compare the two
// (BENCHMARKS.md measures every replacement with the switch on and off) and as a way out should a
// replacement misread something a server sends. Read from the environment at each use, so a worker
// picks a change up with its next process start and a test can set it per case.
//
// - ldap-decoder: the user search decoded by ldapts (searchPaginated) instead of search-response.ts.
// - graph-transport: Graph requests sent by the Graph client's own fetch handler instead of node:https.
// - graph-early-link: each Graph page parsed whole before its next page is requested, instead of
//   requesting it from the first bytes of the body (early-link.ts).

export const LIBRARY_ENV = 'SEATSYNC_USE_LIBRARY';

export const REPLACEMENTS = ['ldap-decoder', 'graph-transport', 'graph-early-link'] as const;
export type Replacement = (typeof REPLACEMENTS)[number];

export class LibraryChoiceError extends Error {
  override readonly name = 'LibraryChoiceError';
  readonly code = 'invalid-library-choice';
}

type Env = Readonly<Record<string, string | undefined>>;

/** The replacements switched back to their library; throws LibraryChoiceError naming an unknown word. */
export function librariesChosen(env: Env = process.env): ReadonlySet<Replacement> {
  const words = (env[LIBRARY_ENV] ?? '').split(',').map((word) => word.trim().toLowerCase()).filter((word) => word !== '');
  const chosen = new Set<Replacement>();
  for (const word of words) {
    if (word === 'all') REPLACEMENTS.forEach((replacement) => chosen.add(replacement));
    else if (isReplacement(word)) chosen.add(word);
    else throw new LibraryChoiceError(`${LIBRARY_ENV}: unknown replacement "${word}"; known: ${REPLACEMENTS.join(', ')}, all`);
  }
  return chosen;
}

/** Whether `replacement` is switched back to its library in `env`. */
export function usesLibrary(replacement: Replacement, env: Env = process.env): boolean {
  return librariesChosen(env).has(replacement);
}

function isReplacement(word: string): word is Replacement {
  return (REPLACEMENTS as readonly string[]).includes(word);
}
