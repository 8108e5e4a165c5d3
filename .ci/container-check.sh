#!/usr/bin/env bash
# CI step after `npm test` (.ci/run): builds the Dockerfile as it is with podman and runs the image the
# way production does: read-only root file system, config mounted read-only, PostgreSQL and Redis on
# the host network. Checks, in order:
#   the image runs as a numeric user (Kubernetes runAsNonRoot can verify it), has no devDependencies
#   `run` becomes ready (/readyz) and serves the admin console, a scheduled sync runs, `resync --wait` inside the container ends ok,
#   the image's own HEALTHCHECK command passes, SIGTERM stops the container with exit code 0.
# Not part of `npm test`: it needs root, podman and a few minutes (the first build of the base image
# and of the npm layers), which a developer's test run should not.
#
# Needs: root; ../shared/container/base-image.sh beside the checkout (installs podman, runc and
# debootstrap, and builds the node:24-slim stand-in, once); PostgreSQL (trust auth for `postgres`) and
# Redis on 127.0.0.1 as .ci/start-services.sh starts them; `npm ci` done (the host side uses its Node 24).
# Env: SEATSYNC_CHECK_PG (default postgres://postgres@127.0.0.1:5432), SEATSYNC_CHECK_REDIS_URL
# (default redis://127.0.0.1:6379), SEATSYNC_CHECK_KEEP=1 keeps the container, database and files.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
node="$repo/node_modules/.bin/node"
pg_base=${SEATSYNC_CHECK_PG:-postgres://postgres@127.0.0.1:5432}
redis_url=${SEATSYNC_CHECK_REDIS_URL:-redis://127.0.0.1:6379}
podman=(podman --runtime /usr/sbin/runc)
image=seatsync:ci
started=$(date +%s)
step() { printf '\n== [%ss] %s\n' "$(($(date +%s) - started))" "$*"; }
fail() { echo "container-check: FAILED: $*" >&2; exit 1; }
[ -x "$node" ] || fail "no Node 24 at $node; run 'npm ci' in $repo first"
base_script="$repo/../shared/container/base-image.sh"
[ -f "$base_script" ] || fail "no $base_script: the shared folder must sit beside the checkout"

work=$(mktemp -d "${TMPDIR:-/tmp}/seatsync-container.XXXXXX")
chmod 755 "$work"
name="seatsync-check-$$-$RANDOM"
db="seatsync_check_$$_$RANDOM"
prefix="container-check-$$-$RANDOM"

# Small helpers on the host's Node 24: SQL on the maintenance database, Redis key cleanup, HTTP.
host_js() { (cd "$repo" && "$node" --input-type=module -e "$1" "${@:2}"); }
admin_sql() {
  host_js 'import pg from "pg"; const c = new pg.Client(process.argv[1]); await c.connect(); await c.query(process.argv[2]); await c.end();' \
    "$pg_base/postgres" "$1"
}
cleanup() {
  if [ "${SEATSYNC_CHECK_KEEP:-0}" = 1 ]; then echo "container-check: kept container $name, database $db, $work"; return; fi
  "${podman[@]}" rm -f "$name" >/dev/null 2>&1 || true
  admin_sql "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  host_js 'import { Redis } from "ioredis"; const r = new Redis(process.argv[1]); const k = await r.keys(`${process.argv[2]}:*`); if (k.length) await r.del(...k); await r.quit();' \
    "$redis_url" "$prefix" || true
  rm -rf "$work"
}
trap cleanup EXIT

step "base image (node:24-slim stand-in) and podman"
bash "$base_script" "$repo"

step "podman build of the Dockerfile"
# --format docker: the OCI image format has no HEALTHCHECK, and the image's own one is checked below.
"${podman[@]}" build --network host --format docker -t "$image" "$repo" >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log" >&2; fail "podman build"; }
user=$("${podman[@]}" image inspect --format '{{.Config.User}}' "$image")
[[ "$user" =~ ^[0-9]+(:[0-9]+)?$ ]] && [ "${user%%:*}" != 0 ] || fail "USER is \"$user\": it must be a numeric, non-root uid"
echo "ok: runs as uid:gid $user"
for dev in typescript vitest eslint node; do
  "${podman[@]}" run --rm --no-healthcheck --entrypoint /bin/sh "$image" -c "[ ! -e /app/node_modules/$dev ]" || fail "devDependency $dev is in the image"
done
echo "ok: no devDependencies in the image"

step "config: PostgreSQL database $db, Redis prefix $prefix"
admin_sql "CREATE DATABASE $db"
port=$("$node" -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
token=$("$node" -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')
token_sha=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
etc="$work/etc"
mkdir "$etc"
printf 'id,username,email,createdAt\n' >"$etc/users.csv"
for i in 1 2 3 4 5; do printf 'u%d,user%d,user%d@example.test,2024-01-0%dT00:00:00Z\n' "$i" "$i" "$i" "$i" >>"$etc/users.csv"; done
cat >"$etc/seatsync.yaml" <<YAML
database: { url: "$pg_base/$db" }
redis: { url: "$redis_url", prefix: $prefix }
sources:
  - { name: staff, kind: file, path: /etc/seatsync/users.csv, schedule: { every: 1m } }
pools:
  primary: { seats: 3 }
profiles:
  - { name: staff, pools: [primary] }
http:
  port: $port
  tokens:
    - { name: ci, sha256: $token_sha, role: admin }
YAML
chmod -R a+rX "$etc"

step "run: read-only root file system, config read-only, host network"
"${podman[@]}" run -d --name "$name" --network host --read-only -v "$etc:/etc/seatsync:ro" \
  -e SEATSYNC_HEALTH_URL="http://127.0.0.1:$port/healthz" "$image" run --shutdown-timeout 10 >/dev/null 2>"$work/run.err" ||
  { cat "$work/run.err" >&2; fail "podman run"; }
# (podman's complaint that it cannot schedule the HEALTHCHECK without systemd is left in run.err: the
# check is run by hand below.)
api() { curl_js "$1" "$token"; }
curl_js() {
  "$node" -e 'fetch(process.argv[1], { headers: process.argv[2] ? { authorization: `Bearer ${process.argv[2]}` } : {} })
    .then(async (r) => { const t = await r.text(); if (!r.ok) { console.error(r.status, t); process.exit(1); } console.log(t); }, () => process.exit(1))' \
    "http://127.0.0.1:$port$1" "${2:-}"
}
logs() { "${podman[@]}" logs "$name" 2>&1 | tail -40 >&2; }
ready=0
for _ in $(seq 1 120); do
  if curl_js /readyz >/dev/null 2>&1; then ready=1; break; fi
  [ "$("${podman[@]}" inspect --format '{{.State.Running}}' "$name")" = true ] || break
  sleep 0.5
done
[ "$ready" = 1 ] || { logs; fail "the container never answered /readyz"; }
echo "ok: ready (database and Redis reachable from the container)"
curl_js / | grep -q 'src="assets/console.js"' && curl_js /assets/console.js >/dev/null ||
  fail "the image does not serve the admin console (dist/web missing from the build stage?)"
echo "ok: the admin console is served"

step "a scheduled sync"
scheduled=0
for _ in $(seq 1 60); do
  if api '/api/v1/syncs?limit=5' 2>/dev/null | "$node" -e '
      const b = JSON.parse(require("fs").readFileSync(0, "utf8"));
      process.exit(b.runs.some((r) => r.trigger === "schedule" && r.status === "ok" && r.seen === 5) ? 0 : 1)'; then scheduled=1; break; fi
  sleep 1
done
[ "$scheduled" = 1 ] || { logs; fail "no scheduled sync ran ok within 60 s"; }
echo "ok: a scheduled run saw the 5 users"

step "resync --wait inside the container"
"${podman[@]}" exec "$name" node /app/bin/seatsync.js resync --wait --json >"$work/resync.json" 2>"$work/resync.err" ||
  { cat "$work/resync.err" >&2; fail "resync --wait exited with $?"; }
"$node" -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const run = r.runs?.[0];
  if (!run || run.status !== "ok" || run.seen !== 5) throw new Error("unexpected resync result: " + JSON.stringify(r));
  const pool = r.pools.find((p) => p.name === "primary");
  if (pool.used !== 3 || pool.waiting !== 2) throw new Error("unexpected pool: " + JSON.stringify(pool));
  console.log("ok: resync --wait: 5 users seen, 3 seats used, 2 waiting");
' "$work/resync.json"

step "the image's HEALTHCHECK command"
"${podman[@]}" healthcheck run "$name" || { logs; fail "podman healthcheck run: unhealthy"; }
echo "ok: healthy"

step "SIGTERM"
"${podman[@]}" kill --signal TERM "$name" >/dev/null
code=$("${podman[@]}" wait "$name")
[ "$code" = 0 ] || { logs; fail "the container exited with $code after SIGTERM"; }
echo "ok: exit code 0 after SIGTERM"

step "container check passed"
