/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "hpet: "

#include "hpet.h"

#include <tv/errno.h>
#include <tv/log.h>
#include <x86/cpu.h>

#define HPET_DEFAULT_BASE	0xfed00000ULL
#define HPET_GCAP_ID		0x000U
#define HPET_GEN_CONF		0x010U
#define HPET_MAIN_COUNTER	0x0f0U
#define HPET_CONF_ENABLE	0x1ULL
#define HPET_GINTR_STA		0x020U
#define HPET_T0_CONF		0x100U
#define HPET_T0_COMPARATOR	0x108U
#define HPET_TN_INT_ENB		(1ULL << 2)
#define HPET_TN_32MODE		(1ULL << 8)
#define HPET_TN_ROUTE_SHIFT	9U
#define IOAPIC_DEFAULT_BASE	0xfec00000ULL
#define IOAPIC_REGSEL		0x00U
#define IOAPIC_WIN		0x10U
#define IOAPIC_REG_VER		0x01U
#define IOAPIC_REDIR(pin)	(0x10U + 2U * (pin))
#define IOAPIC_MASKED		(1U << 16)
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
		return -TV_ENODEV;
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
		return -TV_ENODEV;
	}
	pr_info("HPET main counter started and advancing\n");
	return 0;
}

static uint64_t hpet_ioapic;

static void ioapic_write(uint32_t reg, uint32_t val)
{
	mmio_write32(hpet_ioapic + IOAPIC_REGSEL, reg);
	mmio_write32(hpet_ioapic + IOAPIC_WIN, val);
}

static uint32_t ioapic_read(uint32_t reg)
{
	mmio_write32(hpet_ioapic + IOAPIC_REGSEL, reg);
	return mmio_read32(hpet_ioapic + IOAPIC_WIN);
}

int hpet_route_comparator(uint64_t ioapic_base, uint8_t vector, uint8_t apic_id)
{
	uint64_t conf, cap;
	uint32_t pins;
	int pin = -1;

	if (!hpet_base)
		return -TV_ENODEV;
	hpet_ioapic = ioapic_base ? ioapic_base : IOAPIC_DEFAULT_BASE;
	pins = ((ioapic_read(IOAPIC_REG_VER) >> 16) & 0xffU) + 1U;
	conf = mmio_read64(hpet_base + HPET_T0_CONF);
	cap = conf >> 32;	/* Tn_INT_ROUTE_CAP: I/O APIC pins this comparator can drive */
	/* Prefer the PCI-style pins 16-23: the ISA ones may be taken by legacy devices. */
	for (int p = (int)TV_MIN(pins, 32U) - 1; p >= 0; p--) {
		if ((cap >> p) & 1U) {
			pin = p;
			if (p >= 16)
				break;
		}
	}
	if (pin < 0) {
		pr_warn("HPET comparator 0 can drive no I/O APIC pin (route cap %#llx, %u pins)\n",
			(unsigned long long)cap, pins);
		return -TV_ENODEV;
	}
	/* Edge triggered, one-shot, 64-bit, interrupt enabled, routed to the pin. */
	conf &= ~(HPET_TN_32MODE | (0x1fULL << HPET_TN_ROUTE_SHIFT) | (1ULL << 3) | (1ULL << 1));
	conf |= HPET_TN_INT_ENB | ((uint64_t)pin << HPET_TN_ROUTE_SHIFT);
	mmio_write64(hpet_base + HPET_T0_COMPARATOR, ~0ULL);
	mmio_write64(hpet_base + HPET_T0_CONF, conf);
	ioapic_write(IOAPIC_REDIR(pin) + 1U, (uint32_t)apic_id << 24);
	ioapic_write(IOAPIC_REDIR(pin), vector);	/* fixed, physical, edge, high, unmasked */
	pr_info("HPET comparator 0 -> I/O APIC %#llx pin %d -> vector %#x on APIC %u\n",
		(unsigned long long)hpet_ioapic, pin, vector, apic_id);
	return 0;
}

void hpet_arm(uint64_t counter)
{
	mmio_write64(hpet_base + HPET_T0_COMPARATOR, counter ? counter : ~0ULL);
}

void hpet_ack(void)
{
	mmio_write64(hpet_base + HPET_GINTR_STA, 1);
}
