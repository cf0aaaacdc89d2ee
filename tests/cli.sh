#!/bin/sh
# Command-line tests: what a learner or a script sees of `prise` (exit codes,
# messages, JSON), checks run side by side, and no process left behind.
# Run by tests/run.sh, which sets PRISE_DB, PRISE_USER and PRISE_WORKSPACE.
set -u
B=${1:-build}
P="$B/prise"
pass=0
fail=0
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT INT TERM

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); printf 'FAIL: %s\n' "$*" >&2; }

# expect_rc WANT DESCRIPTION CMD...: runs CMD, output in $t/out and $t/err.
expect_rc() {
	want=$1; what=$2; shift 2
	"$@" >"$t/out" 2>"$t/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok; else ko "$what: exit $rc, want $want ($(head -c 300 "$t/err"))"; fi
}
contains() { # FILE TEXT DESCRIPTION
	if grep -qF -- "$2" "$1"; then ok; else ko "$3: no \"$2\" in $(head -c 400 "$1")"; fi
}
json_ok() { # FILE DESCRIPTION
	if jq -e . "$1" >/dev/null 2>&1; then ok; else ko "$2: not JSON: $(head -c 200 "$1")"; fi
}

sol=solutions/tcp-client-hello/client.c
W=tests/wrong/tcp-client-hello

# --- list, show ---
expect_rc 0 "prise list" "$P" list
contains "$t/out" "tcp-client-hello" "prise list"
expect_rc 0 "prise list --json" "$P" list --json
json_ok "$t/out" "prise list --json"
if jq -e 'type == "array" and length == 20 and all(.[]; has("id") and has("chapter") and has("title")
	and (.kind | IN("program","function","quiz")) and (.status | IN("passed","attempted","new")))' \
	"$t/out" >/dev/null 2>&1; then ok; else ko "prise list --json: fields"; fi
expect_rc 0 "prise show" "$P" show tcp-client-hello
contains "$t/out" "Bonjour" "prise show tcp-client-hello"
expect_rc 0 "prise show in French" "$P" --lang fr show tcp-client-hello
contains "$t/out" "Bonjour" "prise --lang fr show"
expect_rc 2 "show of an unknown exercise" "$P" show no-such-exercise
contains "$t/err" "no-such-exercise" "unknown exercise message"

# --- check: exit codes of SPEC §2 ---
expect_rc 0 "model solution passes" "$P" check tcp-client-hello "$sol"
expect_rc 2 "check without an exercise" "$P" check
expect_rc 2 "check of an unknown exercise" "$P" check nope "$sol"
expect_rc 2 "check of an unreadable file" "$P" check tcp-client-hello "$t/missing.c"
expect_rc 2 "unknown option" "$P" check tcp-client-hello "$sol" --bogus

# A client that sends 7 bytes (no NUL): exit 1, says so.
expect_rc 1 "client without the NUL" "$P" check tcp-client-hello "$W/no-nul.c"
contains "$t/out" "NUL" "client without the NUL"
# One recv for the int: the check whose server sends it in pieces fails.
expect_rc 1 "client with one recv" "$P" check tcp-client-hello "$W/one-recv.c" --json
json_ok "$t/out" "check --json"
if jq -e '.exercise == "tcp-client-hello" and .verdict == "fail" and .compile.ok == true
	and (.duration_ms | type == "number")
	and ([.checks[] | select(.ok == false) | .id] | index("pieces") != null)
	and all(.checks[]; has("id") and has("title") and has("required") and has("ok")
		and has("message") and (.trace | type == "array"))' "$t/out" >/dev/null 2>&1
then ok; else ko "check --json of one-recv.c: fields or verdicts"; fi

# A compile error: exit 1, gcc's lines and the explanation of the C++ cast.
cat >"$t/cast.c" <<'C'
#include <sys/socket.h>
#include <netinet/in.h>
int main(void)
{
	struct sockaddr_in ad;
	int s = socket(PF_INET, SOCK_STREAM, 0);
	return connect(s, (sockaddr *)&ad, sizeof ad);
}
C
expect_rc 1 "compile error" "$P" check tcp-client-hello "$t/cast.c"
contains "$t/out" "cast.c:7" "compile error shows gcc's line"
contains "$t/out" "struct sockaddr" "compile error explains the C++ cast"

# --- attempts are recorded: the status follows ---
"$P" list --json >"$t/out"
if jq -e '.[] | select(.id == "tcp-client-hello") | .status == "passed"' "$t/out" >/dev/null 2>&1
then ok; else ko "status after a pass"; fi

# --- eight checks at once give the verdicts of one at a time ---
for f in "$sol" "$W/no-nul.c" "$W/one-recv.c" "$sol"; do
	"$P" check tcp-client-hello "$f" --json | jq -c '[.verdict, [.checks[] | .ok]]' >>"$t/seq"
done
i=0
for f in "$sol" "$W/no-nul.c" "$W/one-recv.c" "$sol" "$sol" "$W/no-nul.c" "$W/one-recv.c" "$sol"; do
	i=$((i + 1))
	"$P" check tcp-client-hello "$f" --json >"$t/run$i.json" &
done
wait
: >"$t/par"
for i in 1 2 3 4; do jq -c '[.verdict, [.checks[] | .ok]]' "$t/run$i.json" >>"$t/par"; done
if cmp -s "$t/seq" "$t/par"; then ok; else ko "parallel verdicts differ: $(cat "$t/seq") vs $(cat "$t/par")"; fi
for i in 5 6 7 8; do jq -c '[.verdict, [.checks[] | .ok]]' "$t/run$i.json" >>"$t/par2"; done
if cmp -s "$t/seq" "$t/par2"; then ok; else
	ko "parallel verdicts differ (second half): $(cat "$t/seq") vs $(cat "$t/par2");" \
		"$(for i in 5 6 7 8; do jq -r '.checks[] | select(.ok == false) | .id + ": " + .message' "$t/run$i.json"; done)"
fi

# --- nothing is left behind, whatever the program does ---
# Runs under a TMPDIR of ours, so that its scratch folders (and programs) are told apart.
mkdir -p "$t/scratch"
left_behind() { ps -eo pid=,stat=,args= | grep -F "$t/scratch/prise-" | grep -v grep; }
cat >"$t/loop.c" <<'C'
int main(void) { for (;;) ; }
C
cat >"$t/forks.c" <<'C'
#include <unistd.h>
int main(void) { for (;;) fork(); }
C
cat >"$t/sleeper.c" <<'C'
#include <unistd.h>
#include <signal.h>
int main(void)
{
	if (fork() == 0) { setsid(); signal(SIGTERM, SIG_IGN); for (;;) pause(); }
	for (;;) pause();
}
C
for f in loop forks sleeper; do
	expect_rc 1 "program that never ends ($f)" env TMPDIR="$t/scratch" "$P" check tcp-client-hello "$t/$f.c"
	if [ -z "$(left_behind)" ]; then ok; else ko "processes left behind by $f.c: $(left_behind)"; fi
done

# --- hints, reset ---
expect_rc 0 "first hint" "$P" hint tcp-client-hello
contains "$t/out" "[1/" "first hint is numbered"
expect_rc 0 "second hint" "$P" hint tcp-client-hello
contains "$t/out" "[2/" "second hint follows the first"
expect_rc 0 "reset" "$P" reset tcp-client-hello
ws=$PRISE_WORKSPACE
if [ -f "$ws/tcp-client-hello/client.c" ] || ls "$ws"/*client* >/dev/null 2>&1; then ok; else ko "reset: no workspace file under $ws"; fi

# --- an installed prise finds its exercises and grades ---
if make --no-print-directory -s install B="$B" PREFIX=/usr DESTDIR="$t/inst" >"$t/inst.log" 2>&1; then
	expect_rc 0 "installed prise grades the model solution" "$t/inst/usr/bin/prise" check \
		tcp-client-hello "$sol"
else
	ko "make install: $(tail -n 3 "$t/inst.log")"
fi

printf '%d passed, %d failed\n' "$pass" "$fail"
[ "$fail" -eq 0 ]
