/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "hypercall.h"
#include "libc.h"
#include "processor.h"
#include "report.h"

bool tv_has_hypervisor_bit(void)
{
	return (cpuid(1).c & CPUID_1_ECX_HYPERVISOR) != 0;
}

bool tv_read_signature(char sig[13])
{
	struct cpuid_result r;

	sig[0] = '\0';
	if (!tv_has_hypervisor_bit())
		return false;
	r = cpuid(TV_CPUID_SIGNATURE);
	memcpy(sig, &r.b, 4);
	memcpy(sig + 4, &r.c, 4);
	memcpy(sig + 8, &r.d, 4);
	sig[12] = '\0';
	return true;
}

bool tv_is_present(void)
{
	char sig[13];

	return tv_read_signature(sig) && !memcmp(sig, TV_SIGNATURE, 12);
}

bool tv_present_or_skip(void)
{
	char sig[13];

	if (tv_is_present())
		return true;
	report_skip("no tickvisor (%s): not provoked natively",
		    tv_read_signature(sig) ? sig : "no hypervisor bit");
	return false;
}

long tv_print(const char *s, size_t len)
{
	/* The guest runs identity mapped: the virtual address is the physical one. */
	return tv_hypercall(TV_HC_PRINT, (uintptr_t)s, len, 0);
}

long tv_info(void)
{
	return tv_hypercall(TV_HC_INFO, 0, 0, 0);
}

void tv_exit(int code)
{
	(void)tv_hypercall(TV_HC_EXIT, (unsigned long)(unsigned int)code, 0, 0);
}
