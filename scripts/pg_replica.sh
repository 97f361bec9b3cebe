#!/usr/bin/env bash
# A streaming read replica of this machine's PostgreSQL, for DATABASE_REPLICA_URL and its test.
#
#   scripts/pg_replica.sh start    # copy the primary (pg_basebackup) and start a hot standby, idempotent
#   scripts/pg_replica.sh status   # "running <port>" or "stopped"
#   scripts/pg_replica.sh stop     # stop the standby (its data and replication slot stay: a quick restart)
#   scripts/pg_replica.sh remove   # stop it, delete its data directory and drop its slot on the primary
#
# The standby streams through a replication slot, so the primary keeps every WAL segment it has not
# received (without one, a paused or stopped standby falls behind for good once the primary recycles
# WAL). The slot also keeps WAL while the standby is stopped: "remove" it when done.
#
# Then: DATABASE_REPLICA_URL=postgresql://postgres@127.0.0.1:5433/<same database name as DATABASE_URL>
#
# The primary is 127.0.0.1:5432 (user postgres, trust), as on the development machines and CI. A
# replication connection needs its own pg_hba line ("all" does not cover it): start adds
# "host replication all 127.0.0.1/32 trust" to the primary's pg_hba.conf and reloads it when missing.
# The standby runs as the postgres OS user on PG_REPLICA_PORT (5433) from PG_REPLICA_DIR; it copies the
# whole cluster, and every database created on the primary later streams over too.
# In production the replica lives on another host: the same pg_basebackup -R, with a replication role
# and a password instead of trust.
set -euo pipefail

PORT="${PG_REPLICA_PORT:-5433}"
PRIMARY_HOST="${PG_PRIMARY_HOST:-127.0.0.1}"
PRIMARY_PORT="${PG_PRIMARY_PORT:-5432}"
DATA="${PG_REPLICA_DIR:-/var/lib/postgresql/klass-replica-$PORT}"
LOCK="/tmp/klass-pg-replica-$PORT.lock"
SLOT="klass_replica_$PORT"  # the primary keeps the WAL the standby has not received yet
BIN="$(pg_config --bindir 2>/dev/null || true)"
[ -x "$BIN/pg_ctl" ] || BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

psql_primary() {
  psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -d postgres -tAXq "$@"
}

running() {
  [ -f "$DATA/postmaster.pid" ] && as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

allow_replication() {
  local hba
  hba="$(psql_primary -c 'SHOW hba_file')"
  if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]' "$hba"; then
    echo "pg_replica: adding a replication line to $hba" >&2
    printf '\n# klass scripts/pg_replica.sh: a local streaming replica\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
    psql_primary -c 'SELECT pg_reload_conf()' >/dev/null
  fi
}

start() {
  if running; then echo "running $PORT"; return 0; fi
  allow_replication
  if [ ! -f "$DATA/standby.signal" ]; then
    rm -rf "$DATA"
    drop_slot
    mkdir -p "$DATA" && chown postgres: "$DATA" && chmod 700 "$DATA"
    as_postgres pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$DATA" \
      -R -X stream --checkpoint=fast -C -S "$SLOT"
    # Debian keeps postgresql.conf and pg_hba.conf in /etc, so the copy has none: give the standby its own.
    as_postgres tee "$DATA/postgresql.conf" >/dev/null <<EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
hot_standby = on
hot_standby_feedback = on
max_connections = 100
shared_buffers = 64MB
EOF
    as_postgres tee "$DATA/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
  fi
  # 9>&-: the server must not inherit (and hold forever) the lock of this script
  as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/replica.log" -w -t 120 start >/dev/null 9>&-
  for _ in $(seq 1 60); do
    if [ "$(psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAXqc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ]; then
      echo "running $PORT"; return 0
    fi
    sleep 1
  done
  echo "pg_replica: the standby did not come up, see $DATA/replica.log" >&2
  return 1
}

drop_slot() {
  psql_primary -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
}

stop() {
  if running; then as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; fi
  echo stopped
}

exec 9>"$LOCK"
flock 9  # two test workers starting it at once: the second finds it running
case "${1:-}" in
  start) start ;;
  stop) stop ;;
  remove) stop; rm -rf "$DATA"; drop_slot ;;  # a stopped standby's slot would keep WAL forever
  status) if running; then echo "running $PORT"; else echo stopped; fi ;;
  *) echo "usage: $0 start|stop|status|remove" >&2; exit 2 ;;
esac
