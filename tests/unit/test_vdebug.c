/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * vmm/vdebug: the debug traps an emulated instruction owes the guest, one
 * case per rule of SDM Vol. 3B, "Debug Registers" and "Debug Exception
 * (#DB)", named after it.  Needed on the host as well as in the guest
 * selftest: Bochs 2.7 saves a pending single-step in the VMCS at every VM
 * exit, fault-like ones included, so there the trap of a skipped CPUID or
 * OUT survives even without tickvisor's part (docs/guests.md, single_step).
 */
#include "harness.h"

#include <x86/msr.h>
#include <x86/vmcs_fields.h>

#include "../../vmm/vdebug.h"

#define TF		0x100ULL
#define IF		0x200ULL
#define L(n)		(1ULL << (2 * (n)))
#define G(n)		(2ULL << (2 * (n)))
#define RW(n, v)	((uint64_t)(v) << (16 + 4 * (n)))
#define LEN(n, v)	((uint64_t)(v) << (18 + 4 * (n)))
#define LEN1		0U
#define LEN2		1U
#define LEN8		2U
#define LEN4		3U

static uint64_t match(uint64_t dr7, uint64_t dr0, bool de, enum vdebug_access k, uint64_t a,
		      unsigned int size)
{
	struct vdebug_regs r = { .dr = { dr0, 0, 0, 0 }, .dr7 = dr7 | 0x400ULL, .is_de = de };

	return vdebug_match(&r, k, a, size);
}

static void test_single_step_needs_tf(void)
{
	UT_CHECK(vdebug_is_single_step(TF | IF | 2, 0));
	UT_CHECK(!vdebug_is_single_step(IF | 2, 0));
}

static void test_single_step_btf_traps_branches_only(void)
{
	/* No instruction tickvisor emulates is a branch: BTF = 1 owes nothing. */
	UT_CHECK(!vdebug_is_single_step(TF | 2, DEBUGCTL_BTF));
	UT_CHECK(vdebug_is_single_step(TF | 2, 1ULL));	/* LBR (bit 0) is not BTF */
}

static void test_no_breakpoint_enabled_matches_nothing(void)
{
	/* R/W and LEN alone do nothing without an L or G bit. */
	UT_EQ(match(RW(0, VDEBUG_RW_IO) | LEN(0, LEN1), 0x3ff, true, VDEBUG_IO, 0x3ff, 1), 0);
	UT_CHECK(!vdebug_has_enabled(0x400ULL | RW(0, 3)));
	UT_CHECK(vdebug_has_enabled(G(3)));
}

static void test_io_breakpoint_matches_its_port(void)
{
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_IO) | LEN(0, LEN1), 0x3ff, true, VDEBUG_IO, 0x3ff, 1),
	      PENDING_DBG_ENABLED_BP | 1ULL);
	UT_EQ(match(G(0) | RW(0, VDEBUG_RW_IO) | LEN(0, LEN1), 0x3ff, true, VDEBUG_IO, 0x3fe, 1), 0);
}

static void test_io_breakpoint_needs_cr4_de(void)
{
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_IO) | LEN(0, LEN1), 0x3ff, false, VDEBUG_IO, 0x3ff, 1), 0);
}

static void test_io_breakpoint_any_byte_of_the_access(void)
{
	/* A 4-byte IN at 0x3fc covers 0x3fc-0x3ff; a 2-byte one at 0x3fe covers 0x3ff too. */
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_IO) | LEN(0, LEN1), 0x3ff, true, VDEBUG_IO, 0x3fc, 4),
	      PENDING_DBG_ENABLED_BP | 1ULL);
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_IO) | LEN(0, LEN1), 0x3ff, true, VDEBUG_IO, 0x3fe, 2),
	      PENDING_DBG_ENABLED_BP | 1ULL);
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_IO) | LEN(0, LEN1), 0x3ff, true, VDEBUG_IO, 0x3fb, 4), 0);
}

static void test_len_ignores_the_low_address_bits(void)
{
	/* LEN = 4 at 0x3fd covers 0x3fc-0x3ff: the low two bits are ignored. */
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_IO) | LEN(0, LEN4), 0x3fd, true, VDEBUG_IO, 0x3fc, 1),
	      PENDING_DBG_ENABLED_BP | 1ULL);
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_ACCESS) | LEN(0, LEN8), 0xfee00395, false,
		    VDEBUG_DATA_READ, 0xfee00390, 4), PENDING_DBG_ENABLED_BP | 1ULL);
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_ACCESS) | LEN(0, LEN2), 0xfee00393, false,
		    VDEBUG_DATA_READ, 0xfee00390, 2), 0);
}

static void test_write_breakpoint_ignores_reads(void)
{
	uint64_t dr7 = L(0) | RW(0, VDEBUG_RW_WRITE) | LEN(0, LEN4);

	UT_EQ(match(dr7, 0xfee003e0, false, VDEBUG_DATA_WRITE, 0xfee003e0, 4),
	      PENDING_DBG_ENABLED_BP | 1ULL);
	UT_EQ(match(dr7, 0xfee003e0, false, VDEBUG_DATA_READ, 0xfee003e0, 4), 0);
}

static void test_access_breakpoint_takes_reads_and_writes(void)
{
	uint64_t dr7 = L(0) | RW(0, VDEBUG_RW_ACCESS) | LEN(0, LEN4);

	UT_EQ(match(dr7, 0xfee00390, false, VDEBUG_DATA_READ, 0xfee00390, 4),
	      PENDING_DBG_ENABLED_BP | 1ULL);
	UT_EQ(match(dr7, 0xfee00390, false, VDEBUG_DATA_WRITE, 0xfee00392, 1),
	      PENDING_DBG_ENABLED_BP | 1ULL);
}

static void test_execute_breakpoint_is_no_data_breakpoint(void)
{
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_EXEC), 0x3ff, true, VDEBUG_IO, 0x3ff, 1), 0);
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_EXEC), 0x1000, false, VDEBUG_DATA_READ, 0x1000, 1), 0);
}

static void test_data_breakpoint_is_no_io_breakpoint(void)
{
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_ACCESS), 0x3ff, true, VDEBUG_IO, 0x3ff, 1), 0);
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_IO), 0x3ff, true, VDEBUG_DATA_WRITE, 0x3ff, 1), 0);
}

static void test_each_breakpoint_has_its_bit(void)
{
	struct vdebug_regs r = {
		.dr = { 0x60, 0x3ff, 0x70, 0x3ff },
		.dr7 = 0x400ULL | L(1) | G(3) | L(2) | RW(0, VDEBUG_RW_IO) |
		       RW(1, VDEBUG_RW_IO) | RW(2, VDEBUG_RW_IO) | RW(3, VDEBUG_RW_IO),
		.is_de = true,
	};

	/* DR0 matches no port here and is disabled anyway; DR2 is enabled but elsewhere. */
	UT_EQ(vdebug_match(&r, VDEBUG_IO, 0x3ff, 1), PENDING_DBG_ENABLED_BP | 0x2ULL | 0x8ULL);
	UT_EQ(vdebug_match(&r, VDEBUG_IO, 0x70, 1), PENDING_DBG_ENABLED_BP | 0x4ULL);
	UT_EQ(vdebug_match(&r, VDEBUG_IO, 0x60, 1), 0);
}

static void test_io_port_is_16_bits(void)
{
	/* A breakpoint address above 0xFFFF still names its low 16 bits as a port. */
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_IO), 0x103ff, true, VDEBUG_IO, 0x3ff, 1),
	      PENDING_DBG_ENABLED_BP | 1ULL);
}

static void test_no_wrap_at_the_top(void)
{
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_ACCESS) | LEN(0, LEN8), 0, false, VDEBUG_DATA_READ,
		    0xfffffffffffffffcULL, 4), 0);
	UT_EQ(match(L(0) | RW(0, VDEBUG_RW_ACCESS) | LEN(0, LEN8), 0xfffffffffffffff8ULL, false,
		    VDEBUG_DATA_READ, 0xfffffffffffffffcULL, 4), PENDING_DBG_ENABLED_BP | 1ULL);
}

static const struct ut_case cases[] = {
	UT_CASE(test_single_step_needs_tf),
	UT_CASE(test_single_step_btf_traps_branches_only),
	UT_CASE(test_no_breakpoint_enabled_matches_nothing),
	UT_CASE(test_io_breakpoint_matches_its_port),
	UT_CASE(test_io_breakpoint_needs_cr4_de),
	UT_CASE(test_io_breakpoint_any_byte_of_the_access),
	UT_CASE(test_len_ignores_the_low_address_bits),
	UT_CASE(test_write_breakpoint_ignores_reads),
	UT_CASE(test_access_breakpoint_takes_reads_and_writes),
	UT_CASE(test_execute_breakpoint_is_no_data_breakpoint),
	UT_CASE(test_data_breakpoint_is_no_io_breakpoint),
	UT_CASE(test_each_breakpoint_has_its_bit),
	UT_CASE(test_io_port_is_16_bits),
	UT_CASE(test_no_wrap_at_the_top),
};

UT_MAIN("vdebug", cases)
