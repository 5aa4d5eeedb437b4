# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# The CMOS clock (vmm/rtc.c, pure C): vmm/vio.c calls it, so every host test
# binary that links vio.c links it too (see vio.mk).
HOST_SRCS += $(filter-out $(HOST_SRCS),vmm/rtc.c)

# The tests also depend on these directly (the objects already do).
$(UT_BINS): vmm/rtc.c
