/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Guest page-table walker: translate a guest linear address to a
 * guest-physical address with the guest's own paging structures, and fetch
 * the instruction bytes at the guest's RIP for the MMIO decoder (vmm/insn.h)
 * on APIC-access and EPT-violation exits.
 *
 * Pure C: the caller passes the guest's control registers, a host pointer to
 * guest-physical address 0 and the size of guest RAM; nothing here touches
 * the VMCS or any hardware, so the host tests run it on a fake guest RAM.
 *
 * Paging modes (SDM Vol. 3A, Chapter 4 "Paging", "Paging Modes and Control
 * Bits"):
 *   CR0.PG = 0                      no paging: linear = physical
 *   CR0.PG = 1, CR4.PAE = 0         32-bit paging, 4-MByte pages with CR4.PSE
 *   CR0.PG = 1, CR4.PAE = 1, LMA = 0 PAE paging, 2-MByte pages
 *   CR0.PG = 1, IA32_EFER.LMA = 1   4-level paging, 2-MByte and 1-GByte pages
 *   ... and CR4.LA57 = 1            5-level paging: refused (GWALK_ENOSYS)
 *
 * Deliberate choices (each is a deviation from what the CPU would do, or a
 * place where we cannot see what the CPU holds):
 *  - Accessed and dirty flags are never written.  We walk only to decode an
 *    instruction the CPU has already fetched (so it has already set the
 *    accessed flags on that walk); SDM "Accessed and Dirty Flags" lets the
 *    processor set them, it does not oblige an emulator that reads.
 *  - PAE paging: the CPU translates with the four PDPTEs it loaded at the
 *    last MOV to CR3/CR0/CR4 (SDM "PDPTE Registers"), and with EPT they live
 *    in the VMCS guest-state area, not in memory.  We read them from memory
 *    at CR3[31:5].  They differ only when the guest rewrote its PDPT without
 *    reloading CR3, which is good enough for a decoder.  A PDPTE in memory
 *    with a reserved bit set is one the CPU could not have loaded (MOV to
 *    CR3 would have raised #GP, not #PF), so it gives GWALK_EPDPTE, not a
 *    page fault.
 *  - SMEP and SMAP are not enforced and protection keys are not checked: the
 *    CPU has already performed this fetch with all of them applied.  The I/D
 *    bit of a page-fault error code still follows CR4.SMEP as the SDM says.
 *  - 1-GByte pages are assumed supported (CPUID.80000001H:EDX[26]); a guest
 *    on a CPU without them would have faulted before the exit.
 *  - The linear address must be canonical in IA-32e mode; otherwise the
 *    fault reported is #GP(0) (vector 13).  The CPU gives #SS(0) for
 *    SS-relative data accesses; the caller knows the segment, we do not.
 *  - Outside IA-32e mode linear addresses are 32 bits wide, so the upper bits
 *    of `linear` are dropped (a fetch that runs past 0xffffffff wraps to 0).
 */
#ifndef TV_VMM_GWALK_H
#define TV_VMM_GWALK_H

#include <tv/types.h>
#include <tv/errno.h>

/* Control-register bits the walk depends on (SDM Vol. 3A "Control Registers"). */
#define GWALK_CR0_WP		0x00010000ULL
#define GWALK_CR0_PG		0x80000000ULL
#define GWALK_CR4_PSE		0x00000010ULL
#define GWALK_CR4_PAE		0x00000020ULL
#define GWALK_CR4_LA57		0x00001000ULL
#define GWALK_CR4_SMEP		0x00100000ULL
#define GWALK_EFER_LMA		0x00000400ULL
#define GWALK_EFER_NXE		0x00000800ULL

/* Page-fault error code bits (SDM Vol. 3A "Page-Fault Exceptions"). */
#define GWALK_PFEC_P		0x01U	/* protection violation, not not-present */
#define GWALK_PFEC_W		0x02U	/* the access was a write */
#define GWALK_PFEC_U		0x04U	/* the access was a user-mode access */
#define GWALK_PFEC_RSVD		0x08U	/* a reserved bit was set in an entry */
#define GWALK_PFEC_I		0x10U	/* the access was an instruction fetch */

#define GWALK_VECTOR_GP		13U
#define GWALK_VECTOR_PF		14U

/* Longest instruction gwalk_fetch() will fetch ("Instruction Format"). */
#define GWALK_FETCH_MAX		15U

/* MAXPHYADDR accepted: 32 (no PAE/PSE-36) to 52 (the architectural limit). */
#define GWALK_MAXPHYADDR_MIN	32U
#define GWALK_MAXPHYADDR_MAX	52U

/* Errors, all negative; gwalk_strerror() describes each. */
#define GWALK_EFAULT	(-TV_EFAULT)	/* the guest takes *fault: inject it */
#define GWALK_ERANGE	(-TV_ERANGE)	/* a paging structure or the bytes lie outside guest RAM */
#define GWALK_ENOSYS	(-TV_ENOSYS)	/* 5-level paging (CR4.LA57) is not supported */
#define GWALK_EPDPTE	(-TV_EIO)	/* PAE PDPTE in memory has reserved bits */
#define GWALK_EINVAL	(-TV_EINVAL)	/* bad argument or impossible CR/EFER combination */

/* The guest's view of its control registers (the read shadows' values). */
struct gwalk_cpu {
	uint64_t cr0;
	uint64_t cr3;
	uint64_t cr4;
	uint64_t efer;
};

enum gwalk_access {
	GWALK_FETCH,
	GWALK_READ,
	GWALK_WRITE,
};

/* The exception the guest's own access would have raised. */
struct gwalk_fault {
	bool fault;		/* vector/error_code(/cr2) below are valid */
	uint8_t vector;		/* GWALK_VECTOR_PF, or GWALK_VECTOR_GP (non-canonical) */
	uint32_t error_code;	/* GWALK_PFEC_* for #PF; 0 for #GP */
	uint64_t cr2;		/* #PF only: the faulting linear address */
	/*
	 * gwalk_fetch() only: 0 when every requested byte was fetched,
	 * otherwise the GWALK_E* reason it stopped (with GWALK_EFAULT the
	 * fields above describe the fault at the first byte not fetched).
	 */
	int tail_err;
	/*
	 * GWALK_ERANGE from gwalk_translate(): the guest-physical address of
	 * the paging-structure entry that lies outside guest RAM (so a caller
	 * can tell that an exit there was the CPU's own page walk).
	 */
	uint64_t entry_gpa;
};

/*
 * @brief Translate a linear address with the guest's paging structures.
 * @param cpu guest CR0, CR3, CR4 and IA32_EFER (LMA selects 4-level paging)
 * @param ram host pointer to guest-physical 0; ram_bytes its size
 * @param maxphyaddr the guest's MAXPHYADDR (CPUID.80000008H:EAX[7:0])
 * @param cpl current privilege level: 3 makes the access a user-mode access
 * @param linear segment base already added
 * @param gpa out: the guest-physical address (not checked against RAM)
 * @param fault out: cleared, or filled when the result is GWALK_EFAULT
 * @return 0, GWALK_EFAULT (a #PF or #GP the guest would take),
 *	   GWALK_ERANGE (a paging-structure entry lies outside guest RAM: no
 *	   guest fault, the VM is stopped by the caller), GWALK_ENOSYS,
 *	   GWALK_EPDPTE or GWALK_EINVAL.
 */
int gwalk_translate(const struct gwalk_cpu *cpu, const uint8_t *ram, uint64_t ram_bytes,
		    unsigned int maxphyaddr, unsigned int cpl, uint64_t linear,
		    enum gwalk_access acc, uint64_t *gpa, struct gwalk_fault *fault);

/*
 * @brief Fetch up to len instruction bytes at rip_linear, translating each
 *	  4-KByte page separately.
 * @pre len <= GWALK_FETCH_MAX
 * @return the number of bytes fetched (> 0), which is less than len when a
 *	   later page cannot be fetched (fault->tail_err says why: the decoder
 *	   may not need those bytes, and only if it does may the caller inject
 *	   *fault); 0 when len is 0; or the negative GWALK_E* error for the
 *	   first byte (with GWALK_EFAULT, *fault is the guest's exception).
 */
int gwalk_fetch(const struct gwalk_cpu *cpu, const uint8_t *ram, uint64_t ram_bytes,
		unsigned int maxphyaddr, unsigned int cpl, uint64_t rip_linear,
		uint8_t *buf, unsigned int len, struct gwalk_fault *fault);

/* Short description of a gwalk return code, for log lines; never NULL. */
const char *gwalk_strerror(int err);

#endif /* TV_VMM_GWALK_H */
