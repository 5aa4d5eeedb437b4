# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# Foundation pieces linked into every host test binary.  lib/string.c is not
# in the top-level HOST_SRCS list; add it here once (the filter keeps this
# harmless if the Makefile lists it later).
HOST_SRCS += $(filter-out $(HOST_SRCS),lib/string.c)

# The tests also depend on these directly (the objects already do).
$(UT_BINS): lib/string.c include/tv/string.h $(wildcard tests/unit/data/*)
