# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# The guest page-table walker (instruction fetch at MMIO exits): pure C,
# linked into every host test binary (the filter keeps this harmless if the
# top-level Makefile lists it later).
HOST_SRCS += $(filter-out $(HOST_SRCS),vmm/gwalk.c)

# The tests also depend on these directly (the objects already do).
$(UT_BINS): vmm/gwalk.c vmm/gwalk.h
