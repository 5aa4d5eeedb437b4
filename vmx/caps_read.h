/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Collecting the CPU's capabilities: CPUID leaves and VMX capability MSRs
 * read on this CPU (each read guarded, since a missing MSR #GPs), decoded by
 * vmx/caps.c and reported at boot, one line per fact.
 */
#ifndef HV_VMX_CAPS_READ_H
#define HV_VMX_CAPS_READ_H

#include <hv/types.h>

#include "../timer/hw_tsc.h"

/* What the rest of the boot needs from the report. */
struct caps_summary {
	bool has_vmx;
	bool is_amd;
	uint64_t cpuid_tsc_khz;
	enum tsc_source cpuid_tsc_source;
};

/* @brief Read, decode and report; fill *out. */
void caps_collect_and_report(struct caps_summary *out);

#endif /* HV_VMX_CAPS_READ_H */
