# SPDX-License-Identifier: MIT
# tickvisor top-level Makefile.  `make` builds build/tickvisor.efi; `make run`
# boots it; `make test` runs everything CI checks.  See README.md.

.DEFAULT_GOAL := all
SHELL := /bin/bash

# Build tools first: every goal that compiles anything (plain `make`
# included) installs the Debian build group if it is missing, as make run
# and make test always did, instead of stopping at a missing <efi.h>.  It is
# a fast no-op when all is there, done once per top-level make.
TV_NO_DEPS_GOALS := help clean info check-host deps check-config-syntax config-docs bench-report
ifeq ($(TV_BUILD_DEPS_DONE),)
ifneq ($(if $(MAKECMDGOALS),$(filter-out $(TV_NO_DEPS_GOALS),$(MAKECMDGOALS)),all),)
TV_BUILD_DEPS_RC := $(shell scripts/deps.sh build >&2; echo $$?)
ifneq ($(TV_BUILD_DEPS_RC),0)
$(error the build tools are missing and could not be installed: run scripts/deps.sh build (as root) and see its message above)
endif
export TV_BUILD_DEPS_DONE := 1
endif
endif

BUILD    ?= build
# V=1 prints every command in full; by default one short line per file.
V        ?= 0
Q        := $(if $(filter 1,$(V)),,@)
HOST_CC  ?= gcc
VERSION  := 0.1.0
GIT_REV  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)

# ---------------------------------------------------------------------------
# Host unit tests: the pure model (lapic/, timer/) and the
# host-testable parts of the other directories, built with the host cc and
# sanitizers.  Every tests/unit/test_*.c is its own binary.
# ---------------------------------------------------------------------------
PURE_SRCS  := $(wildcard lapic/*.c timer/*.c)
# Files outside the pure directories that need no hardware and are tested on the host.
HOST_SRCS  := $(wildcard vmm/config.c vmm/config_parse.c lib/fmt.c lib/logfmt.c vmx/caps.c vmm/insn.c lib/errno.c lib/udiv128.c)
UT_LIB_SRCS := tests/unit/harness.c $(wildcard tests/unit/fakes/*.c)
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Iinclude -Itests/unit -Itests/unit/fakes \
	       -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UT_SRCS    := $(wildcard tests/unit/test_*.c)
UT_BINS    := $(patsubst tests/unit/%.c,$(BUILD)/host/%,$(UT_SRCS))

HOST_HDRS  := $(wildcard include/*/*.h lapic/*.h timer/*.h vmm/*.h vmx/*.h hw/*.h tests/unit/*.h tests/unit/fakes/*.h)

# Each source is compiled once and linked into every test, and kept for the
# next make (.PRECIOUS: not an intermediate file); the test rule is below the
# fragments, which add to HOST_SRCS.
.PRECIOUS: $(BUILD)/host/obj/%.o
$(BUILD)/host/obj/%.o: %.c $(HOST_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

# The loader's real-image check loads every guest tests/guests.cfg names:
# the guests are built first, so that check always runs for real.
.PHONY: unit
unit: $(UT_BINS) guests
	@mkdir -p $(BUILD)/results
	@rc=0; for t in $(UT_BINS); do \
		TV_GUEST_DIR=$(BUILD)/guests $$t > $(BUILD)/results/unit-$$(basename $$t).log 2>&1 || rc=1; \
		grep -E '^(FAIL|SUMMARY):|check failed|ran no check|ERROR' $(BUILD)/results/unit-$$(basename $$t).log; \
	done; exit $$rc

# Extra rules owned by the parts (fuzzing, host benchmarks, guests).
-include $(wildcard tests/unit/*.mk tests/guest/*.mk scripts/*.mk)

UT_OBJS := $(patsubst %.c,$(BUILD)/host/obj/%.o,$(PURE_SRCS) $(HOST_SRCS) $(UT_LIB_SRCS))
$(BUILD)/host/test_%: tests/unit/test_%.c $(UT_OBJS) $(HOST_HDRS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ $< $(UT_OBJS)

# ---------------------------------------------------------------------------
# The EFI image: every .c and .asm of boot/ vmx/ vmm/ hw/ lib/ lapic/ timer/, compiled
# freestanding, linked with GNU-EFI's crt0 and relocation code by our
# linker.ld into tickvisor.so (kept as tickvisor.debug for gdb), then turned
# into a PE32+ EFI application.
# ---------------------------------------------------------------------------
EFI_INC    ?= /usr/include/efi
EFI_LIB    ?= /usr/lib
EFI_CRT0   := $(EFI_LIB)/crt0-efi-x86_64.o
IMG_SRCS   := $(wildcard boot/*.c vmx/*.c vmm/*.c hw/*.c lib/*.c lapic/*.c timer/*.c)
ASM_SRCS   := $(wildcard boot/*.asm vmx/*.asm vmm/*.asm hw/*.asm)
IMG_OBJS   := $(patsubst %.c,$(BUILD)/obj/%.o,$(IMG_SRCS)) $(patsubst %.asm,$(BUILD)/obj/%.asm.o,$(ASM_SRCS))
CC         ?= gcc
IMG_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin-printf \
	      -fpic -fshort-wchar -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	      -fno-strict-aliasing -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	      -fno-exceptions -DGNU_EFI_USE_MS_ABI -Iinclude -I$(EFI_INC) -I$(EFI_INC)/x86_64 \
	      -DTV_VERSION='"$(VERSION)"' -DTV_GIT_REV='"$(GIT_REV)"' -MMD -MP
IMG_LDFLAGS := -nostdlib -znocombreloc -zmax-page-size=4096 -T linker.ld -shared -Bsymbolic \
	       --no-undefined -L$(EFI_LIB)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(IMG_CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)nasm -f elf64 -g -F dwarf -MD $(@:.o=.d) -o $@ $<

# Only the version string depends on the revision: rebuild that one object.
$(BUILD)/obj/boot/efi_main.o: $(BUILD)/git-rev
$(BUILD)/git-rev: FORCE
	@mkdir -p $(BUILD); echo '$(GIT_REV)' | cmp -s - $@ || echo '$(GIT_REV)' > $@

$(BUILD)/tickvisor.so: $(IMG_OBJS) linker.ld
	@echo "  LD      $@"
	$(Q)ld $(IMG_LDFLAGS) -o $@ $(EFI_CRT0) $(IMG_OBJS) -lefi -lgnuefi
	@if readelf -r $@ | grep -E 'R_X86_64_' | grep -v R_X86_64_RELATIVE | grep -q .; then \
		echo "error: $@ has relocations other than R_X86_64_RELATIVE:"; \
		readelf -r $@ | grep -v R_X86_64_RELATIVE | head; exit 1; fi

$(BUILD)/tickvisor.debug: $(BUILD)/tickvisor.so
	$(Q)cp $< $@

$(BUILD)/tickvisor.efi: $(BUILD)/tickvisor.so $(BUILD)/tickvisor.debug
	@echo "  OBJCOPY $@"
	$(Q)objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .reloc --target=efi-app-x86_64 --subsystem=10 $< $@
	@echo "built $@ ($$(stat -c %s $@) bytes), symbols in $(BUILD)/tickvisor.debug"

-include $(IMG_OBJS:.o=.d)

.PHONY: all FORCE
all: $(BUILD)/tickvisor.efi
FORCE:

# ---------------------------------------------------------------------------
# make test: everything CI checks.  Each step writes PASS:/FAIL:/SKIP: lines
# into $(BUILD)/results/; a step that fails without saying why in a FAIL line
# (a build error, say) gets one there, so nothing fails silently.  The last
# line is scripts/summary.sh's "N passed, M failed[, K skipped]".
# ---------------------------------------------------------------------------
TEST_STEPS := unit test-layering test-fuzz test-insn-diff $(TV_BOOT_TESTS) \
	      test-guests-qemu-results $(TV_GUEST_TESTS) test-timer-fallback test-timer-matrix

.PHONY: test test-layering test-fuzz test-insn-diff test-guests-qemu-results
# Each step prints its elapsed time; the start line gives the expected total
# from the last run in this build folder ($(BUILD)/test-times).
test:
	@scripts/deps.sh build bochs qemu test
	@rm -rf $(BUILD)/results; mkdir -p $(BUILD)/results
	@scripts/test-steps.sh $(BUILD) $(MAKE) $(TEST_STEPS) || rc=1; \
	scripts/summary.sh $(BUILD)/results/*.log || rc=1; exit $${rc:-0}

test-layering:
	@mkdir -p $(BUILD)/results
	@{ scripts/check-purity.py; r1=$$?; scripts/check-purity.py --self-test; r2=$$?; exit $$((r1 | r2)); } | tee $(BUILD)/results/layering.log; exit $${PIPESTATUS[0]}

test-fuzz:
	@mkdir -p $(BUILD)/results
	@$(MAKE) --no-print-directory fuzz-short | tee $(BUILD)/results/fuzz.log; exit $${PIPESTATUS[0]}

test-insn-diff:
	@mkdir -p $(BUILD)/results
	@$(MAKE) --no-print-directory insn-diff | tee $(BUILD)/results/insn-diff.log; exit $${PIPESTATUS[0]}

# The guests natively on QEMU TCG (-kernel): each guest's checks, and one
# verdict line per guest (the runner, scripts/tvqemu.py, writes the log).
test-guests-qemu-results:
	@mkdir -p $(BUILD)/results $(BUILD)/test
	@: > $(BUILD)/results/guests-qemu.log
	@$(MAKE) --no-print-directory test-guests-qemu > $(BUILD)/test/guests-qemu.out 2>&1; rc=$$?; \
	tail -12 $(BUILD)/test/guests-qemu.out; exit $$rc

# ---------------------------------------------------------------------------
# The LAPIC timer selftests (group "timer" of tests/guests.cfg) under every
# host timer backend and xAPIC path, and the same verdicts everywhere
# (issue 5).  make test runs TIMER_MATRIX_CI, which covers each backend and
# each path at least once (the default auto = preempt + apicv run is
# test-guests-bochs); make test-full runs the whole matrix.
# ---------------------------------------------------------------------------
TIMER_MATRIX_CI   := hpet:access tsc-deadline:ept poll:apicv preempt:ept
TIMER_MATRIX_FULL := $(foreach t,preempt hpet tsc-deadline poll,$(foreach a,apicv access ept,$(t):$(a)))
TIMER_MATRIX      ?= $(TIMER_MATRIX_CI)

.PHONY: test-timer-matrix test-full
test-timer-matrix: $(BUILD)/tickvisor.efi guests
	@scripts/deps.sh bochs
	@mkdir -p $(BUILD)/results
	@rc=0; printf '%s\n' $(TIMER_MATRIX) | xargs -P 2 -I{} sh -c ' \
		t=$${1%%:*}; a=$${1#*:}; \
		scripts/run-guests-tickvisor.sh --mode vmx --group timer --label -$$t-$$a \
			--efi $(BUILD)/tickvisor.efi --dir $(BUILD)/guests --tv-config timer=$$t --tv-config apic=$$a \
			--out $(BUILD)/test/timer-$$t-$$a \
			--results $(BUILD)/results/timer-$$t-$$a.log > $(BUILD)/test/timer-$$t-$$a.out 2>&1; \
		r=$$?; echo "timer=$$t apic=$$a: $$(grep -c "^ok" $(BUILD)/test/timer-$$t-$$a.out) ok, \
			$$(grep -c "^not ok" $(BUILD)/test/timer-$$t-$$a.out) not ok (exit $$r)"; exit $$r' _ {} || rc=1; \
	args=""; [ -r $(BUILD)/results/guests-bochs-native.log ] && args="native=$(BUILD)/results/guests-bochs-native.log"; \
	[ -r $(BUILD)/results/guests-bochs-vmx.log ] && args="$$args vmx-auto=$(BUILD)/results/guests-bochs-vmx.log"; \
	[ -r $(BUILD)/results/timer-cnl.log ] && args="$$args cnl-auto=$(BUILD)/results/timer-cnl.log"; \
	for c in $(TIMER_MATRIX); do t=$${c%%:*}; a=$${c#*:}; \
		args="$$args $$t-$$a=$(BUILD)/results/timer-$$t-$$a.log"; done; \
	python3 scripts/tvrun.py --compare $$args | tee $(BUILD)/results/timer-verdicts.log; \
	[ $${PIPESTATUS[0]} -eq 0 ] || rc=1; exit $$rc

# Bochs's corei3_cnl model has no APIC-register virtualization: apic=auto
# must fall back to the APIC-access path, and the timer selftests still pass.
.PHONY: test-timer-fallback
test-timer-fallback: $(BUILD)/tickvisor.efi guests
	@scripts/deps.sh bochs
	@mkdir -p $(BUILD)/results
	@BOCHS_CPU=corei3_cnl scripts/run-guests-tickvisor.sh --mode vmx --group timer --label -cnl \
		--efi $(BUILD)/tickvisor.efi --dir $(BUILD)/guests --out $(BUILD)/test/timer-cnl --results $(BUILD)/results/timer-cnl.log \
		> $(BUILD)/test/timer-cnl.out 2>&1; rc=$$?; \
	grep -E '^(ok|not ok)' $(BUILD)/test/timer-cnl.out; \
	if grep -q 'xAPIC MMIO path: access' $(BUILD)/test/timer-cnl/serial.log; then \
		echo "PASS: timer/cnl/auto-falls-back-to-access-path" >> $(BUILD)/results/timer-cnl.log; \
	else echo "FAIL: timer/cnl/auto-falls-back-to-access-path" >> $(BUILD)/results/timer-cnl.log; rc=1; fi; \
	tail -1 $(BUILD)/results/timer-cnl.log; exit $$rc

# Everything, with the whole timer matrix (12 backend x path runs).
test-full:
	@$(MAKE) --no-print-directory test TIMER_MATRIX="$(TIMER_MATRIX_FULL)"

.PHONY: clean help
clean:
	rm -rf $(BUILD)

# One line per user-facing target (scripts/*.mk and tests/*/*.mk add theirs).
help:
	@echo 'tickvisor: make [TARGET] [VAR=value]   (V=1 shows every compiler command)'
	@echo
	@echo 'Start here:'
	@echo '  run                 build, then boot tickvisor on the best platform here (PLATFORM=auto|qemu|qemu-tcg|bochs, CONFIG=file, TIMEOUT=s)'
	@echo '  test                everything CI checks; ends with "N passed, M failed[, K skipped]"'
	@echo '  help                this list'
	@echo
	@echo 'Build:'
	@echo '  all (default)       $(BUILD)/tickvisor.efi (+ tickvisor.debug for gdb)'
	@echo '  guests              the selftest and benchmark guests in $(BUILD)/guests'
	@echo '  esp.img             a FAT image of the ESP (app, config, guests)'
	@echo '  usb.img             a GPT disk image to dd to a USB stick'
	@echo '  check-config        check CONFIG (default scripts/tickvisor.cfg) and its guest files on the host'
	@echo '  config-docs         rewrite the key table in docs/configuration.md from vmm/config.c'
	@echo '  deps                install every Debian package any target needs'
	@echo '  clean               remove $(BUILD)'
	@echo
	@echo 'Test (each is a step of make test unless noted):'
	@echo '  unit                host unit tests of the pure model, planner, decoder, loader, config'
	@echo '  test-layering       the purity and layering rules, judged from compiler output (scripts/check-purity.py)'
	@echo '  fuzz-short          bounded libFuzzer runs of the vLAPIC and the planner (test-fuzz)'
	@echo '  fuzz                every fuzz target in turn, FUZZ_SECONDS each (fuzz-vlapic, -plan, -sched, -mmio alone)'
	@echo '  test-boot-bochs     boot in Bochs: capability report, VMXON/VMXOFF, calibration, clean end'
	@echo '  test-boot-qemu      boot on QEMU TCG (no VT-x): the report, its remedy and status 1'
	@echo '  test-config-errors  an unknown key at boot: one error line, status 2'
	@echo '  test-vmm-exception  fault=pf: the VMM exception report and status 3'
	@echo '  test-tvcfg, test-run-config  the host config checker; make run'"'"'s own ESP config (in unit)'
	@echo '  insn-diff           the MMIO decoder against Zydis on random instructions (test-insn-diff)'
	@echo '  test-guests-bochs   every selftest guest under tickvisor in Bochs, up to 256 a boot (GUESTS="a b", GUEST_GROUP=g)'
	@echo '  test-guests-native  the same guests natively in Bochs (mode=native)'
	@echo '  test-guests-paths   tests/hostile.cfg under apic=apicv|access|ept; groups fidelity,isolation under access|ept (GUEST_PATH_RUNS=...)'
	@echo '  test-guests-qemu    the same guests natively on QEMU TCG (-kernel; test-guests-qemu-results in make test)'
	@echo '  test-timer-matrix   the timer guests under timer backends x APIC paths (TIMER_MATRIX="t:a ...")'
	@echo '  test-timer-fallback the timer guests on a CPU model without APIC-register virtualization'
	@echo '  test-full           make test with the whole 12-combination timer matrix (not in CI)'
	@echo
	@echo 'Measure:'
	@echo '  bench               benchmark guests natively and under every configuration: table, CSV, plot'
	@echo '  bench-report        the report of the last make bench again'
	@echo '  bench-host          time the pure model and host queue on the host'
	@echo
	@echo 'Inspect:'
	@echo '  info                tools, paths, the platform make run would pick, the config'
	@echo '  check-host          can this host run QEMU+KVM with nested VT-x?'
	@echo '  debug               QEMU stopped for gdb, with $(BUILD)/gdbinit'
	@echo
	@echo 'Docs: README.md, docs/testing.md (what make test runs), docs/configuration.md (every key).'
