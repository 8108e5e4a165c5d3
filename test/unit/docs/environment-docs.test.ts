// Every SEATSYNC_* environment variable the code, the bin or the image reads is documented in README.md
// or docs/*.md.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

const read = (file: string): string => readFileSync(file, 'utf8');
const code = [...['src', 'jobs', 'bin'].flatMap((dir) => filesUnder(path.join(repoRoot, dir))), path.join(repoRoot, 'Dockerfile'), path.join(repoRoot, 'docker-compose.yml')];
const docs = [path.join(repoRoot, 'README.md'), ...filesUnder(path.join(repoRoot, 'docs')).filter((f) => f.endsWith('.md'))].map(read).join('\n');

/** The SEATSYNC_* names in `text`, whole (digits included). */
const namesIn = (text: string): string[] => text.match(/\bSEATSYNC_[A-Z0-9_]+\b/g) ?? [];

/** Whether `text` names `name` whole, in code quotes or as `$name`: not as the start of a longer name. */
const documents = (text: string, name: string): boolean => new RegExp(`[\`$]${name}\\b`).test(text);

describe('environment variables', () => {
  const names = [...new Set(code.flatMap((file) => namesIn(read(file))))].sort();

  it('finds the ones the code reads', () => {
    expect(names).toContain('SEATSYNC_CONFIG');
  });

  it('matches whole names, in the code and in the docs', () => {
    expect(namesIn('process.env.SEATSYNC_S3_BUCKET ?? SEATSYNC_LOG')).toEqual(['SEATSYNC_S3_BUCKET', 'SEATSYNC_LOG']);
    expect(documents('`SEATSYNC_LOG_LEVEL` sets the level', 'SEATSYNC_LOG')).toBe(false);
    expect(documents('`SEATSYNC_LOG`, or $SEATSYNC_LOG_LEVEL', 'SEATSYNC_LOG')).toBe(true);
    expect(documents('set $SEATSYNC_LOG.', 'SEATSYNC_LOG')).toBe(true);
  });

  it.each(names)('documents %s', (name) => {
    expect(documents(docs, name), name).toBe(true);
  });
});
