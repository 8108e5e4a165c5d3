import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { interpolateString, interpolateTree, scanTemplate, type InterpolateOptions } from '../../../src/config/interpolate.ts';
import { tempConfigDir } from './config-files.ts';

const temp = tempConfigDir('interpolate');
afterAll(() => temp.remove());

function options(env: Record<string, string> = {}): InterpolateOptions {
  return { env, readFile: (p) => readFileSync(p, 'utf8'), baseDir: temp.dir };
}

describe('scanTemplate', () => {
  it('splits text and references, and unescapes $${', () => {
    expect(scanTemplate('a ${X} b $${Y} ${file:/p}')).toEqual([
      { kind: 'text', text: 'a ' },
      { kind: 'ref', body: 'X', start: 2, end: 6 },
      { kind: 'text', text: ' b ${Y} ' },
      { kind: 'ref', body: 'file:/p', start: 15, end: 25 },
    ]);
  });

  it('reports an unterminated reference', () => {
    expect(scanTemplate('x ${OOPS').map((p) => p.kind)).toEqual(['text', 'unterminated', 'text']);
  });

  it('leaves a lone $ alone', () => {
    expect(scanTemplate('co$t $5')).toEqual([{ kind: 'text', text: 'co$t $5' }]);
  });
});

describe('interpolateString', () => {
  it('substitutes a variable, also inside a longer string', () => {
    const result = interpolateString('redis://${HOST}:6379/${DB}', options({ HOST: 'cache', DB: '2' }));
    expect(result.value).toBe('redis://cache:6379/2');
    expect(result.origin).toEqual({ refs: ['${HOST}', '${DB}'], secret: false });
    expect(result.errors).toEqual([]);
  });

  it('uses the default when the variable is unset or empty, and the value when set', () => {
    expect(interpolateString('${X:-fallback}', options()).value).toBe('fallback');
    expect(interpolateString('${X:-fallback}', options({ X: '' })).value).toBe('fallback');
    expect(interpolateString('${X:-fallback}', options({ X: 'set' })).value).toBe('set');
    expect(interpolateString('${X:-}', options()).value).toBe('');
    expect(interpolateString('${X:-a:b-c}', options()).value).toBe('a:b-c');
  });

  it('names an unset variable', () => {
    expect(interpolateString('${NOPE}', options()).errors).toEqual(['environment variable NOPE is not set']);
  });

  it('reads a file, trimmed, relative paths against the base folder', () => {
    const file = temp.write('secrets/pw', '  s3cret-value \n');
    expect(interpolateString(`\${file:${file}}`, options()).value).toBe('s3cret-value');
    const relative = interpolateString('${file:secrets/pw}', options());
    expect(relative.value).toBe('s3cret-value');
    expect(relative.origin).toEqual({ refs: ['${file:secrets/pw}'], secret: true });
    expect(relative.secretParts).toEqual(['s3cret-value']);
  });

  it('names the path of a missing file', () => {
    const missing = `${temp.dir}/missing-secret`;
    expect(interpolateString(`\${file:${missing}}`, options()).errors).toEqual([`\${file:${missing}}: file not found`]);
    expect(interpolateString('${file:nope}', options()).errors).toEqual([`\${file:nope} (${temp.dir}/nope): file not found`]);
  });

  it('treats variables with secret-looking names as secrets', () => {
    const result = interpolateString('${SMTP_PASSWORD}', options({ SMTP_PASSWORD: 'pw-123456' }));
    expect(result.origin?.secret).toBe(true);
    expect(result.secretParts).toEqual(['pw-123456']);
    expect(interpolateString('${LDAP_HOST}', options({ LDAP_HOST: 'dc1' })).origin?.secret).toBe(false);
  });

  it('keeps $${ as a literal ${ and does not resolve it', () => {
    const result = interpolateString('price: $${AMOUNT}', options());
    expect(result.value).toBe('price: ${AMOUNT}');
    expect(result.origin).toBeNull();
  });

  it('rejects malformed references without echoing a default value', () => {
    const bad = interpolateString('${1BAD:-hunter2}', options());
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toContain('is not a valid reference');
    expect(bad.errors[0]).not.toContain('hunter2');
    expect(interpolateString('${file:}', options()).errors[0]).toContain('needs a path');
    expect(interpolateString('a ${B', options()).errors[0]).toContain('without a closing');
  });
});

describe('interpolateTree', () => {
  const tree = {
    database: { url: '${DATABASE_URL:-}' },
    redis: { url: 'redis://${REDIS_HOST:-127.0.0.1}:6379', prefix: 'seatsync' },
    sources: [{ name: 'ad', url: ['${DC1}', '${DC2:-}'], bindPassword: '${LDAP_PASSWORD}' }],
    literal: '$${NOT_A_REF}',
  };

  it('resolves every string, leaves out keys and list items that resolve to nothing', () => {
    const result = interpolateTree(tree, options({ DC1: 'ldaps://dc1', LDAP_PASSWORD: 'pw-abcdef' }));
    expect(result.value).toEqual({
      database: {},
      redis: { url: 'redis://127.0.0.1:6379', prefix: 'seatsync' },
      sources: [{ name: 'ad', url: ['ldaps://dc1'], bindPassword: 'pw-abcdef' }],
      literal: '${NOT_A_REF}',
    });
    expect(result.problems).toEqual([]);
    expect([...result.emptied.keys()]).toEqual(['database.url', 'sources[0].url[1]']);
    expect(result.origins.get('sources[0].bindPassword')).toEqual({ refs: ['${LDAP_PASSWORD}'], secret: true });
    expect(result.origins.has('redis.prefix')).toBe(false);
    expect([...result.secretValues]).toEqual(['pw-abcdef']);
  });

  it('reports every unresolved reference with its key path', () => {
    const result = interpolateTree(tree, options());
    expect(result.problems).toEqual([
      { segments: ['sources', 0, 'url', 0], message: 'environment variable DC1 is not set' },
      { segments: ['sources', 0, 'bindPassword'], message: 'environment variable LDAP_PASSWORD is not set' },
    ]);
  });

  it('does not interpolate keys', () => {
    const result = interpolateTree({ '${KEY}': 'v' }, options({ KEY: 'k' }));
    expect(result.value).toEqual({ '${KEY}': 'v' });
  });
});

describe('a secret in the user-info of a database or Redis URL', () => {
  const env = { DB_PASSWORD: 'P@ss/w0rd#x?y', PLAIN: 's3cret-Value_1', ENCODED: 'a%40b', DATABASE_URL: 'postgres://u:p@h/db' };
  const tree = (url: string, key: 'database' | 'redis' | 'http' = 'database'): unknown =>
    (interpolateTree({ [key]: { url } }, { env, readFile: () => '', baseDir: '/' }).value as Record<string, { url: string }>)[key]?.url;

  it('is percent-encoded where it needs to be, so the URL keeps its host', () => {
    const url = tree('postgres://app:${DB_PASSWORD}@db.example.test:5432/app') as string;
    expect(url).toBe('postgres://app:P%40ss%2Fw0rd%23x%3Fy@db.example.test:5432/app');
    expect(decodeURIComponent(new URL(url).password)).toBe('P@ss/w0rd#x?y');
    expect(new URL(url).hostname).toBe('db.example.test');
    expect(tree('redis://:${DB_PASSWORD}@cache:6379', 'redis')).toBe('redis://:P%40ss%2Fw0rd%23x%3Fy@cache:6379');
  });

  it('is left as it is when it is already valid there, outside the user-info, and under other keys', () => {
    expect(tree('postgres://app:${PLAIN}@db/app')).toBe('postgres://app:s3cret-Value_1@db/app');
    expect(tree('postgres://app:${ENCODED}@db/app')).toBe('postgres://app:a%40b@db/app');
    expect(tree('postgres://app@db/${DB_PASSWORD}')).toBe('postgres://app@db/P@ss/w0rd#x?y');
    expect(tree('${DATABASE_URL}')).toBe('postgres://u:p@h/db');
    expect(tree('http://x:${DB_PASSWORD}@h', 'http')).toBe('http://x:P@ss/w0rd#x?y@h');
  });
});
