#!/usr/bin/env bash
# Start (once) a throwaway PostgreSQL server from Debian's package for the tests, and print the
# SQLAlchemy URL of an empty database on it. Installs the package when it is missing.
set -euo pipefail
PGPORT=${PGPORT:-54329}
PGDIR=${PGDIR:-/tmp/homthu-pg}
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing PostgreSQL (Debian package)..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"; then
  rm -rf "$PGDIR"; mkdir -p "$PGDIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PGDIR"
  as_pg "$BIN/initdb -D $PGDIR/data -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
  as_pg "$BIN/pg_ctl -D $PGDIR/data -l $PGDIR/server.log -w -o \"-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200\" start" >/dev/null
fi
if ! "$BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname='homthu_test'" | grep -q 1; then
  "$BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE homthu_test" >/dev/null
fi
echo "postgresql+psycopg://postgres@127.0.0.1:$PGPORT/homthu_test"
