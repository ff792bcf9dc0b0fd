#!/usr/bin/env bash
# Run a command (the test suite) with CXTEXT_TEST_DATABASE_URL set: the one given, or a loopback PostgreSQL
# that start_postgres.sh provides. A cluster started here is stopped when the command ends; a cluster that
# was already running is left running. The command's exit status is kept.
# Usage: scripts/with_test_postgres.sh COMMAND [ARG...]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
if [ -n "${CXTEXT_TEST_DATABASE_URL:-}" ]; then
    exec "$@"
fi
marker="$(mktemp)"
trap 'bash "$here/stop_postgres.sh" "$marker"; rm -f "$marker"' EXIT
CXTEXT_TEST_DATABASE_URL="$(CXTEXT_PG_STARTED_FILE="$marker" bash "$here/start_postgres.sh")"
export CXTEXT_TEST_DATABASE_URL
"$@"
