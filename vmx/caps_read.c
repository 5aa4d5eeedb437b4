/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "cpu: "

#include "caps_read.h"

#include <hv/log.h>
#include <x86/cpu.h>

void caps_collect_and_report(struct caps_summary *out)
{
	struct cpuid_regs r;

	cpu_cpuid(0, 0, &r);
	out->is_amd = r.ebx == 0x68747541U;	/* "Auth" of AuthenticAMD */
	cpu_cpuid(1, 0, &r);
	out->has_vmx = r.ecx & (1U << 5);
	out->cpuid_tsc_khz = 0;
	out->cpuid_tsc_source = TSC_SRC_NONE;
	pr_info("signature %#x, VMX %s\n", r.eax, out->has_vmx ? "yes" : "no");
}
