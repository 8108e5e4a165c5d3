// Reads the config YAML into a plain tree (mappings, lists, strings, null) with the line of every key.
//
// Two kinds of text in the SPEC §4 contract are not valid YAML inside flow collections (`{ … }`, `[ … ]`):
// references such as `password: ${SMTP_PASSWORD}` (a flow collection ends at `}`) and DNs such as
// `{ memberOf: CN=Partners,OU=Groups,DC=corp }` (a comma separates flow items). Before parsing, the
// characters that would break them are swapped for private-use characters of the same length (so YAML
// error positions stay right), and swapped back in every parsed string.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { formatPath, type ConfigProblem, type PathSegment } from './problems.ts';

const SHIFT = 0xe000; // private-use area: U+E000 + ASCII code
const RESERVED = /[\uE000-\uE07F]/;
const SHIFTED = /[\uE000-\uE07F]/g;
const FLOW_BREAKERS = /[{}[\],:#]/g;
// A comma that continues a DN: directly followed by `attr=` and directly preceded by a value character.
const DN_COMMA = /(?<=[^\s,[{\]}"']),(?=[A-Za-z][A-Za-z0-9-]*=)/g;

const shift = (c: string): string => String.fromCharCode(c.charCodeAt(0) + SHIFT);
const unshift = (text: string): string => text.replace(SHIFTED, (c) => String.fromCharCode(c.charCodeAt(0) - SHIFT));

// `${…}` on one line, escaped (`$${…}`) or not: shifting is undone after parsing, so both are safe to shift.
const REFERENCE = /\$\{[^}\n]*\}/g;

/** Protects references and DN commas (see the header comment); same length as the input. */
export function protectFlowText(text: string): string {
  return text
    .replace(REFERENCE, (ref) => '$' + ref.slice(1).replace(FLOW_BREAKERS, shift))
    .replace(DN_COMMA, shift);
}

export interface YamlTree {
  readonly tree: unknown;
  /** 1-based line of a key path (the line of its key), or of its nearest ancestor that has one. */
  lineOf(segments: readonly PathSegment[]): number | undefined;
}

/** Problems of the whole file (`path` is empty). */
export type YamlReadResult = { readonly ok: true; readonly yaml: YamlTree } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/** Too many nodes means an alias bomb or not a config file. */
const MAX_NODES = 200_000;

interface BuildState {
  readonly doc: Document;
  readonly counter: LineCounter;
  readonly lines: Map<string, number>;
  readonly problems: ConfigProblem[];
  nodes: number;
}

function lineAt(state: BuildState, node: { range?: readonly number[] | null } | null | undefined): number | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : state.counter.linePos(offset).line;
}

function scalarValue(node: { value: unknown; source?: string }): string | null {
  if (node.value === null || node.value === undefined) return null;
  if (typeof node.value === 'string') return unshift(node.value);
  // Numbers and booleans keep their written form (`TRUE`, `0600`): the schema converts what it expects,
  // exactly as it does for values that come from `${…}` references, which are always strings.
  return unshift(node.source ?? String(node.value));
}

// defineProperty: a `__proto__` key must stay a plain key.
function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function build(node: unknown, segments: PathSegment[], state: BuildState): unknown {
  state.nodes += 1;
  if (state.nodes > MAX_NODES) throw new Error(`more than ${MAX_NODES} YAML nodes (alias loop?)`);
  if (isAlias(node)) return build(node.resolve(state.doc), segments, state);
  if (isScalar(node)) return scalarValue(node);
  if (isSeq(node)) {
    return node.items.map((item, index) => {
      const line = lineAt(state, item as Node);
      if (line !== undefined) state.lines.set(formatPath([...segments, index]), line);
      return build(item, [...segments, index], state);
    });
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    const merged: unknown[] = [];
    for (const pair of node.items) {
      if (isScalar(pair.key) && typeof pair.key.value === 'symbol') {
        merged.push(build(pair.value, segments, state)); // `<<: *anchor` (YAML merge key)
        continue;
      }
      const key = isScalar(pair.key) ? scalarValue(pair.key) : null;
      if (key === null) {
        state.problems.push({ path: '', message: `line ${lineAt(state, pair.key as Node) ?? '?'}: keys must be plain words` });
        continue;
      }
      const at = [...segments, key];
      const line = lineAt(state, pair.key as Node);
      if (line !== undefined) state.lines.set(formatPath(at), line);
      setKey(out, key, build(pair.value, at, state));
    }
    // Keys written in the mapping win over merged ones; earlier merged mappings win over later ones.
    for (const source of merged.flat()) {
      if (source === null || typeof source !== 'object') continue;
      for (const [key, value] of Object.entries(source)) if (!Object.hasOwn(out, key)) setKey(out, key, value);
    }
    return out;
  }
  return null; // an empty document or a key without a value
}

function syntaxProblem(error: { message: string; linePos?: readonly { line: number; col: number }[] }, more: number): ConfigProblem {
  // Keep the first sentence only: yaml's message goes on to quote the source text, which may hold a secret.
  const head = unshift(error.message.split('\n')[0] ?? '')
    .replace(/ at line \d+, column \d+:?$/, '')
    .replace(/: ".*"$/, '');
  const pos = error.linePos?.[0];
  const at = pos === undefined ? '' : `line ${pos.line}, column ${pos.col}: `;
  const tail = more > 0 ? ` (${more} more YAML error${more === 1 ? '' : 's'} may follow from this one)` : '';
  return { path: '', message: `YAML syntax error at ${at}${head}${tail}`, ...(pos === undefined ? {} : { line: pos.line }) };
}

/** Parses config text into a tree of mappings, lists, strings and nulls; syntax errors name line and column. */
export function readYaml(text: string): YamlReadResult {
  const reserved = RESERVED.exec(text);
  if (reserved !== null) {
    const line = text.slice(0, reserved.index).split('\n').length;
    return { ok: false, problems: [{ path: '', message: `line ${line}: contains a reserved character (U+E000–U+E07F)`, line }] };
  }
  const counter = new LineCounter();
  const doc = parseDocument(protectFlowText(text), { lineCounter: counter, prettyErrors: true, uniqueKeys: true, merge: true });
  const first = doc.errors[0];
  if (first !== undefined) return { ok: false, problems: [syntaxProblem(first, doc.errors.length - 1)] };
  const state: BuildState = { doc, counter, lines: new Map(), problems: [], nodes: 0 };
  let tree: unknown;
  try {
    tree = build(doc.contents, [], state);
  } catch (error) {
    return { ok: false, problems: [{ path: '', message: (error as Error).message }] };
  }
  if (state.problems.length > 0) return { ok: false, problems: state.problems };
  const lineOf = (segments: readonly PathSegment[]): number | undefined => {
    for (let n = segments.length; n > 0; n -= 1) {
      const line = state.lines.get(formatPath(segments.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  };
  return { ok: true, yaml: { tree, lineOf } };
}
