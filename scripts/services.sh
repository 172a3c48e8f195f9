#!/usr/bin/env bash
# scripts/services.sh - the real back ends the test suite talks to, on loopback only.
#
#   PostgreSQL  127.0.0.1:5432  user postgres (trusted), database `test`
#   Redis       127.0.0.1:6379
#   Swift 2.30  127.0.0.1:8080  Swift API with tempauth (/auth/v1.0) + S3 API (SigV4, path-style,
#                               region us-east-1) + TempURL, SLO, bulk, copy
#   Keystone v3 127.0.0.1:5000  real Keystone (Debian python3-keystone, sqlite); its catalogue
#                               points at a second Swift proxy on 127.0.0.1:8081 that takes
#                               Keystone tokens (authtoken + keystoneauth)
#
# Usage: bash scripts/services.sh start|stop|restart|status|env|reset
#   start   install what is missing (apt), start what does not answer, wait until everything is
#           healthy, then print `export CP_TEST_...=...` lines (stdout carries nothing else, so
#           `eval "$(bash scripts/services.sh start)"` works; on failure stdout is `false`, so
#           that eval fails too). Idempotent: endpoints that already answer (whoever started
#           them) are only checked. Concurrent calls are serialised with flock.
#   stop    stop only what this script started (pid files + a marker in /proc/<pid>/environ);
#           PostgreSQL only if this script started the cluster.
#   status  one line per service on stdout; exit 0 when all are healthy.
#   env     print the export lines (no checks).
#   reset   stop, then delete the state directory (Swift data, Keystone database).
#
# Environment (all optional): CP_SERVICES_DIR=/tmp/cloud-platform-services (all state and logs),
#   CP_POSTGRES_PORT=5432 (the port checked; a cluster we start listens where its config says),
#   CP_REDIS_PORT=6379, CP_SWIFT_PROXY_PORT=8080, CP_SWIFT_OBJECT_PORT=6200,
#   CP_SWIFT_CONTAINER_PORT=6201, CP_SWIFT_ACCOUNT_PORT=6202, CP_MEMCACHED_PORT=11311,
#   CP_KEYSTONE_PORT=5000, CP_SWIFT_KS_PROXY_PORT=8081, CP_SERVICES_TIMEOUT=120 (s per wait),
#   CP_SWIFT_LOG_LEVEL=INFO.
# Changes nothing in /etc (apt-get aside). Needs root, or sudo for apt-get and PostgreSQL.
# The credentials below are throwaway loopback test credentials.
set -euo pipefail
umask 022 # PostgreSQL (user postgres) must be able to read our pg_hba.conf

DIR=${CP_SERVICES_DIR:-/tmp/cloud-platform-services}
HOST=127.0.0.1
PG_PORT=${CP_POSTGRES_PORT:-5432}
REDIS_PORT=${CP_REDIS_PORT:-6379}
PROXY_PORT=${CP_SWIFT_PROXY_PORT:-8080}
OBJECT_PORT=${CP_SWIFT_OBJECT_PORT:-6200}
CONTAINER_PORT=${CP_SWIFT_CONTAINER_PORT:-6201}
ACCOUNT_PORT=${CP_SWIFT_ACCOUNT_PORT:-6202}
MEMCACHED_PORT=${CP_MEMCACHED_PORT:-11311}
KEYSTONE_PORT=${CP_KEYSTONE_PORT:-5000}
KS_PROXY_PORT=${CP_SWIFT_KS_PROXY_PORT:-8081}
TIMEOUT=${CP_SERVICES_TIMEOUT:-120}
LOG_LEVEL=${CP_SWIFT_LOG_LEVEL:-INFO}

LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib
# Debian's swift and keystone live in the system interpreter's dist-packages; a python3 that
# comes first on PATH (pyenv, venv) cannot import them.
PY=/usr/bin/python3
ETC=$DIR/swift/etc
SRV=$DIR/swift/srv
KS=$DIR/keystone
RUN=$DIR/run
LOG=$DIR/log
# start order; stop goes the other way
SWIFT_PROCS="memcached account container object keystone proxy proxy-ks"
SWIFT_PKGS="swift swift-proxy swift-account swift-container swift-object python3-swift memcached
  python3-keystone python3-keystonemiddleware"
KS_TOKEN_REQUEST='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"tester",
"domain":{"id":"default"},"password":"testing"}}},"scope":{"project":{"name":"test",
"domain":{"id":"default"}}}}}'

# Every process started here carries this in its environment: a pid file whose pid was
# reused by someone else is never taken for ours, nor killed.
export CP_SERVICES_MARK="cloud-platform-services:$DIR"

log() { printf '[services] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -E "$@"
  else die "root or sudo needed for: $*"; fi
}

# --- processes -------------------------------------------------------------------------------

# A zombie (killed, not yet reaped by PID 1) is dead even though kill -0 succeeds.
alive() { kill -0 "$1" 2>/dev/null && ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"; }
ours() { grep -qszxF "CP_SERVICES_MARK=$CP_SERVICES_MARK" "/proc/$1/environ"; }
running() { # running <name>: its pid file names a live process of ours
  local pid
  [ -s "$RUN/$1.pid" ] && pid=$(cat "$RUN/$1.pid") && alive "$pid" && ours "$pid"
}
kill_ours() { # kill_ours <name>
  local pid i
  [ -f "$RUN/$1.pid" ] || return 0
  pid=$(cat "$RUN/$1.pid")
  if [ -n "$pid" ] && alive "$pid" && ours "$pid"; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$1.pid"
}
# detach <name> <command...>: own session, no terminal, no inherited pipe or lock (fd 9)
detach() {
  local name=$1; shift
  setsid "$@" </dev/null >>"$LOG/$name.log" 2>&1 9>&- &
  echo $! >"$RUN/$name.pid"
}
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
wait_until() { # wait_until <what> <names of our processes that must stay up> -- <check...>
  local what=$1 t0=$SECONDS names="" name; shift
  while [ "$1" != -- ]; do names="$names $1"; shift; done; shift
  until "$@"; do
    for name in $names; do
      running "$name" || { tail -25 "$LOG/$name.log" >&2 || true; die "$name exited while starting (log: $LOG/$name.log)"; }
    done
    [ $((SECONDS - t0)) -lt "$TIMEOUT" ] || die "$what not ready after ${TIMEOUT}s (logs: $LOG)"
    sleep 0.2
  done
}

# --- packages ----------------------------------------------------------------------------------

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
apt_install() { # apt_install <package...>: one install; `apt-get update` once, only on failure
  [ $# -gt 0 ] || return 0
  local aptlog=$LOG/apt.log
  log "apt-get install $* (log: $aptlog)"
  export DEBIAN_FRONTEND=noninteractive
  # fd 9 closed: a package's maintainer script must not keep our lock (or any pipe) open
  if ! as_root apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >>"$aptlog" 2>&1 </dev/null 9>&-; then
    log "install failed: apt-get update, then retry"
    as_root apt-get update -q >>"$aptlog" 2>&1 </dev/null 9>&- || true
    as_root apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >>"$aptlog" 2>&1 </dev/null 9>&- \
      || { tail -20 "$aptlog" >&2; die "apt-get install failed (log: $aptlog)"; }
  fi
}

# --- Redis ---------------------------------------------------------------------------------------

redis_ok() { # no redis-cli needed
  local reply
  reply=$( (exec 3<>"/dev/tcp/$HOST/$REDIS_PORT" && printf 'PING\r\n' >&3 && IFS= read -r -t 3 r <&3 \
    && printf '%s' "$r") 2>/dev/null) || return 1
  [ "${reply%$'\r'}" = "+PONG" ]
}

start_redis() {
  redis_ok && return 0
  port_open "$REDIS_PORT" && die "127.0.0.1:$REDIS_PORT is taken by something that does not answer Redis PING"
  [ -d /var/lib/redis ] && [ -d /var/log/redis ] || as_root mkdir -p /var/lib/redis /var/log/redis
  log "starting redis-server on $HOST:$REDIS_PORT"
  # daemonizes itself; the marker in its environment lets `stop` recognise it (set-proc-title
  # no: retitling the process overwrites /proc/<pid>/environ)
  setsid redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log --pidfile "$RUN/redis.pid" \
    --set-proc-title no \
    </dev/null >>"$LOG/redis.log" 2>&1 9>&- || die "redis-server failed to start (/var/log/redis/ci.log)"
  wait_until redis -- redis_ok
}

# --- PostgreSQL ----------------------------------------------------------------------------------

pg_ready() { command -v pg_isready >/dev/null && pg_isready -q -h "$HOST" -p "$PG_PORT" -t 3; }
# psql as postgres over TCP with no password at all: succeeds only when the server trusts us
pg_sql() {
  env -u PGPASSWORD PGPASSFILE="$DIR/postgres/none" PGCONNECT_TIMEOUT=5 \
    psql -X -w -q -t -A -v ON_ERROR_STOP=1 "postgresql://postgres@$HOST:$PG_PORT/postgres" -c "$1"
}
pg_trusted() { [ "$(pg_sql 'select 1' 2>/dev/null)" = 1 ]; }
pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -1; }
pg_hba() { # our pg_hba.conf: Debian's defaults, but user postgres is trusted on loopback
  mkdir -p "$DIR/postgres"
  cat >"$DIR/postgres/pg_hba.conf" <<'EOF'
local   all       postgres                 peer
local   all       all                      peer
host    all       postgres  127.0.0.1/32   trust
host    all       postgres  ::1/128        trust
host    all       all       127.0.0.1/32   scram-sha-256
host    all       all       ::1/128        scram-sha-256
EOF
  chmod 644 "$DIR/postgres/pg_hba.conf"
  echo "$DIR/postgres/pg_hba.conf"
}
pg_cluster() { # pg_cluster <start|restart>: the local Debian cluster `main`, with our pg_hba.conf
  local ver hba
  ver=$(pg_version)
  [ -n "$ver" ] || { log "no cluster: pg_createcluster"; as_root pg_createcluster "$(ls /usr/lib/postgresql | sort -V | tail -1)" main >>"$LOG/postgres.log" 2>&1 </dev/null 9>&-; ver=$(pg_version); }
  [ -n "$ver" ] || die "no PostgreSQL cluster in /etc/postgresql"
  hba=$(pg_hba)
  log "pg_ctlcluster $ver main $1 (pg_hba.conf: $hba)"
  # -o: a postgres option, so /etc/postgresql stays as it is
  as_root pg_ctlcluster --skip-systemctl-redirect -o "-c hba_file=$hba" "$ver" main "$1" \
    >>"$LOG/postgres.log" 2>&1 </dev/null 9>&- \
    && { [ "$1" = restart ] || echo "$ver main" >"$RUN/postgres.started"; return 0; } # stop stops it
  # "start" of a cluster that is already up (still starting, or another port): wait for it
  [ "$1" = start ] && pg_lsclusters -h 2>/dev/null | awk -v v="$ver" '$1==v && $2=="main" && $4=="online"' | grep -q . \
    && return 0
  tail -20 "$LOG/postgres.log" >&2
  die "pg_ctlcluster $ver main $1 failed"
}

start_postgres() {
  if ! pg_ready; then
    pg_cluster start
    wait_until postgres -- pg_ready
  fi
  if ! pg_trusted; then
    # Debian's default pg_hba.conf asks for a password on 127.0.0.1: restart with ours
    [ "$(pg_version)" ] && pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$2=="main" && $3==p' | grep -q . \
      || die "PostgreSQL on $HOST:$PG_PORT does not trust user postgres and is not the local cluster"
    pg_cluster restart
    wait_until postgres -- pg_ready
    pg_trusted || die "PostgreSQL on $HOST:$PG_PORT still does not trust user postgres"
  fi
  if [ "$(pg_sql "select 1 from pg_database where datname = 'test'")" != 1 ]; then
    log "creating database test"
    pg_sql 'create database test' >/dev/null 2>&1 || [ "$(pg_sql "select 1 from pg_database where datname = 'test'")" = 1 ] \
      || die "could not create database test"
  fi
}

# --- Swift + Keystone ----------------------------------------------------------------------------

header() { tr -d '\r' | sed -n "s/^$1:[[:space:]]*//Ip" | head -1; }
http_code() { curl -s -m 10 -o /dev/null -w '%{http_code}' "$@" 2>/dev/null || true; }

# Whoever runs them: /healthcheck on every Swift server, a tempauth round trip (memcached,
# account server), and a Keystone token whose catalogue's object-store URL accepts it.
swift_ok() {
  command -v curl >/dev/null || return 1
  local port hdrs url tok
  for port in "$PROXY_PORT" "$KS_PROXY_PORT" "$ACCOUNT_PORT" "$CONTAINER_PORT" "$OBJECT_PORT"; do
    [ "$(curl -s -m 3 "http://$HOST:$port/healthcheck" 2>/dev/null)" = OK ] || return 1
  done
  hdrs=$(curl -s -m 10 -D - -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' \
    "http://$HOST:$PROXY_PORT/auth/v1.0" 2>/dev/null) || return 1
  url=$(printf '%s' "$hdrs" | header X-Storage-Url)
  tok=$(printf '%s' "$hdrs" | header X-Auth-Token)
  [ -n "$url" ] && [ -n "$tok" ] || return 1
  case $(http_code -I -H "X-Auth-Token: $tok" "$url") in 2??) ;; *) return 1 ;; esac
  keystone_ok
}
keystone_ok() {
  local out tok url
  out=$(curl -s -m 20 -D - -H 'Content-Type: application/json' -d "$KS_TOKEN_REQUEST" \
    "http://$HOST:$KEYSTONE_PORT/v3/auth/tokens" 2>/dev/null) || return 1
  tok=$(printf '%s' "$out" | header X-Subject-Token)
  [ -n "$tok" ] || return 1
  url=$(printf '%s' "$out" | tr -d '\r' | sed '1,/^$/d' | "$PY" -c '
import json, sys
catalog = json.load(sys.stdin)["token"]["catalog"]
print(next(e["url"] for s in catalog if s["type"] == "object-store"
           for e in s["endpoints"] if e["interface"] == "public"))' 2>/dev/null) || return 1
  case $(http_code -I -H "X-Auth-Token: $tok" "$url") in 2??) return 0 ;; *) return 1 ;; esac
}

proxy_conf() { # proxy_conf <port> <auth middlewares>
  cat <<EOF
[DEFAULT]
bind_ip = $HOST
bind_port = $1
user = $(id -un)
swift_dir = $ETC
workers = 0
log_level = $LOG_LEVEL
log_name = cp-proxy-$1

# s3api must come before the auth middleware it relies on (it checks at start-up);
# slo after it, or s3api turns multipart uploads off.
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl $2 copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:cache]
use = egg:swift#memcache
memcache_servers = $HOST:$MEMCACHED_PORT

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_versioned_writes = true
allow_object_versioning = true
[filter:symlink]
use = egg:swift#symlink

EOF
}

write_swift_configs() {
  mkdir -p "$ETC" "$SRV/sdb1" "$KS"
  cat >"$ETC/swift.conf" <<'EOF'
[swift-hash]
swift_hash_path_prefix = cp-test-prefix
swift_hash_path_suffix = cp-test-suffix

[storage-policy:0]
name = Policy-0
default = yes

[swift-constraints]
EOF
  local kind port
  for kind in account container object; do
    case $kind in account) port=$ACCOUNT_PORT ;; container) port=$CONTAINER_PORT ;; *) port=$OBJECT_PORT ;; esac
    # user = us: otherwise the servers setuid to `swift` and cannot write $SRV.
    # workers = 0: one process per server (least memory; plenty for tests).
    cat >"$ETC/$kind-server.conf" <<EOF
[DEFAULT]
bind_ip = $HOST
bind_port = $port
user = $(id -un)
swift_dir = $ETC
devices = $SRV
mount_check = false
disable_fallocate = true
workers = 0
log_level = $LOG_LEVEL
log_name = cp-$kind

[pipeline:main]
pipeline = healthcheck $kind-server

[app:$kind-server]
use = egg:swift#$kind

[filter:healthcheck]
use = egg:swift#healthcheck
EOF
  done

  proxy_conf "$PROXY_PORT" "s3api tempauth" >"$ETC/proxy-server.conf"
  cat >>"$ETC/proxy-server.conf" <<'EOF'
# user_<account>_<user> = <key> [groups]; the S3 access key is "<account>:<user>", the secret <key>
[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = admin .admin .reseller_admin
user_test_tester = testing .admin
user_test2_tester2 = testing2 .admin
user_test_tester3 = testing3

# region must be us-east-1 (any other gets AuthorizationHeaderMalformed)
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
dns_compliant_bucket_names = true
allow_multipart_uploads = true
s3_acl = false
check_bucket_owner = false
EOF

  # Keystone tokens get their own proxy: keystonemiddleware does not cache invalid tokens, so
  # authtoken in the tempauth/S3 pipeline would call Keystone on every tempauth request.
  proxy_conf "$KS_PROXY_PORT" "authtoken keystoneauth" >"$ETC/proxy-ks-server.conf"
  cat >>"$ETC/proxy-ks-server.conf" <<EOF
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = http://$HOST:$KEYSTONE_PORT
auth_url = http://$HOST:$KEYSTONE_PORT
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = service
username = swift
password = swiftpass
service_token_roles_required = true
delay_auth_decision = true

[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member
EOF

  cat >"$KS/keystone.conf" <<EOF
[DEFAULT]
use_stderr = true
[database]
connection = sqlite:///$KS/keystone.db
[token]
provider = fernet
[fernet_tokens]
key_repository = $KS/fernet-keys
[fernet_receipts]
key_repository = $KS/fernet-keys
[credential]
key_repository = $KS/credential-keys
EOF
}

build_rings() { # only when missing or when a storage port changed
  local stamp="$ACCOUNT_PORT $CONTAINER_PORT $OBJECT_PORT" ring port
  if [ "$(cat "$ETC/rings.stamp" 2>/dev/null)" = "$stamp" ] && [ -f "$ETC/account.ring.gz" ] \
     && [ -f "$ETC/container.ring.gz" ] && [ -f "$ETC/object.ring.gz" ]; then
    return 0
  fi
  log "building rings"
  for ring in account container object; do
    case $ring in account) port=$ACCOUNT_PORT ;; container) port=$CONTAINER_PORT ;; *) port=$OBJECT_PORT ;; esac
    rm -f "$ETC/$ring.builder" "$ETC/$ring.ring.gz"
    # 2^8 partitions, 1 replica, min_part_hours 1; one device: a plain directory
    (cd "$ETC" && swift-ring-builder "$ring.builder" create 8 1 1 \
      && swift-ring-builder "$ring.builder" add "r1z1-$HOST:$port/sdb1" 1 \
      && swift-ring-builder "$ring.builder" rebalance) >>"$LOG/rings.log" 2>&1 </dev/null \
      || { tail -20 "$LOG/rings.log" >&2; die "swift-ring-builder failed for $ring"; }
  done
  rm -rf "$ETC/backups"
  echo "$stamp" >"$ETC/rings.stamp"
}

setup_keystone() {
  local km=(/usr/bin/keystone-manage --config-file "$KS/keystone.conf")
  if [ ! -f "$KS/db.done" ]; then
    log "keystone: sqlite database, fernet and credential keys"
    rm -rf "$KS/keystone.db" "$KS/fernet-keys" "$KS/credential-keys"
    { "${km[@]}" db_sync &&
      "${km[@]}" fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)" &&
      "${km[@]}" credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
    } >>"$LOG/keystone-manage.log" 2>&1 </dev/null \
      || { tail -20 "$LOG/keystone-manage.log" >&2; die "keystone-manage failed"; }
    touch "$KS/db.done"
  fi
  # the catalogue holds both URLs: seed again when a port changed
  local want="$KEYSTONE_PORT $KS_PROXY_PORT"
  [ -s "$KS/test-project-id" ] && [ "$(cat "$KS/seeded-for" 2>/dev/null)" = "$want" ] && return 0
  log "keystone: seeding users, projects and the object-store catalogue"
  "$PY" "$LIB/keystone-seed.py" "$KS/keystone.conf" "http://$HOST:$KEYSTONE_PORT/v3/" \
    "http://$HOST:$KS_PROXY_PORT" >"$KS/test-project-id.new" 2>>"$LOG/keystone-seed.log" </dev/null \
    || { tail -20 "$LOG/keystone-seed.log" >&2; die "keystone seeding failed"; }
  mv "$KS/test-project-id.new" "$KS/test-project-id"
  echo "$want" >"$KS/seeded-for"
}

launch() { # launch <name>
  case $1 in
    memcached) # -u: required as root; no UDP
      detach memcached memcached -l "$HOST" -p "$MEMCACHED_PORT" -U 0 -m 64 -u "$(id -un)" ;;
    keystone) # wsgiref, single-threaded: ready in ~1 s
      OS_KEYSTONE_CONFIG_FILES=$KS/keystone.conf detach keystone "$PY" /usr/bin/keystone-wsgi-public \
        --host "$HOST" --port "$KEYSTONE_PORT" ;;
    proxy-ks)
      CP_SWIFT_CONF=$ETC/swift.conf detach proxy-ks "$PY" "$LIB/swift-server.py" proxy "$ETC/proxy-ks-server.conf" -v ;;
    *) # -v: log lines also on stderr, i.e. in our log file
      CP_SWIFT_CONF=$ETC/swift.conf detach "$1" "$PY" "$LIB/swift-server.py" "$1" "$ETC/$1-server.conf" -v ;;
  esac
}

swift_ports() { echo "$MEMCACHED_PORT $ACCOUNT_PORT $CONTAINER_PORT $OBJECT_PORT $KEYSTONE_PORT $PROXY_PORT $KS_PROXY_PORT"; }
stop_swift() { local n; for n in proxy-ks proxy keystone object container account memcached; do kill_ours "$n"; done; }

start_swift() {
  [ "${1:-}" = healthy ] && return 0
  local name any=0 port sum
  for name in $SWIFT_PROCS; do running "$name" && any=1; done
  write_swift_configs
  sum=$(cat "$ETC"/*.conf "$KS/keystone.conf" "$LIB/swift-server.py" | md5sum)
  if [ $any = 1 ] && [ "$(cat "$RUN/swift.sum" 2>/dev/null)" != "$sum" ]; then
    log "swift: configuration changed, restarting"
    stop_swift
    any=0
  fi
  if [ $any = 0 ]; then
    for port in $(swift_ports); do
      port_open "$port" && die "127.0.0.1:$port is already taken (and Swift/Keystone there is not healthy); stop it or move ours with CP_SWIFT_*_PORT / CP_MEMCACHED_PORT / CP_KEYSTONE_PORT"
    done
  fi
  build_rings
  setup_keystone
  echo "$sum" >"$RUN/swift.sum"
  for name in $SWIFT_PROCS; do
    running "$name" || { log "starting $name"; launch "$name"; }
  done
  # shellcheck disable=SC2086
  wait_until "Swift + Keystone" $SWIFT_PROCS -- swift_ok
}

# --- commands ------------------------------------------------------------------------------------

print_env() {
  cat <<EOF
export CP_TEST_POSTGRES_URL=postgres://postgres@$HOST:$PG_PORT/test
export CP_TEST_REDIS_URL=redis://$HOST:$REDIS_PORT
export CP_TEST_S3_ENDPOINT=http://$HOST:$PROXY_PORT
export CP_TEST_S3_REGION=us-east-1
export CP_TEST_S3_ACCESS_KEY_ID=test:tester
export CP_TEST_S3_SECRET_ACCESS_KEY=testing
export CP_TEST_SWIFT_AUTH_URL=http://$HOST:$PROXY_PORT/auth/v1.0
export CP_TEST_SWIFT_USER=test:tester
export CP_TEST_SWIFT_KEY=testing
export CP_TEST_KEYSTONE_URL=http://$HOST:$KEYSTONE_PORT/v3
export CP_TEST_KEYSTONE_USER=tester
export CP_TEST_KEYSTONE_PASSWORD=testing
export CP_TEST_KEYSTONE_PROJECT=test
export CP_TEST_KEYSTONE_DOMAIN=default
export CP_TEST_KEYSTONE_REGION=RegionOne
EOF
}

do_start() {
  local t0=$SECONDS pkgs=() p
  # everything missing in one apt-get run
  command -v curl >/dev/null || pkgs+=(curl)
  # the binary also when a Redis already answers: tests start throwaway servers and sentinels
  command -v redis-server >/dev/null || pkgs+=(redis-server)
  # promtool and a real Prometheus server, for the metrics tests
  { command -v promtool >/dev/null && command -v prometheus >/dev/null; } || pkgs+=(prometheus)
  if ! port_open "$PG_PORT" && ! installed postgresql; then pkgs+=(postgresql); fi
  if ! command -v psql >/dev/null || ! command -v pg_isready >/dev/null; then pkgs+=(postgresql-client); fi
  # Debian's Chromium for the example app's browser test (playwright-core drives it; no browser download)
  [ -x /usr/bin/chromium ] || pkgs+=(chromium)
  local swift=healthy
  swift_ok || { swift=down; for p in $SWIFT_PKGS; do installed "$p" || pkgs+=("$p"); done; }
  apt_install "${pkgs[@]}"
  start_redis
  start_postgres
  start_swift "$swift"
  log "ready in $((SECONDS - t0))s: PostgreSQL :$PG_PORT, Redis :$REDIS_PORT, Swift+S3 :$PROXY_PORT, Keystone :$KEYSTONE_PORT -> Swift :$KS_PROXY_PORT (logs: $LOG)"
  print_env
}

do_stop() {
  local ver
  stop_swift
  kill_ours redis
  if [ -f "$RUN/postgres.started" ]; then
    read -r ver _ <"$RUN/postgres.started"
    log "stopping PostgreSQL cluster $ver main (started by us)"
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main stop -m fast >>"$LOG/postgres.log" 2>&1 </dev/null 9>&- || true
    rm -f "$RUN/postgres.started"
  fi
  rm -f "$RUN/swift.sum"
  log "stopped"
}

do_status() {
  local rc=0 line
  for line in "PostgreSQL $HOST:$PG_PORT:pg_status" "Redis $HOST:$REDIS_PORT:redis_ok" \
              "Swift+S3 $HOST:$PROXY_PORT, Keystone $HOST:$KEYSTONE_PORT:swift_ok"; do
    if "${line##*:}"; then echo "ok    ${line%:*}"; else echo "DOWN  ${line%:*}"; rc=1; fi
  done
  return $rc
}
pg_status() { pg_ready && pg_trusted && [ "$(pg_sql "select 1 from pg_database where datname = 'test'")" = 1 ]; }

cmd=${1:-}
case $cmd in start | stop | restart | status | env | reset) ;; *)
  echo "usage: $0 start|stop|restart|status|env|reset" >&2; exit 2 ;;
esac
[ "$cmd" = env ] && { print_env; exit 0; }

mkdir -p "$DIR" "$RUN" "$LOG"
if [ "$cmd" = start ] || [ "$cmd" = restart ]; then
  # `eval "$(bash scripts/services.sh start)"` ignores our exit status: make the eval fail instead
  trap 'rc=$?; [ $rc -eq 0 ] || echo false' EXIT
fi
exec 9>"$DIR.lock"
flock -w 600 9 || die "another services.sh holds $DIR.lock"
case $cmd in
  start) do_start ;;
  stop) do_stop ;;
  restart) do_stop; do_start ;;
  status) do_status ;;
  reset) do_stop; rm -rf "$DIR"; log "removed $DIR" ;;
esac
