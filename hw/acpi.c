/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "acpi: "

#include "acpi.h"

#include <tv/log.h>

#include <tv/string.h>

struct TV_PACKED acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;
	uint8_t reserved[3];
};

struct TV_PACKED acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
};

struct TV_PACKED acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
};

#define ACPI_TABLE_MAX_BYTES	(16U << 20)	/* refuse absurd lengths */

static bool acpi_checksum_ok(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum == 0;
}

static void acpi_parse_madt(const struct acpi_header *h, struct acpi_info *info)
{
	const uint8_t *p = (const uint8_t *)h;
	uint32_t off = sizeof(*h) + 8;	/* local APIC address + flags */

	info->has_madt = true;
	tv_memcpy(&info->madt_lapic_addr, p + sizeof(*h), 4);
	while (off + 2 <= h->length) {
		uint8_t type = p[off], len = p[off + 1];
		uint32_t flags;

		if (len < 2 || off + len > h->length)
			break;
		if (type == 0 && len >= 8) {		/* processor local APIC */
			tv_memcpy(&flags, p + off + 4, 4);
			if (flags & 1U)
				info->madt_cpus++;
		} else if (type == 9 && len >= 16) {	/* processor local x2APIC */
			tv_memcpy(&flags, p + off + 8, 4);
			if (flags & 1U)
				info->madt_cpus++;
		} else if (type == 1 && len >= 12 && !info->ioapic_addr) {
			tv_memcpy(&info->ioapic_addr, p + off + 4, 4);
		}
		off += len;
	}
	pr_info("MADT: %u enabled CPUs, local APIC at %#x, I/O APIC at %#x\n",
		info->madt_cpus, info->madt_lapic_addr, info->ioapic_addr);
}

/*
 * Find the \_S5 package in the DSDT's AML: NameOp '_S5_' PackageOp PkgLength
 * NumElements, then SLP_TYPa and SLP_TYPb as ZeroOp, OneOp, BytePrefix+byte
 * (ACPI spec, "System \_S5 state" and "Package Length Encoding").
 */
static void acpi_find_s5(const struct acpi_header *dsdt, struct acpi_info *info)
{
	const uint8_t *p = (const uint8_t *)dsdt;
	uint32_t len = dsdt->length;

	for (uint32_t i = sizeof(*dsdt); i + 8 < len; i++) {
		uint32_t j;
		uint8_t typ[2];

		if (p[i] != '_' || p[i + 1] != 'S' || p[i + 2] != '5' || p[i + 3] != '_')
			continue;
		if (!(p[i - 1] == 0x08 || (i >= 2 && p[i - 2] == 0x08 && p[i - 1] == '\\')))
			continue;
		j = i + 4;
		if (p[j] != 0x12)	/* PackageOp */
			continue;
		j++;
		j += (uint32_t)(p[j] >> 6) + 1;	/* PkgLength: lead byte + follow bytes */
		j++;				/* NumElements */
		for (int k = 0; k < 2 && j < len; k++) {
			if (p[j] == 0x0a && j + 1 < len) {
				typ[k] = p[j + 1];
				j += 2;
			} else if (p[j] == 0x00 || p[j] == 0x01) {
				typ[k] = p[j];
				j++;
			} else {
				typ[k] = p[j];
				j++;
			}
		}
		info->has_s5 = true;
		info->s5_slp_typa = typ[0] & 7U;
		info->s5_slp_typb = typ[1] & 7U;
		return;
	}
}

static const struct acpi_header *acpi_map(uint64_t addr)
{
	const struct acpi_header *h = (const struct acpi_header *)(uintptr_t)addr;

	if (!addr || h->length < sizeof(*h) || h->length > ACPI_TABLE_MAX_BYTES)
		return NULL;
	if (!acpi_checksum_ok(h, h->length)) {
		pr_warn("table %.4s at %#llx: bad checksum, ignored\n", h->signature,
			(unsigned long long)addr);
		return NULL;
	}
	return h;
}

static void acpi_parse_fadt(const struct acpi_header *h, struct acpi_info *info)
{
	const uint8_t *p = (const uint8_t *)h;
	uint32_t dsdt32 = 0;
	uint64_t dsdt = 0;
	const struct acpi_header *d;

	info->has_fadt = true;
	/* FADT field offsets: DSDT 40, PM1a_CNT_BLK 64, PM1b_CNT_BLK 68, PM_TMR_BLK 76, flags 112, X_DSDT 140. */
	tv_memcpy(&dsdt32, p + 40, 4);
	dsdt = dsdt32;
	if (h->length >= 148) {
		uint64_t x = 0;

		tv_memcpy(&x, p + 140, 8);
		if (x)
			dsdt = x;
	}
	tv_memcpy(&info->pm1a_cnt, p + 64, 4);
	tv_memcpy(&info->pm1b_cnt, p + 68, 4);
	tv_memcpy(&info->pm_tmr, p + 76, 4);
	if (h->length >= 116) {
		uint32_t flags;

		tv_memcpy(&flags, p + 112, 4);
		info->pm_tmr_32bit = flags & (1U << 8);	/* TMR_VAL_EXT */
	}
	d = acpi_map(dsdt);
	if (d)
		acpi_find_s5(d, info);
	pr_info("FADT: PM1a_CNT %#x, PM timer %#x (%s-bit), \\_S5 %s (SLP_TYPa %u)\n",
		info->pm1a_cnt, info->pm_tmr, info->pm_tmr_32bit ? "32" : "24",
		info->has_s5 ? "found" : "not found", info->s5_slp_typa);
}

static void acpi_parse_table(uint64_t addr, struct acpi_info *info)
{
	const struct acpi_header *h = acpi_map(addr);
	struct acpi_gas gas;

	if (!h)
		return;
	info->nr_tables++;
	pr_dbg("table %.4s at %#llx, %u bytes, OEM %.6s\n", h->signature,
	       (unsigned long long)addr, h->length, h->oem_id);
	if (!tv_memcmp(h->signature, "APIC", 4)) {
		acpi_parse_madt(h, info);
	} else if (!tv_memcmp(h->signature, "FACP", 4)) {
		acpi_parse_fadt(h, info);
	} else if (!tv_memcmp(h->signature, "HPET", 4) && h->length >= sizeof(*h) + 4 + sizeof(gas)) {
		tv_memcpy(&gas, (const uint8_t *)h + sizeof(*h) + 4, sizeof(gas));
		info->has_hpet = true;
		info->hpet_base = gas.address;
		pr_info("HPET table: base %#llx\n", (unsigned long long)gas.address);
	}
}

void acpi_discover(uint64_t rsdp_addr, struct acpi_info *info)
{
	const struct acpi_rsdp *rsdp = (const struct acpi_rsdp *)(uintptr_t)rsdp_addr;
	const struct acpi_header *root;
	bool xsdt;
	uint32_t n;

	tv_memset(info, 0, sizeof(*info));
	if (!rsdp_addr) {
		pr_info("no ACPI tables: devices will be probed at their usual addresses\n");
		return;
	}
	if (tv_memcmp(rsdp->signature, "RSD PTR ", 8) || !acpi_checksum_ok(rsdp, 20)) {
		pr_warn("RSDP at %#llx is invalid: ACPI ignored\n", (unsigned long long)rsdp_addr);
		return;
	}
	info->has_rsdp = true;
	info->revision = rsdp->revision;
	xsdt = rsdp->revision >= 2 && rsdp->xsdt;
	root = acpi_map(xsdt ? rsdp->xsdt : rsdp->rsdt);
	if (!root) {
		pr_warn("no valid %s: ACPI ignored\n", xsdt ? "XSDT" : "RSDT");
		return;
	}
	n = (root->length - (uint32_t)sizeof(*root)) / (xsdt ? 8U : 4U);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = (const uint8_t *)root + sizeof(*root) + i * (xsdt ? 8U : 4U);
		uint64_t addr = 0;

		tv_memcpy(&addr, e, xsdt ? 8 : 4);
		acpi_parse_table(addr, info);
	}
	pr_info("ACPI %s: %u tables (MADT %s, FADT %s, HPET %s)\n", xsdt ? "XSDT" : "RSDT",
		info->nr_tables, info->has_madt ? "yes" : "no", info->has_fadt ? "yes" : "no",
		info->has_hpet ? "yes" : "no");
}
