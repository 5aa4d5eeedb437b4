# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# Guest selftests: freestanding Multiboot v1 kernels, one per tests/guest/*.c,
# linked with the runtime in tests/guest/lib.
#
#   make guests            build/guests/<name>.elf for every guest: ELF32
#                          (objcopy -O elf32-i386 of the 64-bit link), the
#                          form QEMU -kernel needs and tickvisor loads.
#   make test-guests-qemu  run every tests/guests.cfg entry natively on QEMU
#                          TCG (scripts/tvrun.py --platform qemu);
#                          GUESTS="a b" runs only those entries.

GUEST_CC      ?= gcc
GUEST_LD      ?= ld
GUEST_OBJCOPY ?= objcopy
GUEST_NASM    ?= nasm
GUEST_DIR     := tests/guest
GUEST_OUT     := $(BUILD)/guests

# -fno-tree-loop-distribute-patterns: the loops in lib/string.c must not be
# turned back into calls to memset/memcpy, which they implement.
GUEST_CFLAGS  := -std=gnu11 -m64 -ffreestanding -fno-pic -fno-pie -mno-red-zone \
		 -mgeneral-regs-only -mcmodel=small -nostdlib -O2 -Wall -Wextra -Werror \
		 -fno-stack-protector -fno-asynchronous-unwind-tables -fno-common \
		 -fno-tree-loop-distribute-patterns -I$(GUEST_DIR)/lib
GUEST_DEPFLAGS := -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
		 --no-warn-rwx-segments -T $(GUEST_DIR)/lib/guest.ld

GUEST_NAMES   := $(basename $(notdir $(wildcard $(GUEST_DIR)/*.c)))
GUEST_LIB_C   := $(wildcard $(GUEST_DIR)/lib/*.c)
GUEST_LIB_OBJS := $(patsubst $(GUEST_DIR)/lib/%.c,$(GUEST_OUT)/lib/%.o,$(GUEST_LIB_C)) \
		  $(GUEST_OUT)/lib/entry.o
GUEST_ELFS    := $(patsubst %,$(GUEST_OUT)/%.elf,$(GUEST_NAMES))

$(GUEST_OUT)/lib/%.o: $(GUEST_DIR)/lib/%.c $(GUEST_DIR)/guest.mk
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $<"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_DEPFLAGS) -c -o $@ $<

$(GUEST_OUT)/lib/entry.o: $(GUEST_DIR)/lib/entry.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(GUEST_NASM) -f elf64 -o $@ $<

$(GUEST_OUT)/%.o: $(GUEST_DIR)/%.c $(GUEST_DIR)/guest.mk
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $<"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_DEPFLAGS) -c -o $@ $<

# guest_name (lib/guest.h) is the file name, compiled in at link time.
$(GUEST_OUT)/%.elf64: $(GUEST_OUT)/%.o $(GUEST_LIB_OBJS) $(GUEST_DIR)/lib/guest.ld
	@echo "  GUESTLD $@"
	$(Q)echo 'const char guest_name[] = "$*";' | \
		$(GUEST_CC) $(GUEST_CFLAGS) -x c -c -o $(GUEST_OUT)/$*.name.o -
	$(Q)$(GUEST_LD) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_OUT)/$*.name.o $(GUEST_LIB_OBJS)

$(GUEST_OUT)/%.elf: $(GUEST_OUT)/%.elf64
	$(Q)$(GUEST_OBJCOPY) -O elf32-i386 $< $@

.SECONDARY: $(GUEST_ELFS:.elf=.elf64) $(GUEST_ELFS:.elf=.o) $(GUEST_LIB_OBJS)

-include $(wildcard $(GUEST_OUT)/*.d $(GUEST_OUT)/lib/*.d)

# Images tickvisor's loader must refuse (tests/guests.cfg, expect=refused):
# one that is not a Multiboot kernel at all, and hello.elf cut after 8 KiB,
# which keeps its Multiboot header and program headers but not the segment
# they describe.
GUEST_BAD := $(GUEST_OUT)/bad_not_multiboot.img $(GUEST_OUT)/bad_truncated.elf

$(GUEST_OUT)/bad_not_multiboot.img: $(GUEST_DIR)/guest.mk
	@mkdir -p $(dir $@)
	@echo "  GEN     $@ (bad image on purpose)"
	$(Q)yes 'not a Multiboot kernel' | head -c 16384 >$@

$(GUEST_OUT)/bad_truncated.elf: $(GUEST_OUT)/hello.elf
	@echo "  GEN     $@ (bad image on purpose)"
	$(Q)head -c 8192 $< >$@

.PHONY: guests test-guests-qemu
guests: $(GUEST_ELFS) $(GUEST_BAD)

test-guests-qemu: guests
	$(Q)python3 scripts/tvrun.py --platform qemu --cfg tests/guests.cfg --dir $(GUEST_OUT) \
		--out $(BUILD)/test/guests-qemu --results $(BUILD)/results/guests-qemu.log $(GUESTS)
