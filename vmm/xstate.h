/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The architectural state a guest changes in the CPU itself, outside the
 * VMCS: the XSAVE-managed registers (x87, MXCSR and XMM, YMM, AVX-512,
 * PKRU, MPX bounds: whatever XCR0 can enable), XCR0, DR0-DR3 and DR6, and
 * IA32_TSC_AUX (passed through by the MSR bitmap).  None of it is saved or
 * loaded by VM entry or exit (SDM Vol. 3C, "Loading Guest State",
 * "Loading Host State"), so without this file a guest reads what the guest
 * before it left there (issue 12 item 4).  docs/security.md has the full
 * list of guest-changeable state and where each entry is handled.
 *
 * Policy: one VM at a time on a CPU, so each guest starts from the reset
 * values and the CPU is scrubbed again when it ends; nothing is saved.
 * When VMs share a CPU, the same two calls become save/restore points
 * (a per-VM XSAVE area, DR0-3/DR6 and TSC_AUX copies): not done yet.
 */
#ifndef TV_VMM_XSTATE_H
#define TV_VMM_XSTATE_H

#include <tv/types.h>

struct vm;

/*
 * @brief Before the guest's first entry: give the CPU the guest's reset
 *        state (XSAVE state in its initial configuration with MXCSR 1F80H,
 *        DR0-3 0, DR6 FFFF0FF0H, TSC_AUX 0, XCR0 1) and tell vm->msrs
 *        which XCR0 bits the guest may set.
 * @pre vmsr_init(&vm->msrs) was called; before vmx_vcpu_init() (it may set
 *      the host's CR4.OSXSAVE, which the VMCS host-state area copies).
 */
void xstate_start_guest(struct vm *vm);

/*
 * @brief After the guest's last exit: the host's XCR0 back, and the CPU
 *        scrubbed as by xstate_start_guest(), so no guest value stays in
 *        a register while the VMM, the firmware or the next guest runs.
 */
void xstate_end_guest(struct vm *vm);

/*
 * @brief The XSETBV exit: check (vmsr_xsetbv()) and, if accepted, load the
 *        value into XCR0, where it stays while the guest runs and while its
 *        exits are handled.
 * @param cpl the guest's CPL (SS.DPL).
 * @retval 0 done, advance RIP; -TV_EINVAL inject #GP(0).
 */
int xstate_xsetbv(struct vm *vm, uint32_t xcr, uint64_t val, unsigned int cpl);

#endif /* TV_VMM_XSTATE_H */
