/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Multiboot v1: the OS image header and the boot information the loader
 * hands over (Multiboot Specification version 0.6.96, "OS image format" and
 * "Boot information format").  Constants and layouts only.
 *
 * All structures are little-endian and packed; offsets are pinned below
 * because the guest reads them at the spec's byte offsets.
 */
#ifndef TV_X86_MULTIBOOT_H
#define TV_X86_MULTIBOOT_H

#include <tv/types.h>

/* "The layout of Multiboot header": magic, flags, checksum. */
#define MB_HEADER_MAGIC			0x1badb002U
/* The header must lie, 32-bit aligned, completely within the first 8192 bytes. */
#define MB_HEADER_SEARCH_BYTES		8192U
#define MB_HEADER_ALIGN			4U

/*
 * Header flags.  Bits 0-15 are requirements: "If the boot loader does not
 * understand all the bits set in [0-15] it must fail".  Bits 16-31 are
 * optional features the loader may ignore.
 */
#define MB_HEADER_PAGE_ALIGN		0x00000001U	/* modules on 4 KiB boundaries */
#define MB_HEADER_MEMORY_INFO		0x00000002U	/* mem_* (and mmap_*) wanted */
#define MB_HEADER_VIDEO_MODE		0x00000004U	/* video mode table wanted */
#define MB_HEADER_AOUT_KLUDGE		0x00010000U	/* address fields valid */
#define MB_HEADER_REQUIRED_MASK		0x0000ffffU

/* Value in EAX when the loader enters the OS image. */
#define MB_BOOTLOADER_MAGIC		0x2badb002U

struct mb_header {
	uint32_t magic;
	uint32_t flags;
	uint32_t checksum;	/* magic + flags + checksum == 0 (mod 2^32) */
	/* Valid when MB_HEADER_AOUT_KLUDGE is set. */
	uint32_t header_addr;	/* physical address of this header */
	uint32_t load_addr;	/* physical address of the text start */
	uint32_t load_end_addr;	/* end of text+data; 0: up to the end of the file */
	uint32_t bss_end_addr;	/* end of bss; 0: no bss */
	uint32_t entry_addr;
	/* Valid when MB_HEADER_VIDEO_MODE is set. */
	uint32_t mode_type;
	uint32_t width;
	uint32_t height;
	uint32_t depth;
} TV_PACKED;

#define MB_HEADER_BASIC_BYTES		12U	/* magic, flags, checksum */
#define MB_HEADER_AOUT_BYTES		32U	/* ... through entry_addr */

/* Boot information "flags": which fields of struct mb_info are valid. */
#define MB_INFO_MEMORY			0x00000001U	/* mem_lower, mem_upper */
#define MB_INFO_BOOTDEV			0x00000002U
#define MB_INFO_CMDLINE			0x00000004U
#define MB_INFO_MODS			0x00000008U
#define MB_INFO_AOUT_SYMS		0x00000010U
#define MB_INFO_ELF_SHDR		0x00000020U
#define MB_INFO_MEM_MAP			0x00000040U
#define MB_INFO_DRIVE_INFO		0x00000080U
#define MB_INFO_CONFIG_TABLE		0x00000100U
#define MB_INFO_BOOT_LOADER_NAME	0x00000200U
#define MB_INFO_APM_TABLE		0x00000400U
#define MB_INFO_VBE_INFO		0x00000800U
#define MB_INFO_FRAMEBUFFER_INFO	0x00001000U

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower;		/* KiB of memory from 0 */
	uint32_t mem_upper;		/* KiB of memory from 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;		/* physical address of a C string */
	uint32_t mods_count;
	uint32_t mods_addr;		/* physical address of struct mb_module[] */
	uint32_t syms[4];		/* a.out symbol table or ELF section headers */
	uint32_t mmap_length;		/* bytes of the memory-map buffer */
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;	/* physical address of a C string */
	uint32_t apm_table;
	uint32_t vbe_control_info;
	uint32_t vbe_mode_info;
	uint16_t vbe_mode;
	uint16_t vbe_interface_seg;
	uint16_t vbe_interface_off;
	uint16_t vbe_interface_len;
	uint64_t framebuffer_addr;
	uint32_t framebuffer_pitch;
	uint32_t framebuffer_width;
	uint32_t framebuffer_height;
	uint8_t framebuffer_bpp;
	uint8_t framebuffer_type;
	uint8_t color_info[6];
} TV_PACKED;

/* One boot module; mod_end is the first byte after the module. */
struct mb_module {
	uint32_t mod_start;
	uint32_t mod_end;
	uint32_t string;		/* physical address of a C string */
	uint32_t reserved;		/* 0 */
} TV_PACKED;

/* One memory-map entry; `size` does not count itself (the next is at +4+size). */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
} TV_PACKED;

#define MB_MMAP_ENTRY_SIZE		20U	/* the `size` value of struct mb_mmap_entry */

/* Memory-map entry types. */
#define MB_MEMORY_AVAILABLE		1U
#define MB_MEMORY_RESERVED		2U
#define MB_MEMORY_ACPI_RECLAIMABLE	3U
#define MB_MEMORY_NVS			4U
#define MB_MEMORY_BADRAM		5U

TV_STATIC_ASSERT(sizeof(struct mb_header) == 48, "Multiboot header layout");
TV_STATIC_ASSERT(offsetof(struct mb_header, entry_addr) + 4 == MB_HEADER_AOUT_BYTES,
		 "a.out kludge fields end at 32");
TV_STATIC_ASSERT(offsetof(struct mb_info, mmap_length) == 44, "mb_info.mmap_length at 44");
TV_STATIC_ASSERT(offsetof(struct mb_info, boot_loader_name) == 64, "mb_info.boot_loader_name at 64");
TV_STATIC_ASSERT(offsetof(struct mb_info, vbe_mode) == 80, "mb_info.vbe_mode at 80");
TV_STATIC_ASSERT(offsetof(struct mb_info, framebuffer_addr) == 88, "mb_info.framebuffer_addr at 88");
TV_STATIC_ASSERT(sizeof(struct mb_info) == 116, "mb_info is 116 bytes");
TV_STATIC_ASSERT(sizeof(struct mb_module) == 16, "mb_module is 16 bytes");
TV_STATIC_ASSERT(sizeof(struct mb_mmap_entry) == MB_MMAP_ENTRY_SIZE + 4, "mmap entry is 24 bytes");

#endif /* TV_X86_MULTIBOOT_H */
