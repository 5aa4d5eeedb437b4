/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "caps: "

#include "caps_read.h"

#include <tv/log.h>
#include <x86/cpu.h>

static bool caps_leaf_in_range(uint32_t leaf, uint32_t max_basic, uint32_t max_ext,
			       uint32_t max_hv)
{
	if (leaf >= 0x80000000U)
		return leaf <= max_ext;
	if (leaf >= 0x40000000U)
		return leaf <= max_hv;
	return leaf <= max_basic;
}

static void caps_read_raw(struct cpu_caps_raw *raw)
{
	struct cpuid_regs r;
	uint32_t max_basic, max_ext, max_hv = 0;

	cpu_cpuid(0, 0, &r);
	max_basic = r.eax;
	cpu_cpuid(0x80000000U, 0, &r);
	max_ext = r.eax;
	cpu_cpuid(1, 0, &r);
	if (r.ecx & (1U << 31)) {
		cpu_cpuid(0x40000000U, 0, &r);
		max_hv = r.eax >= 0x40000000U ? r.eax : 0x40000000U;
	}
	raw->cpuid_valid = 0;
	for (unsigned int i = 0; i < CAPS_LEAF_COUNT; i++) {
		uint32_t leaf = caps_leaf_number[i];

		if (!caps_leaf_in_range(leaf, max_basic, max_ext, max_hv))
			continue;
		cpu_cpuid(leaf, 0, &raw->cpuid[i]);
		raw->cpuid_valid |= 1U << i;
	}
	raw->msr_valid = 0;
	for (unsigned int i = 0; i < CAPS_MSR_COUNT; i++)
		if (cpu_rdmsr_safe(caps_msr_number[i], &raw->msr[i]) == 0)
			raw->msr_valid |= 1U << i;
}

static void caps_emit(void *ctx, enum tv_log_level level, const char *prefix, const char *text)
{
	(void)ctx;
	tv_log(level, TV_LOG_SITE, prefix, "%s\n", text);
}

void caps_collect_and_report(struct cpu_caps *caps)
{
	struct cpu_caps_raw raw;

	caps_read_raw(&raw);
	for (unsigned int i = 0; i < CAPS_MSR_COUNT; i++)
		if (raw.msr_valid & (1U << i))
			pr_dbg("raw %s (%#x) = %#018llx\n", caps_msr_name[i], caps_msr_number[i],
			       (unsigned long long)raw.msr[i]);
	for (unsigned int i = 0; i < CAPS_LEAF_COUNT; i++)
		if (raw.cpuid_valid & (1U << i))
			pr_dbg("raw cpuid %#010x = %08x %08x %08x %08x\n", caps_leaf_number[i],
			       raw.cpuid[i].eax, raw.cpuid[i].ebx, raw.cpuid[i].ecx,
			       raw.cpuid[i].edx);
	(void)vmx_caps_decode(&raw, caps);
	vmx_caps_report(caps, caps_emit, NULL);
}
