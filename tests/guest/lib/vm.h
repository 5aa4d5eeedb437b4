/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Changes to the guest's own identity map (entry.asm: 0-4 GiB in 2-MiB
 * pages).  A 2-MiB page is split into 4-KiB pages, same attributes, the
 * first time one of its 4-KiB pages is changed.
 */
#ifndef TV_GUEST_VM_H
#define TV_GUEST_VM_H

#include <stdint.h>

#define VM_PAGE_SIZE	4096ULL

/*
 * @brief Make the 4-KiB page holding va not present (and flush it).
 * @pre va < 4 GiB.
 * @return 0, or -1 if va is out of range or no page table is left to split.
 */
int vm_unmap_page(uint64_t va);
/* Make the 4-KiB page holding va present again; same return as vm_unmap_page. */
int vm_map_page(uint64_t va);
/*
 * @brief Point the 4-KiB page holding va at the physical page holding pa
 * (present, attributes kept); vm_alias_page(va, va) undoes it.
 * @pre va < 4 GiB; pa is guest RAM.
 * @return same as vm_unmap_page.
 */
int vm_alias_page(uint64_t va, uint64_t pa);

#endif /* TV_GUEST_VM_H */
