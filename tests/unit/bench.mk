# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# `make bench-host`: host micro-benchmarks of the pure model (timer queue,
# virtual timer, vLAPIC register access) built with -O2 and no sanitizers.
# It prints a table; it is a benchmark, never a pass/fail test.
# The vLAPIC rows are built once lapic/vlapic.c exists.
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -Itests/unit -Itests/unit/fakes

# Always rebuilt: the source lists (PURE_SRCS, HOST_SRCS) may grow after this
# fragment is read, and recipes see their final values.
.PHONY: bench-host
bench-host:
	@mkdir -p $(BUILD)/bench
	@echo "  HOSTCC  $(BUILD)/bench/bench_host"
	$(Q)$(HOST_CC) $(BENCH_CFLAGS) $(if $(wildcard lapic/vlapic.c),-DBENCH_HAVE_VLAPIC) -o $(BUILD)/bench/bench_host tests/unit/bench_host.c \
		$(PURE_SRCS) $(HOST_SRCS) $(UT_LIB_SRCS)
	@$(BUILD)/bench/bench_host
