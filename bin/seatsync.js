#!/usr/bin/env node
// Entry point of the `seatsync` command. The published image runs the compiled code in dist/;
// a source checkout runs the TypeScript directly (Node 24 strips types).
import './require-node-24.js';
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
const entry = existsSync(compiled) ? compiled : new URL('../src/cli/main.ts', import.meta.url);
// `seatsync accounts --csv | head`: a reader that goes away early is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
