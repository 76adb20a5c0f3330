#!/usr/bin/env bash
# Builds the `rowcol` Python package into a venv and runs its pytest suite.
#
#   ROWCOL_VENV       venv to create or reuse (default: <repo>/.venv)
#   PYTHON            interpreter that creates the venv (default: python3)
#   CARGO_TARGET_DIR  honoured, so the Rust build shares the workspace target/
#
# Fails when a test fails or when no test ran (pytest exits 5 then).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${ROWCOL_VENV:-$repo/.venv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  echo "== creating venv $venv"
  "$python" -m venv "$venv"
fi
py="$venv/bin/python"

echo "== installing build and test tools (requirements-test.txt)"
"$py" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-test.txt"

echo "== building and installing rowcol (debug, abi3)"
# maturin develop builds in place into the venv; the Rust build uses
# CARGO_TARGET_DIR when set, else the workspace target/.
(cd "$here" && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" "$venv/bin/maturin" develop --quiet)

# PostgreSQL: ROWCOL_TEST_POSTGRES_URL wins; else, when DATABASE_URL points at
# a server and psql is here, a scratch database rowcol_python_test is made
# on it (recreated each run). Without either, the PostgreSQL test is
# reported as skipped, by name, in the summary.
if [ -z "${ROWCOL_TEST_POSTGRES_URL:-}" ] && [ -n "${DATABASE_URL:-}" ] && command -v psql >/dev/null 2>&1; then
  if psql "$DATABASE_URL" -qAtc "DROP DATABASE IF EXISTS rowcol_python_test" >/dev/null 2>&1 \
     && psql "$DATABASE_URL" -qAtc "CREATE DATABASE rowcol_python_test" >/dev/null 2>&1; then
    export ROWCOL_TEST_POSTGRES_URL="${DATABASE_URL%/*}/rowcol_python_test"
  fi
fi

echo "== pytest"
cd "$here"
set +e
"$py" -m pytest -p no:cacheprovider -rs tests "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "no Python tests ran" >&2
  exit 1
fi
exit "$status"
