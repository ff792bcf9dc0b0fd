#!/usr/bin/env bash
# Start a loopback-only PostgreSQL for the API tests and print its DATABASE_URL on stdout.
#
# Installs PostgreSQL from Debian's packages when it is missing, starts (or creates) a cluster that
# listens on 127.0.0.1 only, and creates the role and database. Safe to run again: every step checks first.
# When it starts (or creates) the cluster and CXTEXT_PG_STARTED_FILE names a file, it writes "VERSION CLUSTER"
# there, so that the caller can stop exactly what it started (scripts/stop_postgres.sh); a cluster that was
# already running is never named.
# Usage: export CXTEXT_TEST_DATABASE_URL="$(scripts/start_postgres.sh)"
set -euo pipefail

DB_NAME="${CXTEXT_PG_DB:-cxtext_test}"
DB_USER="${CXTEXT_PG_USER:-cxtext}"
DB_PASSWORD="${CXTEXT_PG_PASSWORD:-cxtext}"
PORT="${CXTEXT_PG_PORT:-5432}"

log() { echo "start_postgres: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing postgresql from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
CLUSTER=main
if ! pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c {found=1} END {exit !found}'; then
    log "creating cluster $VERSION/$CLUSTER"
    pg_createcluster "$VERSION" "$CLUSTER" --port "$PORT" >&2
fi
CONF="/etc/postgresql/$VERSION/$CLUSTER/postgresql.conf"
if ! grep -q "^listen_addresses = '127.0.0.1'" "$CONF"; then
    echo "listen_addresses = '127.0.0.1'" >> "$CONF"
fi
if ! pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c && $4 == "online" {found=1} END {exit !found}'; then
    log "starting cluster $VERSION/$CLUSTER"
    pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
    if [ -n "${CXTEXT_PG_STARTED_FILE:-}" ]; then
        echo "$VERSION $CLUSTER" > "$CXTEXT_PG_STARTED_FILE"
    fi
fi
PORT="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c {print $3}')"

psql_admin() { (cd / && runuser -u postgres -- psql -p "$PORT" -v ON_ERROR_STOP=1 -qtA "$@"); }
for _ in $(seq 1 30); do
    psql_admin -c "SELECT 1" >/dev/null 2>&1 && break
    sleep 1
done
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != "1" ]; then
    psql_admin -c "CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != "1" ]; then
    psql_admin -c "CREATE DATABASE $DB_NAME OWNER $DB_USER"
fi
echo "postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/$DB_NAME"
