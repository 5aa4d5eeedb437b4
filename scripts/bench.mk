# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# `make bench` (issue 6): the benchmark guests (group "bench" of
# tests/guests.cfg) natively and under tickvisor with each host timer
# backend and APIC path in Bochs, plus the host model benchmarks
# (`make bench-host`), in one report: a table on stdout,
# $(BUILD)/bench/results.csv, latency.png and summary.md
# (scripts/tvbench.py), with the goals of issues 11 and 13 as met/missed
# and the VM exit handler cost per exit reason.
#   BENCH_FULL=1     every timer x APIC configuration and 1,000,000 drift
#                    periods (the default is a subset that fits ~25 minutes
#                    on two cores; the output says which subset ran)
#   BENCH_JOBS=N     Bochs runs at a time (2)
#   BENCH_CONFIGS="preempt:apicv hpet:ept ..."   pick the configurations
#   BENCH_REPEAT=T:A the configuration run twice (preempt:apicv)
#   BENCH_SCALE="1 4 16"   load_timers values of the scale runs
#   make bench-report  print the report of the last run again, no boots
# It fails (status 1) on an early fire, a failed guest or two runs of one
# configuration that differ.

BENCH_FULL ?= 0
BENCH_JOBS ?= 2
export BENCH_FULL BENCH_JOBS BENCH_CONFIGS BENCH_REPEAT BENCH_SCALE

# Two more images of the same sources.  The load image, -DTV_LOADGEN, adds
# the load generator (load_timers=, vmm/loadgen.c) and nothing else: the
# scale-N boots, comparable with the product's figures.  The bench image,
# -DTV_BENCH, adds that and the exit-path timing by stage (guest_stage(), the
# "exit path by stage" and "exit handler cost" lines, ~74 ticks per exit in
# Bochs): the stages-* boots only.  make run and make test boot the product
# image, $(BUILD)/tickvisor.efi, which has neither; every other published
# figure is the product's (scripts/tvbench.py).
BENCH_EFI := $(BUILD)/bench-efi/tickvisor.efi
LOAD_EFI := $(BUILD)/load-efi/tickvisor.efi

.PHONY: bench bench-report bench-efi load-efi
bench-efi:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/bench-efi CC="$(CC) -DTV_BENCH" $(BENCH_EFI)

load-efi:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/load-efi CC="$(CC) -DTV_LOADGEN" $(LOAD_EFI)

bench: $(BUILD)/tickvisor.efi bench-efi load-efi guests
	@scripts/deps.sh bochs
	@scripts/deps.sh test >/dev/null 2>&1 || echo "bench: scripts/deps.sh test failed: gnuplot may be missing (no latency.png)"
	@mkdir -p $(BUILD)/bench
	@$(MAKE) --no-print-directory bench-host > $(BUILD)/bench/host.txt 2>&1 || \
		{ cat $(BUILD)/bench/host.txt; echo "FAIL: make bench-host"; exit 1; }
	@BUILD=$(BUILD) python3 scripts/tvbench.py --out $(BUILD)/bench

bench-report:
	@BUILD=$(BUILD) python3 scripts/tvbench.py --out $(BUILD)/bench --no-run
