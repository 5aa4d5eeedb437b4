/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The host's own local APIC, used as a one-shot timer in TSC-deadline mode
 * for the host fallback queue (SDM Vol. 3A, "TSC-Deadline Mode").  Works in
 * xAPIC mode (MMIO) and x2APIC mode (MSRs), whichever the firmware left.
 */
#ifndef TV_HW_HOST_LAPIC_H
#define TV_HW_HOST_LAPIC_H

#include <tv/types.h>

#define HOST_VECTOR_TSC_DEADLINE	0xf0U
#define HOST_VECTOR_HPET		0xf1U
#define HOST_VECTOR_SPURIOUS		0xffU

/*
 * @brief Software-enable the host LAPIC, mask LINT0/LINT1 and both 8259s
 *        (OVMF leaves LINT0 in ExtINT mode), and, when the CPU has
 *        TSC-deadline mode, point the timer LVT at HOST_VECTOR_TSC_DEADLINE.
 * @return 0, or -TV_ENODEV when the APIC is disabled.
 */
int host_lapic_init(bool has_tsc_deadline);
bool host_lapic_has_tsc_deadline(void);
/* @brief Arm (host TSC) or, with 0, disarm the TSC-deadline timer. */
void host_lapic_arm_tsc_deadline(uint64_t host_tsc);
void host_lapic_eoi(void);
uint32_t host_lapic_id(void);

#endif /* TV_HW_HOST_LAPIC_H */
