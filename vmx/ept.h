/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* Extended page tables: guest-physical [0, ram_bytes) onto the VM's RAM, nothing else. */
#ifndef TV_VMX_EPT_H
#define TV_VMX_EPT_H

#include <tv/types.h>

/*
 * @brief Build a 4-level EPT mapping GPA [0, ram_bytes) to HPA ram_hpa,
 *        write-back, read/write/execute, 2 MiB pages where both sides are
 *        2 MiB aligned and 4 KiB pages for the rest.  Every other guest
 *        physical address (the APIC page, MMIO, anything above RAM) is left
 *        unmapped, so an access to it is an EPT violation.
 * @pre ram_hpa 4 KiB aligned, ram_bytes a multiple of 4 KiB, at most 512 GiB.
 * @return the EPT pointer (WB, 4-level walk), or 0 when the pool is exhausted.
 */
uint64_t ept_build(uint64_t ram_hpa, uint64_t ram_bytes);

/*
 * @brief Map (flags != 0) or unmap (flags == 0) one 4 KiB guest-physical
 *        page outside RAM, e.g. the APIC-access page at the guest's APIC base.
 * @pre gpa is not covered by a 2 MiB mapping.
 * @return 0 or -TV_ENOMEM.  The caller flushes (INVEPT) after an unmap.
 */
int ept_map_4k(uint64_t eptp, uint64_t gpa, uint64_t hpa, uint64_t flags);

#endif /* TV_VMX_EPT_H */
