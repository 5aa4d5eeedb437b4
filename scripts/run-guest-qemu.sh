#!/bin/sh
# SPDX-License-Identifier: MIT
# The guests natively on QEMU TCG: scripts/tvqemu.py (its docstring has the usage), run through tvrun.py.
exec python3 "$(dirname "$0")/tvrun.py" --platform qemu "$@"
