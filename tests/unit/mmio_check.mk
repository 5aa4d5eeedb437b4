# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# Which trapped MMIO accesses may be emulated (vmm/mmio_check.c, pure C):
# vmm/guest_mmio.c calls it on every APIC path and on the empty bus;
# tests/unit/test_mmio_check.c tests it on the host.
HOST_SRCS += $(filter-out $(HOST_SRCS),vmm/mmio_check.c)

# The pattern rule's prerequisites were expanded before this file was read.
$(UT_BINS): vmm/mmio_check.c vmm/mmio_check.h
