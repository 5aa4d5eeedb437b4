# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# The guest's port-I/O devices and the VMCALL hypercall ABI: pure C, linked
# into every host test binary (the filter keeps this harmless if the
# top-level Makefile lists them later).
HOST_SRCS += $(filter-out $(HOST_SRCS),vmm/vio.c vmm/hypercall.c)

# The tests also depend on these directly (the objects already do).
$(UT_BINS): vmm/vio.c vmm/hypercall.c $(wildcard tests/guest/lib/hypercall.h)
