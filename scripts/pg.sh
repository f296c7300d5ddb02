#!/usr/bin/env bash
# Project-local PostgreSQL cluster for development and CI.
#
#   scripts/pg.sh start      start the cluster (initdb on first use); idempotent
#   scripts/pg.sh stop       stop the cluster (fast shutdown)
#   scripts/pg.sh status     print state; exit 0 when running, 3 when not
#   scripts/pg.sh ensure-db  start if needed, then create role/database "policykb"
#   scripts/pg.sh psql ...   open psql on the policykb database (extra args passed on)
#   scripts/pg.sh backup [FILE] [DB]   pg_dump custom format (default var/backups/<db>-<time>.dump)
#   scripts/pg.sh restore FILE [DB]    pg_restore --clean into DB (default policykb)
#
# Layout (what Django settings rely on when DATABASE_URL is unset):
#   $PROJECT/.pgdata/data        cluster data directory
#   $PROJECT/.pgdata/run         unix socket directory (.s.PGSQL.5432), no TCP at all
#   $PROJECT/.pgdata/server.log  server log
# If the unprivileged server user cannot traverse the project path (e.g. the
# project lives under /root), everything lives in /var/tmp/policykb-<hash>/
# and $PROJECT/.pgdata is a symlink to it.
#
# Environment overrides: DATABASE_URL (external server: start/ensure-db do
# nothing), PG_BINDIR (directory with initdb/pg_ctl/psql), PG_OS_USER (OS user
# that runs the server when invoked as root).
set -euo pipefail

PROJECT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PGLINK="$PROJECT/.pgdata"
PORT=5432
DB_NAME=policykb
DB_ROLE=policykb
BOOTSTRAP_SUPERUSER=postgres
HASH="$(printf '%s' "$PROJECT" | sha256sum | cut -c1-12)"
FALLBACK_ROOT="/var/tmp/policykb-$HASH"
LOCK_FILE="${TMPDIR:-/tmp}/policykb-pg-$HASH.lock"

log() { printf '[pg.sh] %s\n' "$*" >&2; }
die() { printf '[pg.sh] ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# ---------------------------------------------------------------- binaries --

apt_install() {
  # apt_install PKG... (root only; runs apt-get update first)
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

has_server_bins() { [ -x "$1/initdb" ] && [ -x "$1/pg_ctl" ] && [ -x "$1/postgres" ] && [ -x "$1/psql" ]; }

find_bindir() {
  # Print a directory holding the server binaries; prefer a major version
  # given as $1 (an existing cluster's PG_VERSION), else 15, else pg_config's,
  # else the newest /usr/lib/postgresql/*/bin.
  local want="${1:-}" d
  if [ -n "${PG_BINDIR:-}" ]; then
    has_server_bins "$PG_BINDIR" || die "PG_BINDIR=$PG_BINDIR has no initdb/pg_ctl/postgres/psql"
    printf '%s\n' "$PG_BINDIR"; return 0
  fi
  if [ -n "$want" ]; then
    for d in "/usr/lib/postgresql/$want/bin" "/usr/pgsql-$want/bin"; do
      if has_server_bins "$d"; then printf '%s\n' "$d"; return 0; fi
    done
    if command -v pg_config >/dev/null 2>&1; then
      d="$(pg_config --bindir 2>/dev/null || true)"
      if [ -n "$d" ] && has_server_bins "$d" && "$d/postgres" --version | grep " $want\." >/dev/null; then
        printf '%s\n' "$d"; return 0
      fi
    fi
    return 1
  fi
  if has_server_bins /usr/lib/postgresql/15/bin; then echo /usr/lib/postgresql/15/bin; return 0; fi
  if command -v pg_config >/dev/null 2>&1; then
    d="$(pg_config --bindir 2>/dev/null || true)"
    if [ -n "$d" ] && has_server_bins "$d"; then printf '%s\n' "$d"; return 0; fi
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if has_server_bins "$d"; then printf '%s\n' "$d"; return 0; fi
  done
  return 1
}

ensure_bindir() {
  local want="${1:-}"
  if BINDIR="$(find_bindir "$want")"; then return 0; fi
  if [ -n "$want" ]; then
    die "the cluster in $PGLINK/data was created by PostgreSQL $want but no $want binaries were found (install postgresql-$want or run 'make clean-db')"
  fi
  if is_root && command -v apt-get >/dev/null 2>&1; then
    log "PostgreSQL server binaries not found; installing postgresql + postgresql-contrib with apt-get"
    apt_install postgresql postgresql-contrib
    # Optional RUM index extension; fine if the package does not exist.
    try_install_rum || true
    BINDIR="$(find_bindir "")" || die "apt-get installed postgresql but no server binaries were found"
    return 0
  fi
  die "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found. Install them, e.g. as root: apt-get install -y postgresql postgresql-contrib (or set PG_BINDIR)."
}

try_install_rum() {
  # Optional: postgresql-<major>-rum. Attempted at most once per data root.
  local major marker
  is_root && command -v apt-get >/dev/null 2>&1 || return 0
  major="$("$BINDIR/postgres" --version | awk '{print $3}' | cut -d. -f1)"
  [ -e "/usr/share/postgresql/$major/extension/rum.control" ] && return 0
  marker="${PGROOT:-/nonexistent}/.rum-install-attempted"
  [ -e "$marker" ] && return 0
  if apt-cache show "postgresql-$major-rum" >/dev/null 2>&1 || { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null 2>&1 && apt-cache show "postgresql-$major-rum" >/dev/null 2>&1; }; then
    log "installing optional postgresql-$major-rum"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "postgresql-$major-rum" >&2 || log "optional postgresql-$major-rum could not be installed (ignored)"
  else
    log "optional package postgresql-$major-rum not available (ignored)"
  fi
  if [ -n "${PGROOT:-}" ] && [ -d "$PGROOT" ]; then touch "$marker" 2>/dev/null || true; fi
  return 0
}

# -------------------------------------------------------------- OS user ----

pick_os_user() {
  if ! is_root; then PGUSER_OS="$(id -un)"; return 0; fi
  if [ -n "${PG_OS_USER:-}" ]; then
    id -u "$PG_OS_USER" >/dev/null 2>&1 || die "PG_OS_USER=$PG_OS_USER does not exist"
    PGUSER_OS="$PG_OS_USER"
  elif id -u postgres >/dev/null 2>&1; then
    PGUSER_OS=postgres
  else
    if ! id -u policykb >/dev/null 2>&1; then
      log "creating system user 'policykb' to run PostgreSQL (it refuses to run as root)"
      useradd --system --user-group --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin policykb
    fi
    PGUSER_OS=policykb
  fi
  [ "$(id -u "$PGUSER_OS")" -ne 0 ] || die "PostgreSQL cannot run as a uid-0 user ($PGUSER_OS)"
}

as_pg() {
  # Run a command as the server's OS user, from / (the user may not be able
  # to access the current directory).
  if ! is_root; then (cd / && "$@"); return; fi
  if command -v runuser >/dev/null 2>&1; then
    (cd / && runuser -u "$PGUSER_OS" -- "$@")
  elif command -v setpriv >/dev/null 2>&1; then
    (cd / && setpriv --reuid="$PGUSER_OS" --regid="$(id -g "$PGUSER_OS")" --init-groups -- "$@")
  else
    local q; printf -v q '%q ' "$@"
    (cd / && su -s /bin/sh "$PGUSER_OS" -c "$q")
  fi
}

# ---------------------------------------------------------------- layout ---

resolve_pgroot() {
  # Sets PGROOT (real directory) and creates it when needed.
  if [ -L "$PGLINK" ]; then
    PGROOT="$(readlink "$PGLINK")"
    if [ ! -d "$PGROOT" ]; then
      log "symlink target $PGROOT is gone (tmp cleaned?); recreating an empty cluster root"
      mkdir -p "$PGROOT"
    fi
  elif [ -d "$PGLINK" ]; then
    PGROOT="$PGLINK"
  elif [ -e "$PGLINK" ]; then
    die "$PGLINK exists but is not a directory or symlink"
  else
    if is_root && ! as_pg test -x "$PROJECT" -a -r "$PROJECT"; then
      log "user $PGUSER_OS cannot traverse $PROJECT; using $FALLBACK_ROOT (symlinked as .pgdata)"
      mkdir -p "$FALLBACK_ROOT"
      ln -s "$FALLBACK_ROOT" "$PGLINK"
      PGROOT="$FALLBACK_ROOT"
    else
      mkdir -p "$PGLINK"
      PGROOT="$PGLINK"
    fi
  fi
  if is_root; then
    chown "$PGUSER_OS:" "$PGROOT"
  fi
  chmod 700 "$PGROOT"
  # If the project moved under a path the server user cannot reach, say so.
  if is_root && ! as_pg test -w "$PGROOT"; then
    die "user $PGUSER_OS cannot reach $PGROOT. Run 'make clean-db' (or remove $PGLINK) so the data dir is recreated under $FALLBACK_ROOT."
  fi
  DATA="$PGROOT/data"
  RUN="$PGROOT/run"
  LOGFILE="$PGROOT/server.log"
}

layout_readonly() {
  # For stop/status: paths without creating anything.
  if [ -L "$PGLINK" ]; then PGROOT="$(readlink "$PGLINK")"; else PGROOT="$PGLINK"; fi
  DATA="$PGROOT/data"
  RUN="$PGROOT/run"
  LOGFILE="$PGROOT/server.log"
}

check_locale() {
  if command -v locale >/dev/null 2>&1; then
    locale -a 2>/dev/null | grep -iE '^c\.utf-?8$' >/dev/null \
      || die "locale C.UTF-8 is not available (locale -a). On Debian it is built into libc; install 'locales' or glibc >= 2.35."
  fi
}

check_socket_path_len() {
  local p="$PGLINK/run/.s.PGSQL.$PORT"
  if [ "${#p}" -gt 107 ]; then
    die "unix socket path too long (${#p} > 107 bytes): $p. Move the project to a shorter path or set DATABASE_URL."
  fi
}

mem_mb() { awk '/^MemTotal:/ {print int($2/1024)}' /proc/meminfo 2>/dev/null || echo 4096; }

write_conf() {
  # Settings managed by this script live in data/policykb.conf, included from
  # postgresql.conf, and are rewritten on each start (paths may change).
  local mem sb mwm shm_mb dsm
  mem="$(mem_mb)"
  sb=$(( mem / 8 )); [ "$sb" -gt 1024 ] && sb=1024; [ "$sb" -lt 128 ] && sb=128
  mwm=$(( mem / 16 )); [ "$mwm" -gt 512 ] && mwm=512; [ "$mwm" -lt 64 ] && mwm=64
  shm_mb="$(df -Pm /dev/shm 2>/dev/null | awk 'NR==2 {print $2}')"
  if [ -n "$shm_mb" ] && [ "$shm_mb" -ge 512 ]; then dsm=posix; else dsm=mmap; fi
  cat > "$DATA/policykb.conf.tmp" <<EOF
# Managed by scripts/pg.sh -- rewritten on every start; edit the script instead.
listen_addresses = ''                   # unix socket only, no TCP port
port = $PORT
unix_socket_directories = '$RUN'
unix_socket_permissions = 0700
max_connections = 50
shared_buffers = ${sb}MB
work_mem = 32MB
maintenance_work_mem = ${mwm}MB
effective_cache_size = $(( mem / 2 ))MB
dynamic_shared_memory_type = $dsm
max_worker_processes = 4
max_parallel_workers = 2
max_parallel_workers_per_gather = 1
fsync = on
timezone = 'UTC'
log_timezone = 'UTC'
logging_collector = off
log_min_duration_statement = 2000
# JIT compiling pays off for long analytic queries only; for the loader's and the site's short
# statements it cost minutes (a wide UPDATE took 132 s to compile). Other servers: set it too.
jit = off
EOF
  mv "$DATA/policykb.conf.tmp" "$DATA/policykb.conf"
  if ! grep -q "^include_if_exists = 'policykb.conf'" "$DATA/postgresql.conf"; then
    printf "\n# project settings (scripts/pg.sh)\ninclude_if_exists = 'policykb.conf'\n" >> "$DATA/postgresql.conf"
  fi
}

# ----------------------------------------------------------------- state ---

postmaster_pid() {
  # Print the PID of the postmaster serving $DATA, if one is alive.
  local pid cwd state
  [ -f "$DATA/postmaster.pid" ] || return 1
  pid="$(head -n1 "$DATA/postmaster.pid" 2>/dev/null | tr -dc '0-9')"
  [ -n "$pid" ] || return 1
  [ -d "/proc/$pid" ] || return 1
  # A killed postmaster may linger as a zombie when nothing reaps it.
  state="$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null || echo X)"
  case "$state" in Z|X|x) return 1 ;; esac
  cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null || true)"
  if [ -n "$cwd" ]; then
    [ "$cwd" = "$(cd "$DATA" 2>/dev/null && pwd -P)" ] || return 1
  elif is_root; then
    return 1
  else
    # cannot read cwd (not root, other user): fall back to the process name
    grep -qE '^(postgres|postmaster)$' "/proc/$pid/comm" 2>/dev/null || return 1
  fi
  printf '%s\n' "$pid"
}

is_running() { postmaster_pid >/dev/null; }

leftover_backends() {
  # Processes (e.g. orphaned backends of a killed postmaster) still in $DATA.
  local real p
  real="$(cd "$DATA" 2>/dev/null && pwd -P)" || return 1
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/cwd" 2>/dev/null)" = "$real" ] && return 0
  done
  return 1
}

wait_ready() {
  local i
  for i in $(seq 1 120); do
    if "$BINDIR/pg_isready" -q -h "$RUN" -p "$PORT" -d postgres -U "$BOOTSTRAP_SUPERUSER"; then return 0; fi
    sleep 0.5
  done
  return 1
}

# --------------------------------------------------------------- actions ---

external_db() {
  if [ -n "${DATABASE_URL:-}" ]; then
    log "DATABASE_URL is set; using the external server (...@${DATABASE_URL##*@}) -- local cluster not touched"
    return 0
  fi
  return 1
}

LOCKED=0
lock() {
  # Serialise concurrent start/stop. fd 9 must not leak into the postmaster
  # (pg_ctl is run with 9>&-), or the lock would be held for its lifetime.
  [ "$LOCKED" = 1 ] && return 0
  exec 9>"$LOCK_FILE"
  flock -w 300 9 || die "timed out waiting for lock $LOCK_FILE"
  LOCKED=1
}

cmd_start() {
  external_db && return 0
  lock
  pick_os_user
  resolve_pgroot
  check_socket_path_len

  local ver=""
  [ -f "$DATA/PG_VERSION" ] && ver="$(cat "$DATA/PG_VERSION")"
  ensure_bindir "$ver"

  if is_running; then
    wait_ready || die "server is running (pid $(postmaster_pid)) but not accepting connections; see $LOGFILE"
    log "already running (pid $(postmaster_pid)), socket $PGLINK/run"
    return 0
  fi

  try_install_rum || true

  if [ ! -f "$DATA/PG_VERSION" ]; then
    check_locale
    if [ -d "$DATA" ]; then
      log "removing incomplete data dir $DATA"
      rm -rf "$DATA"
    fi
    log "initdb ($("$BINDIR/postgres" --version)) in $DATA as $PGUSER_OS"
    as_pg mkdir -m 700 "$DATA"
    as_pg "$BINDIR/initdb" -D "$DATA" --username="$BOOTSTRAP_SUPERUSER" \
      --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=reject \
      >"$PGROOT/initdb.log" 2>&1 \
      || { cat "$PGROOT/initdb.log" >&2; rm -rf "$DATA"; die "initdb failed"; }
  fi

  mkdir -p "$RUN"
  if is_root; then chown "$PGUSER_OS:" "$RUN"; fi
  chmod 700 "$RUN"
  write_conf
  if is_root; then chown "$PGUSER_OS:" "$DATA/policykb.conf" "$DATA/postgresql.conf"; fi

  # Stale state from a killed run: a postmaster.pid whose process is gone (or
  # whose PID now belongs to something else) and a leftover socket lock file.
  if [ -f "$DATA/postmaster.pid" ]; then
    local i
    for i in $(seq 1 20); do leftover_backends || break; sleep 0.5; done
    log "removing stale postmaster.pid (server not running)"
    rm -f "$DATA/postmaster.pid"
  fi
  rm -f "$RUN/.s.PGSQL.$PORT" "$RUN/.s.PGSQL.$PORT.lock"

  touch "$LOGFILE"
  if is_root; then chown "$PGUSER_OS:" "$LOGFILE"; fi
  log "starting PostgreSQL (socket dir $PGLINK/run, no TCP; log $PGLINK/server.log)"
  if ! as_pg "$BINDIR/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 120 start >/dev/null 9>&-; then
    tail -n 40 "$LOGFILE" >&2 || true
    die "pg_ctl start failed; full log: $LOGFILE"
  fi
  wait_ready || { tail -n 40 "$LOGFILE" >&2; die "server did not become ready"; }
  log "running (pid $(postmaster_pid))"
}

cmd_stop() {
  layout_readonly
  if [ ! -f "$DATA/PG_VERSION" ]; then log "no local cluster in $PGLINK/data"; return 0; fi
  lock
  if ! is_running; then log "not running"; return 0; fi
  pick_os_user
  ensure_bindir "$(cat "$DATA/PG_VERSION")"
  as_pg "$BINDIR/pg_ctl" -D "$DATA" -m fast -w -t 120 stop >/dev/null
  log "stopped"
}

cmd_status() {
  if [ -n "${DATABASE_URL:-}" ]; then
    log "DATABASE_URL is set; the app uses the external server. Local cluster status follows."
  fi
  layout_readonly
  if [ ! -f "$DATA/PG_VERSION" ]; then echo "no local cluster ($PGLINK/data)"; return 3; fi
  if is_running; then
    echo "running: pid $(postmaster_pid), PostgreSQL $(cat "$DATA/PG_VERSION"), data $DATA, socket dir $PGLINK/run"
    return 0
  fi
  echo "stopped: data $DATA"
  return 3
}

psql_admin() {
  "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN" -p "$PORT" -U "$BOOTSTRAP_SUPERUSER" -d postgres "$@"
}

cmd_ensure_db() {
  external_db && return 0
  cmd_start
  if [ "$(psql_admin -Atc "SELECT 1 FROM pg_roles WHERE rolname = '$DB_ROLE'")" != 1 ]; then
    log "creating role $DB_ROLE (superuser: local dev/test only)"
    psql_admin -c "CREATE ROLE $DB_ROLE LOGIN SUPERUSER CREATEDB"
  else
    psql_admin -c "ALTER ROLE $DB_ROLE LOGIN SUPERUSER CREATEDB"
  fi
  if [ "$(psql_admin -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
    log "creating database $DB_NAME"
    psql_admin -c "CREATE DATABASE $DB_NAME OWNER $DB_ROLE ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
  fi
  log "database $DB_NAME ready: psql -h $PGLINK/run -p $PORT -U $DB_ROLE $DB_NAME"
}

cmd_psql() {
  if [ -n "${DATABASE_URL:-}" ]; then
    exec psql "$DATABASE_URL" "$@"
  fi
  layout_readonly
  [ -f "$DATA/PG_VERSION" ] || die "no local cluster; run: scripts/pg.sh ensure-db"
  pick_os_user
  ensure_bindir "$(cat "$DATA/PG_VERSION")"
  exec "$BINDIR/psql" -h "$PGLINK/run" -p "$PORT" -U "$DB_ROLE" "$DB_NAME" "$@"
}

pg_tool() {
  # pg_tool NAME: path of a client program matching the cluster (or PATH's, for DATABASE_URL).
  if [ -n "${DATABASE_URL:-}" ]; then command -v "$1" || die "$1 not found"; return; fi
  layout_readonly
  [ -f "$DATA/PG_VERSION" ] || die "no local cluster; run: scripts/pg.sh ensure-db"
  pick_os_user
  ensure_bindir "$(cat "$DATA/PG_VERSION")"
  printf '%s\n' "$BINDIR/$1"
}

conn_args() {
  # conn_args DB: how the client tools reach DB (the URL, or the local socket as the app role).
  if [ -n "${DATABASE_URL:-}" ]; then
    # The URL's server and credentials, with DB as its database.
    local base="${DATABASE_URL%%\?*}" query=""
    [ "$base" != "$DATABASE_URL" ] && query="?${DATABASE_URL#*\?}"
    printf '%s\n' "--dbname=${base%/*}/$1$query"
    return
  fi
  printf '%s\n' "--host=$PGLINK/run" "--port=$PORT" "--username=$DB_ROLE" "--dbname=$1"
}

default_db() {
  # The database the app uses: DATABASE_URL's, else the local policykb.
  if [ -n "${DATABASE_URL:-}" ]; then local base="${DATABASE_URL%%\?*}"; printf '%s\n' "${base##*/}"; else printf '%s\n' "$DB_NAME"; fi
}

cmd_backup() {
  local db="${2:-$(default_db)}" file="${1:-}" tool
  [ -n "$file" ] || { mkdir -p "$PROJECT/var/backups"; file="$PROJECT/var/backups/$db-$(date -u +%Y%m%dT%H%M%SZ).dump"; }
  tool="$(pg_tool pg_dump)"
  # Custom format: compressed, and pg_restore can pick or reorder objects.
  mapfile -t args < <(conn_args "$db")
  "$tool" --format=custom --no-owner --no-privileges --file="$file.partial" "${args[@]}"
  mv "$file.partial" "$file"
  log "backup of $db written to $file"
  printf '%s\n' "$file"
}

cmd_restore() {
  local file="${1:-}" db="${2:-$(default_db)}" tool
  [ -n "$file" ] && [ -f "$file" ] || die "usage: scripts/pg.sh restore FILE [DB] (no such file: ${file:-none})"
  tool="$(pg_tool pg_restore)"
  mapfile -t args < <(conn_args "$db")
  # One transaction: a failed restore leaves the database as it was.
  "$tool" --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error "${args[@]}" "$file"
  log "restored $file into $db"
}

usage() {
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  local sub="${1:-}"
  [ $# -gt 0 ] && shift
  case "$sub" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    ensure-db) cmd_ensure_db ;;
    psql) cmd_psql "$@" ;;
    backup) cmd_backup "$@" ;;
    restore) cmd_restore "$@" ;;
    *) usage ;;
  esac
}

main "$@"
