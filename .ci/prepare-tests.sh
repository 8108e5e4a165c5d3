#!/usr/bin/env bash
# Runs before `npm test`: makes sure the Debian packages the integration tests use are installed and
# that PostgreSQL and Redis answer. Quick when everything is already there. Without root it only says
# what is missing; the tests that need it then fail with the same advice.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ "$(id -u)" -eq 0 ]; then
  bash "$here/install-system.sh"
  bash "$here/start-services.sh"
else
  for bin in slapd ldapsearch samba samba-tool openssl pg_isready redis-cli chromium; do
    command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || echo "prepare-tests: $bin is missing; run as root: bash .ci/install-system.sh" >&2
  done
fi
