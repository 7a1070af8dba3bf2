#!/bin/bash
# A hot standby: on first start copy the primary with pg_basebackup -R (streaming
# replication, like `landgis db standby create`), then run PostgreSQL as usual.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
  gosu postgres pg_basebackup -h primary -U replicator -D "$PGDATA" -R -X stream -c fast
  echo "hot_standby_feedback = on" >> "$PGDATA/postgresql.auto.conf"
fi
exec docker-entrypoint.sh postgres
