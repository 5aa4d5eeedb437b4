# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# The host console's log ring (vmm/logring.c) is pure C: link it into the
# host tests (the filter keeps this harmless if the Makefile lists it later).
HOST_SRCS += $(filter-out $(HOST_SRCS),vmm/logring.c)

# The pattern rule's prerequisites were expanded before this file was read.
$(UT_BINS): vmm/logring.c vmm/logring.h
