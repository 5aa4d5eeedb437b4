# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# The selftest guests of tests/guests.cfg under tickvisor in Bochs
# (scripts/run-guests-tickvisor.sh; included by the top-level Makefile):
#   make test-guests-bochs    mode=vmx: every guest in one boot, each in its
#                             own VM, the serial log split per guest
#   make test-guests-native   mode=native: one boot per guest, GUEST_JOBS (2)
#                             at a time
# Each prints TAP 13 and a summary table and fails when a guest's verdict is
# not what tests/guests.cfg expects.  Results for scripts/summary.sh:
# $(TV_GUEST_RESULTS); the ESPs, serial logs and per-guest logs go to
# $(BUILD)/test/guests-vmx/ and $(BUILD)/test/guests-native/.
# GUESTS="hello portio" or GUEST_GROUP=smoke select a subset;
# GUEST_MSRS=lenient keeps Bochs's ignore_bad_msrs=1 (see the script).

GUESTS      ?=
GUEST_GROUP ?=
GUEST_JOBS  ?= 2
GUEST_MSRS  ?= strict

TV_GUEST_TESTS   := test-guests-bochs test-guests-native test-guests-paths
TV_GUEST_RESULTS := $(BUILD)/results/guests-bochs-vmx.log $(BUILD)/results/guests-bochs-native.log

# The guests of groups "fidelity" (what real guests touch, issue 16) and
# "isolation" (log forgery, state leaks, bad images) on the xAPIC paths
# test-guests-bochs does not take: there apic=auto is apicv in Bochs, here
# access and ept; and the hostile suite, tests/hostile.cfg (issue 12: each
# case followed by its canary), under all three.  One run per CFG:PATH of
# GUEST_PATH_RUNS, two at a time, the long ones first.
GUEST_PATHS_GROUPS ?= fidelity,isolation
GUEST_PATH_RUNS ?= hostile:apicv hostile:access hostile:ept guests:access guests:ept

TV_GUEST_RUN = scripts/run-guests-tickvisor.sh --cfg tests/guests.cfg --dir $(BUILD)/guests \
	--efi $(BUILD)/tickvisor.efi --msrs $(GUEST_MSRS) $(if $(GUEST_GROUP),--group $(GUEST_GROUP))

.PHONY: test-guests-bochs test-guests-native test-guests-paths

test-guests-bochs: $(BUILD)/tickvisor.efi guests
	@scripts/deps.sh bochs
	@$(TV_GUEST_RUN) --mode vmx --out $(BUILD)/test/guests-vmx \
		--results $(BUILD)/results/guests-bochs-vmx.log $(GUESTS)

test-guests-native: $(BUILD)/tickvisor.efi guests
	@scripts/deps.sh bochs
	@$(TV_GUEST_RUN) --mode native --jobs $(GUEST_JOBS) --out $(BUILD)/test/guests-native \
		--results $(BUILD)/results/guests-bochs-native.log $(GUESTS)

test-guests-paths: $(BUILD)/tickvisor.efi guests
	@scripts/deps.sh bochs
	@mkdir -p $(BUILD)/results $(BUILD)/test
	@rc=0; printf '%s\n' $(GUEST_PATH_RUNS) | xargs -P 2 -I{} sh -c ' \
		c=$${1%%:*}; a=$${1#*:}; n=$$c-apic-$$a; \
		if [ $$c = guests ]; then g="--group $(GUEST_PATHS_GROUPS)"; l=-apic-$$a; else g=; l=-$$n; fi; \
		scripts/run-guests-tickvisor.sh --cfg tests/$$c.cfg --dir $(BUILD)/guests \
			--efi $(BUILD)/tickvisor.efi --msrs $(GUEST_MSRS) --mode vmx $$g \
			--label $$l --tv-config apic=$$a --out $(BUILD)/test/$$n \
			--results $(BUILD)/results/$$n.log > $(BUILD)/test/$$n.out 2>&1; \
		r=$$?; ok=$$(grep -c "^ok" $(BUILD)/test/$$n.out); \
		bad=$$(grep -c "^not ok" $(BUILD)/test/$$n.out); \
		echo "tests/$$c.cfg$${g:+ ($(GUEST_PATHS_GROUPS))}, apic=$$a: $$ok ok, $$bad not ok (exit $$r)"; \
		grep "^not ok" $(BUILD)/test/$$n.out; exit $$r' _ {} || rc=1; exit $$rc
