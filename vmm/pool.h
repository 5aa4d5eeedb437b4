/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The VMM's page pool: the memory boot/ reserved before ExitBootServices,
 * handed out in whole 4 KiB pages.  VMM structures are allocated once and
 * live for the run; guest RAM is taken and given back per guest.
 */
#ifndef TV_VMM_POOL_H
#define TV_VMM_POOL_H

#include <tv/types.h>

void pool_init(uint64_t base, uint64_t bytes);
/*
 * @brief Zeroed, naturally aligned run of pages (align: a power of two >= 4096).
 * @return the physical (= virtual) address, or 0 when the pool is exhausted.
 */
uint64_t pool_alloc(uint64_t bytes, uint64_t align);
/* @brief The pool mark, and a return to it: frees everything allocated since. */
uint64_t pool_mark(void);
void pool_release_to(uint64_t mark);
uint64_t pool_free_bytes(void);

#endif /* TV_VMM_POOL_H */
