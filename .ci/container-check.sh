#!/usr/bin/env bash
# The Dockerfile's steps as a plain script, for machines without a Docker engine (CI):
#   build stage    a copy of the sources, `npm ci`, `npm run build` → dist/
#   runtime stage  a clean copy with package*.json, bin/ and dist/ only, `npm ci --omit=dev`
#   then, from the runtime copy, in a working directory of its own (the image's /var/lib/seatsync):
#   the entrypoint's --help, a demo sync, and `run` answering the image's HEALTHCHECK command.
# The runtime copy has no devDependencies, so no Node 24 of its own: it runs on the checkout's
# node_modules/.bin/node (the image has Node 24 from its base image).
#
# Needs Redis for the `run` step: SEATSYNC_CHECK_REDIS_URL (default redis://127.0.0.1:6379).
# Leaves nothing behind unless SEATSYNC_CHECK_KEEP=1.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
node_bin="$repo/node_modules/.bin"
node="$node_bin/node"
redis_url=${SEATSYNC_CHECK_REDIS_URL:-redis://127.0.0.1:6379}
[ -x "$node" ] || { echo "container-check: no Node 24 at $node; run 'npm ci' in $repo first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/seatsync-container.XXXXXX")
worker_pid=""
cleanup() {
  if [ -n "$worker_pid" ]; then kill "$worker_pid" 2>/dev/null || true; fi
  if [ "${SEATSYNC_CHECK_KEEP:-0}" = 1 ]; then echo "container-check: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
fail() { echo "container-check: FAILED: $*" >&2; exit 1; }
export PATH="$node_bin:$PATH" npm_config_audit=false npm_config_fund=false

step "build stage: npm ci && npm run build"
mkdir "$work/build"
cp "$repo/package.json" "$repo/package-lock.json" "$repo/tsconfig.json" "$repo/tsconfig.build.json" "$work/build/"
cp -R "$repo/bin" "$repo/src" "$repo/jobs" "$repo/web" "$work/build/"
(cd "$work/build" && npm ci --prefer-offline --loglevel=error && npm run build --silent)
[ -f "$work/build/dist/src/cli/main.js" ] || fail "npm run build did not produce dist/src/cli/main.js"
[ -f "$work/build/dist/web/console.js" ] || fail "npm run build did not produce the console (dist/web/console.js)"

step "runtime stage: production dependencies only, compiled code only"
app="$work/app"
mkdir "$app"
cp "$repo/package.json" "$repo/package-lock.json" "$app/"
(cd "$app" && npm ci --omit=dev --prefer-offline --loglevel=error)
cp -R "$repo/bin" "$app/bin"
cp -R "$work/build/dist" "$app/dist"
for dev in typescript vitest eslint node; do
  [ ! -e "$app/node_modules/$dev" ] || fail "devDependency $dev is in the runtime copy"
done
[ ! -e "$app/src" ] || fail "sources in the runtime copy"
echo "runtime copy: $(du -sh "$app/node_modules" | cut -f1) of node_modules"

# The image's layout: config in its own folder, data in the working directory.
etc="$work/etc"
var="$work/var"
mkdir -p "$etc" "$var"
cp "$repo/config/demo-users.csv" "$etc/"
sed -e 's|^dataDir: .*|dataDir: ./data|' -e "s|path: ./config/demo-users.csv|path: $etc/demo-users.csv|" \
  "$repo/config/demo.yaml" >"$etc/seatsync.yaml"
export SEATSYNC_CONFIG="$etc/seatsync.yaml" NODE_ENV=production SEATSYNC_LOG_LEVEL=warn

step "entrypoint: seatsync --help"
(cd "$var" && "$node" "$app/bin/seatsync.js" --help) >"$work/help.txt"
for command in run resync sync status; do grep -q "^  $command" "$work/help.txt" || fail "--help does not list '$command'"; done
echo "ok: --help lists run, resync, sync, status"

step "entrypoint: seatsync sync --json (the demo)"
(cd "$var" && "$node" "$app/bin/seatsync.js" sync --json) >"$work/sync.json" || fail "demo sync exited with $?"
"$node" -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const run = r.runs[0];
  if (!run || run.status !== "ok" || run.seen === 0) throw new Error("unexpected sync result: " + JSON.stringify(r));
  console.log(`ok: ${run.seen} users seen, ${run.activated} activated, ${run.blocked} blocked`);
' "$work/sync.json"

step "entrypoint: seatsync run answers the HEALTHCHECK command"
port=$("$node" -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
prefix="container-check-$$-$RANDOM"
cat >>"$etc/seatsync.yaml" <<YAML

redis: { url: "$redis_url", prefix: $prefix }
http: { host: 127.0.0.1, port: $port }
YAML
healthcheck=$(sed -n -E 's/^HEALTHCHECK .*CMD \["node", "-e", "(.*)"\]$/\1/p' "$repo/Dockerfile")
[ -n "$healthcheck" ] || fail "no HEALTHCHECK [\"node\", \"-e\", …] line in the Dockerfile"
(cd "$var" && exec "$node" "$app/bin/seatsync.js" run --shutdown-timeout 5) 2>"$work/run.log" &
worker_pid=$!
healthy=0
for _ in $(seq 1 120); do
  if SEATSYNC_HEALTH_URL="http://127.0.0.1:$port/healthz" "$node" -e "$healthcheck"; then healthy=1; break; fi
  kill -0 "$worker_pid" 2>/dev/null || break
  sleep 0.5
done
[ "$healthy" = 1 ] || { cat "$work/run.log" >&2; fail "seatsync run never answered the HEALTHCHECK command"; }
echo "ok: HEALTHCHECK passes against seatsync run"
"$node" -e '
  const base = process.argv[1];
  const page = await fetch(base + "/");
  const script = await fetch(base + "/assets/console.js");
  if (!page.ok || !(await page.text()).includes("assets/console.js") || !script.ok) process.exit(1);
' "http://127.0.0.1:$port" || fail "seatsync run does not serve the console from the image's dist/web"
echo "ok: the console is served from dist/web"
kill -TERM "$worker_pid"
status=0
wait "$worker_pid" || status=$?
worker_pid=""
[ "$status" = 0 ] || { cat "$work/run.log" >&2; fail "seatsync run exited with $status after SIGTERM"; }
echo "ok: seatsync run stopped cleanly on SIGTERM"
(cd "$app" && "$node" --input-type=module -e '
  import { Redis } from "ioredis";
  const redis = new Redis(process.argv[1]);
  const keys = await redis.keys(`${process.argv[2]}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
' "$redis_url" "$prefix")

step "container check passed"
