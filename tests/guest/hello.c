/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * hello: the Multiboot handoff as a guest sees it ("Machine state" and
 * "Boot information format", Multiboot Specification 0.6.96).
 *
 * Command-line words it understands:
 *   expect_env=1   the first module must be an environment file holding
 *                  HELLO_GREETING=hello and HELLO_ANSWER=42 (tests/guest/hello.env)
 */
#include "guest.h"
#include "libc.h"
#include "multiboot.h"
#include "report.h"

#define MB_MEM_LOWER_MAX_KIB	640U
#define MB_CMDLINE_MAX		4096U

static bool is_printable_string(const char *s, size_t max, size_t *len)
{
	size_t n = strnlen(s, max);

	*len = n;
	if (n == max)
		return false;
	while (n--) {
		if (s[n] < 0x20 || s[n] > 0x7e)
			return false;
	}
	return true;
}

static void test_cmdline(const struct mb_info *info)
{
	const char *cmdline = mb_cmdline();
	size_t len = 0;
	bool printable = cmdline && is_printable_string(cmdline, MB_CMDLINE_MAX, &len);

	report_prefix_push("cmdline");
	report(info && (info->flags & MB_INFO_CMDLINE), "info flags announce a command line");
	report(cmdline != NULL && (uintptr_t)cmdline < mb_ram_end(),
	       "command line pointer 0x%lx lies in RAM", (unsigned long)(uintptr_t)cmdline);
	report(printable, "command line is a terminated printable string (%zu bytes)", len);
	report_prefix_pop();
}

static void test_memory(const struct mb_info *info)
{
	extern char __image_end[];
	const struct mb_mmap_entry *e;
	uint64_t ram_end = mb_ram_end();
	bool image_in_ram = false;
	uint32_t i;

	report_prefix_push("memory");
	if (!info || !(info->flags & MB_INFO_MEM)) {
		report(false, "info flags announce mem_lower/mem_upper");
		report_prefix_pop();
		return;
	}
	report_info("mem_lower %u KiB, mem_upper %u KiB (RAM ends at 0x%lx)", info->mem_lower,
		    info->mem_upper, ram_end);
	report(info->mem_lower <= MB_MEM_LOWER_MAX_KIB, "mem_lower %u KiB <= 640 KiB",
	       info->mem_lower);
	report(ram_end >= (uintptr_t)__image_end && ram_end <= 0x100000000ULL,
	       "mem_upper covers the image (ends 0x%lx) and stays below 4 GiB",
	       (unsigned long)(uintptr_t)__image_end);

	if (!(info->flags & MB_INFO_MMAP)) {
		report_skip("no memory map given");
		report_prefix_pop();
		return;
	}
	for (i = 0; (e = mb_mmap(i)) != NULL; i++) {
		report_info("mmap[%u] 0x%016lx-0x%016lx type %u", i, e->base_addr,
			    e->base_addr + e->length - 1, e->type);
		if (e->type == MB_MMAP_AVAILABLE && e->base_addr <= 0x100000ULL &&
		    e->base_addr + e->length >= (uintptr_t)__image_end)
			image_in_ram = true;
	}
	report(i > 0, "memory map has %u entries", i);
	report(image_in_ram, "an available memory-map region holds the image");
	report(mb_mmap_ram_end() <= ram_end,
	       "available regions end (0x%lx) at or below mem_upper's end", mb_mmap_ram_end());
	report_prefix_pop();
}

static void test_env(void)
{
	char want[8];
	bool expected = mb_cmdline_get("expect_env", want, sizeof(want)) && !strcmp(want, "1");
	const char *greeting = env_get("HELLO_GREETING");
	const char *answer = env_get("HELLO_ANSWER");

	report_prefix_push("env");
	if (!expected && mb_module_count() == 0) {
		report_skip("no module and no expect_env=1: nothing to parse");
		report_prefix_pop();
		return;
	}
	report(mb_module_count() >= 1, "%u module(s) given", mb_module_count());
	report(env_count() >= 2, "environment module holds %u KEY=VALUE pairs", env_count());
	report(greeting && !strcmp(greeting, "hello"), "HELLO_GREETING=%s", greeting ? greeting : "(unset)");
	report(answer && strtoul(answer, NULL, 10) == 42, "HELLO_ANSWER=%s", answer ? answer : "(unset)");
	report(env_get("HELLO_UNSET") == NULL, "an absent key reads as unset");
	report_prefix_pop();
}

int main(void)
{
	const struct mb_info *info = mb_get_info();

	printf("Hello from guest '%s'\n", guest_name);
	report(mb_magic() == MB_BOOT_MAGIC, "EAX held the Multiboot magic (0x%x)", mb_magic());
	report(info != NULL, "EBX points to the information structure (0x%lx)",
	       (unsigned long)(uintptr_t)info);
	if (info)
		report_info("info flags 0x%x", info->flags);
	test_cmdline(info);
	test_memory(info);
	test_env();
	return report_summary();
}
