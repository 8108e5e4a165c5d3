// Plain JavaScript that any Node.js parses: stops with one line when this Node.js is older than 24,
// the first that runs seatsync's TypeScript (type stripping). Imported first by bin/seatsync.js and
// run before the npm scripts that start Node.js code; without it an old Node.js dies on the `.ts`
// extension with an error that does not say what to do.
const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < REQUIRED_MAJOR) {
  process.stderr.write(
    `seatsync needs Node.js ${REQUIRED_MAJOR}, this is ${process.version} (${process.execPath}): ` +
      'run "npm ci" in the seatsync folder (it installs Node.js 24 into node_modules/.bin, which npm scripts use) ' +
      'or install Node.js 24 from https://nodejs.org\n',
  );
  process.exit(1);
}
