/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* vmm/hypercall: the VMCALL ABI of include/tv/hypercall_abi.h, one rule per case. */
#include "harness.h"

#include <string.h>

#include <tv/errno.h>
#include <tv/hypercall_abi.h>

#include "../../vmm/hypercall.h"
/*
 * The guest runtime's copy of the ABI.  Both headers define the same macro
 * names; C11 6.10.3p2 makes any difference in a redefinition an error, so
 * this include alone keeps the two sides of the ABI identical.
 */
#include "../guest/lib/hypercall.h"

#define RAM_BYTES	(64U * 1024U)

static uint8_t ram[RAM_BYTES];
static struct hc_regs regs;
static struct hc_effect eff;

static void call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	memset(&regs, 0, sizeof(regs));
	regs.rax = nr;
	regs.rbx = a0;
	regs.rcx = a1;
	regs.rdx = a2;
	hc_handle_vmcall(&regs, ram, RAM_BYTES, &eff);
}

static int64_t result(void)
{
	return (int64_t)regs.rax;
}

static void hc_info_returns_abi_version(void)
{
	call(TV_HC_INFO, 0, 0, 0);
	UT_EQ(result(), 2);
	UT_EQ(result(), TV_HC_ABI_VERSION);
	UT_CHECK(!eff.exit_requested && !eff.print && !eff.trace_dump && !eff.unknown);
}

static void hc_print_hands_out_the_guest_bytes(void)
{
	memcpy(ram + 0x1000, "hello, host\n", 12);
	call(TV_HC_PRINT, 0x1000, 12, 0);
	UT_EQ(result(), 0);
	UT_CHECK(eff.print == (const char *)ram + 0x1000);
	UT_EQ(eff.print_len, 12);
	UT_CHECK(eff.print && memcmp(eff.print, "hello, host\n", 12) == 0);
}

static void hc_print_of_zero_bytes_prints_nothing(void)
{
	call(TV_HC_PRINT, 0x2000, 0, 0);
	UT_EQ(result(), 0);
	UT_CHECK(eff.print == NULL);
	UT_EQ(eff.print_len, 0);
	call(TV_HC_PRINT, RAM_BYTES, 0, 0);	/* empty, at the very end: still inside */
	UT_EQ(result(), 0);
	call(TV_HC_PRINT, RAM_BYTES + 1, 0, 0);	/* empty, but past the end: the address counts */
	UT_EQ(result(), -TV_HC_EFAULT);
}

static void hc_print_up_to_the_last_ram_byte_is_allowed(void)
{
	call(TV_HC_PRINT, RAM_BYTES - 16U, 16, 0);
	UT_EQ(result(), 0);
	UT_EQ(eff.print_len, 16);
	UT_CHECK(eff.print == (const char *)ram + RAM_BYTES - 16U);
}

static void hc_print_outside_ram_is_efault(void)
{
	call(TV_HC_PRINT, RAM_BYTES, 1, 0);
	UT_EQ(result(), -TV_HC_EFAULT);
	UT_CHECK(eff.print == NULL);
	call(TV_HC_PRINT, 0xFEE00000ULL, 4, 0);	/* the APIC page is not RAM */
	UT_EQ(result(), -14);
	UT_CHECK(eff.print == NULL);
}

static void hc_print_straddling_the_end_of_ram_is_efault(void)
{
	call(TV_HC_PRINT, RAM_BYTES - 4U, 5, 0);
	UT_EQ(result(), -TV_HC_EFAULT);
	UT_CHECK(eff.print == NULL);
}

static void hc_print_with_wrapping_address_is_efault(void)
{
	call(TV_HC_PRINT, 0xFFFFFFFFFFFFFFF0ULL, 0x20, 0);
	UT_EQ(result(), -TV_HC_EFAULT);
	UT_CHECK(eff.print == NULL);
}

static void hc_print_longer_than_max_is_einval(void)
{
	call(TV_HC_PRINT, 0, TV_HC_PRINT_MAX, 0);
	UT_EQ(result(), 0);
	UT_EQ(eff.print_len, 4096);
	call(TV_HC_PRINT, 0, TV_HC_PRINT_MAX + 1U, 0);
	UT_EQ(result(), -TV_HC_EINVAL);
	UT_EQ(result(), -22);
	UT_CHECK(eff.print == NULL);
}

static void hc_print_length_is_checked_before_address(void)
{
	call(TV_HC_PRINT, 0xFFFFFFFF00000000ULL, 0x100000, 0);
	UT_EQ(result(), -TV_HC_EINVAL);
}

static void hc_print_without_ram_is_efault(void)
{
	memset(&regs, 0, sizeof(regs));
	regs.rax = TV_HC_PRINT;
	regs.rcx = 1;
	hc_handle_vmcall(&regs, NULL, RAM_BYTES, &eff);
	UT_EQ(result(), -TV_HC_EFAULT);
	UT_CHECK(eff.print == NULL);
}

static void hc_exit_status_is_code_shl1_or1(void)
{
	static const struct { uint64_t code; uint32_t status; } t[] = {
		{ 0, 1 }, { 1, 3 }, { 0x10, 0x21 }, { 0x7FFFFFFF, 0xFFFFFFFFU },
	};
	unsigned int i;

	for (i = 0; i < TV_ARRAY_SIZE(t); i++) {
		call(TV_HC_EXIT, t[i].code, 0, 0);
		UT_CHECK(eff.exit_requested);
		UT_EQ(eff.exit_code, t[i].code);
		UT_EQ(eff.exit_status, t[i].status);
		UT_EQ(eff.exit_status, TV_EXIT_STATUS(t[i].code));
	}
}

static void hc_exit_code_is_the_low_32_bits_of_rbx(void)
{
	call(TV_HC_EXIT, 0xDEAD00000000002AULL, 0, 0);
	UT_CHECK(eff.exit_requested);
	UT_EQ(eff.exit_code, 0x2A);
	UT_EQ(eff.exit_status, 0x55);
	call(TV_HC_EXIT, (uint64_t)(int64_t)-1, 0, 0);	/* tv_exit(-1) */
	UT_EQ(eff.exit_code, 0xFFFFFFFFU);
	UT_EQ(eff.exit_status, 0xFFFFFFFFU);
}

static void hc_trace_dump_is_requested_and_returns_zero(void)
{
	call(TV_HC_TRACE_DUMP, 0, 0, 0);
	UT_EQ(result(), 0);
	UT_CHECK(eff.trace_dump);
	UT_CHECK(!eff.unknown && !eff.exit_requested);
}

static void hc_unknown_number_in_range_returns_enosys(void)
{
	static const uint64_t nrs[] = { TV_HC_BASE + 4U, TV_HC_BASE + 0xFFU,
					TV_HC_BASE + 0xFFFFU };
	unsigned int i;

	for (i = 0; i < TV_ARRAY_SIZE(nrs); i++) {
		call(nrs[i], 1, 2, 3);
		UT_EQ(result(), -38);
		UT_EQ(result(), -TV_HC_ENOSYS);
		UT_CHECK(eff.unknown);
		UT_CHECK(!eff.exit_requested && !eff.print && !eff.trace_dump);
	}
}

/*
 * KVM's numbers (kvm_para.h: 1 VAPIC_POLL_IRQ ... 12 MAP_GPA_RANGE), the
 * old version-1 numbers 0-3 and everything else outside the range: nothing
 * happens and the answer is KVM's -KVM_ENOSYS.
 */
static void hc_number_outside_range_returns_kvm_enosys(void)
{
	static const uint64_t nrs[] = { 0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 0xFF,
					TV_HC_BASE - 1U, TV_HC_BASE + TV_HC_RANGE,
					0x80000000ULL, 0xFFFFFFFFFFFFFFFFULL,
					0x100000000ULL | TV_HC_INFO };
	unsigned int i;

	memcpy(ram, "must not print", 14);
	for (i = 0; i < TV_ARRAY_SIZE(nrs); i++) {
		call(nrs[i], 0, 14, 0);
		UT_EQ(result(), -1000);
		UT_EQ(result(), -TV_KVM_ENOSYS);
		UT_CHECK(eff.unknown);
		UT_CHECK(!eff.exit_requested && !eff.print && !eff.trace_dump);
	}
}

/* KVM_HC_SEND_IPI (10) from user mode: -EPERM first, as KVM checks CPL first. */
static void hc_kvm_number_from_user_mode_is_eperm(void)
{
	memset(&regs, 0, sizeof(regs));
	regs.rax = 10;
	regs.cpl = 3;
	hc_handle_vmcall(&regs, ram, RAM_BYTES, &eff);
	UT_EQ(result(), -TV_HC_EPERM);
}

static void hc_result_is_sign_extended_to_64_bits(void)
{
	call(TV_HC_BASE + 77U, 0, 0, 0);
	UT_EQ(regs.rax, 0xFFFFFFFFFFFFFFDAULL);
	call(7, 0, 0, 0);
	UT_EQ(regs.rax, 0xFFFFFFFFFFFFFC18ULL);
}

static void hc_argument_registers_are_preserved(void)
{
	call(TV_HC_PRINT, 0x10, 8, 0x1234);
	UT_EQ(regs.rbx, 0x10);
	UT_EQ(regs.rcx, 8);
	UT_EQ(regs.rdx, 0x1234);
	call(TV_HC_BASE + 99U, 0x11, 0x22, 0x33);
	UT_EQ(regs.rbx, 0x11);
	UT_EQ(regs.rcx, 0x22);
	UT_EQ(regs.rdx, 0x33);
}

static void hc_from_user_mode_is_eperm(void)
{
	memset(&regs, 0, sizeof(regs));
	regs.rax = TV_HC_EXIT;
	regs.rbx = 5;
	regs.cpl = 3;
	hc_handle_vmcall(&regs, ram, RAM_BYTES, &eff);
	UT_EQ(result(), -TV_HC_EPERM);
	UT_CHECK(!eff.exit_requested);
	regs.rax = TV_HC_INFO;
	regs.cpl = 1;
	hc_handle_vmcall(&regs, ram, RAM_BYTES, &eff);
	UT_EQ(result(), -1);
}

static void hc_32bit_guest_upper_halves_are_ignored(void)
{
	memset(&regs, 0, sizeof(regs));
	regs.is_32bit = true;
	regs.rax = 0xABCDEF0000000000ULL | TV_HC_INFO;	/* INFO in EAX, garbage above */
	hc_handle_vmcall(&regs, ram, RAM_BYTES, &eff);
	UT_EQ(result(), TV_HC_ABI_VERSION);
	regs.rax = 0x1234567800000000ULL | TV_HC_PRINT;
	regs.rbx = 0xFFFFFFFF00000100ULL;
	regs.rcx = 0x0000000100000004ULL;
	hc_handle_vmcall(&regs, ram, RAM_BYTES, &eff);
	UT_EQ(result(), 0);
	UT_CHECK(eff.print == (const char *)ram + 0x100);
	UT_EQ(eff.print_len, 4);
}

static void hc_64bit_guest_upper_bits_count(void)
{
	call(0x100000000ULL | TV_HC_INFO, 0, 0, 0);
	UT_EQ(result(), -TV_KVM_ENOSYS);
	call(TV_HC_PRINT, 0x100000000ULL, 4, 0);
	UT_EQ(result(), -TV_HC_EFAULT);
}

static void hc_effect_is_cleared_on_every_call(void)
{
	call(TV_HC_EXIT, 3, 0, 0);
	UT_CHECK(eff.exit_requested);
	call(TV_HC_INFO, 0, 0, 0);
	UT_CHECK(!eff.exit_requested);
	UT_EQ(eff.exit_status, 0);
	call(TV_HC_PRINT, 0, 4, 0);
	UT_CHECK(eff.print != NULL);
	call(TV_HC_PRINT, RAM_BYTES, 4, 0);
	UT_CHECK(eff.print == NULL);
	UT_EQ(eff.print_len, 0);
}

static void hc_abi_numbers_match_the_guest_runtime(void)
{
	/* The preprocessor already compared the tokens; these pin the values. */
	UT_EQ(TV_HC_BASE, 0x54560000);
	UT_EQ(TV_HC_PRINT, 0x54560000);
	UT_EQ(TV_HC_EXIT, 0x54560001);
	UT_EQ(TV_HC_INFO, 0x54560002);
	UT_EQ(TV_HC_TRACE_DUMP, 0x54560003);
	UT_EQ(TV_KVM_ENOSYS, 1000);
	UT_EQ(TV_HC_PRINT_MAX, 4096);
	UT_EQ(TV_HC_EFAULT, TV_EFAULT);
	UT_EQ(TV_HC_EINVAL, TV_EINVAL);
	UT_EQ(TV_HC_ENOSYS, TV_ENOSYS);
	UT_EQ(TV_HC_EPERM, TV_EPERM);
	UT_EQ(sizeof(TV_SIGNATURE), 13);
	UT_CHECK(memcmp(TV_SIGNATURE, "tickvisor\0\0\0", 12) == 0);
	UT_EQ(TV_DEBUG_EXIT_PORT, 0xF4);
	UT_EQ(TV_EXIT_STATUS(0x10), 0x21);
}

static const struct ut_case cases[] = {
	UT_CASE(hc_info_returns_abi_version),
	UT_CASE(hc_print_hands_out_the_guest_bytes),
	UT_CASE(hc_print_of_zero_bytes_prints_nothing),
	UT_CASE(hc_print_up_to_the_last_ram_byte_is_allowed),
	UT_CASE(hc_print_outside_ram_is_efault),
	UT_CASE(hc_print_straddling_the_end_of_ram_is_efault),
	UT_CASE(hc_print_with_wrapping_address_is_efault),
	UT_CASE(hc_print_longer_than_max_is_einval),
	UT_CASE(hc_print_length_is_checked_before_address),
	UT_CASE(hc_print_without_ram_is_efault),
	UT_CASE(hc_exit_status_is_code_shl1_or1),
	UT_CASE(hc_exit_code_is_the_low_32_bits_of_rbx),
	UT_CASE(hc_trace_dump_is_requested_and_returns_zero),
	UT_CASE(hc_unknown_number_in_range_returns_enosys),
	UT_CASE(hc_number_outside_range_returns_kvm_enosys),
	UT_CASE(hc_kvm_number_from_user_mode_is_eperm),
	UT_CASE(hc_result_is_sign_extended_to_64_bits),
	UT_CASE(hc_argument_registers_are_preserved),
	UT_CASE(hc_from_user_mode_is_eperm),
	UT_CASE(hc_32bit_guest_upper_halves_are_ignored),
	UT_CASE(hc_64bit_guest_upper_bits_count),
	UT_CASE(hc_effect_is_cleared_on_every_call),
	UT_CASE(hc_abi_numbers_match_the_guest_runtime),
};

UT_MAIN("hypercall", cases)
