# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# The guest's CPUID and MSR views (the CPUID and RDMSR/WRMSR exits): pure C,
# linked into every host test binary (the filter keeps this harmless if the
# top-level Makefile lists them later).
HOST_SRCS += $(filter-out $(HOST_SRCS),vmm/vcpuid.c vmm/vmsr.c)

# The tests also depend on these directly (the objects already do).
$(UT_BINS): vmm/vcpuid.c vmm/vcpuid.h vmm/vmsr.c vmm/vmsr.h include/tv/hypercall_abi.h
