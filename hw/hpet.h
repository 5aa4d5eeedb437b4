/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The host HPET (IA-PC HPET specification 1.0a): found through the ACPI HPET
 * table or probed at 0xFED00000, its main counter started and checked.
 */
#ifndef TV_HW_HPET_H
#define TV_HW_HPET_H

#include <tv/types.h>

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
 * @return 0 or -TV_ENODEV.
 */
int hpet_init(uint64_t acpi_base, struct hpet_info *info);
uint64_t hpet_read_counter(void);

/*
 * @brief Route comparator 0 through the I/O APIC at ioapic_base (0: the
 *        usual 0xFEC00000) to vector on the CPU with APIC ID apic_id, edge
 *        triggered, one-shot, 64-bit; disarmed until hpet_arm().
 * @return 0, or -TV_ENODEV when no I/O APIC pin is usable.
 */
int hpet_route_comparator(uint64_t ioapic_base, uint8_t vector, uint8_t apic_id);
/* @brief Fire once when the main counter reaches counter (HPET ticks); 0 disarms. */
void hpet_arm(uint64_t counter);
/* @brief Acknowledge a comparator interrupt (clear GINTR_STA before the EOI). */
void hpet_ack(void);

#endif /* TV_HW_HPET_H */
