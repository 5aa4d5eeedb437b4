#!/bin/sh
# SPDX-License-Identifier: MIT
# bench-report.sh DIR: the report of the run in DIR again (scripts/tvbench.py --no-run).
[ $# = 1 ] || { echo "usage: $0 DIR (a folder make bench filled: DIR/runs, DIR/run.env)" >&2; exit 2; }
exec python3 "$(dirname "$0")/tvbench.py" --out "$1" --no-run
