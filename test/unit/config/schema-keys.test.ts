// The key lists come from walking the zod schema (schema.ts `keyPathsOf`): a key that takes one of several
// forms (a union) must list the keys of each form, with their secret marks, or the docs check and the
// secret masking would not know them.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { keyPathsOf } from '../../../src/config/schema.ts';

const smtp = z.strictObject({ kind: z.literal('smtp'), host: z.string(), password: z.string().meta({ secret: true }).optional() });
const graph = z.strictObject({ kind: z.literal('graph'), mailbox: z.string() });

describe('the key paths of a schema', () => {
  it('finds the keys under a union, in every form, with their secret marks', () => {
    const schema = z.strictObject({
      maxRemovals: z.union([z.number(), z.strictObject({ percent: z.number() })]).optional(),
      transport: z.discriminatedUnion('kind', [smtp, graph]).nullable(),
    });
    expect([...keyPathsOf(schema)]).toEqual([
      ['maxRemovals', undefined],
      ['maxRemovals.percent', undefined],
      ['transport', undefined],
      ['transport.kind', undefined],
      ['transport.host', undefined],
      ['transport.password', true],
      ['transport.mailbox', undefined],
    ]);
  });

  it('labels each form of a list by its kind, and lists no key outside them', () => {
    const schema = z.strictObject({ targets: z.array(z.discriminatedUnion('kind', [smtp, graph])).optional() });
    expect([...keyPathsOf(schema).keys()]).toEqual([
      'targets',
      'targets[kind=smtp].kind',
      'targets[kind=smtp].host',
      'targets[kind=smtp].password',
      'targets[kind=graph].kind',
      'targets[kind=graph].mailbox',
    ]);
  });
});
