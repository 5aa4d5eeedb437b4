# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# `make insn-diff [INSN_DIFF_N=1000000] [INSN_DIFF_SEED=...]`: differential
# test of the MMIO instruction decoder (vmm/insn.c) against Zydis (Debian
# libzydis-dev), built with the host-test flags (sanitizers on).
INSN_DIFF_N ?= 1000000
INSN_DIFF_SEED ?=

$(BUILD)/host/insn_diff: tests/unit/insn_diff.c vmm/insn.c vmm/insn.h $(wildcard include/tv/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ tests/unit/insn_diff.c vmm/insn.c -lZydis

.PHONY: insn-diff
insn-diff:
	@if [ ! -f /usr/include/Zydis/Zydis.h ]; then \
		echo "SKIP: insn-diff (libzydis-dev is not installed)"; exit 0; fi; \
	$(MAKE) --no-print-directory $(BUILD)/host/insn_diff && \
	$(BUILD)/host/insn_diff $(INSN_DIFF_N) $(INSN_DIFF_SEED)
