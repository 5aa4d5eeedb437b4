# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# The debug traps of emulated instructions (vmm/vdebug.c, pure C): vmx/vcpu.c
# and vmm/guest_exit.c call it; tests/unit/test_vdebug.c tests it on the host.
HOST_SRCS += $(filter-out $(HOST_SRCS),vmm/vdebug.c)

# The tests also depend on these directly (the objects already do).
$(UT_BINS): vmm/vdebug.c
