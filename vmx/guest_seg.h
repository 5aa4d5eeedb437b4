/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The guest's segment bases, read from the current VMCS on demand (not on
 * every exit: only the string-instruction emulation in vmm/guest_mmio.c
 * needs them, to form the linear addresses of [seg:rSI] and [ES:rDI]).
 */
#ifndef TV_VMX_GUEST_SEG_H
#define TV_VMX_GUEST_SEG_H

#include <tv/types.h>

/*
 * @brief The base of guest segment register sreg (the SDM's Sreg number:
 *        0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS) from the current VMCS.
 * @pre called while handling an exit of the vCPU whose VMCS is current.
 * @return the base, or 0 for sreg > 5 or a failed VMREAD.
 */
uint64_t vmx_guest_seg_base(unsigned int sreg);

/*
 * @brief The limit (in bytes, granularity applied) and access rights of
 *        guest segment register sreg from the current VMCS.
 * @pre as vmx_guest_seg_base().
 * @return 0 with *limit and *ar, or -1 (sreg > 5 or a failed VMREAD: then
 *         *ar has the unusable bit set, so no access passes a check).
 */
int vmx_guest_seg_limit(unsigned int sreg, uint32_t *limit, uint32_t *ar);

#endif /* TV_VMX_GUEST_SEG_H */
