#!/usr/bin/env bash
# The main job on the embedded default: a fresh Inner Mongolia database, a keeper's
# morning and the stock report, a coordinator's dispatch, and a drill. Usage: scripts/demo.sh [FOLDER] (default: demo-out).
set -euo pipefail
out="${1:-demo-out}"
mkdir -p "$out"
export RELIEF_DB="$out/relief.db"
export RELIEF_ACTOR="demo"
rm -f "$RELIEF_DB" "$RELIEF_DB-wal" "$RELIEF_DB-shm"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step relief init --region inner-mongolia
step relief depot show C150421
step relief stock receive C150421 CTENT12 60 --doc "CF-2026-118" --source "自治区红十字会调拨"
step relief stock receive C150421 WATER 200 --expires 2028-06-30 --lot W20260630 --doc "CF-2026-119"
step relief stock issue C150421 WATER 30 --to "阿鲁科尔沁旗天山镇安置点" --doc "CF-OUT-0041"
step relief stock transfer L1504 C150421 QUILT 150 --doc "TR-1504-0007"
step relief stock adjust C150421 QUILT -2 --reason damaged --note "受潮"
step relief stock count C150421 TENT12 15
step relief stock low --depot C150421
step relief stock expiring --days 60
step relief stock show --depot C150421
step relief stock verify

# The coordinator: a winter emergency - an earthquake near Aohan and blizzards in Xilingol.
step relief incident import data/inner-mongolia/demo_incidents.csv
step relief dispatch plan --method greedy
greedy=$(relief dispatch list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["plan_id"])')
step relief dispatch plan --out "$out/plan"
best=$(relief dispatch list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["plan_id"])')
step relief dispatch cancel "$greedy"
step relief dispatch commit "$best"
step relief stock show --depot L1504 --item CTENT12
step relief stock verify
# The drill planner: the same region against an earthquake near Chifeng, on a copy of the stock.
step relief drill run chifeng-m6-winter --out "$out/drill"

printf '\nThe plan, its map and pick lists are in %s/plan; the drill report in %s/drill; the database is %s\n' "$out" "$out" "$RELIEF_DB"
printf 'Try: RELIEF_DB=%s relief dispatch show %s\n' "$RELIEF_DB" "$best"
