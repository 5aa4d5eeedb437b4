# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# The CR0/CR4 write checker (vmm/vcr.c, pure C): vmm/guest_exit.c calls it;
# tests/unit/test_vcr.c tests it on the host.
HOST_SRCS += $(filter-out $(HOST_SRCS),vmm/vcr.c)

# The tests also depend on these directly (the objects already do).
$(UT_BINS): vmm/vcr.c
