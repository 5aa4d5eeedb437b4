/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "vmsr: "

#include "vmsr.h"

#include <tv/errno.h>
#include <tv/log.h>
#include <x86/msr.h>

#include <tv/string.h>

#define MSR_IA32_BIOS_SIGN_ID	0x0000008bU
#define MSR_IA32_MCG_CAP	0x00000179U
#define MSR_IA32_MCG_STATUS	0x0000017aU
/*
 * IA32_MISC_ENABLE (SDM Vol. 4, Table 2-2 "IA-32 Architectural MSRs", 1A0H,
 * and the IA32_MISC_ENABLE rows of the tables for the Core processors from
 * Sandy Bridge on, which the Bochs tigerlake model's family 6 follows):
 *
 *   bit  name                                 here
 *    0   Fast-Strings Enable (R/W)            stored; REP MOVS/STOS run as
 *                                             the host runs them either way
 *                                             (only their speed differs)
 *    3   Automatic Thermal Control (R/W)      stored; nothing to throttle
 *    7   Performance Monitoring Available (R) reads 0: no PMU (CPUID.0AH is
 *                                             empty); writes ignored
 *   11   BTS Unavailable (R/O)                reads 1; writes ignored
 *   12   PEBS Unavailable (R/O)               reads 1; writes ignored
 *   16   Enhanced SpeedStep Enable (R/W)      stored; CPUID.1:ECX.EST is
 *                                             hidden, no P-state MSRs
 *   18   ENABLE MONITOR FSM (R/W)             stored; see below
 *   22   Limit CPUID Maxval (R/W)             CPUID.0:EAX reads 2 (vcpuid)
 *   23   xTPR Message Disable (R/W)           stored; no chipset to tell
 *   34   XD Bit Disable (R/W)                 CPUID.80000001H:EDX.NX reads 0
 *                                             (vcpuid); see below
 *   38   Turbo Mode Disable (R/W)             stored; no turbo to disable
 *   all other bits                            reserved: a write that sets
 *                                             one raises #GP(0)
 *
 * Read-only bits keep their value whatever is written (R/O bits of an MSR
 * are not writable, and OSes write back what they read with one bit
 * changed, which must not fault).
 *
 * Bit 18: with it 0 "the MONITOR feature flag is not set (CPUID.01H:ECX[bit
 * 3] = 0)"; with it 1 the flag shows what the CPU has.  tickvisor does not
 * offer MONITOR/MWAIT (vcpuid clears CPUID.1:ECX.MONITOR and leaf 5, and
 * MWAIT in a VM would need MWAIT exiting and an idle model that do not
 * exist), so the flag stays 0 either way: a CPU without MONITOR whose
 * bit 18 is set.  The bit still reads back as written.  Its reset value is
 * 0, matching the absent feature.
 *
 * Bit 34: hides the NX flag as the SDM says.  Deviation: on hardware with
 * XD disabled a WRMSR setting IA32_EFER.NXE raises #GP; tickvisor passes
 * IA32_EFER through the MSR bitmap (the VMCS switches it), so a guest that
 * ignores the hidden flag can still set NXE and use XD.  Setting bits 22 and
 * 34 can also #GP on CPUs whose max leaf is <= 2 or that lack XD; tickvisor
 * always reports more than 2 leaves and requires a host with XD, so both
 * are always accepted.
 */
#define VMSR_MISC_PERFMON_AVAILABLE	(1ULL << 7)
#define VMSR_MISC_RESET		(VMSR_MISC_FAST_STRINGS | VMSR_MISC_BTS_UNAVAILABLE | \
				 VMSR_MISC_PEBS_UNAVAILABLE)
#define VMSR_MISC_READ_ONLY	(VMSR_MISC_PERFMON_AVAILABLE | VMSR_MISC_BTS_UNAVAILABLE | \
				 VMSR_MISC_PEBS_UNAVAILABLE)
#define VMSR_MISC_WRITABLE	(VMSR_MISC_FAST_STRINGS | (1ULL << 3) | (1ULL << 16) | \
				 VMSR_MISC_MONITOR_FSM | VMSR_MISC_LIMIT_CPUID_MAXVAL | \
				 (1ULL << 23) | VMSR_MISC_XD_DISABLE | (1ULL << 38))
#define VMSR_MTRR_DEF_TYPE_MASK	0xcffULL
#define VMSR_MCG_STATUS_MASK	0x7ULL		/* RIPV, EIPV, MCIP */

/* UC 0, WC 1, WT 4, WP 5, WB 6 (SDM Vol. 3A, "Memory Types That Can Be Encoded in MTRRs"). */
static bool vmsr_is_mtrr_type(uint64_t type)
{
	return type == 0U || type == 1U || (type >= 4U && type <= 6U);
}

void vmsr_init(struct vmsr_state *s)
{
	tv_memset(s, 0, sizeof(*s));
	/* Power-up state: xAPIC enabled at the default base, this is the BSP. */
	s->apic_base = APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_BSP;
	/*
	 * E (MTRRs enabled) with default type WB and no ranges: all of RAM is
	 * WB, as firmware would hand it over (the power-up value 0 would make
	 * everything UC).
	 */
	s->mtrr_def_type = 0x806ULL;
	s->misc_enable = VMSR_MISC_RESET;
	s->xcr0 = VMSR_XCR0_RESET;
}

/*
 * SDM Vol. 2C, XSETBV, "Protected Mode Exceptions", and Vol. 1, "Enabling
 * the XSAVE Feature Set and XSAVE-Enabled Features": #GP(0) if CPL > 0, if
 * ECX names no writable XCR (only XCR0 is), if a bit is set that the CPU
 * does not support (CPUID.(EAX=0DH,ECX=0):EDX:EAX, here the guest's view),
 * if bit 0 is cleared, if AVX is set without SSE, if the two MPX bits
 * differ, if the three AVX-512 bits are not all equal or are set without
 * AVX and SSE, and if the two AMX bits differ.  The #UD for CR4.OSXSAVE = 0
 * is raised by the CPU before the VM exit (SDM Vol. 3C, "Relative Priority
 * of Faults and VM Exits": invalid-opcode exceptions come first), so it
 * never reaches here.  Every refusal is the guest's own architectural error:
 * logged at debug level only.
 */
static const char *vmsr_xcr0_fault(uint32_t xcr, uint64_t val, unsigned int cpl,
				   uint64_t supported)
{
	uint64_t avx512 = val & VMSR_XCR0_AVX512;

	if (cpl != 0)
		return "CPL > 0";
	if (xcr != 0)
		return "ECX is not 0";
	if (val & ~supported)
		return "bits its CPUID leaf 0DH does not report";
	if (!(val & VMSR_XCR0_X87))
		return "bit 0 (x87) clear";
	if ((val & VMSR_XCR0_AVX) && !(val & VMSR_XCR0_SSE))
		return "AVX without SSE";
	if (!(val & VMSR_XCR0_BNDREGS) != !(val & VMSR_XCR0_BNDCSR))
		return "BNDREGS and BNDCSR differ";
	if (avx512 && avx512 != VMSR_XCR0_AVX512)
		return "the AVX-512 bits 7:5 are neither all 0 nor all 1";
	if (avx512 && (val & (VMSR_XCR0_SSE | VMSR_XCR0_AVX)) !=
		      (VMSR_XCR0_SSE | VMSR_XCR0_AVX))
		return "AVX-512 without SSE and AVX";
	if (!(val & VMSR_XCR0_TILECFG) != !(val & VMSR_XCR0_TILEDATA))
		return "TILECFG and TILEDATA differ";
	return NULL;
}

int vmsr_xsetbv(struct vmsr_state *s, uint32_t xcr, uint64_t val, unsigned int cpl)
{
	const char *why = vmsr_xcr0_fault(xcr, val, cpl, s->xcr0_supported & ~s->xcr0_hidden);

	if (why) {
		pr_dbg_ratelimited("XSETBV XCR%u = %#llx: %s, #GP\n", xcr, (unsigned long long)val,
				   why);
		return -TV_EINVAL;
	}
	s->xcr0 = val;
	return 0;
}

static int vmsr_write_misc_enable(struct vmsr_state *s, uint64_t val)
{
	if (val & ~(VMSR_MISC_WRITABLE | VMSR_MISC_READ_ONLY)) {
		pr_info_ratelimited("IA32_MISC_ENABLE = %#llx: reserved bits %#llx set, #GP\n",
				    (unsigned long long)val,
				    (unsigned long long)(val & ~(VMSR_MISC_WRITABLE |
								 VMSR_MISC_READ_ONLY)));
		return -TV_EINVAL;
	}
	s->misc_enable = (s->misc_enable & VMSR_MISC_READ_ONLY) | (val & VMSR_MISC_WRITABLE);
	return 0;
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
		*val = s->misc_enable;
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
		return -TV_EINVAL;
	}
}

int vmsr_write(struct vmsr_state *s, uint32_t msr, uint64_t val, uint64_t guest_tsc,
	       struct vmsr_effect *eff)
{
	tv_memset(eff, 0, sizeof(*eff));
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
		return -TV_EINVAL;
	case MSR_IA32_MTRR_DEF_TYPE:
		/*
		 * SDM Vol. 3A, "IA32_MTRR_DEF_TYPE MSR": bits 8-9 and 12-63 are
		 * reserved, and the only legal types are 0, 1, 4, 5 and 6; anything
		 * else raises #GP.
		 */
		if ((val & ~VMSR_MTRR_DEF_TYPE_MASK) || !vmsr_is_mtrr_type(val & 0xffU))
			return -TV_EINVAL;
		s->mtrr_def_type = val;
		return 0;
	case MSR_IA32_BIOS_SIGN_ID:
		/* Writing 0 before CPUID(1) is how the microcode revision is read back. */
		s->bios_sign_id = 0;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		return vmsr_write_misc_enable(s, val);
	case MSR_IA32_MCG_STATUS:
		/*
		 * SDM Vol. 3B, "IA32_MCG_STATUS MSR": software may set or clear
		 * MCIP (a #MC handler clears it when done); with MCG_CAP = 0 only
		 * RIPV, EIPV and MCIP exist and bits 63:3 are reserved.  No #MC is
		 * ever delivered, so the value is only stored.
		 */
		if (val & ~VMSR_MCG_STATUS_MASK)
			return -TV_EINVAL;
		s->mcg_status = val;
		return 0;
	default:
		pr_info_ratelimited("WRMSR %#x = %#llx: not implemented, #GP\n", msr,
				    (unsigned long long)val);
		return -TV_EINVAL;
	}
}
