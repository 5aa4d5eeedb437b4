# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# libFuzzer targets, built with Debian clang and libclang-rt-14-dev:
#  - fuzz_vlapic: the virtual local APIC (tests/unit/fuzz_vlapic.c);
#  - fuzz_plan:   the delivery planner (tests/unit/fuzz_plan.c);
#  - fuzz_sched:  the pCPU scheduler (tests/unit/fuzz_sched.c);
#  - fuzz_mmio:   the decision on a trapped MMIO access, fetch and decoder
#                 included (tests/unit/fuzz_mmio.c, vmm/mmio_decide.c).
#   make fuzz [FUZZ_SECONDS=60]   every target below in turn, that long each
#   make fuzz-vlapic [FUZZ_SECONDS=60]  fuzz the vLAPIC for that long, corpus
#                                 kept in $(BUILD)/fuzz/corpus across runs
#   make fuzz-plan [FUZZ_SECONDS=60]  the same for the planner
#                                 ($(BUILD)/fuzz/plan-corpus)
#   make fuzz-sched [FUZZ_SECONDS=60] the same for the scheduler
#                                 ($(BUILD)/fuzz/sched-corpus)
#   make fuzz-mmio [FUZZ_SECONDS=60]  the same for the MMIO decision
#                                 ($(BUILD)/fuzz/mmio-corpus)
#   make fuzz-short               a bounded, repeatable run of each target
#                                 (fixed seed, fresh corpus; vLAPIC
#                                 FUZZ_SHORT_SECONDS=25, planner
#                                 FUZZ_PLAN_SHORT_SECONDS=10, scheduler
#                                 FUZZ_SCHED_SHORT_SECONDS=5, MMIO
#                                 FUZZ_MMIO_SHORT_SECONDS=10) that prints
#                                 "PASS: fuzz/NAME (N runs)" or "FAIL: ..."
#                                 per target and exits non-zero on a crash
#                                 or a broken invariant; meant for `make test`.
FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 60
FUZZ_SHORT_SECONDS ?= 25
FUZZ_PLAN_SHORT_SECONDS ?= 10
FUZZ_SCHED_SHORT_SECONDS ?= 5
FUZZ_MMIO_SHORT_SECONDS ?= 10
FUZZ_SEED          ?= 20261125
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Iinclude -Itests/unit -Itests/unit/fakes \
	       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SRCS   := tests/unit/fuzz_vlapic.c lapic/vlapic.c lapic/vlapic_state.c timer/vtimer.c lib/udiv128.c \
	       tests/unit/fakes/log.c
FUZZ_BIN    := $(BUILD)/fuzz/fuzz_vlapic
FUZZ_PLAN_SRCS := tests/unit/fuzz_plan.c timer/plan.c
FUZZ_PLAN_BIN  := $(BUILD)/fuzz/fuzz_plan
FUZZ_SCHED_SRCS := tests/unit/fuzz_sched.c timer/sched.c tests/unit/fakes/log.c
FUZZ_SCHED_BIN  := $(BUILD)/fuzz/fuzz_sched
FUZZ_MMIO_SRCS := tests/unit/fuzz_mmio.c vmm/mmio_decide.c vmm/mmio_check.c vmm/gwalk.c vmm/insn.c
FUZZ_MMIO_BIN  := $(BUILD)/fuzz/fuzz_mmio

$(FUZZ_BIN): $(FUZZ_SRCS) $(wildcard lapic/*.h timer/vtimer.h include/tv/*.h include/x86/*.h tests/unit/fakes/*.h)
	@mkdir -p $(dir $@)
	@echo "  CLANG   $@ (libFuzzer, ASan, UBSan)"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRCS)

$(FUZZ_PLAN_BIN): $(FUZZ_PLAN_SRCS) timer/plan.h tests/unit/plan_props.h $(wildcard include/tv/*.h)
	@mkdir -p $(dir $@)
	@echo "  CLANG   $@ (libFuzzer, ASan, UBSan)"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_PLAN_SRCS)

$(FUZZ_SCHED_BIN): $(FUZZ_SCHED_SRCS) timer/sched.h tests/unit/sched_props.h $(wildcard include/tv/*.h)
	@mkdir -p $(dir $@)
	@echo "  CLANG   $@ (libFuzzer, ASan, UBSan)"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SCHED_SRCS)

$(FUZZ_MMIO_BIN): $(FUZZ_MMIO_SRCS) vmm/mmio_decide.h vmm/mmio_check.h vmm/gwalk.h vmm/insn.h \
		  tests/unit/ut_paging.h tests/unit/ut_rng.h $(wildcard include/tv/*.h)
	@mkdir -p $(dir $@)
	@echo "  CLANG   $@ (libFuzzer, ASan, UBSan)"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_MMIO_SRCS)

# $(call fuzz_short,NAME,BINARY,SECONDS,FILE-PREFIX): one bounded run with a
# fresh corpus in $(BUILD)/fuzz/PREFIXshort-corpus, its log in PREFIXshort.log
# and a crash in PREFIXcrash-*.
define fuzz_short
	@rm -rf $(BUILD)/fuzz/$(4)short-corpus; mkdir -p $(BUILD)/fuzz/$(4)short-corpus
	@log=$(BUILD)/fuzz/$(4)short.log; \
	if $(2) -seed=$(FUZZ_SEED) -max_total_time=$(3) -max_len=4096 \
		-artifact_prefix=$(BUILD)/fuzz/$(4) $(BUILD)/fuzz/$(4)short-corpus > $$log 2>&1; then \
		runs=$$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' $$log | tail -1); \
		if [ -n "$$runs" ]; then echo "PASS: fuzz/$(1) ($$runs runs)"; exit 0; fi; \
		echo "FAIL: fuzz/$(1) (no run count in $$log)"; exit 1; \
	else \
		grep -E 'invariant broken|ERROR|runtime error' $$log | head -5; \
		echo "FAIL: fuzz/$(1) (crash or broken invariant; see $$log and $(BUILD)/fuzz/$(4)crash-*)"; \
		exit 1; \
	fi
endef

.PHONY: fuzz fuzz-vlapic fuzz-plan fuzz-sched fuzz-mmio fuzz-short
# Every target in turn, FUZZ_SECONDS each.
fuzz: fuzz-vlapic fuzz-plan fuzz-sched fuzz-mmio

fuzz-vlapic: $(FUZZ_BIN)
	@mkdir -p $(BUILD)/fuzz/corpus
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
		$(BUILD)/fuzz/corpus

fuzz-plan: $(FUZZ_PLAN_BIN)
	@mkdir -p $(BUILD)/fuzz/plan-corpus
	$(FUZZ_PLAN_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
		$(BUILD)/fuzz/plan-corpus

fuzz-sched: $(FUZZ_SCHED_BIN)
	@mkdir -p $(BUILD)/fuzz/sched-corpus
	$(FUZZ_SCHED_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
		$(BUILD)/fuzz/sched-corpus

fuzz-mmio: $(FUZZ_MMIO_BIN)
	@mkdir -p $(BUILD)/fuzz/mmio-corpus
	$(FUZZ_MMIO_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
		$(BUILD)/fuzz/mmio-corpus

fuzz-short: $(FUZZ_BIN) $(FUZZ_PLAN_BIN) $(FUZZ_SCHED_BIN) $(FUZZ_MMIO_BIN)
	$(call fuzz_short,vlapic,$(FUZZ_BIN),$(FUZZ_SHORT_SECONDS),)
	$(call fuzz_short,plan,$(FUZZ_PLAN_BIN),$(FUZZ_PLAN_SHORT_SECONDS),plan-)
	$(call fuzz_short,sched,$(FUZZ_SCHED_BIN),$(FUZZ_SCHED_SHORT_SECONDS),sched-)
	$(call fuzz_short,mmio,$(FUZZ_MMIO_BIN),$(FUZZ_MMIO_SHORT_SECONDS),mmio-)
