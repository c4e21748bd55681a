#!/usr/bin/env bash
# Runs the whole suite: lint, unit tests, end-to-end tests against the local Bot API
# emulator, and the storage/push tests on SQLite and on a throwaway PostgreSQL server
# (installed from Debian's packages and started on 127.0.0.1 by scripts/postgres.sh), and
# the dashboard in Debian's headless chromium (installed by scripts/chromium.sh;
# screenshots land in artifacts/).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

if [ -z "${TUTOR_TEST_POSTGRES_URL:-}" ] && [ "${TUTOR_SKIP_POSTGRES:-0}" != "1" ]; then
  eval "$(bash scripts/postgres.sh start)"
  trap 'bash scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
fi

bash scripts/chromium.sh

.venv/bin/ruff check src tests benchmarks bot.py
"$PY" -m pytest "$@"
