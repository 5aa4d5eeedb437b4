# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# The result-line JSON (vmm/result.c) is pure C: link it into the host tests.
HOST_SRCS += $(filter-out $(HOST_SRCS),vmm/result.c)

# The tests also depend on these directly (the objects already do).
$(UT_BINS): vmm/result.c vmm/result.h
