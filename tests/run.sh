#!/bin/sh
# Runs every test against the build folder $1 (default build): the unit
# tests (Check, with every exercise's solution and wrong programs), then the
# command line, the records of a class and the tutor in a terminal.  Each
# part runs even when one before failed; the status says whether all passed.
set -u
B=${1:-build}
cd "$(dirname "$0")/.."
export PRISE_TEST_B="$B"
# Never touch the user's own progress database.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export PRISE_DB="$tmp/progress.db" PRISE_USER=tester PRISE_WORKSPACE="$tmp/ws" LANG=C.UTF-8
unset PRISE_LANG LC_ALL || true
export CK_DEFAULT_TIMEOUT=120
failed=""
# The exercises' cases in three shards side by side (they mostly wait on
# sockets): the first runner also takes every other suite.  Running them
# together is also a test: verdicts must not depend on the load.
N=3
pids=""
k=1
while [ "$k" -lt "$N" ]; do
	PRISE_TEST_SHARD="$k/$N" CK_RUN_SUITE=exercises "$B/check_prise" >"$tmp/shard$k.log" 2>&1 &
	pids="$pids $!"
	k=$((k + 1))
done
PRISE_TEST_SHARD="0/$N" "$B/check_prise" >"$tmp/shard0.log" 2>&1 || failed=" unit"
for p in $pids; do
	wait "$p" || failed=" unit"
done
k=0
while [ "$k" -lt "$N" ]; do
	cat "$tmp/shard$k.log"
	k=$((k + 1))
done
sh tests/cli.sh "$B" || failed="$failed cli"
sh tests/records.sh "$B" || failed="$failed records"
sh tests/ui.sh "$B" || failed="$failed ui"
if [ -n "$failed" ]; then
	echo "tests failed:$failed" >&2
	exit 1
fi
