#!/usr/bin/env bash
# A throwaway PostgreSQL server for the register's tests, on 127.0.0.1 only, on a free port.
#
#   eval "$(bash scripts/start-postgres.sh)"        # exports FGC_TEST_POSTGRES_URL and FGC_TEST_POSTGRES_DIR
#   bash scripts/start-postgres.sh stop "$FGC_TEST_POSTGRES_DIR"
#
# Installs Debian's postgresql with apt-get when no server binaries are found. The cluster lives in
# a temporary folder, trusts local connections (it listens on loopback and a private socket folder
# only) and runs as a non-root user, as PostgreSQL requires. Only the export lines go to stdout.
set -euo pipefail

say() { echo "start-postgres: $*" >&2; }

as_owner() {
  # Run a server binary as the cluster's owner (PostgreSQL refuses to run as root).
  if [ "$(id -u)" -eq 0 ]; then
    if command -v runuser >/dev/null 2>&1; then
      runuser -u "$owner" -- "$@"
    else
      su -s /bin/sh "$owner" -c "$(printf '%q ' "$@")"
    fi
  else
    "$@"
  fi
}

find_bin() {
  local candidate
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
      echo "$candidate"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

if [ "${1:-}" = "stop" ]; then
  dir="${2:?give the folder printed as FGC_TEST_POSTGRES_DIR}"
  bin="$(find_bin)"
  owner="$(stat -c %U "$dir/data")"
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi

if ! bin="$(find_bin)"; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing postgresql with apt-get..."
  $sudo apt-get update -qq >&2
  # policy-rc.d keeps the package from starting its own cluster where services cannot run.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >&2
  bin="$(find_bin)" || { say "no PostgreSQL server binaries after installing postgresql"; exit 1; }
fi

owner="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  if ! id -u "$owner" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
  fi
fi

dir="$(mktemp -d /tmp/fgc-postgres.XXXXXX)"
chmod 755 "$dir"
[ "$(id -u)" -eq 0 ] && chown "$owner" "$dir"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

as_owner "$bin/initdb" -D "$dir/data" -U fgc -A trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# fsync off: a test server; the register's own crash safety is tested on SQLite and by transactions.
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U fgc fgc_test

say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir)"
echo "export FGC_TEST_POSTGRES_URL=postgresql://fgc@127.0.0.1:$port/fgc_test"
echo "export FGC_TEST_POSTGRES_DIR=$dir"
