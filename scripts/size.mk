# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# make test-size: no product function body over 80 lines, no product file
# over 800 lines (issue 10), judged by scripts/check-size.py, which checks
# itself first on planted sources.  Part of make unit.
.PHONY: test-size
test-size:
	@mkdir -p $(BUILD)/results
	@( scripts/check-size.py --self-test; r1=$$?; scripts/check-size.py; r2=$$?; exit $$((r1 | r2)) ) \
		> $(BUILD)/results/size.log 2>&1; rc=$$?; \
		grep -E '^(FAIL|SUMMARY):' $(BUILD)/results/size.log; exit $$rc

unit: test-size
