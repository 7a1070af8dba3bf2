#!/bin/bash
# First start of the primary (docker-entrypoint-initdb.d): a replication role for the
# standbys and a pg_hba entry for it; the app's role and database are made by
# `landgis setup` run once against the primary (see deploy/README.md).
set -euo pipefail
psql -v ON_ERROR_STOP=1 -U postgres <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD}';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
