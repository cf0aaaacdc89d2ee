#!/bin/sh
# Turns db/NNN_*.sql into a C array of migration strings, in order.
# Usage: embed-sql.sh OUT.c db/001_init.sql db/002_....sql
set -eu
out=$1; shift
{
  echo '/* Generated from db/NNN_*.sql by scripts/embed-sql.sh: do not edit. */'
  echo '#include <stddef.h>'
  echo 'const char *const store_migrations[] = {'
  for f in "$@"; do
    printf '\t/* %s */\n' "$f"
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/' "$f"
    printf '\t,\n'
  done
  echo '	NULL'
  echo '};'
} > "$out.tmp"
mv "$out.tmp" "$out"
