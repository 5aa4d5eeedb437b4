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
# "isolation" (hostile guests and their canaries, issue 12) on the xAPIC
# paths test-guests-bochs does not take: there apic=auto is apicv in Bochs,
# here access and ept, one run each (16 guests a boot), both at once.
GUEST_PATHS ?= access ept
GUEST_PATHS_GROUPS ?= fidelity,isolation

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
	@rc=0; printf '%s\n' $(GUEST_PATHS) | xargs -P 2 -I{} sh -c ' \
		scripts/run-guests-tickvisor.sh --cfg tests/guests.cfg --dir $(BUILD)/guests \
			--efi $(BUILD)/tickvisor.efi --msrs $(GUEST_MSRS) --mode vmx --group $(GUEST_PATHS_GROUPS) \
			--label -apic-$$1 --tv-config apic=$$1 --out $(BUILD)/test/guests-apic-$$1 \
			--results $(BUILD)/results/guests-apic-$$1.log > $(BUILD)/test/guests-apic-$$1.out 2>&1; \
		r=$$?; ok=$$(grep -c "^ok" $(BUILD)/test/guests-apic-$$1.out); \
		bad=$$(grep -c "^not ok" $(BUILD)/test/guests-apic-$$1.out); \
		echo "groups $(GUEST_PATHS_GROUPS), apic=$$1: $$ok ok, $$bad not ok (exit $$r)"; \
		grep "^not ok" $(BUILD)/test/guests-apic-$$1.out; exit $$r' _ {} || rc=1; exit $$rc
