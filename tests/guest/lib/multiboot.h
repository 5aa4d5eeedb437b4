/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The Multiboot v1 information structure ("Boot information format",
 * Multiboot Specification 0.6.96) and a KEY=VALUE environment read from
 * the first module.
 */
#ifndef TV_GUEST_MULTIBOOT_H
#define TV_GUEST_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB_BOOT_MAGIC		0x2badb002U

#define MB_INFO_MEM		0x001U	/* mem_lower, mem_upper valid */
#define MB_INFO_CMDLINE		0x004U
#define MB_INFO_MODS		0x008U
#define MB_INFO_MMAP		0x040U

#define MB_MMAP_AVAILABLE	1U

struct __attribute__((packed)) mb_info {
	uint32_t flags;
	uint32_t mem_lower;	/* KiB below 1 MiB */
	uint32_t mem_upper;	/* KiB from 1 MiB to the first hole */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
};

struct __attribute__((packed)) mb_module {
	uint32_t mod_start;
	uint32_t mod_end;	/* first byte after the module */
	uint32_t string;
	uint32_t reserved;
};

/* `size` does not count itself: the next entry is at &size + 4 + size. */
struct __attribute__((packed)) mb_mmap_entry {
	uint32_t size;
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
};

/* Called by guest_start(): remembers the handoff, parses the environment. */
void mb_init(uint32_t magic, uint32_t info);
/* EAX as the loader left it. */
uint32_t mb_magic(void);
/* The information structure, or NULL if the magic was wrong or EBX was 0. */
const struct mb_info *mb_get_info(void);
/* The command line, or NULL if the loader gave none. */
const char *mb_cmdline(void);
/*
 * @brief Value of a `key=value` word on the command line.
 * @return true if found; the value (up to the next space) is copied into
 *         val[size], always terminated.
 */
bool mb_cmdline_get(const char *key, char *val, size_t size);
/* End of RAM from mem_upper: 1 MiB + mem_upper KiB; 0 without MB_INFO_MEM. */
uint64_t mb_ram_end(void);
/* Highest end of an available (type 1) memory-map region; 0 without a map. */
uint64_t mb_mmap_ram_end(void);
uint32_t mb_module_count(void);
/* Module i, or NULL. */
const struct mb_module *mb_module(uint32_t i);
/* Memory-map entry i, or NULL. */
const struct mb_mmap_entry *mb_mmap(uint32_t i);
/* First byte above the image, the info block, the cmdline and all modules. */
uint64_t mb_first_free(void);

/* Number of KEY=VALUE pairs read from the first module. */
uint32_t env_count(void);
/* Value of KEY from the environment module, or NULL. */
const char *env_get(const char *key);

#endif /* TV_GUEST_MULTIBOOT_H */
