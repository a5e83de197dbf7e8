#!/usr/bin/env bash
# The whole suite. In CI (CI=true) it runs against the machine's real PostgreSQL and Redis and
# refuses to skip them; locally it uses them when DATABASE_URL / REDIS_URL are set.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${CI:-}" == "true" ]]; then
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portal}"
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/15}"
fi

if ! command -v chromium >/dev/null 2>&1; then
  if [[ "$(id -u)" == "0" ]]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "chromium could not be installed; browser tests will fail" >&2
  else
    echo "chromium is not installed (apt-get install chromium); browser tests will fail" >&2
  fi
fi

exec .venv/bin/python -m pytest "$@"
