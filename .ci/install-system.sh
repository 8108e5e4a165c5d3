#!/usr/bin/env bash
# Debian packages the integration tests use. Idempotent: does nothing when all are installed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
here="$(dirname "$0")"

# time: /usr/bin/time -v measures the peak memory of the benchmarks (npm run bench).
# postgresql: the server binaries, for the test that stops and restarts a private server mid-run
# (test/support/private-postgres.ts); the suite's shared server is started by start-services.sh.
# chromium: the browser the admin console's tests drive with playwright-core (test/support/browser.ts).
# nodejs: a Node.js older than 24 at /usr/bin/node, for the test of the "Node.js 24 is needed" line
# (the project's own Node.js 24 comes from npm, in node_modules).
packages=(openssl ca-certificates time postgresql chromium nodejs)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Directory servers for the LDAP / Active Directory integration tests.
if [ -f "$here/install-ldap.sh" ]; then bash "$here/install-ldap.sh"; fi
