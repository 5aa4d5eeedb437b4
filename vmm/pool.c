/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "pool: "

#include "pool.h"

#include <tv/assert.h>
#include <tv/log.h>

#include <x86/cpu.h>

static uint64_t pool_base, pool_end, pool_next;

void pool_init(uint64_t base, uint64_t bytes)
{
	pool_base = TV_ALIGN_UP(base, 4096ULL);
	pool_end = base + bytes;
	pool_next = pool_base;
}

uint64_t pool_alloc(uint64_t bytes, uint64_t align)
{
	uint64_t start;

	TV_ASSERT(align >= 4096 && (align & (align - 1)) == 0);
	start = TV_ALIGN_UP(pool_next, align);
	bytes = TV_ALIGN_UP(bytes, 4096ULL);
	if (start < pool_next || start + bytes > pool_end || start + bytes < start) {
		/* Rate-limited: a guest reaches it through the EPT tables its APIC relocations need. */
		pr_err_ratelimited("out of memory: %llu KiB wanted, %llu KiB left\n",
				   (unsigned long long)(bytes >> 10),
				   (unsigned long long)((pool_end - pool_next) >> 10));
		return 0;
	}
	pool_next = start + bytes;
	cpu_fill_qwords((void *)(uintptr_t)start, 0, bytes / 8);
	return start;
}

uint64_t pool_mark(void)
{
	return pool_next;
}

void pool_release_to(uint64_t mark)
{
	TV_ASSERT(mark >= pool_base && mark <= pool_next);
	pool_next = mark;
}

uint64_t pool_free_bytes(void)
{
	return pool_end - pool_next;
}
