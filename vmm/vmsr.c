/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "vmsr: "

#include "vmsr.h"

#include <hv/errno.h>
#include <hv/log.h>
#include <x86/msr.h>

#include "string.h"

#define MSR_IA32_BIOS_SIGN_ID	0x0000008bU
#define MSR_IA32_MCG_CAP	0x00000179U
#define MSR_IA32_MCG_STATUS	0x0000017aU
/* Fast strings on; BTS and PEBS unavailable (SDM Vol. 4, IA32_MISC_ENABLE). */
#define VMSR_MISC_ENABLE	((1ULL << 0) | (1ULL << 11) | (1ULL << 12))
#define VMSR_MTRR_DEF_TYPE_MASK	0xcffULL
#define VMSR_MCG_STATUS_MASK	0x7ULL		/* RIPV, EIPV, MCIP */

/* UC 0, WC 1, WT 4, WP 5, WB 6 (SDM Vol. 3A, "Memory Types That Can Be Encoded in MTRRs"). */
static bool vmsr_is_mtrr_type(uint64_t type)
{
	return type == 0U || type == 1U || (type >= 4U && type <= 6U);
}

void vmsr_init(struct vmsr_state *s)
{
	hv_memset(s, 0, sizeof(*s));
	/* Power-up state: xAPIC enabled at the default base, this is the BSP. */
	s->apic_base = APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_BSP;
	/*
	 * E (MTRRs enabled) with default type WB and no ranges: all of RAM is
	 * WB, as firmware would hand it over (the power-up value 0 would make
	 * everything UC).
	 */
	s->mtrr_def_type = 0x806ULL;
}

int vmsr_read(struct vmsr_state *s, uint32_t msr, uint64_t guest_tsc, uint64_t *val)
{
	switch (msr) {
	case MSR_IA32_TSC:
		*val = guest_tsc;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		*val = s->tsc_adjust;
		return 0;
	case MSR_IA32_APIC_BASE:
		*val = s->apic_base;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = VMSR_MISC_ENABLE;
		return 0;
	case MSR_IA32_MTRRCAP:		/* no variable or fixed MTRRs, no WC */
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_MCG_CAP:		/* no machine-check banks */
		*val = 0;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*val = s->mcg_status;
		return 0;
	case MSR_IA32_MTRR_DEF_TYPE:
		*val = s->mtrr_def_type;
		return 0;
	case MSR_IA32_BIOS_SIGN_ID:
		*val = s->bios_sign_id;
		return 0;
	default:
		pr_info_ratelimited("RDMSR %#x: not implemented, #GP\n", msr);
		return -HV_EINVAL;
	}
}

int vmsr_write(struct vmsr_state *s, uint32_t msr, uint64_t val, uint64_t guest_tsc,
	       struct vmsr_effect *eff)
{
	hv_memset(eff, 0, sizeof(*eff));
	switch (msr) {
	case MSR_IA32_TSC:
		/*
		 * SDM Vol. 3B, "Time-Stamp Counter Adjustment": a write to IA32_TSC
		 * also adds the same delta to IA32_TSC_ADJUST.
		 */
		s->tsc_adjust += val - guest_tsc;
		eff->set_tsc = true;
		eff->tsc_value = val;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		eff->adjust_tsc = true;
		eff->tsc_delta = (int64_t)(val - s->tsc_adjust);
		s->tsc_adjust = val;
		return 0;
	case MSR_IA32_APIC_BASE:
		/* Changing the APIC base or mode needs the emulated LAPIC; same value is a no-op. */
		if (val == s->apic_base)
			return 0;
		pr_warn_ratelimited("IA32_APIC_BASE %#llx -> %#llx: APIC relocation and mode "
				    "changes are not supported yet: #GP\n",
				    (unsigned long long)s->apic_base, (unsigned long long)val);
		return -HV_EINVAL;
	case MSR_IA32_MTRR_DEF_TYPE:
		/*
		 * SDM Vol. 3A, "IA32_MTRR_DEF_TYPE MSR": bits 8-9 and 12-63 are
		 * reserved, and the only legal types are 0, 1, 4, 5 and 6; anything
		 * else raises #GP.
		 */
		if ((val & ~VMSR_MTRR_DEF_TYPE_MASK) || !vmsr_is_mtrr_type(val & 0xffU))
			return -HV_EINVAL;
		s->mtrr_def_type = val;
		return 0;
	case MSR_IA32_BIOS_SIGN_ID:
		/* Writing 0 before CPUID(1) is how the microcode revision is read back. */
		s->bios_sign_id = 0;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		return val == VMSR_MISC_ENABLE ? 0 : -HV_EINVAL;
	case MSR_IA32_MCG_STATUS:
		/*
		 * SDM Vol. 3B, "IA32_MCG_STATUS MSR": software may set or clear
		 * MCIP (a #MC handler clears it when done); with MCG_CAP = 0 only
		 * RIPV, EIPV and MCIP exist and bits 63:3 are reserved.  No #MC is
		 * ever delivered, so the value is only stored.
		 */
		if (val & ~VMSR_MCG_STATUS_MASK)
			return -HV_EINVAL;
		s->mcg_status = val;
		return 0;
	default:
		pr_info_ratelimited("WRMSR %#x = %#llx: not implemented, #GP\n", msr,
				    (unsigned long long)val);
		return -HV_EINVAL;
	}
}
