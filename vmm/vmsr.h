/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The MSRs a guest reaches through RDMSR/WRMSR exits (everything the MSR
 * bitmap does not pass through).  Pure: TSC changes come out as an effect
 * that vmm/ turns into a new TSC offset.  An MSR not listed here raises #GP,
 * as on a CPU that does not implement it, and is logged rate-limited.
 */
#ifndef TV_VMM_VMSR_H
#define TV_VMM_VMSR_H

#include <tv/types.h>

/*
 * IA32_MISC_ENABLE bits with an effect elsewhere (SDM Vol. 4, Table 2-2
 * "IA-32 Architectural MSRs", 1A0H).  The full bit policy is in vmsr.c.
 */
#define VMSR_MISC_FAST_STRINGS		(1ULL << 0)
#define VMSR_MISC_BTS_UNAVAILABLE	(1ULL << 11)
#define VMSR_MISC_PEBS_UNAVAILABLE	(1ULL << 12)
#define VMSR_MISC_MONITOR_FSM		(1ULL << 18)
#define VMSR_MISC_LIMIT_CPUID_MAXVAL	(1ULL << 22)
#define VMSR_MISC_XD_DISABLE		(1ULL << 34)

struct vmsr_state {
	uint64_t apic_base;
	uint64_t mtrr_def_type;
	uint64_t tsc_adjust;
	uint64_t bios_sign_id;
	uint64_t mcg_status;
	uint64_t misc_enable;	/* IA32_MISC_ENABLE as it reads back */
	uint64_t xcr0;		/* the guest's XCR0 (XSETBV/XGETBV), reset value 1 */
	/*
	 * The XCR0 bits the guest may set: exactly what its CPUID.(EAX=0DH,
	 * ECX=0):EDX:EAX reports (issue 16 item 1).  0 until vmm/xstate.c sets
	 * it: then every XSETBV raises #GP.
	 */
	uint64_t xcr0_supported;
	/*
	 * The XCR0 bits cpuid_hide= takes out of the guest's leaf 0DH
	 * (vcpuid_hide_xcr0()): refused whatever xcr0_supported says.  0 after
	 * vmsr_init(); all ones with xsave hidden, so every XSETBV #GPs.
	 */
	uint64_t xcr0_hidden;
};

/*
 * XCR0 state components (SDM Vol. 1, "XSAVE-Supported Features and
 * State-Component Bitmaps").
 */
#define VMSR_XCR0_X87		(1ULL << 0)
#define VMSR_XCR0_SSE		(1ULL << 1)
#define VMSR_XCR0_AVX		(1ULL << 2)
#define VMSR_XCR0_BNDREGS	(1ULL << 3)
#define VMSR_XCR0_BNDCSR	(1ULL << 4)
#define VMSR_XCR0_OPMASK	(1ULL << 5)
#define VMSR_XCR0_ZMM_HI256	(1ULL << 6)
#define VMSR_XCR0_HI16_ZMM	(1ULL << 7)
#define VMSR_XCR0_PKRU		(1ULL << 9)
#define VMSR_XCR0_TILECFG	(1ULL << 17)
#define VMSR_XCR0_TILEDATA	(1ULL << 18)
#define VMSR_XCR0_AVX512	(VMSR_XCR0_OPMASK | VMSR_XCR0_ZMM_HI256 | VMSR_XCR0_HI16_ZMM)
/* SDM Vol. 3A, table "IA-32 and Intel 64 Processor States Following Power-up, Reset, or INIT". */
#define VMSR_XCR0_RESET		VMSR_XCR0_X87

struct vmsr_effect {
	bool set_tsc;			/* the guest TSC must read tsc_value now */
	uint64_t tsc_value;
	bool adjust_tsc;		/* add tsc_delta to the guest TSC (IA32_TSC_ADJUST write) */
	int64_t tsc_delta;
};

void vmsr_init(struct vmsr_state *s);
/*
 * @param guest_tsc the guest's TSC at the access (for TSC reads and deltas).
 * @retval 0 done; -TV_EINVAL raise #GP(0).
 */
int vmsr_read(struct vmsr_state *s, uint32_t msr, uint64_t guest_tsc, uint64_t *val);
int vmsr_write(struct vmsr_state *s, uint32_t msr, uint64_t val, uint64_t guest_tsc,
	       struct vmsr_effect *eff);

/*
 * @brief XSETBV: check the write against the SDM's #GP(0) conditions and
 *        the guest's CPUID, and record it in s->xcr0.
 * @param xcr ECX; @param cpl the guest's CPL (SS.DPL).
 * @retval 0 recorded (the caller loads it into the CPU);
 *         -TV_EINVAL raise #GP(0), s->xcr0 unchanged.
 */
int vmsr_xsetbv(struct vmsr_state *s, uint32_t xcr, uint64_t val, unsigned int cpl);

/* IA32_MISC_ENABLE[22]: CPUID.0:EAX reports at most 2 (vcpuid_config.is_cpuid_limited). */
static inline bool vmsr_is_cpuid_limited(const struct vmsr_state *s)
{
	return (s->misc_enable & VMSR_MISC_LIMIT_CPUID_MAXVAL) != 0;
}

/* IA32_MISC_ENABLE[34]: CPUID.80000001H:EDX.NX reads 0 (vcpuid_config.is_xd_disabled). */
static inline bool vmsr_is_xd_disabled(const struct vmsr_state *s)
{
	return (s->misc_enable & VMSR_MISC_XD_DISABLE) != 0;
}

#endif /* TV_VMM_VMSR_H */
