/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * hypercall: tickvisor's hypercall ABI v1 (tests/guest/lib/hypercall.h).
 * Natively only the absence of the tickvisor signature is checked; VMCALL
 * would raise #UD there.  Under tickvisor the guest ends through
 * TV_HC_EXIT instead of isa-debug-exit.
 */
#include "guest.h"
#include "hypercall.h"
#include "libc.h"
#include "processor.h"
#include "report.h"

#define TV_HC_UNKNOWN		(TV_HC_BASE + 0x7fffUL)	/* inside the range, unassigned */
/* Far above any RAM a VM gets, inside the guest's 4-GiB identity map. */
#define GPA_OUTSIDE_RAM		0xf0000000UL

static const char hello_msg[] = "hypercall: hello through TV_HC_PRINT\n";

static void test_native(void)
{
	char sig[13];
	bool bit = tv_read_signature(sig);

	report(!tv_is_present(), "CPUID shows no tickvisor signature (hypervisor bit %s%s%s)",
	       bit ? "set, signature '" : "clear", bit ? sig : "", bit ? "'" : "");
	report_skip("TV_HC_INFO: not under tickvisor");
	report_skip("TV_HC_PRINT: not under tickvisor");
	report_skip("unknown hypercall: not under tickvisor");
	report_skip("TV_HC_EXIT: not under tickvisor");
}

static void test_unknown(void)
{
	unsigned long rbx = 0x1111UL, rcx = 0x2222UL, rdx = 0x3333UL;
	long ret;

	__asm__ volatile("vmcall" : "=a"(ret), "+b"(rbx), "+c"(rcx), "+d"(rdx)
			 : "a"(TV_HC_UNKNOWN) : "memory");
	report(ret == -TV_HC_ENOSYS, "unknown hypercall 0x%lx returns -ENOSYS (%ld)", TV_HC_UNKNOWN,
	       ret);
	report(rbx == 0x1111UL && rcx == 0x2222UL && rdx == 0x3333UL,
	       "RBX, RCX, RDX are preserved across VMCALL");
}

static void test_tickvisor(void)
{
	long ret;

	report(cpuid(TV_CPUID_SIGNATURE).a >= TV_CPUID_TIMING,
	       "tickvisor signature present, max leaf >= 0x40000010");
	ret = tv_info();
	report(ret == TV_HC_ABI_VERSION, "TV_HC_INFO returns ABI version %ld (%ld)",
	       TV_HC_ABI_VERSION, ret);
	ret = tv_print(hello_msg, sizeof(hello_msg) - 1);
	report(ret == 0, "TV_HC_PRINT of %zu bytes returns 0 (%ld)", sizeof(hello_msg) - 1, ret);
	ret = tv_print(hello_msg, 0);
	report(ret == 0, "TV_HC_PRINT of 0 bytes returns 0 (%ld)", ret);
	ret = tv_hypercall(TV_HC_PRINT, GPA_OUTSIDE_RAM, 16, 0);
	report(ret == -TV_HC_EFAULT, "TV_HC_PRINT of a buffer outside RAM returns -EFAULT (%ld)", ret);
	ret = tv_print(hello_msg, TV_HC_PRINT_MAX + 1);
	report(ret == -TV_HC_EINVAL, "TV_HC_PRINT longer than %lu bytes returns -EINVAL (%ld)",
	       TV_HC_PRINT_MAX, ret);
	test_unknown();
}

int main(void)
{
	bool under_tickvisor = tv_is_present();
	int code;

	if (under_tickvisor)
		test_tickvisor();
	else
		test_native();
	code = report_summary();
	if (!under_tickvisor)
		return code;
	printf("INFO: leaving through TV_HC_EXIT with code %d\n", code);
	tv_exit(code);
	report(false, "TV_HC_EXIT returned");
	return GUEST_EXIT_FAIL;
}
