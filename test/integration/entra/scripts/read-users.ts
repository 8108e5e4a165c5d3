// Run as a separate Node process by entra-extra-ca.int.test.ts: reads every user of the source described
// by $ENTRA_TEST_CONFIG and prints {"users":N}, or {"error":CODE} when the read fails.
import { createSource } from '../../../../src/sources/factory.ts';
import { silentLogger } from '../../../../src/logging.ts';
import { SourceError } from '../../../../src/sources/directory-source.ts';
import type { EntraSourceConfig } from '../../../../src/config/types.ts';

const config = JSON.parse(process.env.ENTRA_TEST_CONFIG ?? '{}') as EntraSourceConfig;
const reader = createSource(config, silentLogger()).read({ cursor: null, forceFull: false, groupsOfInterest: [], attributes: [] });
let users = 0;
try {
  for (let next = await reader.next(); !next.done; next = await reader.next()) users += next.value.items.length;
  process.stdout.write(JSON.stringify({ users }));
} catch (error) {
  process.stdout.write(JSON.stringify({ error: error instanceof SourceError ? error.code : String(error) }));
}
