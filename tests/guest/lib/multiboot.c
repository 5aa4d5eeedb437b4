/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "multiboot.h"
#include "libc.h"

#define MB_CMDLINE_MAX	4096U
#define ENV_BUF_SIZE	4096U
#define ENV_MAX		64U
#define MB_MMAP_MAX	128U

extern char __image_end[];

static uint32_t mb_boot_magic;
static const struct mb_info *mb_boot_info;

static char env_buf[ENV_BUF_SIZE];
static const char *env_keys[ENV_MAX];
static const char *env_values[ENV_MAX];
static uint32_t env_n;

static const void *mb_ptr(uint32_t addr)
{
	return (const void *)(uintptr_t)addr;
}

/*
 * Splits a copy of the first module into lines; keeps `KEY=VALUE` lines,
 * ignores blank lines and `#` comments.
 */
static void env_parse(void)
{
	const struct mb_module *m = mb_module(0);
	size_t len;
	char *p, *end;

	if (!m || m->mod_end <= m->mod_start)
		return;
	len = m->mod_end - m->mod_start;
	if (len >= ENV_BUF_SIZE)
		len = ENV_BUF_SIZE - 1;
	memcpy(env_buf, mb_ptr(m->mod_start), len);
	env_buf[len] = '\0';

	for (p = env_buf; *p && env_n < ENV_MAX; p = end) {
		char *nl = strchr(p, '\n');
		char *eq, *cr;

		end = nl ? nl + 1 : p + strlen(p);
		if (nl)
			*nl = '\0';
		cr = strchr(p, '\r');
		if (cr)
			*cr = '\0';
		eq = strchr(p, '=');
		if (*p == '#' || !eq || eq == p)
			continue;
		*eq = '\0';
		env_keys[env_n] = p;
		env_values[env_n] = eq + 1;
		env_n++;
	}
}

void mb_init(uint32_t magic, uint32_t info)
{
	mb_boot_magic = magic;
	mb_boot_info = (magic == MB_BOOT_MAGIC && info) ? mb_ptr(info) : NULL;
	env_parse();
}

uint32_t mb_magic(void)
{
	return mb_boot_magic;
}

const struct mb_info *mb_get_info(void)
{
	return mb_boot_info;
}

const char *mb_cmdline(void)
{
	if (!mb_boot_info || !(mb_boot_info->flags & MB_INFO_CMDLINE) || !mb_boot_info->cmdline)
		return NULL;
	return mb_ptr(mb_boot_info->cmdline);
}

bool mb_cmdline_get(const char *key, char *val, size_t size)
{
	const char *p = mb_cmdline();
	size_t klen = strlen(key);

	if (!p || !size)
		return false;
	while (*p) {
		size_t n = 0;

		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			p += klen + 1;
			while (p[n] && p[n] != ' ' && n + 1 < size) {
				val[n] = p[n];
				n++;
			}
			val[n] = '\0';
			return true;
		}
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

uint64_t mb_ram_end(void)
{
	if (!mb_boot_info || !(mb_boot_info->flags & MB_INFO_MEM))
		return 0;
	return 0x100000ULL + (uint64_t)mb_boot_info->mem_upper * 1024ULL;
}

const struct mb_mmap_entry *mb_mmap(uint32_t i)
{
	uint32_t off = 0, n = 0;

	if (!mb_boot_info || !(mb_boot_info->flags & MB_INFO_MMAP))
		return NULL;
	while (off + sizeof(struct mb_mmap_entry) <= mb_boot_info->mmap_length && n < MB_MMAP_MAX) {
		const struct mb_mmap_entry *e = mb_ptr(mb_boot_info->mmap_addr + off);

		if (n == i)
			return e;
		off += e->size + sizeof(e->size);
		n++;
	}
	return NULL;
}

uint64_t mb_mmap_ram_end(void)
{
	const struct mb_mmap_entry *e;
	uint64_t end = 0;
	uint32_t i;

	for (i = 0; (e = mb_mmap(i)) != NULL; i++) {
		if (e->type == MB_MMAP_AVAILABLE && e->base_addr + e->length > end)
			end = e->base_addr + e->length;
	}
	return end;
}

uint32_t mb_module_count(void)
{
	if (!mb_boot_info || !(mb_boot_info->flags & MB_INFO_MODS))
		return 0;
	return mb_boot_info->mods_count;
}

const struct mb_module *mb_module(uint32_t i)
{
	if (i >= mb_module_count())
		return NULL;
	return (const struct mb_module *)mb_ptr(mb_boot_info->mods_addr) + i;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

uint64_t mb_first_free(void)
{
	uint64_t end = (uintptr_t)__image_end;
	const struct mb_module *m;
	const char *cmdline = mb_cmdline();
	uint32_t i;

	if (!mb_boot_info)
		return end;
	end = max_u64(end, (uintptr_t)mb_boot_info + sizeof(*mb_boot_info));
	if (cmdline)
		end = max_u64(end, (uintptr_t)cmdline + strnlen(cmdline, MB_CMDLINE_MAX) + 1);
	if (mb_boot_info->flags & MB_INFO_MMAP)
		end = max_u64(end, (uint64_t)mb_boot_info->mmap_addr + mb_boot_info->mmap_length);
	if (mb_module_count())
		end = max_u64(end, (uint64_t)mb_boot_info->mods_addr +
				   mb_module_count() * sizeof(struct mb_module));
	for (i = 0; (m = mb_module(i)) != NULL; i++) {
		end = max_u64(end, m->mod_end);
		if (m->string)
			end = max_u64(end, (uint64_t)m->string + strnlen(mb_ptr(m->string),
									  MB_CMDLINE_MAX) + 1);
	}
	return end;
}

uint32_t env_count(void)
{
	return env_n;
}

const char *env_get(const char *key)
{
	uint32_t i;

	for (i = 0; i < env_n; i++) {
		if (!strcmp(env_keys[i], key))
			return env_values[i];
	}
	return NULL;
}
