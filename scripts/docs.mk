# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# make test-docs: every function, struct, enum and path the docs name in
# backquotes exists (scripts/check-docs.py, which checks itself first on a
# planted stale name).  Part of make unit.
.PHONY: test-docs
test-docs:
	@mkdir -p $(BUILD)/results
	@( scripts/check-docs.py --self-test; r1=$$?; scripts/check-docs.py; r2=$$?; exit $$((r1 | r2)) ) \
		> $(BUILD)/results/docs.log 2>&1; rc=$$?; \
		grep -E '^(FAIL|SUMMARY):' $(BUILD)/results/docs.log; exit $$rc

unit: test-docs
