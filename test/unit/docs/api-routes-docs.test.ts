// docs/production.md's table of API routes (after `<!-- routes: /api/v1 -->`) has a row for every
// operation of the API, naming each of its query and body parameters, and no row for a route it lacks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_OPERATIONS, API_PREFIX, type ApiOperation } from '../../../src/http/api-operations.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const doc = readFileSync(path.join(repoRoot, 'docs/production.md'), 'utf8');

/** The table's rows: route (`GET /api/v1/syncs`) → its parameters cell. */
function documentedRoutes(): Map<string, string> {
  const lines = doc.split('\n');
  const start = lines.indexOf(`<!-- routes: ${API_PREFIX} -->`);
  if (start === -1) throw new Error('docs/production.md has no routes table');
  const rows = new Map<string, string>();
  for (let i = start + 3; lines[i]?.startsWith('|'); i += 1) {
    const [route, parameters] = (lines[i] ?? '').split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
    const name = /^`([A-Z]+ \S+)`$/.exec(route ?? '')?.[1];
    if (name === undefined) throw new Error(`docs/production.md line ${i + 1}: the first cell is not a \`METHOD /path\``);
    rows.set(name, parameters ?? '');
  }
  return rows;
}

const propertiesOf = (schema: ApiOperation['query']): string[] => Object.keys((schema?.properties as Record<string, unknown> | undefined) ?? {});

describe('docs/production.md, the API routes', () => {
  const rows = documentedRoutes();
  const operations: readonly ApiOperation[] = API_OPERATIONS;

  it('has a row for every operation, and none for a route the API lacks', () => {
    expect([...rows.keys()].sort()).toEqual(operations.map((op) => `${op.method} ${API_PREFIX}${op.path}`).sort());
  });

  it.each(operations.map((op) => [op.operationId, op] as const))('names every query and body parameter of %s', (_, op) => {
    const cell = rows.get(`${op.method} ${API_PREFIX}${op.path}`) ?? '';
    for (const name of [...propertiesOf(op.query), ...propertiesOf(op.body)]) expect(cell, name).toContain(`\`${name}\``);
  });
});
