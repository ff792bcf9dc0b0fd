#!/usr/bin/env bash
# Stop the PostgreSQL cluster named in MARKER, which start_postgres.sh writes only when it started one.
# An empty MARKER means the cluster was already running (other people may be using it): nothing is stopped.
# Usage: scripts/stop_postgres.sh MARKER
set -euo pipefail

marker="${1:?usage: stop_postgres.sh MARKER}"
[ -s "$marker" ] || exit 0
read -r version cluster < "$marker"
echo "stop_postgres: stopping cluster $version/$cluster, which this run started" >&2
pg_ctlcluster "$version" "$cluster" stop >&2
