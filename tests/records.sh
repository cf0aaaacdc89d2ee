#!/bin/sh
# Progress records as a class and its instructor use them: many checks at
# once on one database, the report, export and import, the solution policy,
# damaged or foreign files.
set -u
B=${1:-build}
P="$B/prise"
pass=0
fail=0
t=$(mktemp -d)
trap 'chmod -R u+w "$t" 2>/dev/null; rm -rf "$t"' EXIT INT TERM
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); printf 'FAIL: %s\n' "$*" >&2; }
check() { if eval "$1"; then ok; else ko "$2"; fi; }

sol=solutions/tcp-client-hello/client.c
wrong=tests/wrong/tcp-client-hello/no-nul.c
export PRISE_WORKSPACE="$t/ws"

# --- 30 users check at once against one class database: no attempt lost ---
db="$t/class.db"
i=0
while [ "$i" -lt 30 ]; do
	f=$sol; [ $((i % 3)) -eq 0 ] && f=$wrong
	PRISE_DB="$db" PRISE_USER="student$i" "$P" check tcp-client-hello "$f" >/dev/null 2>"$t/err$i" &
	i=$((i + 1))
done
wait
check '[ -z "$(cat "$t"/err* 2>/dev/null)" ]' "concurrent checks printed errors: $(cat "$t"/err* | head -3)"
PRISE_DB="$db" "$P" report --json --exercise tcp-client-hello >"$t/r.json"
check '[ "$(jq "[.[] | select(.attempts == 1)] | length" "$t/r.json")" = 30 ]' "30 attempts recorded, one per user"
check '[ "$(jq "[.[] | select(.status == \"passed\")] | length" "$t/r.json")" = 20 ]' "20 passed"
check '[ "$(jq "[.[] | select(.status == \"attempted\" and .last_failing_check == \"hello\")] | length" "$t/r.json")" = 10 ]' \
	"10 attempted, the last failing check named"
check 'jq -e "all(.[]; has(\"user\") and has(\"exercise\") and has(\"status\") and has(\"attempts\") and has(\"hints\"))" "$t/r.json" >/dev/null' \
	"report --json fields"

# --- the table says which exercise blocks the class ---
PRISE_DB="$db" "$P" report >"$t/table"
check 'grep -q "blocks the class: tcp-client-hello" "$t/table"' "table names the blocking exercise"
PRISE_DB="$db" "$P" report --csv >"$t/r.csv"
check 'head -n 1 "$t/r.csv" | grep -q "^user,exercise,status,attempts,hints"' "CSV header"
check '[ "$(grep -c ",tcp-client-hello," "$t/r.csv")" = 30 ]' "CSV rows"

# --- filters and one learner's history ---
PRISE_DB="$db" "$P" --user student0 report --json >"$t/u.json"
check '[ "$(jq "map(.user) | unique" -c "$t/u.json")" = "[\"student0\"]" ]' "--user filter"
PRISE_DB="$db" "$P" report --since 2999-01-01 --json >"$t/s.json"
check '[ "$(jq "[.[] | select(.attempts > 0)] | length" "$t/s.json")" = 0 ]' "--since filter"
PRISE_DB="$db" PRISE_USER=student0 "$P" check tcp-client-hello "$sol" >/dev/null
PRISE_DB="$db" "$P" --user student0 report --exercise tcp-client-hello >"$t/h"
check 'grep -q "#2" "$t/h" && grep -q "^+ .*strlen(greeting) + 1\|^[-+] " "$t/h"' "history shows the attempts and what changed"

# --- export, import, import again: the same report ---
PRISE_DB="$db" PRISE_USER=student1 "$P" hint tcp-client-hello >/dev/null
for u in student0 student1 student3; do
	PRISE_DB="$db" "$P" --user "$u" export "$t/$u.json" || ko "export $u"
done
PRISE_DB="$t/teacher.db" "$P" import "$t/student0.json" "$t/student1.json" "$t/student3.json" >"$t/imp1" || ko "import"
PRISE_DB="$t/teacher.db" "$P" report --json >"$t/after1.json"
PRISE_DB="$t/teacher.db" "$P" import "$t/student0.json" "$t/student1.json" "$t/student3.json" >"$t/imp2" || ko "import again"
PRISE_DB="$t/teacher.db" "$P" report --json >"$t/after2.json"
check 'cmp -s "$t/after1.json" "$t/after2.json"' "a second import changes nothing"
check 'grep -q "Imported 0 new" "$t/imp2"' "a second import adds nothing"
check '[ "$(jq "[.[] | select(.attempts > 0)] | length" "$t/after1.json")" = 3 ]' "the imported records are there"
check '[ "$(jq ".[] | select(.user == \"student0\" and .exercise == \"tcp-client-hello\") | .attempts" "$t/after1.json")" = 2 ]' \
	"every attempt of student0"
check '[ "$(jq ".[] | select(.user == \"student1\" and .exercise == \"tcp-client-hello\") | .hints" "$t/after1.json")" = 1 ]' \
	"hints travel too"

# --- malformed and conflicting files: refused whole, nothing half-imported ---
printf '{"prise_export": 1, "user": "x", "attempts": [{"uid": "a"}]}' >"$t/bad.json"
printf 'not json at all' >"$t/garbage.json"
jq '.attempts[0].at_ms = 12345' "$t/student0.json" >"$t/conflict.json"
jq '.attempts += [{"uid":"new1","exercise":"fill-addr","at_ms":1,"verdict":"pass","compile_ok":1,"duration_ms":1,"source":"00","checks":[]}]' \
	"$t/conflict.json" >"$t/conflict2.json"
for f in bad garbage conflict2; do
	PRISE_DB="$t/teacher.db" "$P" import "$t/$f.json" >/dev/null 2>"$t/ierr"
	rc=$?
	check '[ "$rc" -ne 0 ] && grep -q "$f.json" "$t/ierr"' "import of $f.json refused with a message ($(cat "$t/ierr"))"
done
PRISE_DB="$t/teacher.db" "$P" report --json >"$t/after3.json"
check 'cmp -s "$t/after1.json" "$t/after3.json"' "refused files changed nothing"

# --- the solution policy ---
d="$t/policy.db"
PRISE_DB="$d" PRISE_USER=ana "$P" solution tcp-client-hello >/dev/null 2>&1
check '[ $? -eq 1 ]' "no solution before a pass (default policy)"
PRISE_DB="$d" "$P" policy solution after-fails:2 >/dev/null
PRISE_DB="$d" PRISE_USER=ana "$P" check tcp-client-hello "$wrong" >/dev/null
PRISE_DB="$d" PRISE_USER=ana "$P" solution tcp-client-hello >/dev/null 2>"$t/perr"
check '[ $? -eq 1 ] && grep -q "1 more" "$t/perr"' "after-fails:2: one more attempt needed"
PRISE_DB="$d" PRISE_USER=ana "$P" check tcp-client-hello "$wrong" >/dev/null
PRISE_DB="$d" PRISE_USER=ana "$P" solution tcp-client-hello >"$t/sol"
check '[ $? -eq 0 ] && cmp -s "$t/sol" "$sol"' "after two failed attempts, the solution"
PRISE_DB="$d" "$P" policy solution never >/dev/null
PRISE_DB="$d" PRISE_USER=ana "$P" solution tcp-client-hello >/dev/null 2>&1
check '[ $? -eq 1 ]' "never"
PRISE_DB="$d" "$P" policy solution sometimes >/dev/null 2>&1
check '[ $? -eq 2 ]' "a bad policy is a usage error"
PRISE_DB="$d" "$P" report --json | jq -e '.[] | select(.user == "ana" and .exercise == "tcp-client-hello") | .solution_views == 1' >/dev/null
check '[ $? -eq 0 ]' "solution views recorded"

# --- the default database is private; damaged, foreign or read-only files ---
XDG_DATA_HOME="$t/xdg" PRISE_DB= "$P" list >/dev/null
check '[ "$(stat -c %a "$t/xdg/prise/progress.db")" = 600 ]' "default database created 0600"
head -c 4096 /dev/urandom >"$t/corrupt.db"
cp "$t/corrupt.db" "$t/corrupt.orig"
PRISE_DB="$t/corrupt.db" "$P" list >/dev/null 2>"$t/cerr"
rc=$?
check '[ $rc -eq 3 ] && grep -q "not a prise database" "$t/cerr" && cmp -s "$t/corrupt.db" "$t/corrupt.orig"' \
	"a corrupt file: clear message, untouched"
sqlite3 "$t/foreign.db" 'CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ("la");' 2>/dev/null || \
	cp "$t/corrupt.orig" "$t/foreign.db"
cp "$t/foreign.db" "$t/foreign.orig"
PRISE_DB="$t/foreign.db" "$P" check tcp-client-hello "$sol" >/dev/null 2>"$t/ferr"
rc=$?
check '[ $rc -eq 3 ] && cmp -s "$t/foreign.db" "$t/foreign.orig"' "a foreign database is never written"
cp "$db" "$t/ro.db"
chmod 444 "$t/ro.db"
if [ "$(id -u)" != 0 ]; then
	PRISE_DB="$t/ro.db" "$P" check tcp-client-hello "$sol" >/dev/null 2>"$t/roerr"
	check '[ $? -eq 3 ] && [ -s "$t/roerr" ]' "a read-only database: a message"
fi

# A full disk (here: a file size limit, its signal ignored): a clear message, nothing lost.
full="$t/full.db"
PRISE_DB="$full" "$P" check tcp-client-hello "$sol" >/dev/null
cp "$full" "$t/full.orig"
bash -c "trap '' XFSZ; ulimit -f 1; PRISE_DB='$full' '$P' check tcp-client-hello '$sol'" >/dev/null 2>"$t/fullerr"
rc=$?
check '[ $rc -eq 3 ] && grep -q "disk full" "$t/fullerr"' "a full disk: exit 3 and a message ($(cat "$t/fullerr"))"
PRISE_DB="$full" "$P" report --json >"$t/full.json"
check '[ "$(jq "[.[] | select(.attempts == 1)] | length" "$t/full.json")" = 1 ]' "after a full disk, the records are intact"

printf '%d passed, %d failed\n' "$pass" "$fail"
[ "$fail" -eq 0 ]
