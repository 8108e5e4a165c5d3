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

describe('environment variables', () => {
  const names = [...new Set(code.flatMap((file) => read(file).match(/\bSEATSYNC_[A-Z_]+\b/g) ?? []))].sort();

  it('finds the ones the code reads', () => {
    expect(names).toContain('SEATSYNC_CONFIG');
  });

  it.each(names)('documents %s', (name) => {
    expect(docs.includes(`\`${name}`) || docs.includes(`$${name}`), name).toBe(true);
  });
});
