# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# vmm/vapic.c, the glue between a vCPU and its vLAPIC, is pure C (no VMCS,
# no clock reads): linked into every host test binary so that
# tests/unit/test_vapic*.c can check the virtual-APIC page sync and the
# lateness statistics (the filter keeps this harmless if the top-level
# Makefile lists it later).
HOST_SRCS += $(filter-out $(HOST_SRCS),vmm/vapic.c)

# The tests also depend on these directly (the objects already do).
$(UT_BINS): vmm/vapic.c vmm/vapic.h
