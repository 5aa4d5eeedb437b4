# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# Which trapped MMIO accesses may be emulated (vmm/mmio_check.c) and the
# whole decision (vmm/mmio_decide.c), pure C: vmm/guest_mmio.c calls it on
# every APIC path and on the empty bus; tests/unit/test_mmio_check.c and
# test_mmio_decide.c test it on the host, tests/unit/fuzz_mmio.c fuzzes it.
HOST_SRCS += $(filter-out $(HOST_SRCS),vmm/mmio_check.c vmm/mmio_decide.c)

# The tests also depend on these directly (the objects already do).
$(UT_BINS): vmm/mmio_check.c vmm/mmio_check.h vmm/mmio_decide.c vmm/mmio_decide.h
