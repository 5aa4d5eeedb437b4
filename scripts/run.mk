# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# Running tickvisor (included by the top-level Makefile):
#   make run [PLATFORM=auto|qemu|qemu-tcg|bochs] [CONFIG=file] [TIMEOUT=s]
#   make debug            QEMU TCG stopped for gdb; writes $(BUILD)/gdbinit
#   make info             tools, paths, the platform run picks, the config
#   make check-host       can this host run QEMU+KVM with nested VT-x?
#   make esp.img          $(BUILD)/esp.img, a FAT image of the ESP
#   make usb.img          $(BUILD)/usb.img, a GPT disk for a USB stick
#   make deps             install every missing Debian package
# Boot tests for make test (results in $(BUILD)/results/*.log):
#   make test-boot-bochs test-boot-qemu test-config-errors

PLATFORM ?= auto
CONFIG   ?= scripts/tickvisor.cfg
TIMEOUT  ?= 300
ESP_DIR  := $(BUILD)/esp

# The boot tests for make test, and their result logs for scripts/summary.sh.
TV_BOOT_TESTS   := test-boot-bochs test-boot-qemu test-config-errors test-vmm-exception
TV_BOOT_RESULTS := $(BUILD)/results/boot-bochs.log $(BUILD)/results/boot-qemu.log \
		   $(BUILD)/results/config-errors.log $(BUILD)/results/vmm-exception.log

# deps.sh groups each platform needs; auto needs QEMU where KVM can nest
# VT-x (scripts/check-host.sh succeeds), else Bochs.
TV_DEPS_auto     = $(shell scripts/check-host.sh >/dev/null 2>&1 && echo qemu || echo bochs)
TV_DEPS_bochs    := bochs
TV_DEPS_qemu     := qemu
TV_DEPS_qemu-tcg := qemu

# tv_make_esp DIR CONFIG: a fresh ESP folder with the app, its config and
# the guests built so far.
define tv_make_esp
	@rm -rf $(1)
	@mkdir -p $(1)/EFI/BOOT
	@cp $(BUILD)/tickvisor.efi $(1)/EFI/BOOT/BOOTX64.EFI
	@cp $(2) $(1)/EFI/BOOT/tickvisor.cfg
	@if ls $(BUILD)/guests/*.elf >/dev/null 2>&1; then \
		mkdir -p $(1)/guests && cp $(BUILD)/guests/*.elf $(1)/guests/; fi
endef

.PHONY: run debug info check-host esp.img usb.img deps esp
.PHONY: test-boot-bochs test-boot-qemu test-config-errors

# check-config (scripts/tvcfg.mk's tvcfg, the EFI app's parser built for the
# host) comes first: a bad key, a bad value or a missing guest/module file
# stops make with "CONFIG:LINE: message" and status 2 before anything boots.
# Paths are checked against the ESP to be: guests/ is $(BUILD)/guests.  Once
# the ESP is built, the file it boots (CONFIG plus the default guest set) is
# checked once more against the real folder.  The boot-time check stays.
# The syntax comes first (check-config-syntax needs only the host-built
# checker, about a second on a fresh clone), then the guests are built and
# their paths checked: a typo never waits for a build.
.PHONY: check-config check-config-syntax
# (scripts/tvcfg.mk, read after this file, adds the prerequisite $(TVCFG).)
check-config-syntax:
	@[ -r "$(CONFIG)" ] || { echo "check-config: error: config file $(CONFIG) not found"; exit 2; }
	@$(TVCFG) $(CONFIG) >/dev/null || { $(TVCFG) $(CONFIG); exit 2; }

check-config: check-config-syntax guests
	@$(TVCFG) --map guests=$(BUILD)/guests $(CONFIG)

esp: check-config-syntax check-config $(BUILD)/tickvisor.efi guests
	@[ -r "$(CONFIG)" ] || { echo "run: error: config file $(CONFIG) not found"; exit 1; }
	$(call tv_make_esp,$(ESP_DIR),$(CONFIG))
	@scripts/run-config.sh $(CONFIG) tests/guests.cfg $(BUILD)/guests $(ESP_DIR)
	@$(TVCFG) --esp $(ESP_DIR) $(ESP_DIR)/EFI/BOOT/tickvisor.cfg >/dev/null || \
		{ $(TVCFG) --esp $(ESP_DIR) $(ESP_DIR)/EFI/BOOT/tickvisor.cfg; \
		  echo "esp: error: the ESP's config (CONFIG=$(CONFIG) plus the guests run-config.sh added) is refused"; exit 2; }

run: esp
	@scripts/deps.sh $(or $(TV_DEPS_$(PLATFORM)),qemu)
	@scripts/run.sh $(PLATFORM) $(ESP_DIR) $(BUILD)/run/serial.log $(TIMEOUT)

debug: esp $(BUILD)/tickvisor.debug
	@scripts/deps.sh debug
	@scripts/gdbinit.sh $(ESP_DIR) $(BUILD)/gdbinit $(BUILD)/tickvisor.debug

info:
	@scripts/info.sh $(CONFIG) $(BUILD)

check-host:
	@scripts/check-host.sh || true

esp.img: esp
	@scripts/mkimg.sh $(ESP_DIR) $(BUILD)/esp.img
	@echo "wrote $(BUILD)/esp.img (FAT, no partition table: Bochs disk or 'dd' to a stick)"

usb.img: esp
	@scripts/deps.sh usb
	@scripts/mkusb.sh $(ESP_DIR) $(BUILD)/usb.img
	@echo "wrote $(BUILD)/usb.img (GPT + EFI system partition): dd if=$(BUILD)/usb.img of=/dev/sdX bs=4M conv=fsync"

deps:
	@scripts/deps.sh all

# Bochs (software VMX): the capability report, VMXON and VMXOFF, a clean end.
test-boot-bochs: $(BUILD)/tickvisor.efi
	@scripts/deps.sh bochs
	$(call tv_make_esp,$(BUILD)/test/boot-bochs/esp,scripts/tickvisor.cfg)
	@scripts/boot-test.sh boot/bochs bochs $(BUILD)/test/boot-bochs/esp \
		$(BUILD)/results/boot-bochs.log 300 \
		'cpu-report=^\[[^]]*\] cpu[0-9]+ [A-Z]+ +cpu: ' \
		'vmx-report=^\[[^]]*\] cpu[0-9]+ [A-Z]+ +vmx: ' \
		'vmxon-ok=vmx: VMXON ok' \
		'apic-write-path-by-default=vmx: xAPIC MMIO path: apicv \(APIC-register virtualization' \
		'timer-backends-reported=timer: timer=auto: running guests use preempt' \
		'boot-calibration=vmm: timer calibration at boot' \
		'vmxoff-ok=vmx: VMXOFF ok' \
		--status 0

# QEMU TCG (no VMX): the no-VT-x report with its remedy, status 1, QEMU exit 3.
test-boot-qemu: $(BUILD)/tickvisor.efi
	@scripts/deps.sh qemu
	$(call tv_make_esp,$(BUILD)/test/boot-qemu/esp,scripts/tickvisor.cfg)
	@scripts/boot-test.sh boot/qemu qemu-tcg $(BUILD)/test/boot-qemu/esp \
		$(BUILD)/results/boot-qemu.log 120 \
		'no-vtx-report=VT-x not available' \
		'remedy=kvm_intel nested=1' \
		--status 1 --qemu-rc 3

# An unknown key: one error line naming it, status 2 (config error).
test-config-errors: $(BUILD)/tickvisor.efi
	@scripts/deps.sh qemu
	@mkdir -p $(BUILD)/test/config-errors
	@printf '# test-config-errors: an unknown key\nlog=info\ntv_no_such_key=1\n' \
		>$(BUILD)/test/config-errors/tickvisor.cfg
	$(call tv_make_esp,$(BUILD)/test/config-errors/esp,$(BUILD)/test/config-errors/tickvisor.cfg)
	@scripts/boot-test.sh config/errors qemu-tcg $(BUILD)/test/config-errors/esp \
		$(BUILD)/results/config-errors.log 120 \
		'error-names-key=cpu[0-9]+ ERR +.*tv_no_such_key' \
		--once 'one-line=tv_no_such_key' \
		--status 2 --qemu-rc 5

# fault=pf: the VMM's own exception report (vector, error code, registers,
# CR2, stack trace) and its distinct status 3, instead of a silent triple fault.
.PHONY: test-vmm-exception
test-vmm-exception: $(BUILD)/tickvisor.efi
	@scripts/deps.sh qemu
	@mkdir -p $(BUILD)/test/vmm-exception
	@printf '# test-vmm-exception: fault on purpose\nfault=pf\n' \
		>$(BUILD)/test/vmm-exception/tickvisor.cfg
	$(call tv_make_esp,$(BUILD)/test/vmm-exception/esp,$(BUILD)/test/vmm-exception/tickvisor.cfg)
	@scripts/boot-test.sh vmm/exception qemu-tcg $(BUILD)/test/vmm-exception/esp \
		$(BUILD)/results/vmm-exception.log 120 \
		'vector=VMM exception: vector 14 \(#PF page fault\)' \
		'registers=RAX [0-9a-f]{16} RBX' \
		'cr2=CR2 0000008000000000' \
		'stack-trace=stack trace \(frame pointers' \
		--status 3 --qemu-rc 7
