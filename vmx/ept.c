/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "ept: "

#include "ept.h"

#include <tv/errno.h>
#include <tv/log.h>
#include <x86/vmcs_fields.h>

#include "../vmm/pool.h"

#define EPT_2M		(2ULL << 20)
#define EPT_1G		(1ULL << 30)
#define EPT_ADDR_MASK	0x000ffffffffff000ULL

static uint64_t *ept_table_at(uint64_t *parent, unsigned int idx)
{
	uint64_t t;

	if (parent[idx] & EPT_RWX)
		return (uint64_t *)(uintptr_t)(parent[idx] & EPT_ADDR_MASK);
	t = pool_alloc(4096, 4096);
	if (!t)
		return NULL;
	/* Non-leaf entries grant everything; the leaves decide (SDM "EPT Translation Mechanism"). */
	parent[idx] = t | EPT_RWX;
	return (uint64_t *)(uintptr_t)t;
}

uint64_t ept_build(uint64_t ram_hpa, uint64_t ram_bytes)
{
	uint64_t pml4 = pool_alloc(4096, 4096);
	uint64_t gpa = 0, pages_2m = 0, pages_4k = 0;

	if (!pml4)
		return 0;
	while (gpa < ram_bytes) {
		uint64_t *pdpt, *pd, *pt;
		uint64_t hpa = ram_hpa + gpa;

		pdpt = ept_table_at((uint64_t *)(uintptr_t)pml4, (unsigned int)(gpa >> 39) & 511U);
		pd = pdpt ? ept_table_at(pdpt, (unsigned int)(gpa >> 30) & 511U) : NULL;
		if (!pd)
			return 0;
		if ((hpa & (EPT_2M - 1)) == 0 && gpa + EPT_2M <= ram_bytes) {
			pd[(gpa >> 21) & 511U] = hpa | EPT_RWX | EPT_MT_WB | EPT_LARGE;
			gpa += EPT_2M;
			pages_2m++;
			continue;
		}
		pt = ept_table_at(pd, (unsigned int)(gpa >> 21) & 511U);
		if (!pt)
			return 0;
		pt[(gpa >> 12) & 511U] = hpa | EPT_RWX | EPT_MT_WB;
		gpa += 4096;
		pages_4k++;
	}
	pr_dbg("GPA 0-%#llx -> HPA %#llx: %llu 2 MiB and %llu 4 KiB pages\n",
	       (unsigned long long)ram_bytes - 1, (unsigned long long)ram_hpa,
	       (unsigned long long)pages_2m, (unsigned long long)pages_4k);
	return pml4 | EPTP_WB | EPTP_WALK_4;
}

int ept_map_4k(uint64_t eptp, uint64_t gpa, uint64_t hpa, uint64_t flags)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(eptp & EPT_ADDR_MASK);
	uint64_t *pdpt, *pd, *pt;

	pdpt = ept_table_at(pml4, (unsigned int)(gpa >> 39) & 511U);
	pd = pdpt ? ept_table_at(pdpt, (unsigned int)(gpa >> 30) & 511U) : NULL;
	pt = pd ? ept_table_at(pd, (unsigned int)(gpa >> 21) & 511U) : NULL;
	if (!pt)
		return -TV_ENOMEM;
	pt[(gpa >> 12) & 511U] = flags ? (hpa & EPT_ADDR_MASK) | flags : 0;
	return 0;
}
