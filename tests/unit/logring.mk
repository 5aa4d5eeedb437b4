# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# The host console's log ring (lib/logring.c) is pure C: link it into the
# host tests (the filter keeps this harmless if the Makefile lists it later).
HOST_SRCS += $(filter-out $(HOST_SRCS),lib/logring.c)

# The tests also depend on these directly (the objects already do).
$(UT_BINS): lib/logring.c include/tv/logring.h
