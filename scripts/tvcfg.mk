# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# tvcfg (tools/tvcfg.c): the host check of a tickvisor.cfg, with the EFI
# app's own parser (vmm/config_parse.c with the key table of vmm/config.c),
# and the config key table of the docs.
#   make check-config [CONFIG=file]  the config and its guest/module files
#                                    (run by make run before anything boots)
#   make config-docs                 rewrite the key table in docs/configuration.md
#   make test-tvcfg                  the checker's own tests (part of make unit)

TVCFG      := $(BUILD)/tools/tvcfg
TVCFG_SRCS := tools/tvcfg.c vmm/config.c vmm/config_parse.c lib/fmt.c lib/string.c
TVCFG_DOC  := docs/configuration.md

$(TVCFG): $(TVCFG_SRCS) vmm/config.h vmm/config_priv.h $(wildcard include/tv/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -Iinclude -o $@ $(TVCFG_SRCS)

# The table between the two marker lines is vmm/config.c's key table;
# test_config fails when the two differ.
.PHONY: config-docs test-tvcfg
config-docs: $(TVCFG)
	@$(TVCFG) --key-table > $(BUILD)/config-keys.md
	@awk -v table=$(BUILD)/config-keys.md ' \
		/^<!-- config-keys: end/ { skip = 0 } \
		!skip { print } \
		/^<!-- config-keys: begin/ { while ((getline l < table) > 0) print l; skip = 1; found = 1 } \
		END { if (!found) { print "config-docs: no <!-- config-keys: begin --> line" > "/dev/stderr"; exit 1 } }' \
		$(TVCFG_DOC) > $(BUILD)/configuration.md.new
	@cmp -s $(BUILD)/configuration.md.new $(TVCFG_DOC) && echo "$(TVCFG_DOC): key table up to date" || \
		{ cp $(BUILD)/configuration.md.new $(TVCFG_DOC); echo "$(TVCFG_DOC): key table rewritten"; }

test-tvcfg: $(TVCFG)
	@mkdir -p $(BUILD)/results $(BUILD)/test/tvcfg
	@tests/tools/tvcfg-test.sh $(TVCFG) $(BUILD)/test/tvcfg > $(BUILD)/results/tvcfg.log 2>&1; rc=$$?; \
		grep -E '^(FAIL|SUMMARY):' $(BUILD)/results/tvcfg.log; exit $$rc

# make unit also runs the checker's tests.
unit: test-tvcfg

# scripts/run.mk's check-config runs the checker (TVCFG is defined only here).
check-config-syntax check-config: $(TVCFG)

# make run's own ESP config (scripts/tickvisor.cfg plus the default guest
# set run-config.sh adds) must pass the checker: a guest list that outgrew
# one boot broke make run once while make test stayed green.
.PHONY: test-run-config
test-run-config: $(TVCFG) guests
	@mkdir -p $(BUILD)/results; rm -rf $(BUILD)/test/run-config
	@if scripts/run-config.sh scripts/tickvisor.cfg tests/guests.cfg $(BUILD)/guests \
		$(BUILD)/test/run-config > $(BUILD)/test/run-config.out 2>&1 && \
	    $(TVCFG) --esp $(BUILD)/test/run-config $(BUILD)/test/run-config/EFI/BOOT/tickvisor.cfg \
		>> $(BUILD)/test/run-config.out 2>&1; then \
		echo "PASS: run-config/default-esp-config-accepted ($$(tail -1 $(BUILD)/test/run-config.out))"; \
	else echo "FAIL: run-config/default-esp-config-accepted: $$(tail -2 $(BUILD)/test/run-config.out | tr '\n' ' ')"; \
	fi | tee $(BUILD)/results/run-config.log | grep -q '^PASS' || { cat $(BUILD)/results/run-config.log; exit 1; }

unit: test-run-config
