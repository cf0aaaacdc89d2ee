#!/bin/sh
# Runs every test against the build folder $1 (default build): the unit
# tests (Check), then the command-line tests that drive build/prise itself.
set -eu
B=${1:-build}
cd "$(dirname "$0")/.."
export PRISE_TEST_B="$B"
# Never touch the user's own progress database.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export PRISE_DB="$tmp/progress.db" PRISE_USER=tester PRISE_WORKSPACE="$tmp/ws" LANG=C.UTF-8
unset PRISE_LANG LC_ALL || true
export CK_DEFAULT_TIMEOUT=120
"$B/check_prise"
sh tests/cli.sh "$B"
sh tests/records.sh "$B"
sh tests/ui.sh "$B"
