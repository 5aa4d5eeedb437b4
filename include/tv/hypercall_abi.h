/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The tickvisor guest ABI, version 2: detection, hypercalls and the exit
 * port.  This comment is the reference for guest authors; vmm/hypercall.c
 * implements it and tests/unit/test_hypercall.c checks every sentence below.
 *
 * Detection
 *   CPUID.1:ECX[31] (hypervisor present) and CPUID leaf 0x40000000
 *   (TV_CPUID_SIGNATURE) returning the signature "tickvisor\0\0\0" in EBX,
 *   ECX, EDX (EAX = highest hypervisor leaf, at least 0x40000010).  Leaf
 *   0x40000010 (TV_CPUID_TIMING) returns the TSC frequency in kHz in EAX and
 *   the APIC-timer frequency in kHz in EBX.  Make hypercalls only when the
 *   signature is present: on bare metal VMCALL raises #UD.
 *
 * Calling convention
 *   VMCALL at CPL 0 with RAX = hypercall number, RBX = argument 0,
 *   RCX = argument 1, RDX = argument 2.  The result comes back in RAX:
 *   >= 0 on success, a negative errno value on failure.  Every other
 *   register, RBX/RCX/RDX included, is preserved, and RIP moves past the
 *   VMCALL.  Code that is not running in 64-bit mode (32-bit protected mode,
 *   as a Multiboot kernel starts) uses EAX/EBX/ECX/EDX: the hypervisor then
 *   ignores the upper halves, which the SDM leaves undefined outside 64-bit
 *   mode.  A VMCALL at CPL > 0 does nothing and returns -EPERM (-1), the
 *   same value KVM returns there (KVM_EPERM is EPERM).
 *
 * Numbers
 *   tickvisor's hypercalls live in TV_HC_BASE (0x54560000, "TV") up to
 *   TV_HC_BASE + 0xFFFF.  Version 1 numbered them from 0, which collides
 *   with the KVM hypercall ABI (Linux include/uapi/linux/kvm_para.h: 1
 *   KVM_HC_VAPIC_POLL_IRQ, 2 KVM_HC_MMU_OP, 3 KVM_HC_FEATURES, 4
 *   KVM_HC_PPC_MAP_MAGIC_PAGE, 5 KVM_HC_KICK_CPU, 6-8 MIPS, 9
 *   KVM_HC_CLOCK_PAIRING, 10 KVM_HC_SEND_IPI, 11 KVM_HC_SCHED_YIELD, 12
 *   KVM_HC_MAP_GPA_RANGE): a guest written for KVM that calls
 *   KVM_HC_SEND_IPI blindly would have ended its VM through TV_HC_EXIT.
 *   Every number outside tickvisor's range (0 and KVM's included) does
 *   nothing and returns -KVM_ENOSYS (-1000, TV_KVM_ENOSYS), what KVM
 *   answers for a hypercall it does not implement, so such a guest sees
 *   "not supported" in the form it expects.  An unassigned number inside
 *   the range returns -ENOSYS (-38).
 *
 * Hypercalls
 *   BASE+0 TV_HC_PRINT      RBX = guest-physical address of the bytes, RCX =
 *                           their number (at most TV_HC_PRINT_MAX).  The
 *                           bytes go to the host console with the VM's
 *                           prefix, as serial output does; a '\n' inside
 *                           starts a new line.  Returns 0; -EINVAL (-22) if
 *                           RCX > TV_HC_PRINT_MAX (checked first); -EFAULT
 *                           (-14) if the bytes are not wholly inside guest
 *                           RAM, checked next, for RCX = 0 too (RBX must
 *                           then be an address inside RAM or its end).
 *                           Otherwise RCX = 0 prints nothing and returns 0.
 *   BASE+1 TV_HC_EXIT       RBX = exit code (low 32 bits).  Ends the VM
 *                           exactly as a write of the same code to
 *                           isa-debug-exit (port 0xF4) does: its status is
 *                           (code << 1) | 1, so 0 gives 1.  Does not return.
 *   BASE+2 TV_HC_INFO       Returns TV_HC_ABI_VERSION (2).
 *   BASE+3 TV_HC_TRACE_DUMP Asks the VMM to dump the VM's timer trace ring
 *                           (the last 256 timer interrupts: arm, deadline,
 *                           when the VMM noticed it, when it was injected,
 *                           and the path) to the host console.  Returns 0.
 *   other in the range      Returns -ENOSYS (-38); the VM goes on.
 *   outside the range       Returns -KVM_ENOSYS (-1000); the VM goes on.
 *
 * Exit port (QEMU's isa-debug-exit, iobase=0xf4, iosize=4)
 *   A write of value V, of any size, to ports 0xF4-0xF7 ends the VM with
 *   status (V << 1) | 1, computed in 32 bits (TV_EXIT_STATUS).  QEMU passes
 *   the same value to exit(), so a host shell sees its low 8 bits.
 *
 * Only macros, no includes: the guests' runtime (tests/guest/lib/hypercall.h)
 * includes this header too, so both sides use the same numbers.
 */
#ifndef TV_TV_HYPERCALL_ABI_H
#define TV_TV_HYPERCALL_ABI_H

#define TV_CPUID_SIGNATURE	0x40000000U
#define TV_CPUID_TIMING		0x40000010U
#define TV_SIGNATURE		"tickvisor\0\0\0"	/* 12 bytes: EBX, ECX, EDX */

/* tickvisor's hypercall range: "TV" in the upper half, away from KVM's 1-12. */
#define TV_HC_BASE		0x54560000UL
#define TV_HC_RANGE		0x10000UL
#define TV_HC_PRINT		(TV_HC_BASE + 0UL)
#define TV_HC_EXIT		(TV_HC_BASE + 1UL)
#define TV_HC_INFO		(TV_HC_BASE + 2UL)
#define TV_HC_TRACE_DUMP	(TV_HC_BASE + 3UL)

#define TV_HC_ABI_VERSION	2L
#define TV_HC_PRINT_MAX		4096UL

/* Error magnitudes; RAX holds their negation. */
#define TV_HC_EPERM		1L
#define TV_HC_EFAULT		14L
#define TV_HC_EINVAL		22L
#define TV_HC_ENOSYS		38L
/* KVM's "no such hypercall" (kvm_para.h KVM_ENOSYS), for numbers outside the range. */
#define TV_KVM_ENOSYS		1000L

#define TV_DEBUG_EXIT_PORT	0xF4U
#define TV_DEBUG_EXIT_PORTS	4U
/* The status a VM ends with after writing code to the exit port (32-bit arithmetic). */
#define TV_EXIT_STATUS(code)	((((unsigned int)(code)) << 1) | 1U)

#endif /* TV_TV_HYPERCALL_ABI_H */
