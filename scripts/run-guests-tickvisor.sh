#!/bin/sh
# SPDX-License-Identifier: MIT
# The guest runner is scripts/tvrun.py (its docstring has the usage); callers keep this name.
exec python3 "$(dirname "$0")/tvrun.py" "$@"
