#!/bin/sh
# The benchmark of `prise check`: for each exercise, the median wall time of
# a whole (cold) check of the model solution next to the median time of the
# same cc command alone, and their ratio.  Target: a check under 2x the
# compile.  prise keeps no build cache, so every check is cold.
#   sh tests/bench.sh [BUILD] [RUNS]
set -eu
B=${1:-build}
N=${2:-9}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export PRISE_DB="$tmp/progress.db" PRISE_WORKSPACE="$tmp/ws" PRISE_USER=bench

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '| exercise | check (ms) | compile alone (ms) | ratio |\n'
printf '|---|---:|---:|---:|\n'
"$B/prise" list --json | jq -r '.[] | select(.kind != "quiz") | .id' | while read -r ex; do
	sol=$(ls solutions/"$ex"/*.c 2>/dev/null | head -n 1)
	[ -n "$sol" ] || continue
	cc_cmd=$(PRISE_DATA= "$B/bench_ccline" "$ex" "$sol" "$tmp/prog")
	: >"$tmp/check"
	: >"$tmp/cc"
	i=0
	while [ "$i" -lt "$N" ]; do
		t0=$(now_ms)
		"$B/prise" check "$ex" "$sol" >/dev/null || true
		t1=$(now_ms)
		$cc_cmd >/dev/null 2>&1
		t2=$(now_ms)
		echo $((t1 - t0)) >>"$tmp/check"
		echo $((t2 - t1)) >>"$tmp/cc"
		i=$((i + 1))
	done
	c=$(median <"$tmp/check")
	k=$(median <"$tmp/cc")
	printf '| %s | %s | %s | %s |\n' "$ex" "$c" "$k" "$(awk -v a="$c" -v b="$k" 'BEGIN { printf "%.2f", b ? a / b : 0 }')"
done

echo
"$B/bench_startup" "$B/prise" "$tmp/startup.db" 21

# The records of a class: the report over 1,000 learners x 20 exercises x 10
# attempts (target: under 100 ms), and the import of 1,000 export files
# (target: under 10 s).
echo
"$B/bench_fill" "$tmp/class.db" 1000 10
: >"$tmp/rep"
i=0
while [ "$i" -lt 5 ]; do
	t0=$(now_ms)
	PRISE_DB="$tmp/class.db" "$B/prise" report >/dev/null
	t1=$(now_ms)
	echo $((t1 - t0)) >>"$tmp/rep"
	i=$((i + 1))
done
echo "prise report, 1,000 learners x 20 exercises x 10 attempts: median $(median <"$tmp/rep") ms (table)"
: >"$tmp/repj"
i=0
while [ "$i" -lt 5 ]; do
	t0=$(now_ms)
	PRISE_DB="$tmp/class.db" "$B/prise" report --json >/dev/null
	t1=$(now_ms)
	echo $((t1 - t0)) >>"$tmp/repj"
	i=$((i + 1))
done
echo "prise report --json, the same: median $(median <"$tmp/repj") ms"
mkdir -p "$tmp/exports"
"$B/bench_fill" "$tmp/small.db" 1000 1
i=0
while [ "$i" -lt 1000 ]; do
	u=$(printf 'student%04d' "$i")
	PRISE_DB="$tmp/small.db" "$B/prise" --user "$u" export "$tmp/exports/$u.json"
	i=$((i + 1))
done
t0=$(now_ms)
PRISE_DB="$tmp/teacher.db" "$B/prise" import "$tmp/exports"/*.json >/dev/null
t1=$(now_ms)
echo "prise import of 1,000 export files (20 attempts each): $((t1 - t0)) ms"
