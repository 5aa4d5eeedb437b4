/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The host HPET (IA-PC HPET specification 1.0a): found through the ACPI HPET
 * table or probed at 0xFED00000, its main counter started and checked.
 */
#ifndef HV_TIMER_HW_HPET_H
#define HV_TIMER_HW_HPET_H

#include <hv/types.h>

struct hpet_info {
	bool present;
	uint64_t base;
	uint32_t period_fs;		/* main counter tick, femtoseconds */
	uint64_t freq_hz;
	unsigned int comparators;
	bool counter_64bit;
	bool legacy_capable;
	uint16_t vendor;
	bool running;			/* the counter advanced after enabling */
};

/*
 * @brief Find the HPET (acpi_base, or the usual address when 0), enable its
 *        main counter and check that it advances; report what was found.
 * @return 0 or -HV_ENODEV.
 */
int hpet_init(uint64_t acpi_base, struct hpet_info *info);
uint64_t hpet_read_counter(void);

#endif /* HV_TIMER_HW_HPET_H */
