/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Multiboot v1 guest loader (Multiboot Specification 0.6.96), pure C: it
 * works on a host pointer to guest-physical address 0 and touches nothing
 * else, so the host tests run it unchanged.
 *
 * Image formats, in the spec's order of precedence:
 *  - the a.out kludge (header flag bit 16): the header's address fields say
 *    where the file goes, whatever the file's format ("the boot loader should
 *    use them instead of the fields in the actual executable header"; QEMU
 *    -kernel does the same);
 *  - ELF32 (EM_386) and ELF64 (EM_X86_64): every PT_LOAD segment is copied to
 *    its p_paddr and its p_memsz - p_filesz tail is zeroed.  The entry point
 *    is e_entry unchanged and must fit in 32 bits and lie inside a loaded
 *    segment (GRUB 2 instead maps an e_entry that is a virtual address
 *    through the segment holding it; a higher-half kernel is refused here).
 *    QEMU -kernel refuses ELF64 outright; we accept it when its physical
 *    addresses and entry are below 4 GiB, so a guest linked as ELF64 loads
 *    without an objcopy to ELF32.
 *
 * Header flags: bit 0 (page-aligned modules) and bit 1 (memory information)
 * are always honoured, whether set or not.  Bit 2 (video mode) is accepted and
 * ignored: tickvisor guests have a serial port, no framebuffer, so no VBE or
 * framebuffer field is ever reported.  Any other bit in 0-15 is a requirement
 * we do not know, and the spec says the loader must then fail.
 *
 * Guest-physical layout the loader produces:
 *
 *   0x00000-0x00fff  not loaded (real-mode IVT page): images may not use it
 *   0x09000-0x0ffff  loader area, zeroed, then:
 *     0x09000        struct mb_info                          (EBX)
 *     0x09100        memory map, MB_LOAD_MMAP_ENTRIES entries
 *     0x09200        struct mb_module[MB_LOAD_MAX_MODULES]
 *     0x09600-0xffff strings: boot loader name, cmdline, module strings
 *   0x9fc00-0xfffff  reserved in the map (EBDA-like reserve, VGA, BIOS):
 *                    images may not use it
 *   kernel           at its own addresses, anywhere else within RAM
 *   modules          from the first 4 KiB boundary at or above
 *                    max(end of kernel, 1 MiB), each on a 4 KiB boundary,
 *                    the rest of the last page zeroed
 *
 * Information block: flags MEMORY | CMDLINE | MODS | MEM_MAP |
 * BOOT_LOADER_NAME.  mem_lower = 639: the 640 KiB of conventional memory
 * less the 1 KiB at 0x9fc00 that the map reserves, as a PC BIOS reserves its
 * EBDA.  QEMU's guests see the same 639: its Multiboot option ROM fills
 * mem_lower from INT 12h, which SeaBIOS answers net of its 1 KiB EBDA.
 * mem_upper = (ram_bytes - 1 MiB) / 1024.  QEMU keeps its map at 0x9000 and
 * its information block at 0x9500; ours start at 0x9000 too.  The map is:
 *   [0, 0x9fc00) available, [0x9fc00, 0xa0000) reserved,
 *   [0xf0000, 0x100000) reserved, [0x100000, ram_bytes) available.
 * The loader area and the modules lie in available memory, as with GRUB and
 * QEMU: the guest must read them before it reuses that memory.
 * No boot device is reported (there is no boot disk).
 *
 * Command line: QEMU's -kernel gives the guest "<kernel path> <args>" (with a
 * trailing space when there are no args).  Set image_name to the guest's
 * path to get exactly that string; with image_name NULL the guest gets the
 * cmdline alone, and "" when that is NULL too.  A module's string is its
 * cmdline (QEMU: the whole -initrd entry, "path args"), "" when NULL.
 *
 * Only the loader area, the kernel's ranges and the module pages are
 * written; the caller hands over zeroed RAM so that nothing else leaks into
 * the guest.  Everything is validated before the first byte is written: a
 * refused image leaves ram untouched.
 */
#ifndef TV_VMM_MB_LOADER_H
#define TV_VMM_MB_LOADER_H

#include <tv/types.h>

#define MB_LOAD_AREA_START		0x9000U
#define MB_LOAD_AREA_END		0x10000U	/* exclusive */
#define MB_LOAD_INFO_GPA		0x9000U
#define MB_LOAD_MMAP_GPA		0x9100U
#define MB_LOAD_MODS_GPA		0x9200U
#define MB_LOAD_STRINGS_GPA		0x9600U
#define MB_LOAD_MAX_MODULES		64U
#define MB_LOAD_MMAP_ENTRIES		4U

/* Images must not use the first page nor the legacy hole below 1 MiB. */
#define MB_LOAD_LOW_LIMIT		0x1000U
#define MB_LOAD_EBDA_START		0x9fc00U
#define MB_LOAD_BIOS_START		0xf0000U
#define MB_LOAD_HIGH_START		0x100000U

/* Guest RAM accepted: a multiple of 4 KiB from 2 MiB up to the IOAPIC/LAPIC area. */
#define MB_LOAD_MIN_RAM			0x200000ULL
#define MB_LOAD_MAX_RAM			0xfec00000ULL

/* More program headers than this is refused (and bounds the overlap check). */
#define MB_LOAD_MAX_PHDRS		128U

enum mb_image_kind {
	MB_IMAGE_ELF32,
	MB_IMAGE_ELF64,
	MB_IMAGE_AOUT_KLUDGE,
};

struct mb_module_src {
	const uint8_t *data;
	uint64_t size;
	const char *cmdline;		/* the module's string, e.g. its path; NULL: "" */
};

struct mb_load_request {
	const uint8_t *image;
	uint64_t image_size;
	const char *image_name;		/* NULL, or the path QEMU would put first on the cmdline */
	const char *cmdline;		/* NULL: "" */
	const struct mb_module_src *modules;
	unsigned int nr_modules;
	const char *boot_loader_name;	/* NULL: "tickvisor" */
};

struct mb_load_result {
	uint32_t entry;			/* EIP at entry (32-bit protected mode, paging off) */
	uint32_t info_gpa;		/* EBX: the information block */
	uint32_t load_start;		/* lowest byte of the kernel image */
	uint32_t load_end;		/* first byte after it, bss included */
	uint32_t modules_end;		/* first byte after the last module; load_end without modules */
	uint32_t header_offset;		/* file offset of the Multiboot header */
	uint32_t header_flags;
	enum mb_image_kind kind;
};

/*
 * @brief Load a Multiboot v1 image, its modules and the boot information.
 * @pre ram points to ram_bytes of guest RAM (guest-physical 0 up), zeroed;
 *      req's strings are NUL-terminated.
 * @return 0 and *res filled, or
 * @retval -TV_ENOEXEC the image is not loadable (no or bad header, unknown
 *         required flag, malformed or truncated ELF, overlapping ranges,
 *         entry out of reach),
 * @retval -TV_E2BIG the kernel, the modules or the strings do not fit,
 * @retval -TV_EINVAL bad arguments (NULL pointers, RAM size out of range).
 *         On failure why[why_len] holds a one-line reason (if why != NULL),
 *         res and ram are untouched.
 */
int mb_load(uint8_t *ram, uint64_t ram_bytes, const struct mb_load_request *req,
	    struct mb_load_result *res, char *why, size_t why_len);

/* "ELF32", "ELF64" or "a.out kludge", for log lines. */
const char *mb_image_kind_name(enum mb_image_kind kind);

#endif /* TV_VMM_MB_LOADER_H */
