#!/usr/bin/env bash
# Start (or reuse) a throwaway PostgreSQL server on 127.0.0.1 for the tests' Postgres path and print the
# DATABASE_URL to export. Uses Debian's postgresql package (scripts/system-deps.sh); run as root or as a user
# that may run initdb. Data under DIR (default /tmp/presswatch-pg), fsync off: test data only.
#   export DATABASE_URL=$(bash scripts/postgres-test-server.sh)
set -euo pipefail
DIR=${1:-/tmp/presswatch-pg}
PORT=${PRESSWATCH_TEST_PG_PORT:-54329}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "postgres-test-server: no PostgreSQL server binaries (apt-get install postgresql)" >&2
  exit 1
fi
RUN=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "postgres-test-server: no 'postgres' user to run the server as" >&2; exit 1; }
  RUN=(runuser -u postgres --)
  mkdir -p "$DIR" && chown postgres "$DIR"
else
  mkdir -p "$DIR"
fi
if [ ! -f "$DIR/PG_VERSION" ]; then
  "${RUN[@]}" "$PGBIN/initdb" -D "$DIR" -A trust -U presswatch -E UTF8 --locale=C.UTF-8 >"$DIR.initdb.log" 2>&1 \
    || { cat "$DIR.initdb.log" >&2; exit 1; }
fi
if ! "${RUN[@]}" "$PGBIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" \
    start >/dev/null || { tail -20 "$DIR/server.log" >&2; exit 1; }
fi
"$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U presswatch -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname='presswatch_test'" | grep -q 1 \
  || "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U presswatch presswatch_test
echo "postgresql://presswatch@127.0.0.1:$PORT/presswatch_test"
