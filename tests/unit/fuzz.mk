# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# libFuzzer target for the virtual local APIC (tests/unit/fuzz_vlapic.c),
# built with Debian clang and libclang-rt-14-dev:
#   make fuzz [FUZZ_SECONDS=60]   fuzz for that long, corpus kept in
#                                 $(BUILD)/fuzz/corpus across runs
#   make fuzz-short               a bounded, repeatable run (fixed seed, fresh
#                                 corpus, FUZZ_SHORT_SECONDS=25) that prints
#                                 "PASS: fuzz/vlapic (N runs)" or "FAIL: ..."
#                                 and exits non-zero on a crash or a broken
#                                 invariant; meant for `make test`.
FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 60
FUZZ_SHORT_SECONDS ?= 25
FUZZ_SEED          ?= 20261125
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Iinclude -Itests/unit -Itests/unit/fakes \
	       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SRCS   := tests/unit/fuzz_vlapic.c lapic/vlapic.c timer/vtimer.c tests/unit/fakes/log.c
FUZZ_BIN    := $(BUILD)/fuzz/fuzz_vlapic

$(FUZZ_BIN): $(FUZZ_SRCS) $(wildcard lapic/*.h timer/vtimer.h include/hv/*.h include/x86/*.h tests/unit/fakes/*.h)
	@mkdir -p $(dir $@)
	@echo "  CLANG   $@ (libFuzzer, ASan, UBSan)"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRCS)

.PHONY: fuzz fuzz-short
fuzz: $(FUZZ_BIN)
	@mkdir -p $(BUILD)/fuzz/corpus
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
		$(BUILD)/fuzz/corpus

fuzz-short: $(FUZZ_BIN)
	@rm -rf $(BUILD)/fuzz/short-corpus; mkdir -p $(BUILD)/fuzz/short-corpus
	@log=$(BUILD)/fuzz/short.log; \
	if $(FUZZ_BIN) -seed=$(FUZZ_SEED) -max_total_time=$(FUZZ_SHORT_SECONDS) -max_len=4096 \
		-artifact_prefix=$(BUILD)/fuzz/ $(BUILD)/fuzz/short-corpus > $$log 2>&1; then \
		runs=$$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' $$log | tail -1); \
		if [ -n "$$runs" ]; then echo "PASS: fuzz/vlapic ($$runs runs)"; exit 0; fi; \
		echo "FAIL: fuzz/vlapic (no run count in $$log)"; exit 1; \
	else \
		grep -E 'invariant broken|ERROR|runtime error' $$log | head -5; \
		echo "FAIL: fuzz/vlapic (crash or broken invariant; see $$log and $(BUILD)/fuzz/crash-*)"; \
		exit 1; \
	fi
