# SPDX-License-Identifier: MIT
# tickvisor top-level Makefile.  `make` builds build/tickvisor.efi; `make run`
# boots it; `make test` runs everything CI checks.  See README.md.

.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD    ?= build
HOST_CC  ?= gcc
VERSION  := 0.1.0
GIT_REV  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)

# ---------------------------------------------------------------------------
# Host unit tests: the pure model (lapic/, timer/ minus hw_*.c) and the
# host-testable parts of the other directories, built with the host cc and
# sanitizers.  Every tests/unit/test_*.c is its own binary.
# ---------------------------------------------------------------------------
PURE_SRCS  := $(wildcard lapic/*.c) $(filter-out timer/hw_%.c,$(wildcard timer/*.c))
# Files outside the pure directories that need no hardware and are tested on the host.
HOST_SRCS  := $(wildcard vmm/config.c vmm/fmt.c vmm/logfmt.c vmx/caps.c vmm/insn.c vmm/errno.c)
UT_LIB_SRCS := tests/unit/harness.c $(wildcard tests/unit/fakes/*.c)
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Iinclude -Itests/unit -Itests/unit/fakes \
	       -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UT_SRCS    := $(wildcard tests/unit/test_*.c)
UT_BINS    := $(patsubst tests/unit/%.c,$(BUILD)/host/%,$(UT_SRCS))

$(BUILD)/host/test_%: tests/unit/test_%.c $(PURE_SRCS) $(HOST_SRCS) $(UT_LIB_SRCS) $(wildcard include/*/*.h lapic/*.h timer/*.h vmm/*.h vmx/*.h tests/unit/*.h tests/unit/fakes/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $< $(PURE_SRCS) $(HOST_SRCS) $(UT_LIB_SRCS)

.PHONY: unit
unit: $(UT_BINS)
	@mkdir -p $(BUILD)/results
	@rc=0; for t in $(UT_BINS); do \
		$$t > $(BUILD)/results/$$(basename $$t).log 2>&1 || rc=1; \
		grep -E '^(FAIL|SUMMARY):|check failed|ran no check|ERROR' $(BUILD)/results/$$(basename $$t).log; \
	done; exit $$rc

# Extra rules owned by the parts (fuzzing, host benchmarks, guests).
-include $(wildcard tests/unit/*.mk tests/guest/*.mk)

.PHONY: all
all:
