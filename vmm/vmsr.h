/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The MSRs a guest reaches through RDMSR/WRMSR exits (everything the MSR
 * bitmap does not pass through).  Pure: TSC changes come out as an effect
 * that vmm/ turns into a new TSC offset.  An MSR not listed here raises #GP,
 * as on a CPU that does not implement it, and is logged rate-limited.
 */
#ifndef HV_VMM_VMSR_H
#define HV_VMM_VMSR_H

#include <hv/types.h>

struct vmsr_state {
	uint64_t apic_base;
	uint64_t mtrr_def_type;
	uint64_t tsc_adjust;
	uint64_t bios_sign_id;
	uint64_t mcg_status;
};

struct vmsr_effect {
	bool set_tsc;			/* the guest TSC must read tsc_value now */
	uint64_t tsc_value;
	bool adjust_tsc;		/* add tsc_delta to the guest TSC (IA32_TSC_ADJUST write) */
	int64_t tsc_delta;
};

void vmsr_init(struct vmsr_state *s);
/*
 * @param guest_tsc the guest's TSC at the access (for TSC reads and deltas).
 * @retval 0 done; -HV_EINVAL raise #GP(0).
 */
int vmsr_read(struct vmsr_state *s, uint32_t msr, uint64_t guest_tsc, uint64_t *val);
int vmsr_write(struct vmsr_state *s, uint32_t msr, uint64_t val, uint64_t guest_tsc,
	       struct vmsr_effect *eff);

#endif /* HV_VMM_VMSR_H */
