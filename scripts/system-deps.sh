#!/usr/bin/env bash
# Install the Debian packages landgis needs, when missing. As root it installs them
# with apt-get; otherwise it names what to install and stops.
set -euo pipefail

need=()
if [ -z "${LANDGIS_DATABASE_URL:-}" ]; then
  [ -x /usr/lib/postgresql/15/bin/pg_ctl ] || need+=(postgresql-15)
  [ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
fi
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || {
  echo "landgis needs Python 3.11 or newer as python3" >&2; exit 1; }
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
# `--test` (make test): what only the tests use; make run needs none of it
if [ "${1:-}" = "--test" ]; then
  # the engines the scale tests start (issue #15): pooler, shared tile cache, load balancer
  command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  [ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
  # the field tests edit GeoPackages with GDAL's own bindings, as QField would (issue #18)
  /usr/bin/python3 -c 'import osgeo.ogr' >/dev/null 2>&1 || need+=(python3-gdal)
  # ... and open the package's QGIS project in a real QGIS (issue #18)
  /usr/bin/python3 -c 'import qgis.core' >/dev/null 2>&1 || need+=(python3-qgis)
fi

[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "landgis: missing Debian packages: ${need[*]}; install them as root with:" >&2
  echo "  apt-get update && apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
