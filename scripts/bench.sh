#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench is scripts/tvbench.py (its docstring has the usage); callers keep this name.
exec python3 "$(dirname "$0")/tvbench.py" "$@"
