// The CSV field limiter: leaves fields within the limit byte for byte as they are, whatever the chunking,
// and cuts longer ones to one byte over the limit without touching quotes, delimiters or line breaks.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldLimiter } from '../../../../src/sources/file/field-limiter.ts';

async function limit(text: string, options: { maxFieldBytes: number; chunkBytes: number }): Promise<string> {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += options.chunkBytes) chunks.push(bytes.subarray(at, at + options.chunkBytes));
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(chunks).pipe(new FieldLimiter({ maxFieldBytes: options.maxFieldBytes }))) out.push(chunk as Buffer);
  return Buffer.concat(out).toString('utf8');
}

const field = fc.oneof(
  fc.stringMatching(/^[a-z ]{0,6}$/),
  fc.stringMatching(/^[a-z,\n ]{0,6}$/).map((text) => `"${text}"`),
  fc.stringMatching(/^[a-z]{0,3}$/).map((text) => `"${text}""${text}"`),
);
const csv = fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }).map((rows) => rows.map((row) => row.join(',')).join('\n'));

describe('FieldLimiter', () => {
  it('passes fields within the limit through unchanged, whatever the chunk boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(csv, fc.integer({ min: 1, max: 7 }), async (text, chunkBytes) => {
        expect(await limit(text, { maxFieldBytes: 100, chunkBytes })).toBe(text);
      }),
    );
  });

  it('cuts a long field to one byte over the limit, keeping quotes, escaped quotes and line breaks', async () => {
    const text = 'a,bbbbbbbb,"cc""c\ncccc""cc",  dd\n"e"';
    for (const chunkBytes of [1, 2, 3, 100]) {
      expect(await limit(text, { maxFieldBytes: 3, chunkBytes })).toBe('a,bbbb,"cc""c\n",  dd\n"e"');
    }
  });
});
