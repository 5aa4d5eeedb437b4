/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * mode=native: load the first guest into the machine's own low memory and
 * jump to it without VMX, so that the guest measures the platform's own
 * LAPIC (the baseline for every selftest and benchmark).  The guest then
 * owns the machine and ends the run itself (port 0xF4 or 0x8900).
 */
#ifndef TV_VMM_NATIVE_H
#define TV_VMM_NATIVE_H

#include <tv/types.h>

struct boot_info;

/*
 * @brief Hand the machine to the first guest= of the configuration.
 * @return only on failure, with the reason logged (the image refused, or its
 *         memory overlapping tickvisor's own); the caller ends the run.
 */
int native_run(const struct boot_info *bi);

#endif /* TV_VMM_NATIVE_H */
