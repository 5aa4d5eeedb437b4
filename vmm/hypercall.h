/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * VMCALL hypercalls (ABI in include/tv/hypercall_abi.h), as pure C: the exit
 * handler copies the guest's RAX/RBX/RCX/RDX and its mode into struct
 * hc_regs, calls hc_handle_vmcall(), writes regs->rax back, advances RIP
 * past VMCALL and then applies struct hc_effect.  No hardware access, no
 * clock, no globals, no allocation: the host tests run it unchanged.
 */
#ifndef TV_VMM_HYPERCALL_H
#define TV_VMM_HYPERCALL_H

#include <tv/hypercall_abi.h>
#include <tv/types.h>

struct hc_regs {
	uint64_t rax;		/* in: hypercall number; out: result */
	uint64_t rbx;		/* argument 0 */
	uint64_t rcx;		/* argument 1 */
	uint64_t rdx;		/* argument 2 */
	unsigned int cpl;	/* guest CPL (SS.DPL) at the VMCALL */
	/*
	 * True when the vCPU is not executing 64-bit code (IA32_EFER.LMA = 0
	 * or CS.L = 0): only the low 32 bits of the argument registers count.
	 */
	bool is_32bit;
};

struct hc_effect {
	/* TV_HC_EXIT: stop the VM with exit_status, as isa-debug-exit would. */
	bool exit_requested;
	uint32_t exit_code;	/* the low 32 bits of RBX */
	uint32_t exit_status;	/* TV_EXIT_STATUS(exit_code) */
	/*
	 * TV_HC_PRINT: print_len bytes at print (a pointer into ram) to forward
	 * with the VM's prefix.  NULL when there is nothing to print.  The bytes
	 * are the guest's, unfiltered: they may hold '\n' and control bytes, so
	 * the caller sends them through the log layer, which splits lines and
	 * sanitizes.
	 */
	const char *print;
	size_t print_len;
	/* TV_HC_TRACE_DUMP: dump the VM's timer trace ring. */
	bool trace_dump;
	/*
	 * The number was not a known hypercall (already answered: -ENOSYS
	 * inside tickvisor's range, -KVM_ENOSYS outside it).
	 */
	bool unknown;
};

/*
 * @brief Carry out one VMCALL.
 * @param regs the guest's registers; regs->rax receives the result (a
 *        negative errno sign-extended to 64 bits on failure).
 * @param ram host pointer to guest-physical address 0 (may be NULL when
 *        ram_bytes is 0).
 * @param ram_bytes the size of guest RAM, mapped contiguously from 0.
 * @param eff cleared, then filled with what the caller must do.
 * @pre regs and eff are not NULL.
 */
void hc_handle_vmcall(struct hc_regs *regs, const uint8_t *ram, uint64_t ram_bytes,
		      struct hc_effect *eff);

#endif /* TV_VMM_HYPERCALL_H */
