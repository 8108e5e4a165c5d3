// The shipped docker-compose.yml runs Redis as docs/production.md says seatsync needs it: persistent
// (append-only file, its data in a named volume), never evicting keys, and seatsync waits until it answers.
// A Redis that comes back empty loses the queued syncs (docs/production.md, "What Redis keeps").
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const production = readFileSync(path.join(repoRoot, 'docs/production.md'), 'utf8');

interface Service {
  readonly command?: string | readonly string[];
  readonly volumes?: readonly (string | { readonly type?: string; readonly source?: string; readonly target?: string })[];
  readonly depends_on?: unknown;
  readonly profiles?: readonly string[];
}

interface ComposeFile {
  readonly services: Readonly<Record<string, Service>>;
  readonly volumes?: Readonly<Record<string, unknown>>;
}

const compose = parse(readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;

/** `--name value` and `--name=value` options of a command, by name. */
function optionsOf(command: Service['command']): Map<string, string> {
  const words = typeof command === 'string' ? command.split(/\s+/) : [...(command ?? [])];
  const options = new Map<string, string>();
  words.forEach((word, i) => {
    const match = /^--([^=]+)(?:=(.*))?$/.exec(word);
    if (match?.[1] !== undefined) options.set(match[1], match[2] ?? words[i + 1] ?? '');
  });
  return options;
}

/** The named volumes mounted into `service`, by where they are mounted. */
function namedVolumesOf(service: Service): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const volume of service.volumes ?? []) {
    const [source, target] = typeof volume === 'string' ? volume.split(':') : [volume.source, volume.target];
    if (source !== undefined && target !== undefined && Object.hasOwn(compose.volumes ?? {}, source)) mounts.set(target, source);
  }
  return mounts;
}

describe('docker-compose.yml: Redis', () => {
  const redis = compose.services.redis;
  const options = optionsOf(redis?.command);

  it('keeps its data in an append-only file, synced every second (or more often)', () => {
    expect(options.get('appendonly')).toBe('yes');
    expect(['everysec', 'always']).toContain(options.get('appendfsync') ?? 'everysec');
  });

  it('keeps the file in a named volume, where redis-server writes it (/data, the image’s working directory)', () => {
    expect(redis).toBeDefined();
    const dir = options.get('dir') ?? '/data';
    expect(namedVolumesOf(redis as Service).get(dir)).toBeDefined();
  });

  it('never evicts keys', () => {
    expect(options.get('maxmemory-policy')).toBe('noeviction');
  });

  it('is up before any seatsync service starts', () => {
    const seatsyncs = Object.entries(compose.services).filter(([name]) => name.startsWith('seatsync'));
    expect(seatsyncs.map(([name]) => name)).toContain('seatsync');
    for (const [name, service] of seatsyncs) {
      // The long form: the short one (a list of names) waits for the container to start, not for Redis to answer.
      const dependsOn = service.depends_on as Readonly<Record<string, { readonly condition?: string }>> | undefined;
      expect(dependsOn?.redis?.condition, name).toBe('service_healthy');
    }
  });

  it('is described as it is in docs/production.md', () => {
    const volume = namedVolumesOf(redis as Service).get(options.get('dir') ?? '/data');
    expect(production).toContain(`\`--appendonly yes --appendfsync ${options.get('appendfsync')}\``);
    expect(production).toContain(`\`${volume}\` volume`);
    expect(production).toContain('## What Redis keeps');
  });
});
