/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* vmm/vmsr: the MSRs a guest reaches through RDMSR/WRMSR exits, one rule per case. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include <tv/errno.h>
#include <x86/msr.h>

#include "fake_log.h"
#include "../../vmm/vmsr.h"

#define MSR_IA32_BIOS_SIGN_ID	0x0000008bU
#define MSR_IA32_MCG_CAP	0x00000179U
#define MSR_IA32_MCG_STATUS	0x0000017aU

static struct vmsr_state st;
static struct vmsr_effect eff;

static void fresh(void)
{
	memset(&st, 0x5a, sizeof(st));
	vmsr_init(&st);
	fake_log_reset();
}

static int rd(uint32_t msr, uint64_t *val)
{
	*val = 0xdeadbeefdeadbeefULL;
	return vmsr_read(&st, msr, 0x1000, val);
}

static int wr(uint32_t msr, uint64_t val, uint64_t guest_tsc)
{
	memset(&eff, 0x5a, sizeof(eff));
	return vmsr_write(&st, msr, val, guest_tsc, &eff);
}

static bool no_tsc_effect(void)
{
	return !eff.set_tsc && !eff.adjust_tsc;
}

/* SDM Vol. 3A, "Local APIC Status and Location": BSP flag (8), APIC global enable (11), base 0xFEE00000. */
static void apic_base_power_up_is_bsp_enabled_default_base(void)
{
	uint64_t v;

	fresh();
	UT_EQ(rd(MSR_IA32_APIC_BASE, &v), 0);
	UT_EQ(v, 0xfee00900ULL);
	UT_EQ(v, APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_BSP);
	UT_EQ(v & APIC_BASE_EXTD, 0);	/* xAPIC mode, not x2APIC */
}

/* Writing back the value read is accepted and changes nothing (what firmware and OSes do). */
static void apic_base_same_value_write_accepted(void)
{
	uint64_t v;

	fresh();
	UT_EQ(wr(MSR_IA32_APIC_BASE, 0xfee00900ULL, 0), 0);
	UT_CHECK(no_tsc_effect());
	UT_EQ(rd(MSR_IA32_APIC_BASE, &v), 0);
	UT_EQ(v, 0xfee00900ULL);
	UT_EQ(fake_log_lines_logged(), 0);
}

/* Relocation, disabling and x2APIC mode need the emulated LAPIC: #GP for now, state unchanged, logged. */
static void apic_base_change_raises_gp(void)
{
	static const uint64_t changes[] = {
		0xfed00900ULL,			/* relocate */
		0xfee00100ULL,			/* global disable */
		0xfee00d00ULL,			/* x2APIC mode (EXTD) */
		0xfee00800ULL,			/* clear BSP */
		0xfee00901ULL,			/* reserved bit 0 */
	};
	uint64_t v;

	for (size_t i = 0; i < TV_ARRAY_SIZE(changes); i++) {
		fresh();
		UT_EQ(wr(MSR_IA32_APIC_BASE, changes[i], 0), -TV_EINVAL);
		UT_CHECK(no_tsc_effect());
		UT_EQ(rd(MSR_IA32_APIC_BASE, &v), 0);
		UT_EQ(v, 0xfee00900ULL);
		UT_CHECK(fake_log_contains("IA32_APIC_BASE"));
	}
}

/* RDMSR IA32_TIME_STAMP_COUNTER returns the guest's TSC at the access. */
static void tsc_read_returns_guest_tsc(void)
{
	uint64_t v = 0;

	fresh();
	UT_EQ(vmsr_read(&st, MSR_IA32_TSC, 0x123456789abcULL, &v), 0);
	UT_EQ(v, 0x123456789abcULL);
	UT_EQ(vmsr_read(&st, MSR_IA32_TSC, ~0ULL, &v), 0);
	UT_EQ(v, ~0ULL);
}

/* WRMSR IA32_TIME_STAMP_COUNTER: the guest TSC must read the written value from now on. */
static void tsc_write_sets_guest_tsc(void)
{
	fresh();
	UT_EQ(wr(MSR_IA32_TSC, 0x10000000ULL, 0x5000ULL), 0);
	UT_CHECK(eff.set_tsc);
	UT_EQ(eff.tsc_value, 0x10000000ULL);
	UT_CHECK(!eff.adjust_tsc);
	UT_EQ(wr(MSR_IA32_TSC, 0, 0x5000ULL), 0);
	UT_CHECK(eff.set_tsc);
	UT_EQ(eff.tsc_value, 0);
}

/*
 * SDM Vol. 3B, "Time-Stamp Counter Adjustment": a WRMSR to the TSC that adds
 * (or subtracts) X from it also adds (or subtracts) X from IA32_TSC_ADJUST.
 */
static void tsc_write_moves_tsc_adjust_by_delta(void)
{
	uint64_t v;

	fresh();
	UT_EQ(rd(MSR_IA32_TSC_ADJUST, &v), 0);
	UT_EQ(v, 0);
	UT_EQ(wr(MSR_IA32_TSC, 1500, 1000), 0);	/* +500 */
	UT_EQ(rd(MSR_IA32_TSC_ADJUST, &v), 0);
	UT_EQ(v, 500);
	UT_EQ(wr(MSR_IA32_TSC, 100, 2100), 0);		/* -2000 */
	UT_EQ(rd(MSR_IA32_TSC_ADJUST, &v), 0);
	UT_EQ((int64_t)v, -1500);
	UT_EQ(wr(MSR_IA32_TSC, 7777, 7777), 0);	/* no change */
	UT_EQ(rd(MSR_IA32_TSC_ADJUST, &v), 0);
	UT_EQ((int64_t)v, -1500);
}

/* Same section: a WRMSR to IA32_TSC_ADJUST that adds X to it also adds X to the TSC. */
static void tsc_adjust_write_adjusts_tsc_by_delta(void)
{
	fresh();
	UT_EQ(wr(MSR_IA32_TSC_ADJUST, 1000, 0x9999), 0);
	UT_CHECK(eff.adjust_tsc);
	UT_CHECK(!eff.set_tsc);
	UT_EQ(eff.tsc_delta, 1000);
	UT_EQ(wr(MSR_IA32_TSC_ADJUST, 400, 0x9999), 0);
	UT_CHECK(eff.adjust_tsc);
	UT_EQ(eff.tsc_delta, (uint64_t)-600);
	/* From a negative adjustment back to zero. */
	UT_EQ(wr(MSR_IA32_TSC_ADJUST, (uint64_t)-250, 0), 0);
	UT_EQ(eff.tsc_delta, (uint64_t)-650);
	UT_EQ(wr(MSR_IA32_TSC_ADJUST, 0, 0), 0);
	UT_EQ(eff.tsc_delta, 250);
}

static void tsc_adjust_reads_back_written_value(void)
{
	uint64_t v;

	fresh();
	UT_EQ(wr(MSR_IA32_TSC_ADJUST, 0x8000000000000001ULL, 0), 0);
	UT_EQ(rd(MSR_IA32_TSC_ADJUST, &v), 0);
	UT_EQ(v, 0x8000000000000001ULL);
	/* A later TSC write adds its delta to the written value. */
	UT_EQ(wr(MSR_IA32_TSC, 10, 4), 0);
	UT_EQ(rd(MSR_IA32_TSC_ADJUST, &v), 0);
	UT_EQ(v, 0x8000000000000007ULL);
}

/* IA32_MISC_ENABLE: fast strings on; BTS (11) and PEBS (12) unavailable; nothing we hide is on. */
static void misc_enable_reads_fast_strings_no_bts_pebs(void)
{
	uint64_t v;

	fresh();
	UT_EQ(rd(MSR_IA32_MISC_ENABLE, &v), 0);
	UT_EQ(v & 1U, 1);			/* Fast-Strings Enable */
	UT_EQ((v >> 11) & 1U, 1);		/* Branch Trace Storage Unavailable */
	UT_EQ((v >> 12) & 1U, 1);		/* PEBS Unavailable */
	UT_EQ((v >> 7) & 1U, 0);		/* Performance Monitoring Available: no PMU (leaf 0AH empty) */
	UT_EQ((v >> 16) & 1U, 0);		/* Enhanced SpeedStep: EST hidden in CPUID.1 */
	UT_EQ((v >> 18) & 1U, 0);		/* ENABLE MONITOR FSM: MONITOR hidden in CPUID.1 */
	UT_EQ((v >> 22) & 1U, 0);		/* Limit CPUID Maxval: leaf 0 is honest */
	UT_EQ((v >> 34) & 1U, 0);		/* XD Bit Disable: NX stays available */
}

/* Writing back the value read is accepted and changes nothing. */
static void misc_enable_write_back_same_value_ok(void)
{
	uint64_t v, w;

	fresh();
	UT_EQ(rd(MSR_IA32_MISC_ENABLE, &v), 0);
	UT_EQ(wr(MSR_IA32_MISC_ENABLE, v, 0), 0);
	UT_CHECK(no_tsc_effect());
	UT_EQ(rd(MSR_IA32_MISC_ENABLE, &w), 0);
	UT_EQ(w, v);
}

/* Each R/W bit of the SDM tables (0, 3, 16, 18, 22, 23, 34, 38) sets and clears on its own. */
static void misc_enable_rw_bits_set_and_clear(void)
{
	static const unsigned int bits[] = { 0, 3, 16, 18, 22, 23, 34, 38 };
	unsigned int i;
	uint64_t v0, v;

	for (i = 0; i < TV_ARRAY_SIZE(bits); i++) {
		fresh();
		UT_EQ(rd(MSR_IA32_MISC_ENABLE, &v0), 0);
		UT_EQ(wr(MSR_IA32_MISC_ENABLE, v0 ^ (1ULL << bits[i]), 0), 0);
		UT_CHECK(no_tsc_effect());
		UT_EQ(rd(MSR_IA32_MISC_ENABLE, &v), 0);
		UT_CHECK_MSG(v == (v0 ^ (1ULL << bits[i])), "bit %u toggles (%#llx)", bits[i],
			     (unsigned long long)v);
		UT_EQ(wr(MSR_IA32_MISC_ENABLE, v0, 0), 0);
		UT_EQ(rd(MSR_IA32_MISC_ENABLE, &v), 0);
		UT_CHECK_MSG(v == v0, "bit %u toggles back", bits[i]);
	}
}

/* R/O bits 7, 11, 12 keep their value whatever is written, without a fault. */
static void misc_enable_read_only_bits_ignore_writes(void)
{
	uint64_t v;

	fresh();
	UT_EQ(wr(MSR_IA32_MISC_ENABLE, 1ULL << 7, 0), 0);	/* 7 set, 11/12 cleared, 0 cleared */
	UT_EQ(rd(MSR_IA32_MISC_ENABLE, &v), 0);
	UT_EQ(v, (1ULL << 11) | (1ULL << 12));
}

/* Every bit outside the table is reserved: setting it raises #GP and changes nothing. */
static void misc_enable_reserved_bits_gp(void)
{
	static const unsigned int ok[] = { 0, 3, 7, 11, 12, 16, 18, 22, 23, 34, 38 };
	unsigned int bit, i;
	uint64_t v0, v;

	fresh();
	UT_EQ(rd(MSR_IA32_MISC_ENABLE, &v0), 0);
	for (bit = 0; bit < 64; bit++) {
		bool is_defined = false;

		for (i = 0; i < TV_ARRAY_SIZE(ok); i++)
			is_defined |= ok[i] == bit;
		if (is_defined)
			continue;
		fake_log_reset();
		UT_CHECK_MSG(wr(MSR_IA32_MISC_ENABLE, v0 | (1ULL << bit), 0) == -TV_EINVAL,
			     "reserved bit %u raises #GP", bit);
		UT_CHECK_MSG(fake_log_contains("IA32_MISC_ENABLE"), "bit %u logged", bit);
		UT_EQ(rd(MSR_IA32_MISC_ENABLE, &v), 0);
		UT_EQ(v, v0);
	}
	/* A reserved bit with legal changes beside it: the whole write is refused. */
	UT_EQ(wr(MSR_IA32_MISC_ENABLE, v0 | (1ULL << 22) | (1ULL << 1), 0), -TV_EINVAL);
	UT_CHECK(!vmsr_is_cpuid_limited(&st));
}

/* The CPUID effects read the state: bit 22 limits leaf 0, bit 34 hides NX. */
static void misc_enable_cpuid_predicates_follow_bits(void)
{
	uint64_t v0;

	fresh();
	UT_CHECK(!vmsr_is_cpuid_limited(&st) && !vmsr_is_xd_disabled(&st));
	UT_EQ(rd(MSR_IA32_MISC_ENABLE, &v0), 0);
	UT_EQ(wr(MSR_IA32_MISC_ENABLE, v0 | VMSR_MISC_LIMIT_CPUID_MAXVAL, 0), 0);
	UT_CHECK(vmsr_is_cpuid_limited(&st) && !vmsr_is_xd_disabled(&st));
	UT_EQ(wr(MSR_IA32_MISC_ENABLE, v0 | VMSR_MISC_XD_DISABLE, 0), 0);
	UT_CHECK(!vmsr_is_cpuid_limited(&st) && vmsr_is_xd_disabled(&st));
	UT_EQ(wr(MSR_IA32_MISC_ENABLE, v0, 0), 0);
	UT_CHECK(!vmsr_is_cpuid_limited(&st) && !vmsr_is_xd_disabled(&st));
}

/* IA32_MTRRCAP: no variable ranges (VCNT 0), no fixed ranges, no WC, no SMRR; read-only. */
static void mtrrcap_reports_no_ranges(void)
{
	uint64_t v;

	fresh();
	UT_EQ(rd(MSR_IA32_MTRRCAP, &v), 0);
	UT_EQ(v & 0xffU, 0);		/* VCNT */
	UT_EQ((v >> 8) & 1U, 0);	/* FIX */
	UT_EQ((v >> 10) & 1U, 0);	/* WC */
	UT_EQ((v >> 11) & 1U, 0);	/* SMRR */
	UT_EQ(wr(MSR_IA32_MTRRCAP, 0x508, 0), -TV_EINVAL);
}

/* IA32_MTRR_DEF_TYPE as handed over: E (bit 11) set, default type WB (6), FE clear. */
static void mtrr_def_type_starts_enabled_write_back(void)
{
	uint64_t v;

	fresh();
	UT_EQ(rd(MSR_IA32_MTRR_DEF_TYPE, &v), 0);
	UT_EQ(v & 0xffU, 6);
	UT_EQ((v >> 11) & 1U, 1);
	UT_EQ((v >> 10) & 1U, 0);
	UT_EQ(v, 0x806);
}

/* Type 0, 1, 4, 5, 6 with any E/FE combination is written and read back. */
static void mtrr_def_type_valid_writes_read_back(void)
{
	static const uint64_t types[] = { 0, 1, 4, 5, 6 };
	static const uint64_t flags[] = { 0, 0x400, 0x800, 0xc00 };

	fresh();
	for (size_t t = 0; t < TV_ARRAY_SIZE(types); t++)
		for (size_t f = 0; f < TV_ARRAY_SIZE(flags); f++) {
			uint64_t val = types[t] | flags[f], v;

			UT_EQ(wr(MSR_IA32_MTRR_DEF_TYPE, val, 0), 0);
			UT_EQ(rd(MSR_IA32_MTRR_DEF_TYPE, &v), 0);
			UT_EQ(v, val);
		}
}

/* SDM Vol. 3A, "IA32_MTRR_DEF_TYPE MSR": a nonzero write to bits 8, 9 or 12-63 raises #GP. */
static void mtrr_def_type_reserved_bits_gp(void)
{
	static const uint64_t bits[] = { 1ULL << 8, 1ULL << 9, 1ULL << 12, 1ULL << 32, 1ULL << 63 };
	uint64_t v;

	fresh();
	for (size_t i = 0; i < TV_ARRAY_SIZE(bits); i++)
		UT_EQ(wr(MSR_IA32_MTRR_DEF_TYPE, 0x806 | bits[i], 0), -TV_EINVAL);
	UT_EQ(rd(MSR_IA32_MTRR_DEF_TYPE, &v), 0);
	UT_EQ(v, 0x806);
}

/* Same section: the legal type values are 0, 1, 4, 5 and 6; all others raise #GP. */
static void mtrr_def_type_reserved_types_gp(void)
{
	static const uint64_t types[] = { 2, 3, 7, 8, 0x80, 0xff };
	uint64_t v;

	fresh();
	for (size_t i = 0; i < TV_ARRAY_SIZE(types); i++)
		UT_CHECK_MSG(wr(MSR_IA32_MTRR_DEF_TYPE, 0x800 | types[i], 0) == -TV_EINVAL,
			     "type %#llx raises #GP", (unsigned long long)types[i]);
	UT_EQ(rd(MSR_IA32_MTRR_DEF_TYPE, &v), 0);
	UT_EQ(v, 0x806);
}

/*
 * IA32_BIOS_SIGN_ID: the microcode-revision read-back sequence (write 0,
 * CPUID(1), read bits 63:32) works and reports revision 0 (none loaded).
 */
static void bios_sign_id_write_zero_then_read_revision(void)
{
	uint64_t v;

	fresh();
	UT_EQ(rd(MSR_IA32_BIOS_SIGN_ID, &v), 0);
	UT_EQ(v, 0);
	UT_EQ(wr(MSR_IA32_BIOS_SIGN_ID, 0, 0), 0);
	UT_CHECK(no_tsc_effect());
	UT_EQ(rd(MSR_IA32_BIOS_SIGN_ID, &v), 0);
	UT_EQ(v >> 32, 0);
	/* A guest cannot plant a revision of its own. */
	UT_EQ(wr(MSR_IA32_BIOS_SIGN_ID, 0x1234500000000ULL, 0), 0);
	UT_EQ(rd(MSR_IA32_BIOS_SIGN_ID, &v), 0);
	UT_EQ(v, 0);
}

/* IA32_MCG_CAP: no banks (count 0), no MCG_CTL; read-only. */
static void mcg_cap_reports_no_banks(void)
{
	uint64_t v;

	fresh();
	UT_EQ(rd(MSR_IA32_MCG_CAP, &v), 0);
	UT_EQ(v, 0);
	UT_EQ(wr(MSR_IA32_MCG_CAP, 0, 0), -TV_EINVAL);
}

/* IA32_MCG_STATUS: zero (no machine check in progress) at power-up. */
static void mcg_status_reads_zero(void)
{
	uint64_t v;

	fresh();
	UT_EQ(rd(MSR_IA32_MCG_STATUS, &v), 0);
	UT_EQ(v, 0);
}

/*
 * SDM Vol. 3B, "IA32_MCG_STATUS MSR": software can set or clear MCIP (bit 2);
 * with MCG_CAP = 0 bits 63:3 are reserved.
 */
static void mcg_status_software_writes_mcip(void)
{
	uint64_t v;

	fresh();
	UT_EQ(wr(MSR_IA32_MCG_STATUS, 0x4, 0), 0);
	UT_EQ(rd(MSR_IA32_MCG_STATUS, &v), 0);
	UT_EQ(v, 0x4);
	UT_EQ(wr(MSR_IA32_MCG_STATUS, 0, 0), 0);
	UT_EQ(rd(MSR_IA32_MCG_STATUS, &v), 0);
	UT_EQ(v, 0);
	UT_EQ(wr(MSR_IA32_MCG_STATUS, 1ULL << 3, 0), -TV_EINVAL);
	UT_EQ(wr(MSR_IA32_MCG_STATUS, 1ULL << 63, 0), -TV_EINVAL);
	UT_EQ(rd(MSR_IA32_MCG_STATUS, &v), 0);
	UT_EQ(v, 0);
}

/* IA32_PLATFORM_ID reads 0 (platform id 0); it is read-only. */
static void platform_id_reads_zero(void)
{
	uint64_t v;

	fresh();
	UT_EQ(rd(MSR_IA32_PLATFORM_ID, &v), 0);
	UT_EQ(v, 0);
	UT_EQ(wr(MSR_IA32_PLATFORM_ID, 0, 0), -TV_EINVAL);
}

/* An MSR the guest does not have: RDMSR raises #GP, as on a CPU without it, and a line is logged. */
static void unknown_msr_read_gp_and_logged(void)
{
	static const uint32_t msrs[] = {
		0x48U,		/* IA32_SPEC_CTRL: hidden in CPUID.7 */
		0x10aU,		/* IA32_ARCH_CAPABILITIES: hidden in CPUID.7 */
		0x345U,		/* IA32_PERF_CAPABILITIES: PDCM hidden */
		0x40000000U,	/* a Hyper-V/KVM synthetic MSR */
		0xc0011000U,
	};

	for (size_t i = 0; i < TV_ARRAY_SIZE(msrs); i++) {
		uint64_t v = 0x77;
		char needle[32];

		fresh();
		UT_EQ(vmsr_read(&st, msrs[i], 0, &v), -TV_EINVAL);
		UT_EQ(v, 0x77);		/* nothing stored on #GP */
		UT_EQ(fake_log_lines_logged(), 1);
		snprintf(needle, sizeof(needle), "RDMSR %#x", msrs[i]);
		UT_CHECK_MSG(fake_log_contains(needle), "log names \"%s\"", needle);
	}
}

/* WRMSR to an MSR the guest does not have raises #GP, has no effect, and is logged. */
static void unknown_msr_write_gp_and_logged(void)
{
	static const uint32_t msrs[] = { 0x48U, 0x49U, 0x10bU, 0x3aU, 0xc0010015U };

	for (size_t i = 0; i < TV_ARRAY_SIZE(msrs); i++) {
		char needle[32];

		fresh();
		UT_EQ(wr(msrs[i], 1, 0), -TV_EINVAL);
		UT_CHECK(no_tsc_effect());
		UT_EQ(fake_log_lines_logged(), 1);
		snprintf(needle, sizeof(needle), "WRMSR %#x", msrs[i]);
		UT_CHECK_MSG(fake_log_contains(needle), "log names \"%s\"", needle);
	}
}

/* A refused write leaves the effect empty, so vmm/ never moves the TSC for it. */
static void refused_write_has_no_effect(void)
{
	fresh();
	UT_EQ(wr(MSR_IA32_MTRR_DEF_TYPE, 0x802, 0), -TV_EINVAL);
	UT_CHECK(no_tsc_effect());
	UT_EQ(eff.tsc_value, 0);
	UT_EQ(eff.tsc_delta, 0);
	UT_EQ(wr(MSR_IA32_APIC_BASE, 0, 0), -TV_EINVAL);
	UT_CHECK(no_tsc_effect());
}

/* vmsr_init gives the same state whatever the memory held before. */
static void init_is_complete(void)
{
	struct vmsr_state a, b;

	memset(&a, 0x00, sizeof(a));
	memset(&b, 0xff, sizeof(b));
	vmsr_init(&a);
	vmsr_init(&b);
	UT_CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	UT_EQ(a.tsc_adjust, 0);
	UT_EQ(a.mcg_status, 0);
	UT_EQ(a.misc_enable, 0x1801);
	UT_EQ(a.xcr0, 1);		/* x87 only: XCR0's reset value */
	UT_EQ(a.xcr0_supported, 0);
}

static const struct ut_case cases[] = {
	UT_CASE(apic_base_power_up_is_bsp_enabled_default_base),
	UT_CASE(apic_base_same_value_write_accepted),
	UT_CASE(apic_base_change_raises_gp),
	UT_CASE(tsc_read_returns_guest_tsc),
	UT_CASE(tsc_write_sets_guest_tsc),
	UT_CASE(tsc_write_moves_tsc_adjust_by_delta),
	UT_CASE(tsc_adjust_write_adjusts_tsc_by_delta),
	UT_CASE(tsc_adjust_reads_back_written_value),
	UT_CASE(misc_enable_reads_fast_strings_no_bts_pebs),
	UT_CASE(misc_enable_write_back_same_value_ok),
	UT_CASE(misc_enable_rw_bits_set_and_clear),
	UT_CASE(misc_enable_read_only_bits_ignore_writes),
	UT_CASE(misc_enable_reserved_bits_gp),
	UT_CASE(misc_enable_cpuid_predicates_follow_bits),
	UT_CASE(mtrrcap_reports_no_ranges),
	UT_CASE(mtrr_def_type_starts_enabled_write_back),
	UT_CASE(mtrr_def_type_valid_writes_read_back),
	UT_CASE(mtrr_def_type_reserved_bits_gp),
	UT_CASE(mtrr_def_type_reserved_types_gp),
	UT_CASE(bios_sign_id_write_zero_then_read_revision),
	UT_CASE(mcg_cap_reports_no_banks),
	UT_CASE(mcg_status_reads_zero),
	UT_CASE(mcg_status_software_writes_mcip),
	UT_CASE(platform_id_reads_zero),
	UT_CASE(unknown_msr_read_gp_and_logged),
	UT_CASE(unknown_msr_write_gp_and_logged),
	UT_CASE(refused_write_has_no_effect),
	UT_CASE(init_is_complete),
};

UT_MAIN("vmsr", cases)
