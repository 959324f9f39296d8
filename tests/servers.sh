#!/usr/bin/env bash
# The scale-out servers for `make test`: a PostgreSQL cluster (Debian's packages,
# managed with pg_createcluster/pg_ctlcluster) and `chroma run`, both on loopback only
# (PostgreSQL listens on localhost; the URLs it prints use 127.0.0.1).
#
#   tests/servers.sh start   start both, wait until they answer, print the KB_TEST_* variables
#                            (also written to $STATE/env); exit 2 with the reason when this
#                            machine cannot run them (not root, no apt-get), 1 on a failure
#   tests/servers.sh stop    stop chroma and drop the cluster this checkout made
#
# BIN is the virtualenv's bin folder (for `chroma` and `python`); STATE holds the pid,
# the Chroma data and the env file. The cluster is named after this checkout, so two
# checkouts on one machine never stop each other's server.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
STATE=${STATE:-.test-servers}
CLUSTER=kb_test_$(pwd -P | cksum | cut -d' ' -f1)
PG_USER=kb
PG_PASSWORD=kb-test

cannot() { echo "scale-out servers not started: $*" >&2; exit 2; }
say() { echo "servers: $*" >&2; }

free_port() { "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1; }

install_postgres() {
  command -v pg_ctlcluster >/dev/null && [ -n "$(pg_version)" ] && return 0
  [ "$(id -u)" = 0 ] || cannot "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
  command -v apt-get >/dev/null || cannot "PostgreSQL is not installed and there is no apt-get to install it"
  say "installing PostgreSQL from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

cluster_port() { pg_lsclusters -h | awk -v c="$CLUSTER" '$2 == c { print $3 }'; }

as_postgres() { runuser -u postgres -- "$@"; }

start_postgres() {
  [ "$(id -u)" = 0 ] || cannot "pg_ctlcluster manages clusters as root (run as root, as CI does)"
  install_postgres
  local version; version=$(pg_version)
  if [ -z "$(cluster_port)" ]; then
    # Throwaway test data: durability settings off make CREATE DATABASE per test cheap.
    pg_createcluster "$version" "$CLUSTER" -p "$(free_port)" \
      -o listen_addresses=localhost -o fsync=off -o synchronous_commit=off -o full_page_writes=off \
      >/dev/null
  fi
  local port; port=$(cluster_port)
  pg_ctlcluster "$version" "$CLUSTER" status >/dev/null 2>&1 || pg_ctlcluster "$version" "$CLUSTER" start
  for _ in $(seq 100); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.2; done
  pg_isready -q -h 127.0.0.1 -p "$port" || { echo "PostgreSQL did not answer on 127.0.0.1:$port" >&2; exit 1; }
  # The kb user may create the per-test databases; it owns nothing else.
  as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
        CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
      END IF; END \$\$;" >/dev/null
  echo "KB_TEST_DATABASE_URL=postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$port/postgres"
}

start_chroma() {
  [ -x "$BIN/chroma" ] || cannot "$BIN/chroma is missing (it comes with chromadb: make install)"
  stop_chroma
  local port; port=$(free_port)
  mkdir -p "$STATE/chroma"
  nohup "$BIN/chroma" run --path "$STATE/chroma" --host 127.0.0.1 --port "$port" >"$STATE/chroma.log" 2>&1 &
  echo $! >"$STATE/chroma.pid"
  local url="http://127.0.0.1:$port"
  for _ in $(seq 150); do
    "$BIN/python" -c "import urllib.request; urllib.request.urlopen('$url/api/v2/heartbeat', timeout=1)" \
      2>/dev/null && { echo "KB_TEST_CHROMA_URL=$url"; return; }
    sleep 0.2
  done
  echo "chroma run did not answer on $url (see $STATE/chroma.log)" >&2
  exit 1
}

stop_chroma() {
  [ -f "$STATE/chroma.pid" ] || return 0
  local pid; pid=$(cat "$STATE/chroma.pid")
  kill "$pid" 2>/dev/null && { for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done; }
  rm -rf "$STATE/chroma.pid" "$STATE/chroma"
}

stop_postgres() {
  [ -n "$(cluster_port)" ] || return 0
  pg_dropcluster --stop "$(pg_version)" "$CLUSTER"
}

case "${1:-}" in
  start)
    mkdir -p "$STATE"
    { start_postgres; start_chroma; } >"$STATE/env.new"
    mv "$STATE/env.new" "$STATE/env"
    cat "$STATE/env"
    ;;
  stop)
    stop_chroma
    command -v pg_lsclusters >/dev/null && [ "$(id -u)" = 0 ] && stop_postgres
    rm -f "$STATE/env"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 64
    ;;
esac
