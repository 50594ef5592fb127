#!/usr/bin/env bash
# `make serve`: the server on the Inner Mongolia default. Creates the database on first
# use (serve.db, or $RELIEF_DB) and, when it has no account yet, an administrator whose
# password is asked for; then serves on http://127.0.0.1:8000 until Ctrl+C.
set -euo pipefail
DB="${RELIEF_DB:-serve.db}"
if ! relief depot list --db "$DB" >/dev/null 2>&1; then
  relief init --db "$DB"
fi
if [ "$(relief user list --db "$DB" --json)" = "[]" ]; then
  echo "no account yet: creating the administrator 'admin'"
  relief user add admin --role admin --db "$DB" --actor "make serve"
fi
exec relief serve --db "$DB" --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
