#!/usr/bin/env bash
# Smoke test of the deployment in docker/compose.yaml, without Docker (CI has no engine).
#
# Reads the `command:` and `environment:` of the migrate, app and worker services out of
# compose.yaml (so the two cannot drift), checks the app's command is the Dockerfile's CMD,
# then runs those exact command lines from this checkout's .venv against PostgreSQL and Redis
# on loopback. Only the addresses compose gives by service name are replaced: DATABASE_URL
# (a `smoke` database, created and dropped here), REDIS_URL, PORT (a free one), BASE_URL and a
# freshly generated SECRET_KEY. Then: /healthz and /readyz answer 200 with Redis ok, the
# migrations run twice, and a job round-trips (a family registers through the form; the app
# queues its confirmation email in Redis; the worker delivers it to the outbox as "logged").
#
# Env: SMOKE_DATABASE (default smoke), SMOKE_REDIS_URL (default redis://127.0.0.1:6379/0),
# PGHOST/PGPORT/PGUSER (default 127.0.0.1/5432/postgres). Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
COMPOSE="$ROOT/docker/compose.yaml"
DOCKERFILE="$ROOT/docker/Dockerfile"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}" PGOPTIONS="-c client_min_messages=warning"
DB_NAME="${SMOKE_DATABASE:-smoke}"
REDIS_URL_LOCAL="${SMOKE_REDIS_URL:-redis://127.0.0.1:6379/0}"
TIMEOUT_S=60

log() { printf 'smoke-test: %s\n' "$*"; }
fail() {
  printf 'smoke-test: FAILED: %s\n' "$*" >&2
  for f in "${LOGS[@]:-}"; do [ -n "$f" ] && [ -f "$f" ] && { printf -- '--- %s ---\n' "$f" >&2; tail -n 40 "$f" >&2; }; done
  exit 1
}

[ -x "$PY" ] || fail "no .venv: run 'make install' first"
pg_isready -q || fail "PostgreSQL is not answering on $PGHOST:$PGPORT"

WORK="$(mktemp -d)"
LOGS=()
PIDS=()
cleanup() {
  local status=$?
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && { log "process $pid ignored SIGTERM, killing it"; kill -KILL "$pid" 2>/dev/null || true; status=1; }
      wait "$pid" 2>/dev/null || true
    fi
  done
  psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- what compose.yaml runs -------------------------------------------------------------------

# Prints the service's command, then its environment as KEY=VALUE, NUL-separated, with compose's
# ${VAR:-default} and ${VAR:?message} resolved against this environment.
compose_service() {
  "$PY" - "$COMPOSE" "$1" "$2" <<'PY'
import os, re, sys, yaml

path, service, part = sys.argv[1:]
spec = yaml.safe_load(open(path))["services"][service]

def resolve(value: str) -> str:
    def one(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        if os.environ.get(name):
            return os.environ[name]
        if op == ":?":
            sys.exit(f"compose.yaml needs {name}: {arg}")
        return arg
    return re.sub(r"\$\{([A-Z_][A-Z0-9_]*)(:[-?])?([^}]*)\}", one, str(value))

items = spec["command"] if part == "command" else [f"{k}={resolve(v)}" for k, v in spec.get("environment", {}).items()]
assert isinstance(items, list), f"{service}: keep '{part}' a list in compose.yaml"
sys.stdout.write("\0".join(items) + "\0")
PY
}

PORT_LOCAL="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT_LOCAL"
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')"
export SECRET_KEY POSTGRES_PASSWORD="unused-by-the-smoke-test" BASE_URL="$BASE"

# Compose reaches PostgreSQL and Redis by service name; here they are on loopback.
OVERRIDES=(
  "DATABASE_URL=postgres://$PGUSER@$PGHOST:$PGPORT/$DB_NAME"
  "REDIS_URL=$REDIS_URL_LOCAL"
  "PORT=$PORT_LOCAL"
  "SHORTBREAKS_VAR_DIR=$WORK/var"
)

# run_service NAME [background]: the service's exact command with its compose environment.
run_service() {
  local name="$1" mode="${2:-}" cmd env
  mapfile -d '' -t cmd < <(compose_service "$name" command)
  mapfile -d '' -t env < <(compose_service "$name" environment)
  [ "${#cmd[@]}" -gt 0 ] && [ "${#env[@]}" -gt 0 ] || fail "no command or environment for $name in compose.yaml"
  local logfile="$WORK/$name.log"
  [[ " ${LOGS[*]:-} " == *" $logfile "* ]] || LOGS+=("$logfile")
  log "$name: ${cmd[*]}"
  if [ "$mode" = background ]; then
    env -i PATH="$ROOT/.venv/bin:/usr/bin:/bin" HOME="$WORK" LANG=C.UTF-8 PYTHONUNBUFFERED=1 "${env[@]}" "${OVERRIDES[@]}" "${cmd[@]}" \
      >"$logfile" 2>&1 &
    PIDS+=("$!")
    LAST_PID=$!
  else
    env -i PATH="$ROOT/.venv/bin:/usr/bin:/bin" HOME="$WORK" LANG=C.UTF-8 PYTHONUNBUFFERED=1 "${env[@]}" "${OVERRIDES[@]}" "${cmd[@]}" \
      >>"$logfile" 2>&1 || fail "$name exited with $?"
  fi
}

# The image's default command is what compose runs for the app.
dockerfile_cmd="$(sed -n 's/^CMD \(\[.*\]\)$/\1/p' "$DOCKERFILE")"
[ "$("$PY" -c 'import json, sys; print(json.loads(sys.argv[1]))' "$dockerfile_cmd")" = \
  "$(compose_service app command | "$PY" -c 'import sys; print(sys.stdin.read().rstrip("\0").split("\0"))')" ] \
  || fail "docker/Dockerfile CMD and compose.yaml's app command differ"
# The Dockerfile's uv is the Makefile's.
[ "$(sed -n 's/^ARG UV_VERSION=//p' "$DOCKERFILE")" = "$(sed -n 's/^UV_VERSION := //p' Makefile)" ] \
  || fail "docker/Dockerfile UV_VERSION differs from the Makefile's"
compose_service app environment | tr '\0' '\n' | grep -qx 'SHORTBREAKS_ENV=production' || fail "compose.yaml's app is not in production mode"

# --- run it -------------------------------------------------------------------------------------

wait_for() {  # wait_for DESCRIPTION PID COMMAND...: poll COMMAND until it succeeds
  local what="$1" pid="$2"
  shift 2
  local deadline=$((SECONDS + TIMEOUT_S))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || fail "the process died before $what"
    [ "$SECONDS" -lt "$deadline" ] || fail "no $what after ${TIMEOUT_S}s"
    sleep 0.2
  done
}

log "database $DB_NAME on $PGHOST:$PGPORT, Redis $REDIS_URL_LOCAL, app on $BASE"
psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" >/dev/null
psql -q -d postgres -c "CREATE DATABASE \"$DB_NAME\"" >/dev/null
"$PY" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1]).flushdb()' "$REDIS_URL_LOCAL" || fail "Redis is not answering at $REDIS_URL_LOCAL"

run_service migrate
run_service migrate  # a redeploy runs it again: nothing to do, no error

run_service app background
APP_PID=$LAST_PID
run_service worker background
WORKER_PID=$LAST_PID

wait_for "200 from /healthz" "$APP_PID" curl -fsS "$BASE/healthz"
wait_for "200 from /readyz" "$APP_PID" curl -fsS "$BASE/readyz"
ready="$(curl -fsS "$BASE/readyz")"
[ "$ready" = '{"status":"ok","checks":{"database":"ok","redis":"ok"}}' ] || fail "/readyz said $ready"
log "/healthz and /readyz: 200, $ready"
wait_for "arq health check from the worker" "$WORKER_PID" \
  "$PY" -c 'import sys, redis; sys.exit(0 if redis.Redis.from_url(sys.argv[1]).exists("arq:queue:health-check") else 1)' "$REDIS_URL_LOCAL"

for path in / /assets/shortbreaks.css /assets/init.js; do
  code="$(curl -s -o /dev/null -w '%{http_code}' "$BASE$path")"
  [ "$code" = 200 ] || fail "GET $path answered $code"
done

# A job round trip: registration (a production journey) queues an email through Redis.
# Production has no demo data, so give it a council the way an operator would try it out.
mapfile -d '' -t app_env < <(compose_service app environment)
env -i PATH="$ROOT/.venv/bin:/usr/bin:/bin" HOME="$WORK" LANG=C.UTF-8 "${app_env[@]}" "${OVERRIDES[@]}" \
  shortbreaks demo-data >>"$WORK/demo-data.log" 2>&1 || { LOGS+=("$WORK/demo-data.log"); fail "shortbreaks demo-data failed"; }

jar="$WORK/cookies.txt"
form="$(curl -fsS -c "$jar" "$BASE/register")"
csrf="$(sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' <<<"$form" | head -1)"
council="$(grep -o '<option value="[0-9a-f-]\{36\}"' <<<"$form" | head -1 | cut -d'"' -f2)"
[ -n "$csrf" ] && [ -n "$council" ] || fail "the registration form has no CSRF token or no council"
email="smoke-$(date +%s)-$RANDOM@example.com"
code="$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -b "$jar" -c "$jar" \
  --data-urlencode "csrf_token=$csrf" --data-urlencode "display_name=Smoke Test" --data-urlencode "email=$email" \
  --data-urlencode "password=smoke-test-password" --data-urlencode "local_authority_id=$council" "$BASE/register")"
[ "$code" = "303 $BASE/sign-in" ] || fail "registering answered '$code', expected a 303 to /sign-in"

outbox_logged() { [ "$(psql -d "$DB_NAME" -tAc "SELECT status FROM core_outboxmessage WHERE to_email = '$email'")" = logged ]; }
wait_for "email delivered by the worker (outbox status 'logged')" "$WORKER_PID" outbox_logged
grep -q "deliver_email" "$WORK/worker.log" || fail "the worker's log does not show deliver_email: was it another process?"
log "job round trip: registration -> Redis -> worker -> outbox 'logged'"

kill -0 "$APP_PID" 2>/dev/null || fail "the app stopped"
kill -0 "$WORKER_PID" 2>/dev/null || fail "the worker stopped"
log "OK"
