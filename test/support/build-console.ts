// Vitest global setup: builds the admin console (web/ → dist/web/) once before any test file, so the
// worker processes and in-process servers the tests start serve the console of this checkout, on a
// fresh CI machine as on a developer's.
import { buildConsole } from '../../web/build.ts';

export default async function setup(): Promise<void> {
  await buildConsole();
}
