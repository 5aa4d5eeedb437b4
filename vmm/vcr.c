// SPDX-License-Identifier: MIT
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The rules are the #GP(0) conditions of SDM Vol. 2B, "MOV-Move to/from
 * Control Registers" (Protected Mode and 64-Bit Mode Exceptions) and of
 * LMSW, with the bit definitions and the features that gate them from
 * SDM Vol. 3A, "Control Registers" and its table "CR4 bits and the CPUID
 * flags that enumerate them" (section "CPUID Qualification of Control
 * Register Flags").  CPL > 0 is not judged here: that #GP has priority
 * over the VM exit (SDM Vol. 3C, "Relative Priority of Faults and VM
 * Exits"), so no such write ever reaches tickvisor.
 *
 * Deviations, written down: PDPTE loading (a CR0/CR4 write that loads the
 * PAE PDPTEs outside IA-32e mode #GPs on reserved PDPTE bits) is not
 * checked; the write is accepted and the CPU loads the PDPTEs at the next
 * VM entry.  Setting CR0.PG with EFER.LME = 1 and CS.L = 1 is not refused
 * (KVM refuses it; the SDM's exception list does not name it).
 */
#include "vcr.h"

struct vcr_cr4_feature {
	uint64_t bit;
	uint8_t leaf;		/* 1: CPUID.01H, 7: (07H,0), 71: (07H,1) */
	uint8_t reg;		/* 'a', 'b', 'c', 'd' */
	uint8_t shift;
};

/*
 * SDM Vol. 3A, "CPUID Qualification of Control Register Flags": each CR4
 * bit and the CPUID flag that says the processor has it.  CR4.PCE has no
 * flag (every processor since the Pentium Pro has RDPMC).  CR4.CET is
 * listed twice: either CET flag enables it.
 */
static const struct vcr_cr4_feature vcr_cr4_features[] = {
	{ VCR_CR4_VME, 1, 'd', 1 },		/* VME */
	{ VCR_CR4_PVI, 1, 'd', 1 },		/* VME */
	{ VCR_CR4_TSD, 1, 'd', 4 },		/* TSC */
	{ VCR_CR4_DE, 1, 'd', 2 },		/* DE */
	{ VCR_CR4_PSE, 1, 'd', 3 },		/* PSE */
	{ VCR_CR4_PAE, 1, 'd', 6 },		/* PAE */
	{ VCR_CR4_MCE, 1, 'd', 7 },		/* MCE */
	{ VCR_CR4_PGE, 1, 'd', 13 },		/* PGE */
	{ VCR_CR4_OSFXSR, 1, 'd', 24 },		/* FXSR */
	{ VCR_CR4_OSXMMEXCPT, 1, 'd', 25 },	/* SSE */
	{ VCR_CR4_UMIP, 7, 'c', 2 },		/* UMIP */
	{ VCR_CR4_LA57, 7, 'c', 16 },		/* LA57 */
	{ VCR_CR4_VMXE, 1, 'c', 5 },		/* VMX: tickvisor never reports it */
	{ VCR_CR4_SMXE, 1, 'c', 6 },		/* SMX: nor this */
	{ VCR_CR4_FSGSBASE, 7, 'b', 0 },	/* FSGSBASE */
	{ VCR_CR4_PCIDE, 1, 'c', 17 },		/* PCID */
	{ VCR_CR4_OSXSAVE, 1, 'c', 26 },	/* XSAVE */
	{ VCR_CR4_KL, 7, 'c', 23 },		/* Key Locker */
	{ VCR_CR4_SMEP, 7, 'b', 7 },		/* SMEP */
	{ VCR_CR4_SMAP, 7, 'b', 20 },		/* SMAP */
	{ VCR_CR4_PKE, 7, 'c', 3 },		/* PKU */
	{ VCR_CR4_CET, 7, 'c', 7 },		/* CET_SS */
	{ VCR_CR4_CET, 7, 'd', 20 },		/* CET_IBT */
	{ VCR_CR4_PKS, 7, 'c', 31 },		/* PKS */
	{ VCR_CR4_UINTR, 7, 'd', 5 },		/* UINTR */
	{ VCR_CR4_LASS, 71, 'a', 6 },		/* LASS */
	{ VCR_CR4_LAM_SUP, 71, 'a', 26 },	/* LAM */
	{ VCR_CR4_FRED, 71, 'a', 17 },		/* FRED */
};

static uint32_t vcr_cpuid_reg(const struct vcr_cpuid *c, uint8_t leaf, uint8_t reg)
{
	const struct cpuid_regs *r = leaf == 1 ? &c->leaf1 : leaf == 7 ? &c->leaf7 : &c->leaf7_1;

	switch (reg) {
	case 'a': return r->eax;
	case 'b': return r->ebx;
	case 'c': return r->ecx;
	default: return r->edx;
	}
}

uint64_t vcr_cr4_allowed(const struct vcr_cpuid *c)
{
	/* CR4.PCE: no CPUID flag qualifies it. */
	uint64_t allowed = VCR_CR4_PCE;

	for (size_t i = 0; i < sizeof(vcr_cr4_features) / sizeof(vcr_cr4_features[0]); i++) {
		const struct vcr_cr4_feature *f = &vcr_cr4_features[i];

		if (vcr_cpuid_reg(c, f->leaf, f->reg) & (1U << f->shift))
			allowed |= f->bit;
	}
	return allowed;
}

/* Every CR4 bit the SDM defines: the table's bits and PCE. */
static uint64_t vcr_cr4_defined(void)
{
	uint64_t defined = VCR_CR4_PCE;

	for (size_t i = 0; i < sizeof(vcr_cr4_features) / sizeof(vcr_cr4_features[0]); i++)
		defined |= vcr_cr4_features[i].bit;
	return defined;
}

static struct vcr_verdict vcr_gp(const char *rule)
{
	struct vcr_verdict v = { .is_gp = true, .rule = rule, .value = 0 };

	return v;
}

static bool vcr_is_ia32e(const struct vcr_state *s)
{
	return s->efer & VCR_EFER_LMA;
}

static struct vcr_verdict vcr_check_cr0(const struct vcr_state *s, uint64_t val)
{
	struct vcr_verdict ok = { .is_gp = false, .rule = NULL, .value = 0 };

	/* MOV CR, 64-bit mode: "write a 1 to any reserved bit of CR0[63:32]". */
	if (val >> 32)
		return vcr_gp("CR0[63:32] reserved");
	/* "invalid bit combinations in CR0 (such as setting PG to 1 when PE is 0)". */
	if ((val & VCR_CR0_PG) && !(val & VCR_CR0_PE))
		return vcr_gp("CR0.PG = 1 with CR0.PE = 0");
	/* "... or setting the CD flag to 0 when the NW flag is set to 1". */
	if ((val & VCR_CR0_NW) && !(val & VCR_CR0_CD))
		return vcr_gp("CR0.NW = 1 with CR0.CD = 0");
	/* 64-bit mode: "an attempt is made to clear CR0.PG" (leaving IA-32e mode only from compatibility mode). */
	if (vcr_is_ia32e(s) && s->is_cs_l && (s->cr0 & VCR_CR0_PG) && !(val & VCR_CR0_PG))
		return vcr_gp("CR0.PG cleared in 64-bit mode");
	/* "an attempt is made to clear CR0.PG while CR4.PCIDE = 1". */
	if ((s->cr4 & VCR_CR4_PCIDE) && (s->cr0 & VCR_CR0_PG) && !(val & VCR_CR0_PG))
		return vcr_gp("CR0.PG cleared with CR4.PCIDE = 1");
	/*
	 * Vol. 3A, "Initializing IA-32e Mode": with EFER.LME = 1, setting PG
	 * activates IA-32e mode, and doing so with CR4.PAE = 0 raises #GP.
	 */
	if (!(s->cr0 & VCR_CR0_PG) && (val & VCR_CR0_PG) && (s->efer & VCR_EFER_LME) &&
	    !(s->cr4 & VCR_CR4_PAE))
		return vcr_gp("CR0.PG set with EFER.LME = 1 and CR4.PAE = 0");
	/* MOV CR: clearing CR0.WP while CR4.CET = 1 raises #GP (CET relies on WP). */
	if ((s->cr4 & VCR_CR4_CET) && !(val & VCR_CR0_WP))
		return vcr_gp("CR0.WP cleared with CR4.CET = 1");
	/*
	 * Accepted.  Vol. 3A, "CR0": ET is hardwired to 1 on P6 and later; the
	 * reserved bits of 31:0 are not checked and read back as 0 (what
	 * hardware and KVM do).
	 */
	ok.value = (val & VCR_CR0_DEFINED) | VCR_CR0_ET;
	return ok;
}

static struct vcr_verdict vcr_check_cr4(const struct vcr_state *s, const struct vcr_cpuid *c,
					uint64_t val)
{
	struct vcr_verdict ok = { .is_gp = false, .rule = NULL, .value = val };
	uint64_t set = val & ~s->cr4;

	/* MOV CR: "write a 1 to any reserved bit in CR4" (15, 26, 29-31, 33-63). */
	if (val & ~vcr_cr4_defined())
		return vcr_gp("CR4 reserved bit");
	/* Vol. 3A, "CPUID Qualification of Control Register Flags": a bit whose feature CPUID does not report is reserved. */
	if (val & ~vcr_cr4_allowed(c))
		return vcr_gp("CR4 bit of a feature the guest's CPUID does not report");
	/* 64-bit mode: "an attempt is made to clear CR4.PAE" (Vol. 3A: "IA-32e mode requires PAE"). */
	if (vcr_is_ia32e(s) && !(val & VCR_CR4_PAE))
		return vcr_gp("CR4.PAE cleared in IA-32e mode");
	/* 64-bit mode: "an attempt is made to change CR4.LA57"; Vol. 3A: LA57 cannot change while LMA = 1. */
	if (vcr_is_ia32e(s) && ((val ^ s->cr4) & VCR_CR4_LA57))
		return vcr_gp("CR4.LA57 changed in IA-32e mode");
	/* Protected mode: "write 1 to CR4.PCIDE" (Vol. 3A, "Process-Context Identifiers": only with LMA = 1). */
	if ((set & VCR_CR4_PCIDE) && !vcr_is_ia32e(s))
		return vcr_gp("CR4.PCIDE set outside IA-32e mode");
	/* "change CR4.PCIDE from 0 to 1 while CR3[11:0] != 000H". */
	if ((set & VCR_CR4_PCIDE) && (s->cr3 & 0xfffULL))
		return vcr_gp("CR4.PCIDE set with CR3[11:0] != 0");
	/* MOV CR: setting CR4.CET while CR0.WP = 0 raises #GP. */
	if ((set & VCR_CR4_CET) && !(s->cr0 & VCR_CR0_WP))
		return vcr_gp("CR4.CET set with CR0.WP = 0");
	return ok;
}

struct vcr_verdict vcr_check_write(const struct vcr_state *s, const struct vcr_cpuid *c,
				   unsigned int cr, uint64_t val)
{
	/*
	 * Outside 64-bit mode MOV to CR moves 32 bits (Vol. 2B, MOV CR:
	 * "the operand size is 32 bits"): whatever the upper half of the
	 * 64-bit register holds is not the guest's value.
	 */
	if (!(vcr_is_ia32e(s) && s->is_cs_l))
		val &= 0xffffffffULL;
	if (cr == 0)
		return vcr_check_cr0(s, val);
	if (cr == 4)
		return vcr_check_cr4(s, c, val);
	return vcr_gp("not CR0 or CR4");
}
