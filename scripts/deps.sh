#!/bin/sh
# Installs what prise needs to build and test, on Debian, when missing:
# apt-get as root, sudo otherwise, else prints the command and stops.
set -eu
need=""
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
command -v cc >/dev/null 2>&1 || need="$need gcc libc6-dev"
command -v make >/dev/null 2>&1 || need="$need make"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
have_pc ncursesw || need="$need libncurses-dev"
have_pc sqlite3 || need="$need libsqlite3-dev"
have_pc check || need="$need check"
command -v tmux >/dev/null 2>&1 || need="$need tmux"
command -v jq >/dev/null 2>&1 || need="$need jq"
command -v ps >/dev/null 2>&1 || need="$need procps"
[ -z "$need" ] && exit 0
cmd="apt-get install -y --no-install-recommends$need"
echo "prise: installing:$need"
if [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  $cmd
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq || true
  sudo DEBIAN_FRONTEND=noninteractive $cmd
else
  echo "prise: please run as root: apt-get update && $cmd" >&2
  exit 1
fi
