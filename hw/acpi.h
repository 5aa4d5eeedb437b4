/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * ACPI discovery: the few facts tickvisor needs from the RSDP, XSDT/RSDT,
 * MADT ("APIC"), FADT ("FACP", and \_S5 in its DSDT) and "HPET" tables.
 * Physical memory is identity mapped both before and after ExitBootServices.
 */
#ifndef TV_HW_ACPI_H
#define TV_HW_ACPI_H

#include <tv/types.h>

struct acpi_info {
	bool has_rsdp;
	uint8_t revision;		/* RSDP revision: 0 = ACPI 1.0 (RSDT), 2+ = XSDT */
	unsigned int nr_tables;
	bool has_madt;
	uint32_t madt_lapic_addr;
	unsigned int madt_cpus;		/* enabled processor LAPIC / x2APIC entries */
	uint32_t ioapic_addr;		/* first I/O APIC, 0 if none */
	bool has_fadt;
	uint32_t pm1a_cnt, pm1b_cnt;	/* I/O ports, 0 if absent */
	uint32_t pm_tmr;		/* PM timer I/O port, 0 if absent */
	bool pm_tmr_32bit;
	bool has_s5;
	uint8_t s5_slp_typa, s5_slp_typb;
	bool has_hpet;
	uint64_t hpet_base;
};

/*
 * @brief Walk the tables from the RSDP (0: none) and fill *info, logging one
 *        line per table found; bad checksums are reported and the table skipped.
 */
void acpi_discover(uint64_t rsdp, struct acpi_info *info);

#endif /* TV_HW_ACPI_H */
