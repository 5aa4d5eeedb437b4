/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "vm.h"
#include "libc.h"
#include "processor.h"

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_PWT		0x008ULL
#define PTE_PCD		0x010ULL
#define PDE_PS		0x080ULL
#define PTE_ADDR_MASK	0x000ffffffffff000ULL
#define VM_LIMIT	0x100000000ULL
#define VM_SPLIT_TABLES	4U

/* entry.asm: four page directories, one per GiB, 512 entries each. */
extern uint64_t guest_pd[4 * 512];

static uint64_t vm_pt_pool[VM_SPLIT_TABLES][512] __attribute__((aligned(4096)));
static uint32_t vm_pt_used;

/* The PTE for va, splitting its 2-MiB page first if need be; NULL on failure. */
static uint64_t *vm_get_pte(uint64_t va)
{
	uint64_t *pde, *pt, base, attrs;
	uint32_t i;

	if (va >= VM_LIMIT)
		return NULL;
	pde = &guest_pd[va >> 21];
	if (!(*pde & PDE_PS))
		return (uint64_t *)(uintptr_t)(*pde & PTE_ADDR_MASK) + ((va >> 12) & 511U);
	if (vm_pt_used == VM_SPLIT_TABLES)
		return NULL;
	pt = vm_pt_pool[vm_pt_used++];
	base = *pde & PTE_ADDR_MASK & ~0x1fffffULL;
	/* P, RW, PWT and PCD sit at the same bit positions in a PDE and a PTE. */
	attrs = *pde & (PTE_P | PTE_RW | PTE_PWT | PTE_PCD);
	for (i = 0; i < 512; i++)
		pt[i] = (base + i * VM_PAGE_SIZE) | attrs;
	*pde = (uintptr_t)pt | PTE_P | PTE_RW;
	/* The old 2-MiB translation may be cached: flush everything. */
	write_cr3(read_cr3());
	return &pt[(va >> 12) & 511U];
}

static int vm_set_present(uint64_t va, int present)
{
	uint64_t *pte = vm_get_pte(va);

	if (!pte)
		return -1;
	if (present)
		*pte |= PTE_P;
	else
		*pte &= ~PTE_P;
	invlpg((const volatile void *)(uintptr_t)va);
	return 0;
}

int vm_unmap_page(uint64_t va)
{
	return vm_set_present(va, 0);
}

int vm_map_page(uint64_t va)
{
	return vm_set_present(va, 1);
}

int vm_alias_page(uint64_t va, uint64_t pa)
{
	uint64_t *pte = vm_get_pte(va);

	if (!pte)
		return -1;
	*pte = (*pte & ~PTE_ADDR_MASK) | (pa & PTE_ADDR_MASK) | PTE_P;
	invlpg((const volatile void *)(uintptr_t)va);
	return 0;
}
