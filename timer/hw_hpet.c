/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "hpet: "

#include "hw_hpet.h"

#include <hv/errno.h>
#include <hv/log.h>
#include <x86/cpu.h>

#define HPET_DEFAULT_BASE	0xfed00000ULL
#define HPET_GCAP_ID		0x000U
#define HPET_GEN_CONF		0x010U
#define HPET_MAIN_COUNTER	0x0f0U
#define HPET_CONF_ENABLE	0x1ULL
/* The specification caps the period at 100 ns (0x05F5E100 fs). */
#define HPET_MAX_PERIOD_FS	100000000U
#define HPET_SPIN_LIMIT		10000000U

static uint64_t hpet_base;

uint64_t hpet_read_counter(void)
{
	return mmio_read64(hpet_base + HPET_MAIN_COUNTER);
}

int hpet_init(uint64_t acpi_base, struct hpet_info *info)
{
	uint64_t cap, c0;

	info->present = false;
	info->base = acpi_base ? acpi_base : HPET_DEFAULT_BASE;
	cap = mmio_read64(info->base + HPET_GCAP_ID);
	info->period_fs = (uint32_t)(cap >> 32);
	if (cap == ~0ULL || cap == 0 || info->period_fs == 0 ||
	    info->period_fs > HPET_MAX_PERIOD_FS) {
		pr_info("no HPET at %#llx (GCAP_ID %#llx)%s\n", (unsigned long long)info->base,
			(unsigned long long)cap, acpi_base ? "" : ", probed without an ACPI table");
		return -HV_ENODEV;
	}
	hpet_base = info->base;
	info->present = true;
	info->vendor = (uint16_t)(cap >> 16);
	info->comparators = (unsigned int)((cap >> 8) & 0x1fU) + 1;
	info->counter_64bit = cap & (1ULL << 13);
	info->legacy_capable = cap & (1ULL << 15);
	info->freq_hz = 1000000000000000ULL / info->period_fs;
	mmio_write64(hpet_base + HPET_GEN_CONF,
		     mmio_read64(hpet_base + HPET_GEN_CONF) | HPET_CONF_ENABLE);
	c0 = hpet_read_counter();
	for (unsigned int i = 0; i < HPET_SPIN_LIMIT; i++) {
		if (hpet_read_counter() != c0) {
			info->running = true;
			break;
		}
		cpu_pause();
	}
	pr_info("HPET at %#llx%s: GCAP_ID %#llx, period %u fs (%llu Hz), %u comparators, "
		"%s-bit counter, legacy replacement %s, vendor %#x\n",
		(unsigned long long)info->base, acpi_base ? "" : " (probed)",
		(unsigned long long)cap, info->period_fs, (unsigned long long)info->freq_hz,
		info->comparators, info->counter_64bit ? "64" : "32",
		info->legacy_capable ? "capable" : "no", info->vendor);
	if (!info->running) {
		pr_warn("HPET main counter does not advance after enabling: not used\n");
		info->present = false;
		return -HV_ENODEV;
	}
	pr_info("HPET main counter started and advancing\n");
	return 0;
}
