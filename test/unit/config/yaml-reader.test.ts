import { describe, expect, it } from 'vitest';
import { protectFlowText, readYaml } from '../../../src/config/yaml-reader.ts';
import { yaml } from './config-files.ts';

function treeOf(text: string): unknown {
  const result = readYaml(text);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.yaml.tree;
}

describe('readYaml', () => {
  it('reads references unquoted inside flow mappings (the SPEC §4 smtp line)', () => {
    const tree = treeOf('smtp: { host: smtp.example.test, port: 587, password: ${SMTP_PASSWORD}, x: ${A:-a, b} }\n');
    expect(tree).toEqual({ smtp: { host: 'smtp.example.test', port: '587', password: '${SMTP_PASSWORD}', x: '${A:-a, b}' } });
  });

  it('reads escaped references unquoted inside flow collections too', () => {
    expect(treeOf('a: [x, $${LITERAL}, "$${Q}"]\n')).toEqual({ a: ['x', '$${LITERAL}', '$${Q}'] });
  });

  it('keeps unquoted DNs whole inside flow mappings and sequences', () => {
    const tree = treeOf(yaml`
      when: { memberOf: CN=Partners,OU=Groups,DC=corp,DC=example,DC=test }
      protect: { memberOf: [CN=IT Admins,OU=Groups,DC=corp, CN=Ops,OU=Groups,DC=corp] }
    `);
    expect(tree).toEqual({
      when: { memberOf: 'CN=Partners,OU=Groups,DC=corp,DC=example,DC=test' },
      protect: { memberOf: ['CN=IT Admins,OU=Groups,DC=corp', 'CN=Ops,OU=Groups,DC=corp'] },
    });
  });

  it('leaves ordinary flow collections alone', () => {
    expect(treeOf('a: [x, y,z]\nb: { k: v,w: u }\n')).toEqual({ a: ['x', 'y', 'z'], b: { k: 'v', w: 'u' } });
  });

  it('keeps scalars as written so the schema decides their type (TRUE stays TRUE)', () => {
    expect(treeOf('values: [TRUE, false, 0600, 1e3, ~]\nempty:\n')).toEqual({ values: ['TRUE', 'false', '0600', '1e3', null], empty: null });
  });

  it('resolves aliases', () => {
    expect(treeOf('a: &x { seats: 3 }\nb: *x\n')).toEqual({ a: { seats: '3' }, b: { seats: '3' } });
  });

  it('supports merge keys, the mapping\'s own keys winning', () => {
    const tree = treeOf(yaml`
      sources:
        - &ad { name: ad1, kind: ldap, url: ldaps://dc1 }
        - <<: *ad
          name: ad2
    `);
    expect(tree).toEqual({
      sources: [
        { name: 'ad1', kind: 'ldap', url: 'ldaps://dc1' },
        { name: 'ad2', kind: 'ldap', url: 'ldaps://dc1' },
      ],
    });
  });

  it('gives the line of every key and list item, and of the nearest ancestor for missing keys', () => {
    const result = readYaml('sources:\n  - name: a\n    kind: file\n  - name: b\n');
    if (!result.ok) throw new Error('parse failed');
    expect(result.yaml.lineOf(['sources'])).toBe(1);
    expect(result.yaml.lineOf(['sources', 0, 'kind'])).toBe(3);
    expect(result.yaml.lineOf(['sources', 1])).toBe(4);
    expect(result.yaml.lineOf(['sources', 1, 'path'])).toBe(4);
  });

  it('names line and column of a syntax error, without quoting the source text', () => {
    const result = readYaml('pools:\n  primary: { seats: 10\nprofiles: []\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]?.message).toMatch(/^YAML syntax error at line \d+, column \d+: /);
  });

  it('reports the exact position when a reference sits before the error', () => {
    const result = readYaml('a: { p: ${X}, q: [ }\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]?.message).toContain('line 1, column');
  });

  it('does not quote a secret written next to a syntax error', () => {
    const result = readYaml('bindPassword: "hunter2-literal\n  x: [\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(JSON.stringify(result.problems)).not.toContain('hunter2');
  });

  it('rejects duplicate keys', () => {
    const result = readYaml('pools: {}\npools: {}\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]?.message).toMatch(/line 2, column 1: Map keys must be unique/);
  });

  it('rejects the private-use characters it reserves', () => {
    const result = readYaml('a: b\nc: \uE07B\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatchObject({ line: 2 });
  });

  it('protectFlowText keeps the length of the text', () => {
    const text = 'x: { a: ${B:-c, d}, m: CN=a,OU=b }';
    expect(protectFlowText(text)).toHaveLength(text.length);
  });
});
