/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Collecting the CPU's capabilities on this CPU: CPUID leaves and VMX
 * capability MSRs (each RDMSR guarded, since a missing MSR #GPs), decoded by
 * vmx/caps.c and reported at boot, one line per fact.
 */
#ifndef TV_VMX_CAPS_READ_H
#define TV_VMX_CAPS_READ_H

#include <tv/types.h>

#include "caps.h"

/*
 * @brief Read, decode and report the capabilities into *caps, and print the
 *        raw values at debug level (the form tests/unit/data/ records use).
 */
void caps_collect_and_report(struct cpu_caps *caps);

#endif /* TV_VMX_CAPS_READ_H */
