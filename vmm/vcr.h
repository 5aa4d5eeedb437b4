/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * MOV to CR0/CR4 and LMSW, judged the way the CPU would judge them for the
 * guest (issue 12 item 3): given the state before the write, the value and
 * the features the guest's CPUID reports (as vmm/vcpuid.c shapes it), the
 * write is either accepted, with the value the register takes, or raises
 * #GP(0).  Pure: vmx/ decodes the access, vmm/guest_exit.c asks here and
 * acts; tests/unit/test_vcr.c has one case per rule.
 */
#ifndef TV_VMM_VCR_H
#define TV_VMM_VCR_H

#include <tv/types.h>
#include <x86/cpuid.h>

/* CR4 bits, SDM Vol. 3A, "Control Registers" (Figure "Control Registers"). */
#define VCR_CR4_VME		(1ULL << 0)
#define VCR_CR4_PVI		(1ULL << 1)
#define VCR_CR4_TSD		(1ULL << 2)
#define VCR_CR4_DE		(1ULL << 3)
#define VCR_CR4_PSE		(1ULL << 4)
#define VCR_CR4_PAE		(1ULL << 5)
#define VCR_CR4_MCE		(1ULL << 6)
#define VCR_CR4_PGE		(1ULL << 7)
#define VCR_CR4_PCE		(1ULL << 8)
#define VCR_CR4_OSFXSR		(1ULL << 9)
#define VCR_CR4_OSXMMEXCPT	(1ULL << 10)
#define VCR_CR4_UMIP		(1ULL << 11)
#define VCR_CR4_LA57		(1ULL << 12)
#define VCR_CR4_VMXE		(1ULL << 13)
#define VCR_CR4_SMXE		(1ULL << 14)
#define VCR_CR4_FSGSBASE	(1ULL << 16)
#define VCR_CR4_PCIDE		(1ULL << 17)
#define VCR_CR4_OSXSAVE		(1ULL << 18)
#define VCR_CR4_KL		(1ULL << 19)
#define VCR_CR4_SMEP		(1ULL << 20)
#define VCR_CR4_SMAP		(1ULL << 21)
#define VCR_CR4_PKE		(1ULL << 22)
#define VCR_CR4_CET		(1ULL << 23)
#define VCR_CR4_PKS		(1ULL << 24)
#define VCR_CR4_UINTR		(1ULL << 25)
#define VCR_CR4_LASS		(1ULL << 27)
#define VCR_CR4_LAM_SUP		(1ULL << 28)
#define VCR_CR4_FRED		(1ULL << 32)

/* CR0 bits (same figure). */
#define VCR_CR0_PE		(1ULL << 0)
#define VCR_CR0_MP		(1ULL << 1)
#define VCR_CR0_EM		(1ULL << 2)
#define VCR_CR0_TS		(1ULL << 3)
#define VCR_CR0_ET		(1ULL << 4)
#define VCR_CR0_NE		(1ULL << 5)
#define VCR_CR0_WP		(1ULL << 16)
#define VCR_CR0_AM		(1ULL << 18)
#define VCR_CR0_NW		(1ULL << 29)
#define VCR_CR0_CD		(1ULL << 30)
#define VCR_CR0_PG		(1ULL << 31)
/* The CR0 bits that exist; the other bits of 31:0 are reserved. */
#define VCR_CR0_DEFINED		(VCR_CR0_PE | VCR_CR0_MP | VCR_CR0_EM | VCR_CR0_TS | \
				 VCR_CR0_ET | VCR_CR0_NE | VCR_CR0_WP | VCR_CR0_AM | \
				 VCR_CR0_NW | VCR_CR0_CD | VCR_CR0_PG)

#define VCR_EFER_LME		(1ULL << 8)
#define VCR_EFER_LMA		(1ULL << 10)

/* The CPUID leaves the CR4 bit table names, as the guest sees them. */
struct vcr_cpuid {
	struct cpuid_regs leaf1;	/* CPUID.01H */
	struct cpuid_regs leaf7;	/* CPUID.(EAX=07H,ECX=0) */
	struct cpuid_regs leaf7_1;	/* CPUID.(EAX=07H,ECX=1) */
};

/* The state a CR write is judged against: the guest's values before it. */
struct vcr_state {
	uint64_t cr0, cr3, cr4, efer;	/* what the guest reads (shadows applied) */
	bool is_cs_l;			/* CS.L: with EFER.LMA, 64-bit mode */
};

struct vcr_verdict {
	bool is_gp;			/* raise #GP(0), leave the register as it was */
	const char *rule;		/* the rule that refused it (NULL when accepted) */
	uint64_t value;			/* when accepted: what the register now holds */
};

/* @return the CR4 bits the guest may set at all: defined bits whose feature its CPUID reports. */
uint64_t vcr_cr4_allowed(const struct vcr_cpuid *c);

/*
 * @brief Judge MOV to CR<cr> (0 or 4) of val, or LMSW (cr 0, val already
 *        merged into bits 3:0 by the decoder) against the state s and the
 *        guest's CPUID c.
 */
struct vcr_verdict vcr_check_write(const struct vcr_state *s, const struct vcr_cpuid *c,
				   unsigned int cr, uint64_t val);

#endif /* TV_VMM_VCR_H */
