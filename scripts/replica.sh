#!/usr/bin/env bash
# A local streaming replica (hot standby) of the project's cluster, for read scaling.
#
#   scripts/replica.sh start    start the primary if needed, create the replica on first use
#                               (pg_basebackup), start it; idempotent
#   scripts/replica.sh stop     stop the replica (fast shutdown)
#   scripts/replica.sh status   print state; exit 0 when running, 3 when not
#   scripts/replica.sh lag      bytes of WAL the replica has not replayed yet
#
# Layout, next to the primary's (scripts/pg.sh):
#   $PROJECT/.pgdata/replica/data        standby data directory (standby.signal)
#   $PROJECT/.pgdata/replica/run         unix socket directory (.s.PGSQL.5433), no TCP
#   $PROJECT/.pgdata/replica/server.log  server log
# Runs as the same unprivileged OS user as the primary. Point Django at it with
# DATABASE_REPLICA_URLS=postgresql://policykb@/policykb?host=$PROJECT/.pgdata/replica/run&port=5433
# (see portal/routers.py). A replica whose primary was re-created is rebuilt.
set -euo pipefail

PROJECT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PGLINK="$PROJECT/.pgdata"
PRIMARY_PORT=5432
PORT="${REPLICA_PORT:-5433}"
SUPERUSER=postgres

log() { printf '[replica.sh] %s\n' "$*" >&2; }
die() { printf '[replica.sh] ERROR: %s\n' "$*" >&2; exit 1; }

layout() {
  if [ -n "${DATABASE_URL:-}" ]; then
    die "DATABASE_URL is set (external server): start its replicas with that server's tools"
  fi
  if [ -L "$PGLINK" ]; then PGROOT="$(readlink "$PGLINK")"; else PGROOT="$PGLINK"; fi
  DATA="$PGROOT/data"
  RUN="$PGROOT/run"
  REPLICA="$PGROOT/replica"
  RDATA="$REPLICA/data"
  RRUN="$REPLICA/run"
  LOGFILE="$REPLICA/server.log"
}

setup_user_and_bins() {
  [ -f "$DATA/PG_VERSION" ] || die "no primary cluster in $DATA (run: make db)"
  BINDIR="${PG_BINDIR:-/usr/lib/postgresql/$(cat "$DATA/PG_VERSION")/bin}"
  [ -x "$BINDIR/pg_basebackup" ] || die "no pg_basebackup in $BINDIR (set PG_BINDIR)"
  # The primary's data directory belongs to the OS user that runs the server.
  PGUSER_OS="$(stat -c %U "$DATA")"
}

as_pg() {
  if [ "$(id -u)" -ne 0 ]; then (cd / && "$@"); return; fi
  if command -v runuser >/dev/null 2>&1; then
    (cd / && runuser -u "$PGUSER_OS" -- "$@")
  else
    (cd / && setpriv --reuid="$PGUSER_OS" --regid="$(id -g "$PGUSER_OS")" --init-groups -- "$@")
  fi
}

running() {
  [ -f "$RDATA/postmaster.pid" ] && as_pg "$BINDIR/pg_ctl" -D "$RDATA" status >/dev/null 2>&1
}

system_id() { as_pg "$BINDIR/pg_controldata" "$1" 2>/dev/null | awk -F: '/system identifier/ {gsub(/ /, "", $2); print $2}'; }

write_conf() {
  # The base backup copied the primary's settings (its socket and port): the replica's own.
  # max_connections and the like must stay >= the primary's for a hot standby to start.
  sed -e "s|^port = .*|port = $PORT|" \
      -e "s|^unix_socket_directories = .*|unix_socket_directories = '$RRUN'|" \
      -e "s|^shared_buffers = .*|shared_buffers = 128MB|" \
      "$DATA/policykb.conf" > "$REPLICA/policykb.conf.tmp"
  printf "hot_standby = on\nhot_standby_feedback = on\n" >> "$REPLICA/policykb.conf.tmp"
  as_pg cp "$REPLICA/policykb.conf.tmp" "$RDATA/policykb.conf"
  rm -f "$REPLICA/policykb.conf.tmp"
}

cmd_start() {
  layout
  bash "$PROJECT/scripts/pg.sh" start
  setup_user_and_bins
  if running; then
    if wait_streaming; then log "already running, socket $RRUN"; return 0; fi
  else
    as_pg mkdir -p -m 700 "$REPLICA"
    chmod 755 "$REPLICA" 2>/dev/null || true  # the writer of the conf copy (root) reads it back
    if [ -f "$RDATA/PG_VERSION" ] && [ "$(system_id "$RDATA")" != "$(system_id "$DATA")" ]; then
      log "the primary was re-created since this replica was made: rebuilding it"
      rm -rf "$RDATA"
    fi
    start_standby
    if wait_streaming; then log "running: streaming from the primary"; return 0; fi
  fi
  # Stopped for a while, the replica may need WAL the primary has already recycled: it would
  # never catch up. A fresh base backup is the cure.
  grep -q "has already been removed" "$LOGFILE" 2>/dev/null || die "replica does not stream; see $LOGFILE"
  log "the primary no longer has the WAL this replica needs: rebuilding it"
  as_pg "$BINDIR/pg_ctl" -D "$RDATA" -m fast -w stop >/dev/null || true
  rm -rf "$RDATA"
  : > "$LOGFILE"
  start_standby
  wait_streaming || die "replica does not stream; see $LOGFILE"
  log "running: streaming from the primary"
}

start_standby() {
  if [ ! -f "$RDATA/PG_VERSION" ]; then
    rm -rf "$RDATA"
    log "pg_basebackup from $RUN into $RDATA"
    as_pg "$BINDIR/pg_basebackup" -h "$RUN" -p "$PRIMARY_PORT" -U "$SUPERUSER" -D "$RDATA" \
      --wal-method=stream --write-recovery-conf --checkpoint=fast
  fi
  as_pg mkdir -p -m 700 "$RRUN"
  write_conf
  as_pg rm -f "$RDATA/postmaster.pid"
  as_pg touch "$LOGFILE"
  log "starting the replica (socket dir $RRUN, port $PORT, log $LOGFILE)"
  if ! as_pg "$BINDIR/pg_ctl" -D "$RDATA" -l "$LOGFILE" -w -t 120 start >/dev/null; then
    tail -n 30 "$LOGFILE" >&2 || true
    die "replica did not start"
  fi
}

wait_streaming() {
  # The primary lists the replica's WAL receiver once it streams.
  local i
  for i in $(seq 1 60); do
    if [ "$(primary_sql "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" -ge 1 ]; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}

primary_sql() {
  "$BINDIR/psql" -X -Atq -h "$RUN" -p "$PRIMARY_PORT" -U "$SUPERUSER" -d postgres -c "$1"
}

cmd_stop() {
  layout
  [ -f "$RDATA/PG_VERSION" ] || { log "no replica"; return 0; }
  setup_user_and_bins
  running || { log "not running"; return 0; }
  as_pg "$BINDIR/pg_ctl" -D "$RDATA" -m fast -w -t 120 stop >/dev/null
  log "stopped"
}

cmd_status() {
  layout
  [ -f "$RDATA/PG_VERSION" ] || { echo "no replica ($RDATA)"; return 3; }
  setup_user_and_bins
  if running; then echo "running: data $RDATA, socket dir $RRUN, port $PORT"; return 0; fi
  echo "stopped: data $RDATA"
  return 3
}

cmd_lag() {
  layout
  setup_user_and_bins
  primary_sql "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), -1)::bigint FROM pg_stat_replication"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  lag) cmd_lag ;;
  *) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
