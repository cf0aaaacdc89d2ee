#!/bin/sh
# The tutor in a real terminal: tmux runs build/prise, send-keys types, and
# capture-pane reads the screen.  Every wait is for something to appear on
# the screen, with a bound.  Needs tmux (installed by make check).
set -u
B=${1:-build}
P="$(pwd)/$B/prise"
pass=0
fail=0
t=$(mktemp -d)
S="prise-ui-$$"
export TMUX_TMPDIR="$t"
trap 'tmux kill-server 2>/dev/null; rm -rf "$t"' EXIT INT TERM

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); printf 'FAIL: %s\n' "$*" >&2; tmux capture-pane -p -t "$S" 2>/dev/null | sed 's/^/  | /' >&2; }
screen() { tmux capture-pane -p -t "$S" 2>/dev/null; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT.
wait_for() {
	end=$(($(date +%s) + ${2:-20}))
	while [ "$(date +%s)" -le "$end" ]; do
		if screen | grep -qF -- "$1"; then return 0; fi
		sleep 0.05
	done
	return 1
}
expect_screen() { if wait_for "$1" "${3:-20}"; then ok; else ko "$2: \"$1\" never appeared"; fi; }
keys() { tmux send-keys -t "$S" "$@"; }
gone() { # the session ended (prise quit): within 10 s
	end=$(($(date +%s) + 10))
	while [ "$(date +%s)" -le "$end" ]; do
		tmux has-session -t "$S" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# A fake editor: copies the file named in $t/next over the file it is given.
cat >"$t/editor" <<'SH'
#!/bin/sh
cp "$(cat "$(dirname "$0")/next")" "$1"
SH
chmod +x "$t/editor"

start() { # COLS ROWS
	tmux new-session -d -s "$S" -x "$1" -y "$2" \
		"PRISE_DB='$t/db' PRISE_WORKSPACE='$t/ws' PRISE_USER=ana LANG=C.UTF-8 LC_ALL=C.UTF-8 PRISE_LANG=en EDITOR='$t/editor' VISUAL= '$P'"
}

# The place of an exercise in the home list (0-based), from prise list.
index_of() {
	PRISE_DB="$t/db" "$P" list --json | jq -r --arg id "$1" 'map(.id) | index($id)'
}

# --- a learner: open an exercise, a wrong answer, the diagnosis, the fix ---
start 80 24
expect_screen "Chapter 1" "home screen"
i=$(index_of tcp-client-hello)
keys g
n=0; while [ "$n" -lt "$i" ]; do keys j; n=$((n + 1)); done
keys Enter
expect_screen "[statement]" "exercise screen"
expect_screen "Bonjour" "statement shown"
echo "$(pwd)/tests/wrong/tcp-client-hello/no-nul.c" >"$t/next"
keys e
expect_screen "not the final NUL" "diagnosis after saving a wrong file" 60
expect_screen "not yet" "verdict in the title bar" 60
keys t
expect_screen "your program" "timeline"
expect_screen "send(" "timeline shows the program's send"
keys q
expect_screen "[results]" "back from the timeline"
echo "$(pwd)/solutions/tcp-client-hello/client.c" >"$t/next"
keys e
expect_screen "PASSED" "the fixed file passes" 60
keys q
expect_screen "Chapter 2" "back home"
if screen | grep -E 'TCP client .* passed' >/dev/null; then ok; else ko "status passed on the home screen"; fi

# --- hints and help ---
keys Enter
expect_screen "[statement]" "reopen"
keys h
expect_screen "Hint 1/" "first hint"
keys '?'
expect_screen "Keys" "help screen"
keys q q

# --- a resize, both ways: the screen is redrawn whole ---
tmux resize-window -t "$S" -x 120 -y 40
end=$(($(date +%s) + 10))
while [ "$(date +%s)" -le "$end" ] && ! screen | head -n 1 | grep -qE '^ prise.{100,}[0-9]/[0-9]+ *$'; do sleep 0.05; done
if screen | head -n 1 | grep -qE '^ prise.{100,}[0-9]/[0-9]+ *$'; then ok; else ko "title bar spans the wider screen"; fi
tmux resize-window -t "$S" -x 80 -y 24
# Redrawn whole at 80 columns: the title bar ends with the progress, in view.
# (Drawn at 120 columns, the captured 80 would cut the progress off.)
narrow() { screen | head -n 1 | grep -qE '^ prise — .*[0-9]/[0-9]+ *$'; }
end=$(($(date +%s) + 10))
while [ "$(date +%s)" -le "$end" ] && ! narrow; do sleep 0.05; done
if narrow; then ok; else ko "title after resize"; fi

# --- French ---
keys L
expect_screen "Chapitre 1" "French after L"
keys L
expect_screen "Chapter 1" "English again"

# --- a quiz, answered right from the model answers ---
if q=$(index_of sockets-quiz) && [ "$q" != null ] && [ -f solutions/sockets-quiz/answers.txt ]; then
	keys g
	n=0; while [ "$n" -lt "$q" ]; do keys j; n=$((n + 1)); done
	keys Enter
	expect_screen "1/" "quiz screen"
	grep -E '^[0-9]+:' solutions/sockets-quiz/answers.txt | while IFS=: read -r num letters; do
		for l in $(echo "$letters" | tr ',' ' '); do keys "$l"; done
		keys Enter
		wait_for "Right" 10 || true
		keys Enter
	done
	expect_screen "Score:" "quiz score"
	total=$(grep -cE '^[0-9]+:' solutions/sockets-quiz/answers.txt)
	expect_screen "Score: $total/$total" "every answer right"
	expect_screen "recorded" "quiz answers recorded" 30
	keys q
	if wait_for "passed" 10 && PRISE_DB="$t/db" PRISE_USER=ana "$P" list --json |
		jq -e '.[] | select(.id == "sockets-quiz") | .status == "passed"' >/dev/null; then ok
	else ko "quiz status passed"; fi
fi

# --- quitting ---
keys q
if gone; then ok; else ko "q on the home screen quits"; fi
start 80 24
expect_screen "Chapter 1" "restart"
keys C-c
if gone; then ok; else ko "Ctrl-C quits"; fi

printf '%d passed, %d failed\n' "$pass" "$fail"
[ "$fail" -eq 0 ]
