/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * tickvisor detection and hypercall ABI, version 1.
 *
 * Detection: CPUID.1:ECX[31] (hypervisor present) and CPUID leaf 0x40000000
 * returning the signature "tickvisor\0\0\0" in EBX, ECX, EDX (EAX = highest
 * hypervisor leaf, at least 0x40000010).  Leaf 0x40000010 returns the TSC
 * frequency in kHz in EAX and the APIC-timer frequency in kHz in EBX.
 * Hypercalls may only be made when the signature is present: natively,
 * VMCALL raises #UD.
 *
 * Calling convention: VMCALL from CPL 0 with
 *   RAX = hypercall number, RBX = arg 0, RCX = arg 1, RDX = arg 2;
 * result in RAX (>= 0 success, negative errno on failure).  Every other
 * register, RBX/RCX/RDX included, is preserved; RIP advances past VMCALL.
 *
 *   0 TV_HC_PRINT  RBX = guest-physical address of the bytes, RCX = length
 *                  (at most TV_HC_PRINT_MAX).  The bytes go to the host
 *                  console with the VM's prefix, as serial output does.
 *                  Returns 0; -EFAULT (-14) if the buffer is not wholly in
 *                  guest RAM; -EINVAL (-22) if RCX > TV_HC_PRINT_MAX.
 *   1 TV_HC_EXIT   RBX = exit code.  Ends the VM as a write of the same
 *                  code to isa-debug-exit (port 0xF4) would: its status is
 *                  (code << 1) | 1.  Does not return.
 *   2 TV_HC_INFO   Returns the ABI version, TV_HC_ABI_VERSION (1).
 *   other          Returns -ENOSYS (-38); the VM goes on.
 */
#ifndef HV_GUEST_HYPERCALL_H
#define HV_GUEST_HYPERCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TV_CPUID_SIGNATURE	0x40000000U
#define TV_CPUID_TIMING		0x40000010U
#define TV_SIGNATURE		"tickvisor\0\0\0"	/* 12 bytes: EBX, ECX, EDX */

#define TV_HC_PRINT		0UL
#define TV_HC_EXIT		1UL
#define TV_HC_INFO		2UL

#define TV_HC_ABI_VERSION	1L
#define TV_HC_PRINT_MAX		4096UL
#define TV_EFAULT		14L
#define TV_EINVAL		22L
#define TV_ENOSYS		38L

static inline long tv_hypercall(unsigned long nr, unsigned long a0, unsigned long a1,
				unsigned long a2)
{
	long ret;

	__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(a2) : "memory");
	return ret;
}

/* CPUID.1:ECX[31]: some hypervisor says it is there. */
bool tv_has_hypervisor_bit(void);
/* The 12 signature bytes of leaf 0x40000000 into sig[13] (terminated); false without the bit. */
bool tv_read_signature(char sig[13]);
/* The tickvisor signature is present: hypercalls are allowed. */
bool tv_is_present(void);

long tv_print(const char *s, size_t len);
long tv_info(void);
/* Returns only if the hypervisor ignored the request. */
void tv_exit(int code);

#endif /* HV_GUEST_HYPERCALL_H */
