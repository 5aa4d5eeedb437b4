# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# The Multiboot loader (vmm/mb_loader.c) is pure C: link it into the host tests.
HOST_SRCS += vmm/mb_loader.c

# The tests also depend on these directly (the objects already do).
$(UT_BINS): vmm/mb_loader.c vmm/mb_loader.h include/x86/multiboot.h
