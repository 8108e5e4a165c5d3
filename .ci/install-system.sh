#!/usr/bin/env bash
# Debian packages the integration tests use. Idempotent: does nothing when all are installed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
here="$(dirname "$0")"

# time: /usr/bin/time -v measures the peak memory of the benchmarks (npm run bench).
# postgresql: the server binaries, for the test that stops and restarts a private server mid-run
# (test/support/private-postgres.ts); the suite's shared server is started by start-services.sh.
# prometheus: its promtool checks and unit-tests the shipped alert rules (deploy/prometheus/); the
# server itself is not started.
packages=(openssl ca-certificates time postgresql prometheus)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Directory servers for the LDAP / Active Directory integration tests.
if [ -f "$here/install-ldap.sh" ]; then bash "$here/install-ldap.sh"; fi
