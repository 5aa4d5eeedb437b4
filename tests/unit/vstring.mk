# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# The iterations of emulated string instructions (vmm/vstring.c, pure C):
# vmm/guest_string.c calls it; tests/unit/test_vstring.c tests it on the host.
HOST_SRCS += $(filter-out $(HOST_SRCS),vmm/vstring.c)

# The tests also depend on these directly (the objects already do).
$(UT_BINS): vmm/vstring.c
