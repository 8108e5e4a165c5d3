// The configured sources, each running `hook` after its `after`-th page and before reading the next:
// how a test stops a server (the database, the directory) at a known point in the middle of a read.
import type { SeatsyncConfig } from '../../src/config/types.ts';
import { silentLogger } from '../../src/logging.ts';
import type { DirectorySource, SourceReader } from '../../src/sources/directory-source.ts';
import { createSourceFactory } from '../../src/sources/factory.ts';

export function pausingSources(config: SeatsyncConfig, after: number, hook: () => Promise<void>): (name: string) => DirectorySource {
  const create = createSourceFactory(config, silentLogger());
  return (name) => {
    const inner = create(name);
    return {
      ...inner,
      name: inner.name,
      kind: inner.kind,
      read: async function* (options): SourceReader {
        const reader = inner.read(options);
        for (let page = 1; ; page += 1) {
          const next = await reader.next();
          if (next.done) return next.value;
          yield next.value;
          if (page === after) await hook();
        }
      },
    };
  };
}
