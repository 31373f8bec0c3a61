#!/usr/bin/env bash
# Set up a fresh machine and run the whole test suite (the README's test command).
# Installs the Debian packages the tests drive (LibreOffice Calc headless and its UNO bridge, Chromium) when missing,
# makes .venv, installs fgc-collect with its test extras, starts a throwaway PostgreSQL on loopback,
# then runs pytest with any arguments given.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc)
/usr/bin/python3 -c "import uno" >/dev/null 2>&1 || need+=(python3-uno)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${need[*]} with apt-get (tests drive them headless)..."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-dejavu-core >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
# A throwaway PostgreSQL server on loopback for the register's tests (stopped on exit).
eval "$(bash scripts/start-postgres.sh)"
trap 'bash scripts/start-postgres.sh stop "$FGC_TEST_POSTGRES_DIR"' EXIT
.venv/bin/python -m pytest "$@"
